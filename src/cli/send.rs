//! `segment-backfill send` (being written).

use clap::Args;

use super::Outcome;

#[derive(Debug, Args)]
pub struct SendArgs {}

pub fn run(_args: &SendArgs) -> Result<Outcome, String> {
    Err("send is not available yet".into())
}
