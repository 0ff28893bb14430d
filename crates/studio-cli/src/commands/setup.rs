//! Setting up: init, the demo, the machine check, API keys.

use crate::*;

/// Runs one of this area's commands (Init, Demo, Doctor, Secrets, Alerts).
///
/// # Errors
/// What the engine returns for the command.
pub async fn run(engine: Engine, command: Command, json: bool) -> Result<(), CoreError> {
    match command {
        Command::Init => {
            let info = serde_json::json!({
                "data_dir": engine.data_dir(),
                "database": engine.database_path(),
                "config": engine.data_dir().join(studio_core::config::CONFIG_FILE),
                "schema_version": engine.schema_version().await?,
            });
            if json {
                print_json(&info)?;
            } else {
                println!("AIDAS Studio is ready.");
                println!("  data:     {}", engine.data_dir().display());
                println!("  database: {}", engine.database_path().display());
                println!(
                    "  config:   {}",
                    engine.data_dir().join("config.toml").display()
                );
            }
        }
        Command::Demo => {
            show_progress(&engine, json);
            let report = engine.demo().await?;
            if json {
                print_json(&report)?;
            } else {
                print::demo(&report);
            }
        }
        Command::Doctor => {
            let report = engine.doctor().await;
            if json {
                print_json(&report)?;
            } else {
                print::doctor(&report);
            }
            if report.worst == studio_core::doctor::CheckStatus::Fail {
                return Err(CoreError::invalid("doctor found problems (see above)"));
            }
        }
        Command::Secrets(SecretsCmd::Set { provider }) => {
            let mut value = String::new();
            if std::io::stdin().is_terminal() {
                eprint!("paste the {provider} key and press Ctrl-D: ");
            }
            std::io::stdin()
                .read_to_string(&mut value)
                .map_err(|e| CoreError::io("reading the key from stdin", e))?;
            // A key pasted from a file saved by Notepad may start with a byte-order mark: never part of a key.
            let value = value
                .trim()
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string();
            let st = engine.set_secret(&provider, Secret::new(value)).await?;
            if json {
                print_json(&st)?;
            } else {
                println!("{provider}: configured ({})", st.source.unwrap_or("?"));
            }
        }
        Command::Secrets(SecretsCmd::Restore { account }) => {
            let accounts = engine.restore_account(&account).await?;
            if json {
                print_json(&accounts)?;
            } else {
                println!("{account}: back in use");
                print::accounts(
                    &accounts
                        .into_iter()
                        .filter(|a| a.configured || a.set_aside.is_some())
                        .collect::<Vec<_>>(),
                );
            }
        }
        Command::Secrets(SecretsCmd::Status) => {
            let st = engine.secret_status().await?;
            if json {
                print_json(&st)?;
            } else {
                for s in st {
                    println!(
                        "{:<12} {}",
                        s.provider,
                        if s.configured {
                            format!("configured ({})", s.source.unwrap_or("?"))
                        } else {
                            "—".into()
                        }
                    );
                }
                print::accounts(
                    &engine
                        .accounts()
                        .await?
                        .into_iter()
                        .filter(|a| a.configured || a.set_aside.is_some())
                        .collect::<Vec<_>>(),
                );
            }
        }
        Command::Secrets(SecretsCmd::Delete { provider }) => {
            let removed = engine.delete_secret(&provider).await?;
            if json {
                print_json(&serde_json::json!({ "provider": provider, "removed": removed }))?;
            } else {
                println!(
                    "{provider}: {}",
                    if removed { "removed" } else { "was not set" }
                );
            }
        }
        Command::Alerts(AlertsCmd::Test) => {
            let sent = engine.send_test_alert().await?;
            if json {
                print_json(&sent)?;
            } else {
                print::alert_deliveries(&sent);
            }
            let failed = sent.iter().any(|d| {
                matches!(
                    d.sent,
                    studio_core::alerts::channels::AlertSent::Failed { .. }
                )
            });
            if failed {
                return Err(CoreError::invalid(
                    "a channel did not take the test alert (see above): check its address or key, then test again",
                ));
            }
        }
        _ => {
            return Err(CoreError::Internal(
                "a command reached the wrong area of the CLI".into(),
            ));
        }
    }
    Ok(())
}
