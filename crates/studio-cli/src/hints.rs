//! What to run next, by error code. The engine's messages say what went wrong in words every shell can show; the
//! terminal adds the command that fixes it here, so no GUI ever shows a command line.

use studio_core::domain::ErrorCode;

/// The command (or commands) that help with an error of this kind, when there is one.
pub fn next_step(code: ErrorCode) -> Option<&'static str> {
    use ErrorCode::*;
    Some(match code {
        UnknownSeries => "`aidas series list` shows the series in this studio",
        UnknownCharacter => "`aidas series show SERIES` lists its characters",
        MissingKey | Auth => {
            "store the key with `aidas secrets set PROVIDER` (or set AIDAS_<PROVIDER>_API_KEY); `aidas secrets status` \
             shows which are set"
        }
        KeyringUnavailable | KeyringError => {
            "`aidas doctor` says what the keyring needs; AIDAS_SECRETS_BACKEND=env reads keys from the environment"
        }
        UnknownProvider => "`aidas secrets status` lists the providers",
        CastLocked => "`aidas cast SERIES --unlock` unlocks the cast",
        WorkInProgress => "`aidas status` shows what is running",
        StepMissing => {
            "do the missing step first: `aidas episode script SERIES N` writes the script, `aidas episode voice SERIES N` \
             voices it, `aidas visuals SERIES N` makes the shots, `aidas review approve SERIES N` approves it, \
             `aidas channel connect` and `aidas channel use SERIES CHANNEL` give it a YouTube channel, \
             `aidas publish SERIES N` puts it on YouTube, `aidas feedback collect SERIES` reads what viewers said"
        }
        ReconnectChannel | OauthDenied | OauthTimeout | OauthStateMismatch | OauthRefused => {
            "`aidas channel connect` signs the channel in again"
        }
        AwaitingReview => {
            "`aidas review list` shows what waits for you; `aidas review approve SERIES N` approves"
        }
        InvalidTransition => "`aidas status` shows each episode's state",
        DuplicateEpisode | PublishedLater => {
            "`aidas memory rollback SERIES N` takes story memory back to before N"
        }
        YoutubeQuota | YoutubeUploadLimit => {
            "YouTube's daily quota resets at midnight Pacific; a queued upload continues by itself then (`aidas status` \
             shows when)"
        }
        QuotaExhausted => {
            "the provider's quota or credit is used up: top it up (or wait for its reset), then `aidas jobs retry ID` \
             (`aidas jobs list` shows the ID)"
        }
        RateLimited | ProviderBusy | Transient | Network | LeaseExpired | WorkerDied => {
            "try again in a while; a queued job is retried by itself (`aidas jobs list` shows when)"
        }
        Unauthorized => "give the studio's access token (`--token` or AIDAS_SERVE_TOKEN)",
        InvalidConfig => "fix the file and run again; `aidas doctor` checks the rest of the setup",
        Database | Migration | CorruptData | Io | Internal => {
            "`aidas doctor` checks this machine; `aidas -v …` logs more detail"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    /// The engine's crates name no CLI command in what they say: a GUI would show it. (`config.toml`'s header
    /// comment is the one place: a person reading that file edits it by hand, often next to a terminal.)
    #[test]
    fn engine_messages_name_no_command_line() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = Vec::new();
        for krate in [
            "studio-core",
            "studio-pipeline",
            "studio-store",
            "studio-providers",
            "studio-domain",
        ] {
            let mut dirs = vec![root.join(krate).join("src")];
            while let Some(d) = dirs.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        dirs.push(p);
                        continue;
                    }
                    if p.extension().is_none_or(|x| x != "rs") {
                        continue;
                    }
                    let text = std::fs::read_to_string(&p).unwrap();
                    // Unit-test modules quote commands in test data: a `#[cfg(test)] mod` is skipped to its
                    // closing brace; code after it (and other `#[cfg(test)]` items' neighbours) is still read.
                    let mut test_depth: Option<i64> = None;
                    let mut after_cfg_test = false;
                    for (i, line) in text.lines().enumerate() {
                        let l = line.trim_start();
                        let depth = l.matches('{').count() as i64 - l.matches('}').count() as i64;
                        if let Some(d) = test_depth.as_mut() {
                            *d += depth;
                            if *d <= 0 {
                                test_depth = None;
                            }
                            continue;
                        }
                        if l.starts_with("#[cfg(test)]") {
                            after_cfg_test = true;
                            continue;
                        }
                        if std::mem::take(&mut after_cfg_test) {
                            if (l.starts_with("mod ") || l.starts_with("pub mod ")) && depth > 0 {
                                test_depth = Some(depth);
                            }
                            continue;
                        }
                        if l.starts_with("//") || l.contains("# AIDAS Studio configuration") {
                            continue;
                        }
                        // A command (`aidas …`) or a flag (` --x`, `(--x`) in a string; `.arg("--x")` runs a tool.
                        let flag = [" --", "(--"].iter().any(|p| {
                            l.match_indices(p).any(|(i, _)| {
                                l[i + p.len()..].starts_with(|c: char| c.is_ascii_lowercase())
                            })
                        });
                        if l.contains("`aidas ")
                            || (flag && l.contains('"') && !l.contains(".arg("))
                        {
                            found.push(format!("{}:{}: {}", p.display(), i + 1, l));
                        }
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "CLI wording in engine messages:\n{}",
            found.join("\n")
        );
    }
}
