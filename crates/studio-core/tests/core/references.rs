//! A character's reference images as the creator keeps them: four candidates to choose one from, the creator's own
//! files (several angles), versions to go back to, locked with the cast, and kept when the look's words change.

use studio_core::directing::CharacterEdit;
use studio_core::references::ReferenceSource;

fn image(w: u32, h: u32, format: image::ImageFormat, tint: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, tint])
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    img.write_to(&mut buf, format).unwrap();
    buf.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creator_chooses_uploads_goes_back_and_the_lock_holds() {
    let dir = tempfile::tempdir().unwrap();
    let e = super::fast_engine(dir.path()).await;
    super::offline_series(&e, "refs", "레퍼런스 시험", 3, 5).await;
    let view = e.references("refs").await.unwrap();
    assert!(!view.locked);
    let lead = view.characters[0].clone();
    assert!(lead.usual.current.is_none() && lead.usual.versions.is_empty());

    // The studio's generated reference exists (as the visuals stage leaves it).
    let generated = format!("series/refs/refs/{}.png", lead.character_id);
    std::fs::create_dir_all(dir.path().join("series/refs/refs")).unwrap();
    std::fs::write(
        dir.path().join(&generated),
        image(512, 512, image::ImageFormat::Png, 10),
    )
    .unwrap();
    let mut map = std::collections::BTreeMap::new();
    map.insert(
        lead.character_id.clone(),
        (generated.clone(), "offline-procedural".to_string()),
    );
    e.store().set_setting("refs/refs", &map).await.unwrap();
    let view = e.references("refs").await.unwrap();
    assert_eq!(
        view.characters[0].usual.source,
        Some(ReferenceSource::Generated)
    );

    // Four candidates, offline and free without keys; by name or id.
    let view = e
        .reference_candidates("refs", &lead.name, "")
        .await
        .unwrap();
    let c = &view.characters[0];
    assert_eq!(c.usual.candidates.len(), 4);
    assert!(c.usual.candidates_offline && c.usual.candidates_cost_usd == 0.0);
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(
        dir.path()
            .join(format!("series/refs/refs/{}/candidates", lead.character_id)),
    )
    .unwrap()
    .map(|f| f.unwrap().path())
    .collect();
    assert_eq!(files.len(), 4);
    let sums: std::collections::BTreeSet<Vec<u8>> =
        files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(sums.len(), 4, "four different pictures");
    // Asking again replaces them.
    let view = e
        .reference_candidates("refs", &lead.character_id, "")
        .await
        .unwrap();
    assert_eq!(view.characters[0].usual.candidates.len(), 4);
    let err = e
        .choose_reference("refs", &lead.name, "", 4)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("candidates 1–4, not 5"), "{err}");

    // Choose the third: the generated one is kept as version 1, the chosen one is version 2 and in use.
    let view = e.choose_reference("refs", &lead.name, "", 2).await.unwrap();
    let c = &view.characters[0];
    assert_eq!(c.usual.source, Some(ReferenceSource::Chosen));
    assert!(
        c.usual.candidates.is_empty(),
        "the choice clears the candidates"
    );
    assert_eq!(
        c.usual
            .versions
            .iter()
            .map(|v| (v.version, v.source, v.current))
            .collect::<Vec<_>>(),
        vec![
            (1, ReferenceSource::Generated, false),
            (2, ReferenceSource::Chosen, true)
        ]
    );
    assert_eq!(
        c.usual.current.as_deref(),
        c.usual.versions[1].files.first().map(String::as_str)
    );

    // The creator's own files: bad ones say what is wrong and change nothing.
    let small = image(200, 640, image::ImageFormat::Png, 30);
    for (files, says) in [
        (vec![], "choose at least one image"),
        (
            vec![("empty.png".to_string(), Vec::new())],
            "empty.png is empty",
        ),
        (
            vec![("notes.png".to_string(), b"not an image".to_vec())],
            "notes.png is not an image",
        ),
        (
            vec![("small.png".to_string(), small.clone())],
            "small.png is 200×640 px",
        ),
        (
            (0..5)
                .map(|i| (format!("{i}.png"), small.clone()))
                .collect::<Vec<_>>(),
            "at most 4 images",
        ),
    ] {
        let err = e
            .upload_reference("refs", &lead.name, "", &files)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains(says), "{err}");
    }
    assert_eq!(
        e.references("refs").await.unwrap().characters[0]
            .usual
            .versions
            .len(),
        2
    );

    // Two angles, a PNG and a JPEG: version 3, the first file the main one.
    let angles = vec![
        (
            "front.png".to_string(),
            image(480, 640, image::ImageFormat::Png, 200),
        ),
        (
            "side.jpg".to_string(),
            image(640, 480, image::ImageFormat::Jpeg, 120),
        ),
    ];
    let view = e
        .upload_reference("refs", &lead.name, "", &angles)
        .await
        .unwrap();
    let c = &view.characters[0];
    assert_eq!(c.usual.source, Some(ReferenceSource::Uploaded));
    let v3 = c.usual.versions.last().unwrap();
    assert_eq!((v3.version, v3.files.len(), v3.current), (3, 2, true));
    let map: std::collections::BTreeMap<String, (String, String)> =
        e.store().setting("refs/refs").await.unwrap().unwrap();
    let (main, generator) = &map[&lead.character_id];
    assert!(
        main.ends_with("-0.png") && generator == "uploaded",
        "{main} {generator}"
    );
    let main_img = image::open(dir.path().join(main)).unwrap();
    assert_eq!((main_img.width(), main_img.height()), (480, 640));
    // The same pictures again make no new version.
    let view = e
        .upload_reference("refs", &lead.name, "", &angles)
        .await
        .unwrap();
    assert_eq!(view.characters[0].usual.versions.len(), 3);

    // Changing the look's words keeps the creator's own reference.
    e.edit_character(
        "refs",
        &lead.name,
        CharacterEdit {
            appearance: Some("a woman in her thirties with short hair and a grey suit".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let after: std::collections::BTreeMap<String, (String, String)> =
        e.store().setting("refs/refs").await.unwrap().unwrap();
    assert_eq!(after[&lead.character_id].0, *main);

    // Back to version 2; a version that never was is refused.
    let view = e.use_reference("refs", &lead.name, "", 2).await.unwrap();
    assert_eq!(
        view.characters[0].usual.source,
        Some(ReferenceSource::Chosen)
    );
    assert!(view.characters[0].usual.versions[1].current);
    let err = e
        .use_reference("refs", &lead.name, "", 9)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("has reference versions 1, 2, 3 of their usual look, not 9"),
        "{err}"
    );

    // Locked with the cast: nothing changes until it is unlocked.
    e.set_cast_locked("refs", true).await.unwrap();
    assert!(e.references("refs").await.unwrap().locked);
    for err in [
        e.upload_reference("refs", &lead.name, "", &angles)
            .await
            .unwrap_err(),
        e.reference_candidates("refs", &lead.name, "")
            .await
            .unwrap_err(),
        e.use_reference("refs", &lead.name, "", 1)
            .await
            .unwrap_err(),
    ] {
        assert!(err.to_string().contains("unlock the cast"), "{err}");
    }
    e.set_cast_locked("refs", false).await.unwrap();
    e.use_reference("refs", &lead.name, "", 1).await.unwrap();
    assert_eq!(
        e.references("refs").await.unwrap().characters[0]
            .usual
            .source,
        Some(ReferenceSource::Generated)
    );
    // Candidates after a choice are a new batch (the third), not the chosen batch again.
    let view = e
        .reference_candidates("refs", &lead.name, "")
        .await
        .unwrap();
    assert!(
        view.characters[0]
            .usual
            .candidates
            .iter()
            .all(|f| f.contains("/candidates/3-")),
        "{:?}",
        view.characters[0].usual.candidates
    );
}

/// A character's references in a view.
fn of<'a>(
    view: &'a studio_core::references::ReferencesView,
    id: &str,
) -> &'a studio_core::references::CharacterReferences {
    view.characters
        .iter()
        .find(|x| x.character_id == id)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outfit_from_the_story_gets_its_own_reference_set() {
    let dir = tempfile::tempdir().unwrap();
    let e = super::fast_engine(dir.path()).await;
    super::offline_series(&e, "dress", "옷차림 시험", 4, 7).await;
    for n in 1..=2 {
        e.write_episode("dress", n, None).await.unwrap();
    }
    // The offline writer dresses the lead up for the last scene of episode 2.
    let view = e.references("dress").await.unwrap();
    let (c, set) = view
        .characters
        .iter()
        .find_map(|c| c.outfits.first().map(|o| (c.clone(), o.clone())))
        .expect("a character the story dressed in an outfit");
    assert_eq!(
        (set.outfit.as_str(), set.first_episode),
        ("하얀 원피스", Some(2))
    );
    assert!(set.current.is_none() && set.versions.is_empty());

    // An outfit the story never had is refused, naming the ones it had.
    let err = e
        .reference_candidates("dress", &c.name, "우주복")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(
        err.to_string().contains("\"우주복\"") && err.to_string().contains("하얀 원피스"),
        "{err}"
    );

    // Four candidates for the outfit, in a folder of its own; choose the second.
    let view = e
        .reference_candidates("dress", &c.character_id, " 하얀 원피스 ")
        .await
        .unwrap();
    let got = of(&view, &c.character_id);
    assert_eq!(got.outfits[0].candidates.len(), 4);
    assert!(
        got.usual.candidates.is_empty(),
        "the usual look's are apart"
    );
    assert!(
        got.outfits[0]
            .candidates
            .iter()
            .all(|f| f.contains(&format!("/refs/{}/outfit-", c.character_id))),
        "{:?}",
        got.outfits[0].candidates
    );
    let view = e
        .choose_reference("dress", &c.name, "하얀 원피스", 1)
        .await
        .unwrap();
    let got = of(&view, &c.character_id);
    let o = &got.outfits[0];
    assert_eq!(o.source, Some(ReferenceSource::Chosen));
    assert_eq!(
        o.versions
            .iter()
            .map(|v| (v.version, v.current))
            .collect::<Vec<_>>(),
        vec![(1, true)]
    );
    assert!(got.usual.versions.is_empty(), "the usual look is untouched");
    let map = e.store().references_in_use("dress").await.unwrap();
    let slot = studio_store::reference_slot(&c.character_id, "하얀 원피스");
    assert_eq!(slot, format!("{}@하얀 원피스", c.character_id));
    assert!(map[&slot].0.contains("/chosen-"), "{map:?}");
    assert!(!map.contains_key(&c.character_id));

    // The creator's own picture of a look (`""` the usual one), in a tint of its own.
    let upload = |outfit: &'static str, tint: u8| {
        let files = vec![(
            format!("look-{tint}.png"),
            image(400, 600, image::ImageFormat::Png, tint),
        )];
        let (e, name) = (&e, c.name.clone());
        async move {
            e.upload_reference("dress", &name, outfit, &files)
                .await
                .unwrap()
        }
    };
    // The creator's own picture of the outfit: version 2 (numbers count across the character's looks); then back.
    let view = upload("하얀 원피스", 240).await;
    let got = of(&view, &c.character_id);
    assert_eq!(got.outfits[0].source, Some(ReferenceSource::Uploaded));
    assert_eq!(got.outfits[0].versions.last().unwrap().version, 2);
    // Version 1 is the outfit's: going back to it names the outfit; asked of the usual look, it says whose it is.
    let err = e.use_reference("dress", &c.name, "", 1).await.unwrap_err();
    assert!(
        err.to_string().contains("version 1 of")
            && err
                .to_string()
                .contains("is a reference of the outfit \"하얀 원피스\", not of their usual look"),
        "{err}"
    );
    let view = e
        .use_reference("dress", &c.name, "하얀 원피스", 1)
        .await
        .unwrap();
    let got = of(&view, &c.character_id);
    assert_eq!(got.outfits[0].source, Some(ReferenceSource::Chosen));
    let err = e
        .use_reference("dress", &c.name, "하얀 원피스", 5)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("has reference versions 1, 2 of the outfit \"하얀 원피스\", not 5"),
        "{err}"
    );

    assert!(!got.outfits[0].made_before_usual);
    // A new usual reference after the outfit's: the outfit's picture may show the old face, and the view says so
    // until the outfit's is made again.
    upload("", 90).await;
    let view = e.references("dress").await.unwrap();
    assert!(of(&view, &c.character_id).outfits[0].made_before_usual);
    let view = upload("하얀 원피스", 30).await;
    assert!(!of(&view, &c.character_id).outfits[0].made_before_usual);

    // Episode 3 takes the outfit off again; the set stays (shots of episode 2 are made in it).
    e.write_episode("dress", 3, None).await.unwrap();
    let worn = e.store().outfits_as_of("dress", 3).await.unwrap();
    assert!(!worn.contains_key(&c.character_id), "{worn:?}");
    assert_eq!(
        e.store().outfits_as_of("dress", 2).await.unwrap()[&c.character_id],
        (
            "하얀 원피스".to_string(),
            "a white one-piece dress".to_string()
        )
    );
    let view = e.references("dress").await.unwrap();
    assert_eq!(of(&view, &c.character_id).outfits.len(), 1);
}
