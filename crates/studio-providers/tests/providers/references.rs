//! The characters' references against the fal mock of the test kit (queue and storage): stills and keyframes of
//! shots with characters are made by FLUX Kontext with exactly those characters' reference images and the series'
//! style image; each reference is uploaded once; clips with characters are made by Kling Elements from the
//! references and the keyframe; prices and reasons are recorded; a refused reference endpoint falls back to a
//! text-only still with the reason; and a still whose outfits drift is made once more, then flagged.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use studio_domain::ClipPriority;
use studio_pipeline::Pricing;
use studio_pipeline::visuals::{
    ReferenceRoute, Route, TextOnlyWhy, VisualConfig, VisualsStage, shot_casts,
};
use studio_providers::{FalQueue, OfflineStills};
use studio_store::Store;
use studio_testkit::fal::{FalMock, FalTiming};

const KONTEXT: &str = "fal-ai/flux-pro/kontext/multi";
const ELEMENTS: &str = "fal-ai/kling-video/v1.6/standard/elements";
const FLUX: &str = "fal-ai/flux/schnell";

use crate::visuals::Ffmpeg;

/// A picture: a plain background with one figure in a coat of `coat` (head, then torso), as PNG bytes.
fn figure_png(w: u32, h: u32, background: [u8; 3], cx: u32, coat: [u8; 3]) -> Vec<u8> {
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb(background));
    let (top, tall) = (h / 8, h * 7 / 8);
    for y in top..h {
        for x in cx.saturating_sub(tall / 4)..(cx + tall / 4).min(w) {
            let c = if y < top + tall / 4 {
                [224, 182, 150]
            } else {
                coat
            };
            img.put_pixel(x, y, image::Rgb(c));
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

const RED: [u8; 3] = [178, 34, 40];
const GREEN: [u8; 3] = [40, 140, 70];
/// One coat colour per character, so every reference is its own file and the drift check can tell them apart.
const COATS: [[u8; 3]; 6] = [
    RED,
    [30, 40, 110],
    [230, 200, 40],
    [120, 50, 150],
    [240, 140, 30],
    [20, 160, 170],
];

/// A scene with one figure per coat, side by side, as PNG bytes.
fn scene_png(coats: &[[u8; 3]]) -> Vec<u8> {
    let (w, h) = (1200u32, 540u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([150, 110, 70]));
    let step = w / coats.len().max(1) as u32;
    for (i, coat) in coats.iter().enumerate() {
        let cx = step * i as u32 + step / 2;
        for y in h / 8..h {
            for x in cx.saturating_sub(step * 2 / 5)..(cx + step * 2 / 5).min(w) {
                let c = if y < h / 8 + h / 5 {
                    [224, 182, 150]
                } else {
                    *coat
                };
                img.put_pixel(x, y, image::Rgb(c));
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Every character's reference as its own picture (a creator's own references look like this: one file each),
/// recorded where the visuals stage keeps them; the Kontext results show the episode's people in their coats.
async fn own_references(w: &World) {
    let characters = w.store.characters("rom").await.unwrap();
    let dir = w.data.join("series/rom/refs");
    std::fs::create_dir_all(&dir).unwrap();
    let mut record = std::collections::BTreeMap::new();
    for (i, c) in characters.iter().enumerate() {
        let rel = format!("series/rom/refs/{}.png", c.id);
        std::fs::write(
            w.data.join(&rel),
            // A background of its own too: two characters in the same coat are still two files.
            figure_png(
                512,
                512,
                [200 - i as u8, 200, 205],
                256,
                COATS[i % COATS.len()],
            ),
        )
        .unwrap();
        record.insert(c.id.clone(), (rel, "creator".to_string()));
    }
    w.store.set_setting("refs/rom", &record).await.unwrap();
    // The people the episode's shots show, side by side in their coats.
    let shown: BTreeSet<String> = shot_casts(&w.script, &characters)
        .into_iter()
        .flatten()
        .collect();
    let coats: Vec<[u8; 3]> = characters
        .iter()
        .enumerate()
        .filter(|(_, c)| shown.contains(&c.id))
        .map(|(i, _)| COATS[i % COATS.len()])
        .collect();
    w.fal
        .images
        .lock()
        .unwrap()
        .push(("kontext".into(), scene_png(&coats)));
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    fal: FalMock,
    data: std::path::PathBuf,
    script: studio_domain::EpisodeScript,
}

/// An offline-planned episode cut to three one-second close-ups (high, low, high). The mock's stills are a
/// red-coated figure (so the references and the shots agree unless a test says otherwise).
async fn world() -> World {
    world_timed(FalTiming::Polls).await
}

async fn world_timed(timing: FalTiming) -> World {
    let dir = tempfile::tempdir().unwrap();
    // Close-ups that name their people (the episode's place shots show nobody and are made from text).
    let (store, script) =
        crate::offline::three_shot_episode(dir.path(), |s| s.visual.contains("클로즈업")).await;
    let media = tempfile::tempdir().unwrap();
    let mp4 = media.path().join("v.mp4");
    studio_render::kenburns::pattern_clip(
        &mp4,
        320,
        180,
        24,
        24,
        &studio_render::kenburns::EncodeOptions {
            preset: "ultrafast".into(),
            crf: 30,
        },
    )
    .unwrap();
    let fal = FalMock::start(
        figure_png(512, 512, [190, 190, 200], 256, RED),
        std::fs::read(&mp4).unwrap(),
        timing,
    )
    .await;
    World {
        data: dir.path().to_path_buf(),
        _dir: dir,
        store,
        fal,
        script,
    }
}

fn stage<'a>(w: &'a World, pricing: &'a Pricing) -> VisualsStage<'a> {
    let queue = FalQueue::new(
        &w.fal.uri(),
        Some("fal-test".into()),
        Duration::from_millis(2),
    )
    .with_storage(&w.fal.uri())
    .with_policy(crate::fast_policy(1));
    VisualsStage {
        remote: Some(Arc::new(queue)),
        deadline: Duration::from_secs(60),
        stills: vec![Arc::new(OfflineStills)],
        clips: Arc::new(Ffmpeg),
        store: &w.store,
        data_dir: w.data.clone(),
        pricing,
        cfg: VisualConfig::default(),
        caps: vec![],
    }
}

/// Episode 1's paid job for `purpose` (it must exist).
async fn job(w: &World, purpose: &str) -> studio_store::RemoteJob {
    w.store
        .remote_job("rom", 1, purpose)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no job {purpose}"))
}

/// The uploaded URL of each file name (`CHAR001.png`, `look.png`).
fn uploaded(w: &World) -> HashMap<String, String> {
    w.fal
        .uploads()
        .into_iter()
        .map(|(name, _, url)| (name, url))
        .collect()
}

#[tokio::test]
async fn shots_with_characters_are_made_from_exactly_their_references_uploaded_once() {
    let w = world().await;
    own_references(&w).await;
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing);
    let characters = w.store.characters("rom").await.unwrap();
    let casts = shot_casts(&w.script, &characters);
    assert!(
        casts.iter().all(|c| !c.is_empty()),
        "every shot of the offline episode shows someone: {casts:?}"
    );

    // The storyboard says which shots use references, at what price, and why.
    let (_, plan) = d.storyboard("rom", 1).await.unwrap();
    let kontext = pricing.image_cost(KONTEXT, 1920, 1080).unwrap();
    let elements = pricing.video_cost(ELEMENTS, 5).unwrap();
    assert_eq!(kontext, 0.04);
    for (dec, cast) in plan.decisions.iter().zip(&casts) {
        match dec.priority {
            ClipPriority::High => {
                assert_eq!(
                    dec.route,
                    Route::Video {
                        model: ELEMENTS.into(),
                        seconds: 5
                    }
                );
                assert!(
                    (dec.estimate_usd - (elements + kontext)).abs() < 1e-9,
                    "{dec:?}"
                );
                assert_eq!(
                    dec.references,
                    Some(ReferenceRoute::Video {
                        characters: cast.len()
                    })
                );
                assert!(
                    dec.reason.contains("from the references of"),
                    "{}",
                    dec.reason
                );
            }
            ClipPriority::Low => {
                assert_eq!(
                    dec.route,
                    Route::Still {
                        model: KONTEXT.into()
                    }
                );
                assert!((dec.estimate_usd - kontext).abs() < 1e-9);
                assert!(
                    dec.reason.contains("with the references of"),
                    "{}",
                    dec.reason
                );
            }
        }
    }

    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let urls = uploaded(&w);
    // Uploads: one per character reference that a shot uses, and the style image — each once.
    let used: BTreeSet<&String> = casts.iter().flatten().collect();
    let names: Vec<String> = w.fal.uploads().into_iter().map(|u| u.0).collect();
    assert_eq!(names.len(), used.len() + 1, "{names:?} for {casts:?}");
    assert_eq!(
        names.iter().collect::<BTreeSet<_>>().len(),
        names.len(),
        "no file uploaded twice: {names:?}"
    );
    let style = &urls["look.png"];

    // Every still and keyframe went to Kontext with exactly its characters' references, then the style image.
    // (Shots are made in parallel: inputs are compared with the shots as sets, not in order.)
    let sent = w.fal.inputs_for(KONTEXT);
    assert_eq!(sent.len(), 3, "three shots: two keyframes and one still");
    let refs_of = |cast: &Vec<String>| -> Vec<String> {
        cast.iter()
            .map(|id| urls[&format!("{id}.png")].clone())
            .collect()
    };
    let mut want: Vec<Vec<String>> = casts
        .iter()
        .map(|c| {
            let mut v = refs_of(c);
            v.push(style.clone());
            v
        })
        .collect();
    let mut got: Vec<Vec<String>> = sent
        .iter()
        .map(|input| {
            input["image_urls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(
        got, want,
        "each shot's characters' references, then the style image"
    );
    for input in &sent {
        let prompt = input["prompt"].as_str().unwrap();
        assert!(prompt.starts_with("Keep the face"), "{prompt}");
        assert!(
            prompt.contains("Style: cinematic"),
            "the series look: {prompt}"
        );
        assert_eq!(input["aspect_ratio"], "16:9");
    }
    // The clips: Kling Elements from the references and the keyframe (the Kontext result on the CDN).
    let clips = w.fal.inputs_for(ELEMENTS);
    assert_eq!(clips.len(), 2);
    let mut want: Vec<Vec<String>> = vec![refs_of(&casts[0]), refs_of(&casts[2])];
    let mut got: Vec<Vec<String>> = Vec::new();
    for input in &clips {
        let mut images: Vec<String> = input["input_image_urls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let keyframe = images.pop().unwrap();
        assert!(
            keyframe.contains("/cdn/img-"),
            "the keyframe last: {keyframe}"
        );
        assert_eq!(input["duration"], "5");
        got.push(images);
    }
    want.sort();
    got.sort();
    assert_eq!(got, want);
    // No text-only FLUX still for any shot: FLUX made only the style image (the references were there).
    assert_eq!(w.fal.inputs_for(FLUX).len(), 1);

    // What each shot records, and what it cost.
    let media = d.shot_media("rom", 1).await.unwrap();
    for (m, cast) in media.iter().zip(&casts) {
        let id = m.identity.as_ref().expect("a shot with characters");
        assert_eq!(&id.characters, cast);
        assert!(id.conditioned && id.style_image);
        let drift = id.drift.as_ref().expect("a paid still is checked");
        assert!(!drift.flagged && !drift.retried, "{drift:?}");
    }
    assert_eq!(media[1].generator, KONTEXT);
    assert!((media[1].cost_usd - kontext).abs() < 1e-9);
    assert_eq!(media[0].generator, ELEMENTS);
    assert!((media[0].cost_usd - (kontext + elements)).abs() < 1e-9);
    for purpose in ["ref-keyframe:0", "ref-still:1", "ref-keyframe:2"] {
        let j = job(&w, purpose).await;
        assert_eq!(
            (j.model.as_str(), j.state.as_str()),
            (KONTEXT, "downloaded"),
            "{purpose}"
        );
        assert!((j.estimate_usd - kontext).abs() < 1e-9);
    }

    // Made again (a lost still): the references are not uploaded again, and no job is paid twice.
    std::fs::remove_file(w.data.join(&media[1].still_path)).unwrap();
    let again = d.make_visuals("rom", 1).await.unwrap();
    assert_eq!(again.made_now, 1);
    assert_eq!(w.fal.uploads().len(), names.len(), "no new upload");
    assert!(
        w.fal.submits().values().all(|n| *n == 1),
        "{:?}",
        w.fal.submits()
    );
}

#[tokio::test]
async fn a_refused_reference_endpoint_falls_back_to_a_text_only_still_with_the_reason() {
    let w = world().await;
    w.fal.refuse.lock().unwrap().push("kontext".into());
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing);
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let media = d.shot_media("rom", 1).await.unwrap();
    let low = &media[1];
    assert_eq!(low.generator, FLUX, "a text-only paid still instead");
    assert_eq!(
        low.decision.references,
        Some(ReferenceRoute::TextOnly {
            why: TextOnlyWhy::Failed
        })
    );
    assert!(
        low.decision.reason.contains("from text only instead")
            && low.decision.reason.contains("could not load an image"),
        "{}",
        low.decision.reason
    );
    let id = low.identity.as_ref().unwrap();
    assert!(!id.conditioned && id.drift.is_none());
    assert!((low.cost_usd - pricing.image_cost(FLUX, 1920, 1080).unwrap()).abs() < 1e-9);
    // Nothing was billed for the refusal: the Kontext job did not finish.
    let j = w.store.remote_job("rom", 1, "ref-still:1").await.unwrap();
    assert!(j.as_ref().is_none_or(|j| j.state != "downloaded"), "{j:?}");
}

#[tokio::test]
async fn a_still_whose_outfit_drifts_is_made_once_more_then_flagged() {
    let w = world().await;
    // Kontext draws the character in a green dress; every reference shows a red coat.
    w.fal.images.lock().unwrap().push((
        "kontext".into(),
        figure_png(960, 540, [150, 110, 70], 300, GREEN),
    ));
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing);
    d.make_visuals("rom", 1).await.unwrap();
    let media = d.shot_media("rom", 1).await.unwrap();
    let drift = media[1].identity.as_ref().unwrap().drift.clone().unwrap();
    assert!(drift.retried && drift.flagged, "{drift:?}");
    assert!(drift.outfit < drift.threshold);
    assert_eq!(drift.faces, studio_pipeline::visuals::FaceCheck::NotChecked);
    // Each of the three stills was sent once and made once more, once: six Kontext jobs, every one submitted once.
    let kontext: Vec<(String, usize)> = w
        .fal
        .submits()
        .into_iter()
        .filter(|(k, _)| k.contains("kontext"))
        .collect();
    assert_eq!(kontext.len(), 6, "{kontext:?}");
    assert!(kontext.iter().all(|(_, n)| *n == 1), "{kontext:?}");
    for purpose in ["ref-still:1", "ref-still-retry:1", "ref-keyframe-retry:0"] {
        let j = job(&w, purpose).await;
        assert_eq!(j.state, "downloaded", "{purpose}");
    }
    // The retry went with another seed, and the shot uses the retry's own file (neither file overwritten).
    let seeds: BTreeSet<String> = w
        .fal
        .inputs_for(KONTEXT)
        .iter()
        .map(|i| i["seed"].to_string())
        .collect();
    assert_eq!(seeds.len(), 6, "every retry with a seed of its own");
    assert!(
        media[1].still_path.ends_with("shot001-retry.png"),
        "{}",
        media[1].still_path
    );
    assert!(
        w.data
            .join("series/rom/ep001/visuals/shot001.png")
            .is_file()
    );
    assert!(
        (media[1].cost_usd - 0.08).abs() < 1e-9,
        "the retry is paid and counted"
    );
    assert!(
        media[1]
            .decision
            .reason
            .contains("made once more after the drift check")
    );
    // Made again later: everything is there as made; nothing is sent or fetched again.
    let again = d.make_visuals("rom", 1).await.unwrap();
    assert_eq!((again.made_now, again.already_done), (0, 3));
    assert!(w.fal.submits().values().all(|n| *n == 1));
}

#[tokio::test]
async fn references_that_cannot_be_uploaded_leave_text_only_stills_and_an_old_upload_goes_up_again()
{
    let w = world().await;
    own_references(&w).await;
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing);
    // fal's storage is down: nothing is paid with references; each shot says why and is made from text.
    w.fal
        .storage_down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert!(w.fal.inputs_for(KONTEXT).is_empty());
    let media = d.shot_media("rom", 1).await.unwrap();
    for m in &media {
        assert_eq!(
            m.decision.references,
            Some(ReferenceRoute::TextOnly {
                why: TextOnlyWhy::Failed
            }),
            "{}",
            m.decision.reason
        );
        assert!(
            m.decision.reason.contains("uploading"),
            "{}",
            m.decision.reason
        );
        assert!(!m.identity.as_ref().unwrap().conditioned);
    }
    assert_eq!(media[1].generator, FLUX);

    // Storage back: a still made again (it was lost) is made with references; the files go up once each.
    w.fal
        .storage_down
        .store(false, std::sync::atomic::Ordering::SeqCst);
    std::fs::remove_file(w.data.join(&media[1].still_path)).unwrap();
    d.make_visuals("rom", 1).await.unwrap();
    assert_eq!(w.fal.inputs_for(KONTEXT).len(), 1);
    let media = d.shot_media("rom", 1).await.unwrap();
    assert!(media[1].identity.as_ref().unwrap().conditioned);
    let names: Vec<String> = w.fal.uploads().into_iter().map(|u| u.0).collect();
    assert_eq!(
        names.iter().collect::<BTreeSet<_>>().len(),
        names.len(),
        "{names:?}"
    );

    // An upload older than the reuse period goes up again before it is named; a fresh one does not.
    let old = studio_pipeline::visuals::UPLOAD_REUSE_DAYS * 24 * 3600 * 1000 + 60_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (name, _, url) = w.fal.uploads().last().cloned().unwrap();
    let file = if name == "look.png" {
        "series/rom/look.png".to_string()
    } else {
        format!("series/rom/refs/{name}")
    };
    let sha = studio_pipeline::artifact::sha256_file(&w.data.join(&file)).unwrap();
    w.store
        .save_reference_upload(&sha, "fal", &url, now - old)
        .await
        .unwrap();
    let d2 = stage(&w, &pricing);
    let rel = file.clone();
    // Naming the aged file uploads it once more; naming it again reuses that upload.
    let u1 = d2.reference_url(&rel).await.unwrap();
    let u2 = d2.reference_url(&rel).await.unwrap();
    assert_ne!(
        u1,
        url,
        "uploaded again after {} days",
        studio_pipeline::visuals::UPLOAD_REUSE_DAYS
    );
    assert_eq!(u1, u2);
}

#[tokio::test]
async fn a_reference_keyframe_that_needs_attention_holds_the_clip_and_says_so() {
    // Stills take fal 2–5 s here, and a job may take at most 1 s (the runner counts whole seconds): every image
    // job is stuck, maybe still billing.
    let w = world_timed(FalTiming::RealShape { scale: 1.0 }).await;
    own_references(&w).await;
    let pricing = Pricing::bundled();
    let mut d = stage(&w, &pricing);
    d.deadline = Duration::from_secs(1);
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let media = d.shot_media("rom", 1).await.unwrap();
    let shot = &media[0];
    assert_eq!(
        shot.decision.references,
        Some(ReferenceRoute::TextOnly {
            why: TextOnlyWhy::NeedsAttention
        })
    );
    assert_eq!(
        shot.decision.why,
        Some(studio_pipeline::visuals::RouteWhy::VideoNeedsAttention)
    );
    assert!(shot.offline, "an offline still meanwhile");
    // Nothing else was paid for the shot: no text-only still, no clip.
    assert!(
        w.fal.inputs_for(ELEMENTS).is_empty(),
        "no clip while its keyframe may still bill"
    );
    assert!(
        w.fal
            .submits()
            .keys()
            .all(|k| !k.contains("keyframe:0") || k.contains("ref-keyframe:0")),
        "{:?}",
        w.fal.submits()
    );
    // The style image's job is stuck too: no offline picture is locked as the series look.
    let look: studio_pipeline::visuals::SeriesLook =
        w.store.setting("look/rom").await.unwrap().unwrap();
    assert!(look.style_image.is_empty(), "{look:?}");
}

/// The world with the close-up episode's last shot in a later scene, where the character it shows has changed
/// into a wedding dress (a development with `outfit` from that scene). With `outfit_reference`, the creator has a
/// reference of them in it (a white coat). Returns the world, the character and the outfit.
async fn dressed_world(outfit_reference: bool) -> (World, String, String) {
    let mut w = world().await;
    let characters = w.store.characters("rom").await.unwrap();
    let casts = shot_casts(&w.script, &characters);
    let (first, last) = (w.script.storyboard[0].scene, w.script.storyboard[2].scene);
    assert!(first < last, "the close-ups come from different scenes");
    let who = casts[2][0].clone();
    let name = characters
        .iter()
        .find(|c| c.id == who)
        .unwrap()
        .name
        .clone();
    // The first close-up shows them too (before the change), named in its scene and its picture.
    let scene = w
        .script
        .scenes
        .iter_mut()
        .find(|s| s.number == first)
        .unwrap();
    if !scene.characters.contains(&who) {
        scene.characters.push(who.clone());
    }
    w.script.storyboard[0].visual = format!("{name} 클로즈업");
    let outfit = "하얀 웨딩드레스".to_string();
    w.script
        .character_developments
        .push(studio_domain::CharacterDevelopment {
            // Named by name, with spaces, as a writer may.
            character: format!(" {name} "),
            outfit: Some(outfit.clone()),
            outfit_scene: Some(last),
            outfit_prompt: Some("a white wedding dress".into()),
            ..Default::default()
        });
    w.store
        .save_script("rom", 1, &serde_json::to_value(&w.script).unwrap(), None)
        .await
        .unwrap();
    assert!(shot_casts(&w.script, &characters)[0].contains(&who));
    own_references(&w).await;
    if outfit_reference {
        let rel = format!("series/rom/refs/{who}/outfit/dress.png");
        std::fs::create_dir_all(w.data.join(&rel).parent().unwrap()).unwrap();
        std::fs::write(
            w.data.join(&rel),
            figure_png(512, 512, [90, 90, 100], 256, [245, 245, 245]),
        )
        .unwrap();
        let mut map = w.store.references_in_use("rom").await.unwrap();
        map.insert(
            studio_store::reference_slot(&who, &outfit),
            (rel, "uploaded".into()),
        );
        w.store.set_setting("refs/rom", &map).await.unwrap();
    }
    (w, who, outfit)
}

/// The Kontext input whose prompt begins like `shot`'s video prompt says (shots are made in parallel).
fn input_of_shot<'a>(
    sent: &'a [serde_json::Value],
    shot: &studio_domain::Shot,
) -> &'a serde_json::Value {
    let start: String = shot.video_prompt.chars().take(30).collect();
    sent.iter()
        .find(|i| i["prompt"].as_str().unwrap().contains(&start))
        .unwrap_or_else(|| panic!("no input for {start}"))
}

#[tokio::test]
async fn a_character_in_a_new_outfit_gets_its_reference_from_the_scene_it_is_worn() {
    let (w, who, outfit) = dressed_world(true).await;
    let pricing = Pricing::bundled();
    let mut d = stage(&w, &pricing);
    // Outfits only: the picture the mock returns is not the point here.
    d.cfg.drift_threshold = 0.0;
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let urls = uploaded(&w);
    let sent = w.fal.inputs_for(KONTEXT);
    let images = |i: &serde_json::Value| -> Vec<String> {
        i["image_urls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    // Before the change: the usual reference. From its scene on: the outfit's, and the prompt names it.
    let last = input_of_shot(&sent, &w.script.storyboard[2]);
    assert!(images(last).contains(&urls["dress.png"]), "{last}");
    assert!(!images(last).contains(&urls[&format!("{who}.png")]));
    let prompt = last["prompt"].as_str().unwrap();
    // The models get the writer's English words for it.
    assert!(prompt.contains("wearing a white wedding dress"), "{prompt}");
    assert!(
        prompt.starts_with("Keep the face, hair and clothes")
            || prompt.starts_with("Keep the faces, hair and clothes"),
        "{prompt}"
    );
    // The close-up before the change: the usual reference, and no outfit in words.
    let first = input_of_shot(&sent, &w.script.storyboard[0]);
    assert!(images(first).contains(&urls[&format!("{who}.png")]));
    assert!(!images(first).contains(&urls["dress.png"]));
    assert!(
        !first["prompt"]
            .as_str()
            .unwrap()
            .contains("wearing a white wedding dress")
    );
    // The shot records the outfit and compares it with the outfit's reference.
    let media = d.shot_media("rom", 1).await.unwrap();
    let id = media[2].identity.as_ref().unwrap();
    assert_eq!(id.outfits.get(&who), Some(&outfit));
    assert!(id.outfit_unchecked.is_empty() && id.drift.is_some());
    // The clip of that shot (high priority) is made from the outfit's reference too.
    let clip = w.fal.inputs_for(ELEMENTS).into_iter().find(|i| {
        i["input_image_urls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str() == Some(urls["dress.png"].as_str()))
    });
    assert!(clip.is_some(), "an Elements clip from the outfit reference");
}

#[tokio::test]
async fn an_outfit_without_a_reference_keeps_the_face_and_dresses_from_words_unchecked() {
    let (w, who, outfit) = dressed_world(false).await;
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing);
    d.make_visuals("rom", 1).await.unwrap();
    let urls = uploaded(&w);
    let sent = w.fal.inputs_for(KONTEXT);
    let last = input_of_shot(&sent, &w.script.storyboard[2]);
    let prompt = last["prompt"].as_str().unwrap();
    assert!(
        prompt.contains("and hair of the") && prompt.contains("Dress them as described"),
        "faces from the references, clothes from the words: {prompt}"
    );
    assert!(prompt.contains("wearing a white wedding dress"), "{prompt}");
    assert!(!prompt.contains(&outfit), "English words only: {prompt}");
    assert!(
        last["image_urls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str() == Some(urls[&format!("{who}.png")].as_str())),
        "the usual reference gives the face"
    );
    let media = d.shot_media("rom", 1).await.unwrap();
    let id = media[2].identity.as_ref().unwrap();
    assert_eq!(id.outfit_unchecked, vec![who.clone()]);
    // The usual reference shows other clothes: comparing them would flag every such shot, so they are not (the
    // others in the shot, if any, are).
    match &id.drift {
        None => assert_eq!(id.characters, vec![who.clone()]),
        Some(d) => assert_ne!(d.weakest, who),
    }
}

#[tokio::test]
async fn outfit_candidates_keep_the_usual_face_and_a_batch_is_paid_once() {
    let w = world().await;
    own_references(&w).await;
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing);
    let characters = w.store.characters("rom").await.unwrap();
    let c = &characters[0];
    let dir = w.data.join("series/rom/refs/cands");
    let batch_one = || {
        d.reference_candidates(
            "rom",
            c,
            "하얀 웨딩드레스",
            "a white wedding dress",
            1,
            4,
            &dir,
        )
    };
    let (files, generator, cost) = batch_one().await.unwrap();
    assert_eq!(files.len(), 4);
    assert_eq!(generator, KONTEXT, "all four from the usual reference");
    assert!((cost - 4.0 * pricing.image_cost(KONTEXT, 1024, 1024).unwrap()).abs() < 1e-9);
    let usual = uploaded(&w)[&format!("{}.png", c.id)].clone();
    let sent = w.fal.inputs_for(KONTEXT);
    assert_eq!(sent.len(), 4);
    for input in &sent {
        assert_eq!(input["image_urls"], serde_json::json!([usual]));
        let prompt = input["prompt"].as_str().unwrap();
        assert!(
            prompt.starts_with(
                "Keep the face and hair of the person in the first image exactly. Dress them as described."
            ) && prompt.contains("wearing a white wedding dress")
                && !prompt.contains("웨딩"),
            "{prompt}"
        );
    }
    // The jobs are named by the outfit's tag (ASCII: it becomes the job's tag at fal), one per candidate.
    let tag = studio_store::outfit_tag("하얀 웨딩드레스");
    for k in 0..4 {
        let purpose = format!("ref-candidate:{}@{tag}:1:{k}", c.id);
        assert!(purpose.is_ascii());
        let j = w
            .store
            .remote_job("rom", 0, &purpose)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{purpose}"));
        assert_eq!(j.state, "downloaded");
    }
    // The same batch again (as after a crash before the batch was recorded): nothing is paid again.
    batch_one().await.unwrap();
    assert_eq!(w.fal.inputs_for(KONTEXT).len(), 4);
    assert!(
        w.fal.submits().values().all(|n| *n == 1),
        "{:?}",
        w.fal.submits()
    );
}

#[tokio::test]
async fn a_missing_outfit_picture_stops_only_the_episodes_that_wear_it() {
    // Another outfit of someone else, whose file is gone: no shot of this episode wears it, so nothing stops.
    let (w, _, _) = dressed_world(false).await;
    let characters = w.store.characters("rom").await.unwrap();
    let mut map = w.store.references_in_use("rom").await.unwrap();
    map.insert(
        studio_store::reference_slot(&characters[0].id, "한복"),
        ("series/rom/refs/gone.png".into(), "uploaded".into()),
    );
    w.store.set_setting("refs/rom", &map).await.unwrap();
    let pricing = Pricing::bundled();
    let r = stage(&w, &pricing).make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);

    // The outfit the episode's last shot wears, whose file is gone: the stage stops, naming it; nothing is paid.
    let (w, who, outfit) = dressed_world(true).await;
    let rel = &w.store.references_in_use("rom").await.unwrap()
        [&studio_store::reference_slot(&who, &outfit)]
        .0
        .clone();
    std::fs::remove_file(w.data.join(rel)).unwrap();
    let err = stage(&w, &pricing)
        .make_visuals("rom", 1)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("in \"{outfit}\"")) && err.contains("upload it again"),
        "{err}"
    );
    assert!(w.fal.submits().is_empty(), "{:?}", w.fal.submits());
}
