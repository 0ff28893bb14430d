//! Benchmark: `context_for` at episode 100 of a generated 100-episode, 12-character series (99 recorded episodes),
//! against two baselines measured in the same run on the same database: a one-row series lookup, and
//! `context_for` at episode 2 (almost no history). Run: `cargo bench --bench context_for`.

#[path = "../tests/support/generate.rs"]
mod generate;

use std::time::{Duration, Instant};

use studio_store::Store;

const RUNS: usize = 300;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("bench.db")).await.unwrap();
        store.save_plan(&generate::long_plan("bench", 100)).await.unwrap();
        let t = Instant::now();
        for n in 1..100 {
            store.record_outcome("bench", &generate::outcome(n)).await.unwrap();
        }
        let record_each = t.elapsed() / 99;
        let rows: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM character_states) + (SELECT COUNT(*) FROM character_relationships) \
             + (SELECT COUNT(*) FROM story_memory) + (SELECT COUNT(*) FROM plot_threads)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();

        // Warm up caches and prepared statements.
        for _ in 0..20 {
            store.context_for("bench", 100).await.unwrap();
            store.context_for("bench", 2).await.unwrap();
            store.series("bench").await.unwrap();
        }
        let mut at100 = Vec::with_capacity(RUNS);
        let mut at2 = Vec::with_capacity(RUNS);
        let mut lookup = Vec::with_capacity(RUNS);
        // Interleaved so drift on the machine affects all three alike.
        for _ in 0..RUNS {
            let t = Instant::now();
            let c = store.context_for("bench", 100).await.unwrap();
            at100.push(t.elapsed());
            assert_eq!(c.previous_episodes.len(), 5);
            let t = Instant::now();
            store.context_for("bench", 2).await.unwrap();
            at2.push(t.elapsed());
            let t = Instant::now();
            store.series("bench").await.unwrap();
            lookup.push(t.elapsed());
        }
        let (m100, m2, ml) = (median(at100), median(at2), median(lookup));
        println!("context_for benchmark: 100 episodes, 12 characters, {rows} memory rows");
        println!("  context_for(ep 100)     median {:>9.3} ms", m100.as_secs_f64() * 1e3);
        println!("  context_for(ep 2)       median {:>9.3} ms", m2.as_secs_f64() * 1e3);
        println!("  series row lookup       median {:>9.3} ms", ml.as_secs_f64() * 1e3);
        println!("  ratio ep100 / ep2       {:.2}", m100.as_secs_f64() / m2.as_secs_f64());
        println!("  ratio ep100 / lookup    {:.2}", m100.as_secs_f64() / ml.as_secs_f64());
        println!("  record_outcome (avg)    {:>9.3} ms", record_each.as_secs_f64() * 1e3);
        println!("  target: median ≤ 10 ms — {}", if m100 <= Duration::from_millis(10) { "met" } else { "NOT met" });
    });
}
