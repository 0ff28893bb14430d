//! The dialogue measures against labelled fixtures (`fixtures/dialogue/`): scripts marked varied or repetitive,
//! lines marked by kind. Every label must come out right; the figures are printed for the issue notes
//! (`cargo test -p studio-pipeline --test pipeline dialogue -- --nocapture`).

use serde_json::Value;
use studio_pipeline::CheckConfig;
use studio_pipeline::dialogue::{
    PASTE_MIN_CHARS, is_narration, names_self, pasted_from, repetition,
};

fn load(name: &str) -> Value {
    serde_json::from_str(&crate::fixture(&format!("dialogue/{name}"))).unwrap()
}

#[test]
fn variety_tells_varied_scripts_from_repetitive_ones() {
    let floor = CheckConfig::default().quality_floor;
    for name in [
        "varied_romance_cafe.json",
        "varied_thriller_archive.json",
        "repetitive_offline_demo_ep1.json",
        "repetitive_llm_tails.json",
    ] {
        let f = load(name);
        let lines: Vec<String> = f["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| studio_domain::speech::split_directions(l[1].as_str().unwrap()).text)
            .collect();
        let r = repetition(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        println!(
            "{name}: {} lines, variety {:.2}, distinct-2 {:.2}, overused share {:.2}, overused {:?}",
            lines.len(),
            r.variety,
            r.distinct_2,
            r.overused_line_share,
            r.overused.iter().take(3).collect::<Vec<_>>()
        );
        match f["label"].as_str().unwrap() {
            "varied" => {
                assert!(r.variety >= floor, "{name}: {r:?}");
                assert!(r.overused.is_empty(), "{name}: {:?}", r.overused);
            }
            _ => assert!(r.variety < floor, "{name}: {r:?}"),
        }
    }
}

#[test]
fn every_labelled_line_is_told_right() {
    let f = load("lines.json");
    let cast: Vec<&str> = f["cast"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    let outline: Vec<&str> = f["outline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    let mut wrong = Vec::new();
    let lines = f["lines"].as_array().unwrap();
    for l in lines {
        let (speaker, text, kind) = (
            l["speaker"].as_str().unwrap(),
            l["text"].as_str().unwrap(),
            l["kind"].as_str().unwrap(),
        );
        // The same order as the quality check: outline paste, narration, self-naming.
        let found = if outline
            .iter()
            .any(|o| pasted_from(text, o, PASTE_MIN_CHARS).is_some())
        {
            "outline"
        } else if is_narration(text, &cast) {
            "narration"
        } else if names_self(text, speaker) {
            "self"
        } else {
            "ok"
        };
        if found != kind {
            wrong.push(format!(
                "{speaker}: {text} — labelled {kind}, found {found}"
            ));
        }
    }
    println!("{} labelled lines, {} told wrong", lines.len(), wrong.len());
    assert!(wrong.is_empty(), "{wrong:#?}");
}
