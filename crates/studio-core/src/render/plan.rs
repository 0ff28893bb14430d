//! The episode laid out on its timeline: intro, every slot of every scene (shot, avatar or scene card, with the
//! scene transitions), outro, the burned-in subtitles and the sound (voices at their offsets, the music bed).

use super::*;

impl Engine {
    /// The segments (intro, every slot of every scene, outro), the burned subtitles and the sound, ready to encode.
    ///
    /// # Errors
    /// `InvalidInput` for a card that cannot be drawn or a music file that does not exist; I/O errors writing the
    /// subtitle file.
    pub(super) async fn render_plan(&self, inp: &RenderInputs) -> Result<RenderPlan, CoreError> {
        let RenderInputs {
            s,
            script,
            n,
            cfg,
            data,
            audio,
            media,
            ep_dir,
            avatar_lines,
            ..
        } = inp;
        let n = *n;
        let asset_dirs = [data.join("assets"), self.assets_dir()];
        let tl = timeline::place(script, audio, cfg.intro_sec);
        let with_avatar: HashSet<String> = avatar_lines.keys().cloned().collect();
        let slots = timeline::video_slots(script, &tl, &with_avatar);
        let total = tl.total_sec + cfg.outro_sec;
        let (w, h) = cfg.size();
        let font = self.assets_dir().join("fonts/NanumGothic-Bold.ttf");
        let card = |tint: [u8; 3], lines: Vec<CardLine>| {
            title_card(w, h, &font, tint, &lines).map_err(|e| CoreError::invalid(e.to_string()))
        };
        let line = |text: String, size: f32, colour: [u8; 3]| CardLine { text, size, colour };
        let (white, gold, grey) = ([255, 255, 255], [255, 214, 102], [200, 200, 210]);
        let transition = (cfg.transition != TransitionKind::Cut).then_some(Transition {
            kind: cfg.transition,
            sec: cfg.transition_sec,
        });
        let mut segments = Vec::new();
        let mut notes = Vec::new();
        // Characters no font can draw are left out of cards and burned subtitles, and said here.
        // The first use loads the system's fonts (a moment's disk work): off the async runtime.
        let face = {
            let f = font.clone();
            tokio::task::spawn_blocking(move || studio_render::text::typeface(&f))
                .await
                .map_err(|e| CoreError::Internal(format!("font task: {e}")))?
                .map_err(|e| CoreError::invalid(e.to_string()))?
        };
        let note_left_out = |what: &str, texts: &[&str], notes: &mut Vec<String>| {
            let mut missing: Vec<char> = Vec::new();
            for t in texts {
                for c in studio_render::text::missing_glyphs(&face, t) {
                    if !missing.contains(&c) {
                        missing.push(c);
                    }
                }
            }
            if !missing.is_empty() {
                notes.push(format!(
                    "{what}: left out {} (no installed font has {})",
                    missing
                        .iter()
                        .map(|c| format!("U+{:04X}", *c as u32))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if missing.len() == 1 { "it" } else { "them" }
                ));
            }
        };
        let offline_parts = script.written_by.is_empty()
            || script.written_by.contains("offline")
            || audio
                .iter()
                .any(|a| a.provider == studio_domain::TtsProvider::Espeak)
            || media.values().any(|m| m.offline);

        // Intro.
        let intro = if cfg.intro_sec > 0.0 {
            let (visual, from) = match find_asset(&asset_dirs, "intro") {
                Some(p) => (asset_visual(&p), p.display().to_string()),
                None => (
                    Visual::Card(card(
                        {
                            note_left_out("intro card", &[&s.title, &script.title], &mut notes);
                            [40, 56, 120]
                        },
                        vec![
                            line(s.title.clone(), 110.0, white),
                            line(format!("EP.{n}"), 84.0, gold),
                            line(script.title.clone(), 60.0, grey),
                        ],
                    )?),
                    "generated title card".to_string(),
                ),
            };
            segments.push(Segment {
                visual,
                start_sec: 0.0,
                end_sec: cfg.intro_sec,
                fit: Fit::Hold,
                clip_offset_sec: 0.0,
                transition_in: None,
                label: "intro".into(),
            });
            from
        } else {
            "none".to_string()
        };

        // The scenes.
        let mut scene_cards = 0;
        let mut prev_scene = None;
        for (k, slot) in slots.iter().enumerate() {
            let sc = script.scenes.iter().find(|x| x.number == slot.scene);
            let (visual, fit, offset, label) = match &slot.source {
                SlotSource::Shot { index, offset } => {
                    let m = &media[index];
                    let clip = data.join(&m.clip_path);
                    let still = data.join(&m.still_path);
                    let shot = &script.storyboard[*index];
                    // A still moves here, in the one encode (Ken Burns as long as its slot); an AI clip or the
                    // creator's clip plays. A Ken Burns clip encoded by an older version is passed over while its
                    // still is there.
                    let kb = Visual::KenBurns {
                        image: still.clone(),
                        effect: Effect::pick(*index, &shot.emotion, &shot.visual),
                    };
                    let visual = if m.drawn_from_still() && still.is_file() {
                        kb
                    } else if !m.clip_path.is_empty() && clip.is_file() {
                        Visual::Clip(clip)
                    } else {
                        notes.push(format!(
                            "shot {} has no clip: its still moves in the render",
                            index + 1
                        ));
                        kb
                    };
                    (
                        visual,
                        cfg.fit,
                        *offset,
                        format!("scene {} shot {}", slot.scene, index + 1),
                    )
                }
                SlotSource::Avatar { line_id } => {
                    let (clip, offset) = avatar_lines
                        .get(line_id)
                        .cloned()
                        .unwrap_or_else(|| (ep_dir.join(format!("avatars/{line_id}.mp4")), 0.0));
                    (
                        Visual::Clip(clip),
                        Fit::Hold,
                        offset,
                        format!("scene {} avatar {line_id}", slot.scene),
                    )
                }
                SlotSource::SceneCard { scene } => {
                    scene_cards += 1;
                    let (place, time) = sc
                        .map(|x| (x.location.clone(), x.time.clone()))
                        .unwrap_or_default();
                    (
                        Visual::Card(card(
                            [60, 60, 70],
                            vec![line(place, 90.0, white), line(time, 60.0, grey)],
                        )?),
                        Fit::Hold,
                        0.0,
                        format!("scene {scene} card"),
                    )
                }
            };
            let new_scene = prev_scene != Some(slot.scene);
            prev_scene = Some(slot.scene);
            segments.push(Segment {
                visual,
                start_sec: slot.start,
                end_sec: slot.end,
                fit,
                clip_offset_sec: offset,
                transition_in: if new_scene && (k > 0 || cfg.intro_sec > 0.0) {
                    transition
                } else {
                    None
                },
                label,
            });
        }

        // Outro: the next episode's hook, or a thank-you after the last.
        let outro = if cfg.outro_sec > 0.0 {
            let next = self
                .store()
                .outlines(&s.id)
                .await?
                .into_iter()
                .find(|o| o.episode_number == n + 1);
            let (visual, from) = match find_asset(&asset_dirs, "outro") {
                Some(p) => (asset_visual(&p), p.display().to_string()),
                None => {
                    let mut lines = match next {
                        Some(o) => vec![
                            line(format!("다음 이야기 · EP.{}", n + 1), 60.0, gold),
                            line(
                                if o.hook.trim().is_empty() {
                                    o.title.clone()
                                } else {
                                    o.hook.clone()
                                },
                                64.0,
                                white,
                            ),
                        ],
                        None => vec![line("함께해 주셔서 감사합니다".into(), 72.0, white)],
                    };
                    lines.push(line("구독과 알림 설정 부탁드려요".into(), 44.0, grey));
                    note_left_out(
                        "outro card",
                        &lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
                        &mut notes,
                    );
                    if offline_parts {
                        lines.push(line(
                            "오프라인 도구로 만든 에피소드 (offline render)".into(),
                            32.0,
                            grey,
                        ));
                    }
                    (
                        Visual::Card(card([30, 30, 44], lines)?),
                        "generated card".to_string(),
                    )
                }
            };
            segments.push(Segment {
                visual,
                start_sec: tl.total_sec,
                end_sec: total,
                fit: Fit::Hold,
                clip_offset_sec: 0.0,
                transition_in: transition,
                label: "outro".into(),
            });
            from
        } else {
            "none".to_string()
        };

        // Subtitles for the burn-in (libass, with the bundled fonts and the system's through fontconfig).
        let mut events = crate::package::subtitle_events(&tl, audio, &self.config().subtitles);
        note_left_out(
            "burned-in subtitles",
            &events.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
            &mut notes,
        );
        for e in &mut events {
            e.text = studio_render::text::drawable(&face, &e.text).0;
        }
        let subtitles = if cfg.burn_subtitles && !events.is_empty() {
            let path = ep_dir.join("render/subtitles.burn.ass");
            std::fs::create_dir_all(ep_dir.join("render"))
                .map_err(|e| CoreError::io(format!("creating {}", ep_dir.display()), e))?;
            let text = studio_pipeline::subtitles::to_ass(&events, &self.config().subtitles, w, h);
            std::fs::write(&path, text)
                .map_err(|e| CoreError::io(format!("writing {}", path.display()), e))?;
            Some(SubtitleBurn {
                ass: path,
                fonts_dir: Some(self.assets_dir().join("fonts")),
                spans: events.iter().map(|e| (e.start, e.end)).collect(),
            })
        } else {
            None
        };

        // Sound: the voices at their offsets, the music bed.
        let paths: HashMap<&str, &str> = audio
            .iter()
            .map(|a| (a.line_id.as_str(), a.path.as_str()))
            .collect();
        let placed: Vec<(f64, PathBuf)> = tl
            .lines
            .iter()
            .map(|l| (l.offset, data.join(paths[l.line_id.as_str()])))
            .collect();
        let (music_src, music_label): (Option<PathBuf>, String) = match cfg.music.as_str() {
            "none" => (None, "none".into()),
            "auto" => (
                None,
                format!(
                    "generated bed ({:?})",
                    Mood::for_genre(&format!("{} {}", s.genre, s.genre_label))
                ),
            ),
            p => {
                let path = if Path::new(p).is_absolute() {
                    PathBuf::from(p)
                } else {
                    data.join(p)
                };
                if !path.is_file() {
                    return Err(CoreError::invalid(format!(
                        "render.music: {} does not exist (use \"auto\", \"none\" or a file)",
                        path.display()
                    )));
                }
                (Some(path.clone()), path.display().to_string())
            }
        };
        let mood = Mood::for_genre(&format!("{} {}", s.genre, s.genre_label));
        let auto_music = cfg.music == "auto";
        let music_seed = studio_pipeline::artifact::seed_for(&s.id, 0, 0);
        let mix_settings = MixSettings {
            sample_rate: 48_000,
            music_volume: cfg.music_volume,
            duck_db: cfg.duck_db,
            target_lufs: cfg.target_lufs,
            ceiling_dbtp: cfg.ceiling_dbtp,
        };
        let spec = RenderSpec {
            width: w,
            height: h,
            fps: cfg.fps,
            segments,
            subtitles,
            encode: EncodeOptions {
                preset: cfg.preset.clone(),
                crf: cfg.crf,
            },
            framing: cfg.framing,
        };
        Ok(RenderPlan {
            job: EncodeJob {
                spec,
                placed,
                music_src,
                auto_music,
                mood,
                music_seed,
                mix_settings,
                frames_total: (total * f64::from(cfg.fps)).round(),
            },
            intro,
            outro,
            music_label,
            scene_cards,
            subtitle_events: events.len(),
            notes,
            offline: offline_parts,
        })
    }
}
