//! Directing one line, shot or character of a produced episode: each edit keeps the earlier take, makes again only
//! what depends on it, and sends an episode in review back through those stages alone.

use std::sync::Arc;

use studio_core::Engine;
use studio_core::directing::{CharacterEdit, LineEdit, ShotEdit};
use studio_core::domain::{EpisodeStatus, Stage};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    img.write_to(&mut buf, image::ImageFormat::Png).unwrap();
    buf.into_inner()
}

async fn produced(e: &Arc<Engine>) {
    super::offline_series(e, "dir", "연출 시험", 3, 3).await;
    e.produce("dir", 1).await.unwrap();
    e.run_workers(2, studio_core::CancellationToken::new(), true)
        .await
        .unwrap();
    assert_eq!(
        e.episode_status("dir", 1).await.unwrap(),
        EpisodeStatus::InReview
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_keep_earlier_takes_and_redo_only_what_depends_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let e = Arc::new(super::fast_engine(dir.path()).await);
    produced(&e).await;
    let script = e.episode_script("dir", 1).await.unwrap().unwrap();
    let line = script.scenes[0].lines[0].clone();
    let voices_before = e.store().line_audio("dir", 1).await.unwrap();
    let shots = script.storyboard.len();
    assert!(shots >= 4, "{shots} shots");

    // Bad edits say what is wrong and change nothing.
    for (edit, code) in [
        (
            LineEdit {
                text: Some("……".into()),
                ..Default::default()
            },
            "invalid_input",
        ),
        (
            LineEdit {
                text: Some("(한숨)".into()),
                ..Default::default()
            },
            "invalid_input",
        ),
        (
            LineEdit {
                character: Some("없는 사람".into()),
                ..Default::default()
            },
            "unknown_character",
        ),
    ] {
        assert_eq!(
            e.edit_line("dir", 1, &line.id, edit)
                .await
                .unwrap_err()
                .code(),
            code
        );
    }
    assert_eq!(
        e.edit_line("dir", 1, "L9999", LineEdit::default())
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(e.episode_script("dir", 1).await.unwrap().unwrap(), script);
    assert_eq!(
        e.replace_shot("dir", 1, 1, "그림.gif", b"GIF89a")
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        e.replace_shot("dir", 1, 1, "깨진.png", b"not a png")
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        e.redo_shot("dir", 1, shots, "").await.unwrap_err().code(),
        "invalid_input",
        "shot out of range"
    );
    assert_eq!(
        e.store().shot_media_json("dir", 1).await.unwrap().len(),
        shots,
        "a refused replacement sets nothing aside"
    );

    // A line: direction split off, checks run again, its voice set aside and made again.
    let r = e
        .edit_line(
            "dir",
            1,
            &line.id,
            LineEdit {
                text: Some("(한숨) 그래, 오늘은 내가 먼저 말할게.".into()),
                emotion: Some("슬픔".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let edited = r.script.scenes[0].lines[0].clone();
    assert_eq!(edited.text, "그래, 오늘은 내가 먼저 말할게.");
    assert_eq!(edited.direction, "한숨");
    assert_eq!(edited.emotion, "슬픔");
    assert!(r.stages_reopened.contains(&Stage::Voices));
    assert_eq!(r.status, EpisodeStatus::InProduction, "back from review");
    let old_voice = voices_before.iter().find(|a| a.line_id == line.id).unwrap();
    let stem = std::path::Path::new(&old_voice.path)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let kept = dir
        .path()
        .join("series/dir/ep001/voices/takes")
        .join(format!("{stem}-take1.wav"));
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        std::fs::read(dir.path().join(&old_voice.path)).unwrap(),
        "the earlier voice kept as take 1"
    );

    // While a stage runs, an edit is refused whole: no take copied, nothing forgotten, the script as it was.
    let media_before = e.store().shot_media_json("dir", 1).await.unwrap();
    let script_before = e.episode_script("dir", 1).await.unwrap().unwrap();
    let claimed = e
        .store()
        .claim_job("test-worker", i64::MAX / 4, 60_000)
        .await
        .unwrap()
        .expect("a queued stage to claim");
    assert_eq!(
        e.redo_shot("dir", 1, 0, "").await.unwrap_err().code(),
        "work_in_progress"
    );
    assert_eq!(
        e.edit_line(
            "dir",
            1,
            &line.id,
            LineEdit {
                text: Some("지금은 바꿀 수 없어.".into()),
                ..Default::default()
            }
        )
        .await
        .unwrap_err()
        .code(),
        "work_in_progress"
    );
    assert_eq!(
        e.store().shot_media_json("dir", 1).await.unwrap(),
        media_before
    );
    assert_eq!(
        e.episode_script("dir", 1).await.unwrap().unwrap(),
        script_before
    );
    assert!(
        !dir.path().join("series/dir/ep001/visuals/takes").exists(),
        "no copy left behind"
    );
    e.store().requeue_jobs_of("test-worker").await.unwrap();
    assert_eq!(claimed.episode_number, 1);

    // A paid job for a shot still unsettled (stuck at the provider): redoing it would pay twice, so it is refused.
    let last = shots - 1;
    let stuck = e
        .store()
        .begin_remote_job("dir", 1, &format!("shot:{last}"), "fal", "kling", 0.35)
        .await
        .unwrap();
    e.store()
        .update_remote_job(
            stuck,
            &studio_store::RemoteJobUpdate {
                state: Some("stuck"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let err = e.redo_shot("dir", 1, last, "").await.unwrap_err();
    assert_eq!(err.code(), "work_in_progress");
    assert!(err.to_string().contains("stuck"), "{err}");

    // A shot: redone as a new take; another replaced with the creator's image.
    let redo = e.redo_shot("dir", 1, 0, "너무 어둡다").await.unwrap();
    assert_eq!(redo.takes.len(), 1);
    assert!(
        redo.takes[0]
            .files
            .iter()
            .all(|f| dir.path().join(f).is_file())
    );
    let own = e
        .replace_shot("dir", 1, 1, "내 사진.png", &png(320, 480))
        .await
        .unwrap();
    assert_eq!(own.takes.len(), 1, "the generated take is kept");
    assert_eq!(own.estimate_usd, 0.0);
    let view = e.storyboard_view("dir", 1).await.unwrap();
    assert!(view.media[1].own && view.media[1].source.as_deref() == Some("creator"));
    assert!(
        view.media[0].still.is_none(),
        "shot 1 waits for its new take"
    );
    assert_eq!(view.media[0].takes.len(), 1);

    // A shot's prompt edited: its take (the new one not yet made) stays, the text is saved.
    e.edit_shot(
        "dir",
        1,
        2,
        ShotEdit {
            video_prompt: Some("A quiet office at dusk, two people by the window".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        e.episode_script("dir", 1)
            .await
            .unwrap()
            .unwrap()
            .storyboard[2]
            .video_prompt,
        "A quiet office at dusk, two people by the window"
    );

    // Production makes exactly what the edits invalidated, then the episode is back in review.
    let out = e
        .run_workers(2, studio_core::CancellationToken::new(), true)
        .await
        .unwrap();
    let jobs = e.store().jobs(Some("dir"), Some(1)).await.unwrap();
    let result = |stage: Stage| -> serde_json::Value {
        let j = jobs.iter().find(|j| j.stage == stage).unwrap();
        serde_json::from_str(j.result_json.as_deref().unwrap_or("null")).unwrap()
    };
    assert_eq!(result(Stage::Voices)["voiced_now"], 1, "{out:?}");
    let visuals = result(Stage::Visuals);
    assert_eq!(visuals["made_now"], 2, "shots 1 and 3: {visuals}");
    assert_eq!(
        e.episode_status("dir", 1).await.unwrap(),
        EpisodeStatus::InReview
    );
    let view = e.storyboard_view("dir", 1).await.unwrap();
    assert!(
        view.media[1].own,
        "the creator's image stays through production"
    );
    assert!(view.media[0].still.is_some());

    // Characters: renamed (a name someone has is refused); the voice picked after unlocking.
    let cast = e.cast("dir").await.unwrap();
    let (a, b) = (&cast.rows[0], &cast.rows[1]);
    assert_eq!(
        e.edit_character(
            "dir",
            &a.character_id,
            CharacterEdit {
                name: Some(b.name.clone()),
                ..Default::default()
            }
        )
        .await
        .unwrap_err()
        .code(),
        "name_collision"
    );
    let c = e
        .edit_character(
            "dir",
            &a.character_id,
            CharacterEdit {
                name: Some("한서윤".into()),
                appearance: Some("a woman in her late 20s with a short bob and a grey coat".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c.name, "한서윤");
    assert_eq!(
        e.edit_character(
            "dir",
            "한서윤",
            CharacterEdit {
                gender: Some("robot".into()),
                ..Default::default()
            }
        )
        .await
        .unwrap_err()
        .code(),
        "invalid_input"
    );
    let choices = e.voice_choices("dir", "한서윤").await.unwrap();
    assert!(choices[0].current, "the current voice first");
    let other = choices.iter().find(|v| !v.current).unwrap();
    assert_eq!(
        e.set_voice("dir", "한서윤", other.voice.provider, &other.voice.voice_id)
            .await
            .unwrap_err()
            .code(),
        "cast_locked"
    );
    e.set_cast_locked("dir", false).await.unwrap();
    let cast = e
        .set_voice("dir", "한서윤", other.voice.provider, &other.voice.voice_id)
        .await
        .unwrap();
    let row = cast
        .rows
        .iter()
        .find(|r| r.character_id == a.character_id)
        .unwrap();
    assert_eq!(row.entry.primary.voice_id, other.voice.voice_id);
    assert_eq!(row.name, "한서윤");

    // A shot redone alone in review: the render waits for its new take (the avatars stage between them is run
    // again too), and the episode is back in review with the new picture in the video.
    let render_before = e.store().jobs(Some("dir"), Some(1)).await.unwrap();
    let r = e.redo_shot("dir", 1, 1, "").await.unwrap();
    assert_eq!(
        r.stages_reopened,
        [
            Stage::Visuals,
            Stage::Avatars,
            Stage::Render,
            Stage::Package,
            Stage::ReviewGate
        ]
    );
    assert_eq!(r.takes.len(), 2, "the creator's image is kept as a take");
    e.run_workers(2, studio_core::CancellationToken::new(), true)
        .await
        .unwrap();
    assert_eq!(
        e.episode_status("dir", 1).await.unwrap(),
        EpisodeStatus::InReview
    );
    let jobs = e.store().jobs(Some("dir"), Some(1)).await.unwrap();
    let render = jobs.iter().find(|j| j.stage == Stage::Render).unwrap();
    assert_eq!(
        render.status.as_str(),
        "succeeded",
        "{:?}",
        render.last_error
    );
    assert!(
        render.started_ms
            > render_before
                .iter()
                .find(|j| j.stage == Stage::Render)
                .unwrap()
                .started_ms
    );
    assert!(!e.storyboard_view("dir", 1).await.unwrap().media[1].own);

    // The creator's own clip: a video file is probed and used as it is; one that does not decode is refused and
    // leaves no file behind.
    // Stills stay stills (the render moves them): no shot has a clip of its own.
    let view = e.storyboard_view("dir", 1).await.unwrap();
    assert!(
        view.media
            .iter()
            .all(|m| m.clip.is_none() && m.still.is_some())
    );
    let phone = dir.path().join("phone.mp4");
    studio_render::kenburns::pattern_clip(
        &phone,
        640,
        360,
        30,
        45,
        &studio_render::kenburns::EncodeOptions {
            preset: "ultrafast".into(),
            crf: 28,
        },
    )
    .unwrap();
    let mp4 = std::fs::read(&phone).unwrap();
    let visuals_dir = dir.path().join("series/dir/ep001/visuals");
    let files_before = std::fs::read_dir(&visuals_dir).unwrap().count();
    assert_eq!(
        e.replace_shot("dir", 1, 1, "깨진.mp4", b"not a video")
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert_eq!(
        std::fs::read_dir(&visuals_dir).unwrap().count(),
        files_before
    );
    let clip = e
        .replace_shot("dir", 1, 1, "내 영상.mp4", &mp4)
        .await
        .unwrap();
    assert_eq!(clip.estimate_usd, 0.0);
    let m = &e.storyboard_view("dir", 1).await.unwrap().media[1];
    assert!(m.own && m.still.is_none() && m.clip.as_deref().is_some_and(|c| c.ends_with(".mp4")));
    // The render takes the clip (the episode was in review, so it renders again and comes back).
    e.run_workers(2, studio_core::CancellationToken::new(), true)
        .await
        .unwrap();
    assert_eq!(
        e.episode_status("dir", 1).await.unwrap(),
        EpisodeStatus::InReview
    );

    // Approved: closed to edits of every kind.
    e.approve_episode("dir", 1, "좋다", None).await.unwrap();
    assert_eq!(
        e.redo_shot("dir", 1, 0, "").await.unwrap_err().code(),
        "episode_closed"
    );
    assert_eq!(
        e.replace_shot("dir", 1, 0, "a.png", &png(64, 64))
            .await
            .unwrap_err()
            .code(),
        "episode_closed"
    );
    assert_eq!(
        e.edit_line(
            "dir",
            1,
            &line.id,
            LineEdit {
                text: Some("늦었어.".into()),
                ..Default::default()
            }
        )
        .await
        .unwrap_err()
        .code(),
        "episode_closed"
    );
    // The store refuses it too, inside the edit's own transaction (an approval between the early check and the
    // commit cannot let an edit through).
    let now = studio_core::clock::now_ms();
    let items =
        |episode, shots: &'static [usize], stages: &'static [Stage]| studio_store::RedoItems {
            series_id: "dir",
            episode,
            lines: &[],
            shots,
            replace: None,
            stages,
            tag: "t",
            script: None,
            new_seeds: &[],
            takes: &[],
            reason: "",
            scenes: &[],
        };
    assert!(matches!(
        e.store()
            .redo_items(&items(1, &[0], &[Stage::Visuals]), now)
            .await,
        Err(studio_store::StoreError::Closed(_))
    ));

    // Two edits made from the same reading of a script: the second finds it changed and is refused, not lost.
    e.write_episode("dir", 2, None).await.unwrap();
    let was = e.store().script("dir", 2).await.unwrap().unwrap();
    let ep2 = e.episode_script("dir", 2).await.unwrap().unwrap();
    let l2 = ep2.scenes[0].lines[0].id.clone();
    e.edit_line(
        "dir",
        2,
        &l2,
        LineEdit {
            text: Some("먼저 저장된 말".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut stale = items(2, &[], &[]);
    let later = serde_json::json!({"stale": true});
    stale.script = Some(studio_store::ScriptEdit {
        was: &was,
        now: &later,
        report: &later,
    });
    assert!(matches!(
        e.store().redo_items(&stale, now).await,
        Err(studio_store::StoreError::Busy(_))
    ));
    let kept = e.episode_script("dir", 2).await.unwrap().unwrap();
    assert_eq!(
        kept.scenes[0].lines[0].text, "먼저 저장된 말",
        "the first edit is kept"
    );

    // Production the creator cancelled stays cancelled: an edit does not start it (and its spending) again.
    e.produce("dir", 2).await.unwrap();
    e.store().cancel_episode_jobs("dir", 2).await.unwrap();
    e.store()
        .redo_items(&items(2, &[0], &[Stage::Visuals, Stage::Render]), now)
        .await
        .unwrap();
    let jobs = e.store().jobs(Some("dir"), Some(2)).await.unwrap();
    assert!(!jobs.is_empty());
    assert!(
        jobs.iter()
            .all(|j| j.status == studio_domain::JobStatus::Cancelled),
        "{:?}",
        jobs.iter().map(|j| (j.stage, j.status)).collect::<Vec<_>>()
    );

    // A new name replaces the old one where it names the character, never in the writer's titles or words.
    let who = ep2.scenes[0].lines[0].character.clone();
    let c = e
        .store()
        .characters("dir")
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == who || c.name == who)
        .unwrap();
    e.edit_character(
        "dir",
        &c.id,
        CharacterEdit {
            name: Some("새 이름".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let after = e.episode_script("dir", 2).await.unwrap().unwrap();
    assert_eq!(after.title, ep2.title);
    assert_eq!(after.summary, ep2.summary);
    assert!(after.scenes[0].lines[0].character == c.id);

    // A new look is refused while a paid reference for the character is unsettled (never paid twice).
    e.store()
        .begin_remote_job("dir", 0, &format!("ref:{}", c.id), "fal", "flux", 0.003)
        .await
        .unwrap();
    let err = e
        .edit_character(
            "dir",
            &c.id,
            CharacterEdit {
                appearance: Some("a tall man in a navy suit".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "work_in_progress", "{err}");
    let unchanged = e.store().characters("dir").await.unwrap();
    assert_eq!(
        unchanged
            .iter()
            .find(|x| x.id == c.id)
            .unwrap()
            .appearance_profile,
        c.appearance_profile,
        "nothing changed"
    );
}

/// A character's avatar take for a scene (one video for several lines): each line's slot in the final video shows
/// the take from where that line's words are in it. The take here is a stand-in video that shows a different
/// colour while each line is spoken, so the colour in the line's slot tells which stretch of the take is on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_line_shows_its_stretch_of_the_characters_take() {
    use studio_pipeline::avatars::{AvatarCut, TAKE_GAP_SEC};
    use studio_render::card::title_card;
    use studio_render::frames::{Fit, Framing, Visual};
    use studio_render::kenburns::EncodeOptions;
    use studio_render::render::{RenderSpec, Segment, render_video_only};

    let dir = tempfile::tempdir().unwrap();
    let e = Arc::new(super::fast_engine(dir.path()).await);
    produced(&e).await;
    let script = e.episode_script("dir", 1).await.unwrap().unwrap();
    let audio = e.store().line_audio("dir", 1).await.unwrap();
    // The scene's character with the most lines (at least 2) speaks the take.
    let (scene, speaker) = script
        .scenes
        .iter()
        .flat_map(|s| s.lines.iter().map(move |l| (s.number, l.character.clone())))
        .max_by_key(|(sc, ch)| {
            script
                .scenes
                .iter()
                .filter(|s| s.number == *sc)
                .flat_map(|s| &s.lines)
                .filter(|l| &l.character == ch)
                .count()
        })
        .unwrap();
    let lines: Vec<&studio_domain::LineAudio> = script
        .scenes
        .iter()
        .filter(|s| s.number == scene)
        .flat_map(|s| &s.lines)
        .filter(|l| l.character == speaker)
        .filter_map(|l| audio.iter().find(|a| a.line_id == l.id))
        .collect();
    assert!(lines.len() >= 2, "{} lines", lines.len());
    let ep = dir.path().join("series/dir/ep001");
    let parts: Vec<std::path::PathBuf> = lines.iter().map(|a| dir.path().join(&a.path)).collect();
    let parts: Vec<&std::path::Path> = parts.iter().map(|p| p.as_path()).collect();
    std::fs::create_dir_all(ep.join("avatars")).unwrap();
    let spans =
        studio_render::audio::join_wav48k(&parts, TAKE_GAP_SEC, &ep.join("avatars/take.wav"))
            .unwrap();
    // The stand-in take: grey rests, a colour per line while it is spoken (cards, lighter at the top).
    let colours: [[u8; 3]; 6] = [
        [220, 40, 40],
        [40, 200, 60],
        [40, 60, 220],
        [220, 200, 40],
        [200, 40, 200],
        [40, 200, 210],
    ];
    let font = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/fonts/NanumGothic-Bold.ttf");
    let solid = |c: [u8; 3]| Visual::Card(title_card(640, 360, &font, c, &[]).unwrap());
    let seg = |visual, start_sec, end_sec| Segment {
        visual,
        start_sec,
        end_sec,
        fit: Fit::Hold,
        clip_offset_sec: 0.0,
        transition_in: None,
        label: String::new(),
    };
    let mut segments = Vec::new();
    let mut t = 0.0;
    for (i, (offset, duration)) in spans.iter().enumerate() {
        if *offset > t {
            segments.push(seg(solid([90, 90, 90]), t, *offset));
        }
        segments.push(seg(solid(colours[i % 6]), *offset, offset + duration));
        t = offset + duration;
    }
    render_video_only(
        &RenderSpec {
            width: 640,
            height: 360,
            fps: 30,
            segments,
            subtitles: None,
            encode: EncodeOptions {
                preset: "ultrafast".into(),
                crf: 18,
            },
            framing: Framing::Auto,
        },
        &ep.join("avatars/take.mp4"),
    )
    .unwrap();
    for (a, (offset, duration)) in lines.iter().zip(&spans) {
        AvatarCut {
            clip: "avatars/take.mp4".into(),
            offset_sec: *offset,
            duration_sec: *duration,
            audio_sha256: a.sha256.clone(),
        }
        .write(&ep, &a.line_id)
        .unwrap();
    }
    let r = e
        .render_episode(
            "dir",
            1,
            &studio_core::render::RenderOptions {
                force: true,
                ..Default::default()
            },
            Arc::new(|_, _| {}),
            studio_core::CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(r.avatar_lines, lines.len());
    let tl = studio_pipeline::timeline::place(&script, &audio, e.config().render.intro_sec);
    let video = dir.path().join(&r.file);
    for (i, a) in lines.iter().enumerate() {
        let placed = tl.lines.iter().find(|l| l.line_id == a.line_id).unwrap();
        let mid = ((placed.offset + placed.duration / 2.0) * 30.0).round() as u64;
        let frame = studio_render::probe::rgb_at(&video, mid).unwrap();
        let px = frame.get_pixel(frame.width() / 2, frame.height() / 4).0;
        let want = colours[i % 6];
        // A card darkens towards the bottom: the hue is compared (each channel over the brightest one).
        let hue = |c: [u8; 3]| {
            let top = f64::from(*c.iter().max().unwrap()).max(1.0);
            c.map(|x| f64::from(x) / top)
        };
        let near = hue(px)
            .iter()
            .zip(hue(want))
            .all(|(got, w)| (got - w).abs() < 0.2);
        assert!(
            near,
            "line {} ({}) shows {px:?} at {:.2} s, its stretch of the take is {want:?}",
            i + 1,
            a.line_id,
            mid as f64 / 30.0
        );
    }
}
