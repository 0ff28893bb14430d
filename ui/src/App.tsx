import { useEffect, useState } from "react";
import type { Transport } from "./transport";
import { EngineError } from "./transport";

// Mirrors studio_store::SeriesSummary; generated bindings replace this with the desktop issue.
interface SeriesSummary {
  id: string;
  title: string;
  genre: string;
  status: string;
  total_episodes: number;
  characters: number;
  recorded_episodes: number;
  published_episodes: number;
}

export function App({ transport }: { transport: Transport }) {
  const [series, setSeries] = useState<SeriesSummary[] | null>(null);
  const [error, setError] = useState<EngineError | null>(null);

  useEffect(() => {
    transport
      .call<SeriesSummary[]>("series_list")
      .then(setSeries)
      .catch((e: EngineError) => setError(e));
  }, [transport]);

  return (
    <main style={{ fontFamily: "NanumGothic, 'Noto Sans CJK KR', sans-serif", padding: 24 }}>
      <h1>AIDAS 스튜디오</h1>
      <p>드라마 기획부터 유튜브 연재까지 — 시리즈 목록</p>
      {error && (
        <p role="alert">
          오류 ({error.code}): {error.message}
        </p>
      )}
      {series === null && !error && <p>불러오는 중…</p>}
      {series && series.length === 0 && <p>아직 시리즈가 없습니다. `aidas demo`로 예시 시리즈를 만들어 보세요.</p>}
      {series && series.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>제목</th>
              <th>장르</th>
              <th>인물</th>
              <th>기록된 회차</th>
            </tr>
          </thead>
          <tbody>
            {series.map((s) => (
              <tr key={s.id}>
                <td>{s.title}</td>
                <td>{s.genre}</td>
                <td>{s.characters}</td>
                <td>
                  {s.recorded_episodes} / {s.total_episodes}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
