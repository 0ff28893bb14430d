//! Provider tests: the offline writer through the stage, and the HTTP writers against local mock servers.

mod avatars;
mod llm;
mod offline;
mod visuals;
mod voices;
