//! Offline implementations: real generators that need no network or key, labelled offline in what they produce.

mod josa;
mod lexicon;
pub mod plan;
pub(crate) mod rng;
pub mod script;
pub mod still;

use async_trait::async_trait;
use studio_pipeline::writer::{PlanCall, Reply, ScriptCall, Writer, WriterError};

/// The offline template writer: deterministic for a given seed, built on the genre templates (seed §7.1).
#[derive(Debug, Default, Clone)]
pub struct TemplateWriter;

pub const TEMPLATE_WRITER_ID: &str = "offline-template";

#[async_trait]
impl Writer for TemplateWriter {
    fn id(&self) -> String {
        TEMPLATE_WRITER_ID.into()
    }
    fn is_offline(&self) -> bool {
        true
    }
    async fn plan_series(&self, call: &PlanCall) -> Result<Reply, WriterError> {
        let plan = plan::plan(&call.request);
        Ok(Reply {
            text: serde_json::to_string(&plan).unwrap_or_default(),
            usage: None,
        })
    }
    async fn write_script(&self, call: &ScriptCall) -> Result<Reply, WriterError> {
        let s = script::script(call);
        Ok(Reply {
            text: serde_json::to_string(&s).unwrap_or_default(),
            usage: None,
        })
    }
}
