//! The MCP stdio server that Claude Code, Cursor and other agents launch:
//! search tools over the engine, live file watching and background
//! reconciliation, speaking nothing but protocol on stdout.
//!
//! Layout: [`serve`] runs the server ([`serve_stdio`]); [`server`] and
//! [`tools`](crate::tools) define the MCP surface, with arguments in
//! [`params`], structured results in [`outputs`] and text in [`render`];
//! [`writer`] serializes index writes, [`freshness`] and [`watcher`] follow
//! file changes, [`confine`] keeps paths inside the project.

pub mod confine;
pub mod freshness;
pub mod instructions;
pub mod outputs;
pub mod params;
mod poller;
pub mod progress;
pub mod render;
mod replies;
pub mod serve;
pub mod server;
mod stdout_guard;
mod tools;
pub mod watcher;
pub mod writer;

pub use serve::{serve_stdio, ServeOptions};
