//! # The command table
//!
//! Every command a shell can send to the engine, declared once: its name, an exported `Args` struct (JSON in), an
//! exported reply type (JSON out) and the [`Engine`] method it calls. From this one table come the HTTP API
//! (`POST /api/<command>` in `studio-server`), the desktop app's IPC (`call` in `src-tauri`), the list of commands,
//! and the generated TypeScript client the UI uses (`ui/src/bindings/client.ts`, written by `cargo test` and
//! checked for drift by CI).
//!
//! The commands are grouped by area, one file each: [`series`], [`cast`], [`episode`], [`storyboard`],
//! [`production`], [`review`], [`channels`], [`feedback`], [`settings`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CoreError, Engine, ErrorPayload};

/// Declares an area's commands: `name(Args) -> Reply = |engine, args| body;` where `body` evaluates to
/// `Result<Reply, CoreError>`. Generates the area's `COMMANDS`, `dispatch` and TypeScript entries.
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident($args:ty) -> $reply:ty = |$e:pat_param, $a:pat_param| $body:expr;
    )*) => {
        /// This area's commands.
        pub(super) const COMMANDS: &[$crate::api::CommandInfo] = &[$($crate::api::CommandInfo {
            name: stringify!($name),
            doc: concat!($($doc, "\n",)* ""),
        }),*];

        /// Runs the command `name` when it is one of this area's.
        pub(super) async fn dispatch(
            engine: &::std::sync::Arc<$crate::Engine>,
            name: &str,
            args: ::serde_json::Value,
        ) -> Option<Result<::serde_json::Value, $crate::CoreError>> {
            match name {
                $(stringify!($name) => Some(
                    async {
                        let $a: $args = $crate::api::parse_args(stringify!($name), args)?;
                        let $e: &::std::sync::Arc<$crate::Engine> = engine;
                        let reply: $reply = $body?;
                        $crate::api::to_reply(reply)
                    }
                    .await,
                ),)*
                _ => None,
            }
        }

        /// This area's entries in the TypeScript client.
        pub(super) fn typescript(cfg: &::ts_rs::Config, client: &mut $crate::api::TsClient) {
            $(client.command::<$args, $reply>(cfg, stringify!($name), concat!($($doc, "\n",)* ""));)*
        }
    };
}

pub mod cast;
pub mod channels;
pub mod episode;
pub mod feedback;
pub mod production;
pub mod review;
pub mod series;
pub mod settings;
pub mod storyboard;

/// One command as the table lists it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CommandInfo {
    /// The name shells send (`series_show`).
    pub name: &'static str,
    /// What it does, from its declaration.
    pub doc: &'static str,
}

/// The arguments of a command that takes none (`{}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// A series, by id or title.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct SeriesArgs {
    pub series: String,
}

/// One episode of a series (by id or title), numbered from 1.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct EpisodeArgs {
    pub series: String,
    pub episode: u32,
}

/// The areas, once: the list of commands, the dispatch and the TypeScript client all come from it.
macro_rules! areas {
    ($($area:ident),*) => {
        /// Every command, area by area.
        pub fn commands() -> Vec<CommandInfo> {
            [$($area::COMMANDS),*].concat()
        }

        /// Runs one command by name with JSON arguments and returns its JSON reply.
        ///
        /// # Errors
        /// `invalid_input` for an unknown command or arguments that do not fit its `Args`; otherwise what the
        /// Engine method returns.
        pub async fn dispatch(engine: &Arc<Engine>, name: &str, args: Value) -> Result<Value, CoreError> {
            // `null` (an IPC call without arguments) is the same as `{}`.
            let args = if args.is_null() {
                Value::Object(Default::default())
            } else {
                args
            };
            $(
                if $area::COMMANDS.iter().any(|c| c.name == name) {
                    return match $area::dispatch(engine, name, args).await {
                        Some(reply) => reply,
                        None => Err(CoreError::Internal(format!("{name} is listed but not dispatched"))),
                    };
                }
            )*
            Err(CoreError::invalid(format!(
                "unknown command \"{name}\" (known: {})",
                commands().iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            )))
        }

        /// The TypeScript client for every command in the table (what `ui/src/bindings/client.ts` holds).
        pub fn typescript_client(cfg: &ts_rs::Config) -> String {
            let mut c = TsClient::default();
            $($area::typescript(cfg, &mut c);)*
            c.finish()
        }
    };
}

areas!(
    series, cast, episode, storyboard, production, review, channels, feedback, settings
);

/// [`dispatch`] with the error as the payload every shell shows (`{code, message}`): what the desktop app's
/// `call` returns and the HTTP API sends.
///
/// # Errors
/// The command's error as an [`ErrorPayload`].
pub async fn call(engine: &Arc<Engine>, name: &str, args: Value) -> Result<Value, ErrorPayload> {
    dispatch(engine, name, args).await.map_err(|e| e.payload())
}

fn parse_args<T: DeserializeOwned>(command: &str, v: Value) -> Result<T, CoreError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            CoreError::invalid(format!("{command}: {inner}"))
        } else {
            CoreError::invalid(format!("{command}: {path}: {inner}"))
        }
    })
}

fn to_reply<T: Serialize>(v: T) -> Result<Value, CoreError> {
    serde_json::to_value(v).map_err(|e| CoreError::Internal(format!("reply: {e}")))
}

/// Collects the exported types a signature names, through generic wrappers (`Vec<T>`, `Option<T>`).
struct Found<'a> {
    cfg: &'a ts_rs::Config,
    deps: Vec<ts_rs::Dependency>,
}

impl ts_rs::TypeVisitor for Found<'_> {
    fn visit<T: ts_rs::TS + 'static + ?Sized>(&mut self) {
        if let Some(d) = ts_rs::Dependency::from_ty::<T>(self.cfg) {
            self.deps.push(d);
        }
        T::visit_generics(self);
    }
}

