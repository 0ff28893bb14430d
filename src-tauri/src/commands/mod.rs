//! Tauri commands: each pulls the Engine from state, calls one method, and maps the error to `{code, message}`.

pub mod memory;
pub mod series;
pub mod system;

use studio_core::{CoreError, ErrorPayload};

pub type CmdResult<T> = Result<T, ErrorPayload>;

pub fn err(e: CoreError) -> ErrorPayload {
    e.payload()
}
