//! Benchmark: how close the whole-episode estimate, taken before anything is paid for (right after the script is
//! written), comes to what the ledger holds once the episode's paid work is done and reconciled. N two-minute
//! episodes of different series (genres and seeds differ) against mock providers that follow the real contracts
//! and spread like them: ElevenLabs speaks each line at its own rate (5.5–8.5 characters a second) and bills
//! characters, fal's Kling and FLUX jobs take their real shapes (scaled down), HeyGen bills one credit per started
//! 30 s of each video's audio. Reports estimate ÷ reconciled spend per provider and in total, per episode and over
//! all of them, and each episode's ledger per provider.
//!
//! Run: `cargo bench --bench estimate_accuracy [-- --episodes N]` (default 5).

use std::collections::BTreeMap;

use studio_core::secrets::MemorySecretStore;
use studio_core::{Engine, EngineOptions, NewSeries};
use studio_testkit::{ElevenLabsMock, HeyGenMock};

mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let episodes: u32 = args
        .iter()
        .position(|a| a == "--episodes")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (_media, fal) = common::fal_with_media(400.0).await;
        let el = ElevenLabsMock::start().await;
        let hg = HeyGenMock::start().await;
        let genres = [
            studio_domain::Genre::Romance,
            studio_domain::Genre::Thriller,
            studio_domain::Genre::Comedy,
        ];
        // Per provider: Σ estimate, Σ spent; and each episode's ratios.
        let mut sums: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        // Avatar lines over all episodes: one video each is what per-line avatars (before takes) would have sent.
        let mut avatar_lines = 0usize;
        let mut ratios: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        println!(
            "estimate accuracy: {episodes} two-minute episodes, estimate taken after the script, before any paid work"
        );
        for i in 0..episodes {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("config.toml"),
                "version = 1\n[production]\nepisode_cap_usd = 100.0\ndaily_cap_usd = 1000.0\n\
                 [visuals]\npoll_interval_sec = 0.02\nbudget_per_episode_usd = 5.0\nhard_cap_usd = 10.0\n\
                 [avatars]\npoll_interval_sec = 0.02\n[voices]\n",
            )
            .unwrap();
            let env: BTreeMap<String, String> = [
                ("AIDAS_FAL_QUEUE_URL", fal.uri()),
                // References go to the mock's storage too, never to fal.
                ("AIDAS_FAL_STORAGE_URL", fal.uri()),
                ("AIDAS_FAL_API_KEY", "fal-bench".into()),
                ("AIDAS_ELEVENLABS_BASE_URL", el.uri()),
                ("AIDAS_ELEVENLABS_API_KEY", "el-bench".into()),
                ("AIDAS_HEYGEN_BASE_URL", hg.uri()),
                ("AIDAS_HEYGEN_UPLOAD_URL", hg.uri()),
                ("AIDAS_HEYGEN_API_KEY", "hg-bench".into()),
                ("AIDAS_SECRETS_BACKEND", "env".into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            let e = Engine::open(EngineOptions {
                data_dir: Some(dir.path().to_path_buf()),
                env: Some(env),
                secret_store: Some(Box::new(MemorySecretStore::default())),
            })
            .await
            .unwrap();
            let id = format!("acc{i}");
            e.new_series(NewSeries {
                title: format!("정확도 {i}"),
                genre: Some(genres[i as usize % genres.len()]),
                episodes: 3,
                episode_duration_min: 2,
                premise: "작은 방송국의 비밀".into(),
                main_theme: "진실".into(),
                target_audience: "20-30대".into(),
                writer: Some("offline".into()),
                id: Some(id.clone()),
                seed: Some(11 + i as u64 * 7),
            })
            .await
            .unwrap();
            e.write_episode(&id, 1, Some("offline")).await.unwrap();
            e.cast(&id).await.unwrap();
            let est = e.episode_estimate(&id, 1).await.unwrap();
            let mut expected: BTreeMap<String, f64> = BTreeMap::new();
            for l in &est.lines {
                *expected.entry(l.provider.clone()).or_default() += l.usd;
            }
            for (p, v) in &est.spent_usd {
                *expected.entry(p.clone()).or_default() += v;
            }
            e.voice_episode(&id, 1).await.unwrap();
            e.make_visuals(&id, 1).await.unwrap();
            let av = e.make_avatars(&id, 1).await.unwrap();
            avatar_lines += av.lines_with_avatar;
            let mut spent: BTreeMap<String, f64> = BTreeMap::new();
            for l in e.store().usage(Some(&id)).await.unwrap() {
                if l.episode_number == Some(1) {
                    *spent.entry(l.provider.clone()).or_default() +=
                        l.actual_usd.unwrap_or(l.estimated_usd);
                }
            }
            let providers: std::collections::BTreeSet<String> = expected
                .iter()
                .chain(spent.iter())
                .filter(|(_, v)| **v > 0.0)
                .map(|(p, _)| p.clone())
                .collect();
            let mut row = Vec::new();
            let (mut te, mut ts) = (0.0, 0.0);
            for p in &providers {
                let (x, s) = (
                    expected.get(p).copied().unwrap_or(0.0),
                    spent.get(p).copied().unwrap_or(0.0),
                );
                te += x;
                ts += s;
                let r = if s > 0.0 { x / s } else { f64::INFINITY };
                row.push(format!("{p} ${x:.3} / ${s:.3} = {r:.3}"));
                let e = sums.entry(p.clone()).or_default();
                e.0 += x;
                e.1 += s;
                ratios.entry(p.clone()).or_default().push(r);
            }
            ratios.entry("total".into()).or_default().push(te / ts);
            let e2 = sums.entry("total".into()).or_default();
            e2.0 += te;
            e2.1 += ts;
            println!(
                "  episode {i} ({:?}, {} avatar takes): {} · total ${te:.3} / ${ts:.3} = {:.3}",
                genres[i as usize % genres.len()],
                av.takes,
                row.join(" · "),
                te / ts
            );
        }
        println!("over all {episodes} episodes (Σ estimate ÷ Σ reconciled; per-episode min–max):");
        for (p, (x, s)) in &sums {
            let rs = &ratios[p];
            let (lo, hi) = rs
                .iter()
                .fold((f64::INFINITY, 0.0f64), |(a, b), r| (a.min(*r), b.max(*r)));
            println!("  {p:<11} ${x:>8.3} / ${s:>8.3} = {:.3}  ({lo:.3}–{hi:.3})", x / s);
        }
        let b = hg.bill.lock().unwrap().clone();
        println!(
            "  HeyGen billed {} credits for {} takes ({:.1} s of audio in all); one video per line, as before takes, \
             would have been {avatar_lines} videos of at least one credit each; ElevenLabs billed {} characters",
            b.credits,
            b.videos,
            b.seconds.iter().sum::<f64>(),
            el.billed.lock().unwrap().characters
        );
    });
}
