//! Pipeline tests on fixtures (made by `cargo run -p studio-providers --example make_check_fixtures`): planted
//! contradictions, prompt snapshots, and fuzzing of the reply parser and checks.

mod contradictions;
mod dialogue;
mod fuzz;
mod snapshots;

use studio_domain::{Character, EpisodeContext, EpisodeScript};

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/pipeline/fixtures")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn world() -> (EpisodeContext, Vec<Character>, EpisodeScript) {
    (
        serde_json::from_str(&fixture("context_ep4.json")).unwrap(),
        serde_json::from_str(&fixture("characters.json")).unwrap(),
        serde_json::from_str(&fixture("clean_script_ep4.json")).unwrap(),
    )
}
