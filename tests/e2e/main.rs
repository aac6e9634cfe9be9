//! End-to-end tests: the real `jr` binary against a real jr-mock (embedded,
//! one fresh fake per test), by topic. Nothing leaves 127.0.0.1; time moves
//! only through jr-mock's virtual clock.

/// The session behind `fixtures/jr-mock/`, shared with `cargo xtask fixtures record`.
#[path = "../fixture_session.rs"]
mod fixture_session;
mod support;

mod auth;
mod bodies;
mod catalog_paging;
mod client;
mod completion;
mod configure;
mod errors;
mod every_command;
mod fixtures;
mod flags;
mod help;
mod hostile;
mod issues;
mod login;
mod partial;
mod precedence;
mod process;
mod record;
mod scripting;
mod webhook;
mod webhook_loop;
