//! Benchmark: voicing 100 offline lines through the real voicing stage (espeak-ng → in-process decode and resample to
//! 48 kHz → checksum → store), against a baseline measured in the same run: the same 100 texts through espeak-ng
//! alone, one after another, with nothing else. Run: `cargo bench --bench voicing`.

use std::sync::Arc;
use std::time::Instant;

use studio_domain::{EpisodeScript, Genre};
use studio_pipeline::voice::{SpeechRequest, VoiceProvider, emotion_controls};
use studio_pipeline::voicing::VoiceStage;
use studio_pipeline::writer::PlanRequest;
use studio_pipeline::{CheckConfig, Pricing, ScriptStage};
use studio_providers::{EspeakVoices, TemplateWriter};
use studio_store::Store;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("bench.db")).await.unwrap();
        let pricing = Pricing::bundled();
        let w = TemplateWriter;
        let stage = ScriptStage {
            writer: &w,
            store: &store,
            pricing: &pricing,
            cfg: CheckConfig::default(),
        };
        let req = PlanRequest {
            title: "bench".into(),
            genre: Genre::Romance,
            episodes: 4,
            episode_duration_min: 12,
            premise: String::new(),
            main_theme: String::new(),
            target_audience: String::new(),
            series_id: "bench".into(),
            seed: 9,
        };
        let plan = stage.plan_series(req).await.unwrap().plan;
        store.save_plan(&plan).await.unwrap();
        let r = stage.write_episode("bench", 1).await.unwrap();
        // Exactly 100 lines.
        let mut script: EpisodeScript = r.script.unwrap();
        let mut left = 100usize;
        for s in &mut script.scenes {
            let keep = left.min(s.lines.len());
            s.lines.truncate(keep);
            left -= keep;
        }
        script.scenes.retain(|s| !s.lines.is_empty());
        assert_eq!(script.line_count(), 100);
        store
            .save_script("bench", 1, &serde_json::to_value(&script).unwrap(), None)
            .await
            .unwrap();

        // Baseline: espeak alone, sequential.
        let espeak = EspeakVoices::default();
        let voice = studio_domain::VoiceAssignment {
            provider: studio_domain::TtsProvider::Espeak,
            voice_id: "f1".into(),
            voice_name: "f1".into(),
            modulation: Default::default(),
            match_score: 1.0,
        };
        let t = Instant::now();
        for l in script.scenes.iter().flat_map(|s| &s.lines) {
            let req = SpeechRequest {
                text: l.text.clone(),
                voice: voice.clone(),
                controls: emotion_controls(&voice.modulation, &l.emotion, ""),
                previous_request_ids: vec![],
            };
            espeak.synthesize(&req).await.unwrap();
        }
        let baseline = t.elapsed();

        let vd = VoiceStage {
            providers: vec![Arc::new(EspeakVoices::default()) as Arc<dyn VoiceProvider>],
            store: &store,
            audio: Arc::new(studio_core::RenderMedia),
            data_dir: dir.path().to_path_buf(),
            pricing: &pricing,
            caps: vec![],
        };
        let t = Instant::now();
        let report = vd.voice_episode("bench", 1).await.unwrap();
        let desk_time = t.elapsed();
        assert_eq!(report.voiced_now, 100);
        assert!(report.failed.is_empty());
        // Re-run: nothing to redo (checksums verified).
        let t = Instant::now();
        let again = vd.voice_episode("bench", 1).await.unwrap();
        let rerun = t.elapsed();
        assert_eq!(again.already_done, 100);

        println!(
            "voicing benchmark: 100 offline lines (espeak-ng), {:.1} s of dialogue",
            report.total_duration_sec
        );
        println!(
            "  voicing stage (4 parallel, 48 kHz, store)   {:>8.3} s   {:>6.1} lines/s",
            desk_time.as_secs_f64(),
            100.0 / desk_time.as_secs_f64()
        );
        println!(
            "  baseline: espeak alone, sequential         {:>8.3} s   {:>6.1} lines/s",
            baseline.as_secs_f64(),
            100.0 / baseline.as_secs_f64()
        );
        println!(
            "  ratio stage / baseline                      {:>8.2}",
            desk_time.as_secs_f64() / baseline.as_secs_f64()
        );
        println!(
            "  re-run with everything voiced (verify)     {:>8.3} s",
            rerun.as_secs_f64()
        );
        println!(
            "  realtime factor                            {:>8.0}x",
            report.total_duration_sec / desk_time.as_secs_f64()
        );
    });
}