/// The TypeScript client being assembled from the table.
#[derive(Default)]
pub struct TsClient {
    /// TypeScript type name → its file under the bindings folder.
    imports: BTreeMap<String, std::path::PathBuf>,
    entries: Vec<String>,
    names: Vec<&'static str>,
}

impl TsClient {
    fn command<A: ts_rs::TS + 'static, R: ts_rs::TS + 'static>(
        &mut self,
        cfg: &ts_rs::Config,
        name: &'static str,
        doc: &str,
    ) {
        let (a, r) = (A::name(cfg), R::name(cfg));
        let no_args = a == "NoArgs";
        // The exported types named in the signature, inside `Array<…>` and `… | null` too.
        let mut found = Found {
            cfg,
            deps: Vec::new(),
        };
        if !no_args {
            ts_rs::TypeVisitor::visit::<A>(&mut found);
        }
        ts_rs::TypeVisitor::visit::<R>(&mut found);
        for d in found.deps {
            let used = |t: &str| {
                t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == d.ts_name)
            };
            if (!no_args && used(&a)) || used(&r) {
                self.imports.insert(d.ts_name, d.output_path);
            }
        }
        let doc: Vec<&str> = doc
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let comment = if doc.is_empty() {
            String::new()
        } else {
            format!("  /** {} */\n", doc.join(" "))
        };
        let call = if no_args {
            format!("  {name}: (): Promise<{r}> => t.call<{r}>(\"{name}\"),")
        } else {
            format!("  {name}: (args: {a}): Promise<{r}> => t.call<{r}>(\"{name}\", args),")
        };
        self.entries.push(format!("{comment}{call}"));
        self.names.push(name);
    }

    fn finish(self) -> String {
        let mut out = String::from(
            "// Generated from the command table in crates/studio-core/src/api by `cargo test -p studio-core`; do not \
             edit.\n// CI fails when this file differs from the table.\n\n",
        );
        out.push_str("import type { Transport } from \"../transport\";\n");
        for (name, path) in &self.imports {
            let p = path.with_extension("");
            out.push_str(&format!(
                "import type {{ {name} }} from \"./{}\";\n",
                p.display()
            ));
        }
        out.push_str("\n/** Every command's name. */\nexport const COMMANDS = [\n");
        for n in &self.names {
            out.push_str(&format!("  \"{n}\",\n"));
        }
        out.push_str("] as const;\n\nexport type CommandName = (typeof COMMANDS)[number];\n\n");
        out.push_str(&format!(
            "/** The limits every shell checks a new series against (the engine checks them again). */\nexport const \
             SERIES_LIMITS = {{\n  max_title_chars: {},\n  max_premise_chars: {},\n  max_episodes: {},\n  default_episodes: \
             {},\n  max_episode_minutes: {},\n  default_episode_minutes: {},\n}} as const;\n\n",
            studio_domain::plan::MAX_TITLE_CHARS,
            studio_domain::plan::MAX_PREMISE_CHARS,
            studio_domain::plan::MAX_EPISODES,
            studio_domain::plan::DEFAULT_EPISODES,
            studio_domain::plan::MAX_EPISODE_MINUTES,
            studio_domain::plan::DEFAULT_EPISODE_MINUTES,
        ));
        out.push_str(
            "/** Typed calls to the engine over a transport (Tauri IPC or HTTP). */\nexport function client(t: \
             Transport) {\n  return {\n",
        );
        for e in &self.entries {
            for l in e.lines() {
                out.push_str("  ");
                out.push_str(l);
                out.push('\n');
            }
        }
        out.push_str("  };\n}\n\nexport type Client = ReturnType<typeof client>;\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command's arguments refuse a field they do not know (a typo is an error naming the field, not an
    /// argument silently ignored), over the same dispatch HTTP and the desktop app use.
    #[tokio::test]
    async fn an_unknown_argument_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Arc::new(
            Engine::open(crate::EngineOptions {
                data_dir: Some(dir.path().to_path_buf()),
                env: Some(Default::default()),
                secret_store: Some(Box::new(crate::secrets::MemorySecretStore::default())),
            })
            .await
            .unwrap(),
        );
        for (name, args) in [
            ("series_list", serde_json::json!({"verbose": true})),
            (
                "series_show",
                serde_json::json!({"series": "x", "seires": "x"}),
            ),
            ("jobs_list", serde_json::json!({"serie": "x"})),
        ] {
            let e = call(&engine, name, args).await.unwrap_err();
            assert_eq!(
                e.code,
                studio_domain::ErrorCode::InvalidInput,
                "{name}: {e:?}"
            );
            let field = ["verbose", "seires", "serie"]
                .into_iter()
                .find(|f| e.message.contains(f));
            assert!(
                field.is_some(),
                "{name}: the message names the field: {}",
                e.message
            );
        }
    }

    #[test]
    fn command_names_are_unique_and_documented() {
        let all = commands();
        let mut names: Vec<_> = all.iter().map(|c| c.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a command is declared twice");
        for c in &all {
            assert!(!c.doc.trim().is_empty(), "{} has no doc", c.name);
        }
    }

    /// Writes the UI's client beside the other generated bindings (`TS_RS_EXPORT_DIR`), as ts-rs writes the types.
    #[test]
    fn export_the_typescript_client() {
        let cfg = ts_rs::Config::from_env();
        let text = typescript_client(&cfg);
        for c in commands() {
            assert!(text.contains(&format!("  {}: (", c.name)), "{}", c.name);
        }
        let dir = cfg.out_dir();
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join("client.ts");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).unwrap();
        }
    }
}
