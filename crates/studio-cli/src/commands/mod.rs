//! The commands, one file per area; each parses nothing (clap did) and prints what the engine returns.

pub mod direct;
pub mod episode;
pub mod feedback;
pub mod production;
pub mod review;
pub mod series;
pub mod setup;
