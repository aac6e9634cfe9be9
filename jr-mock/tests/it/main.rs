//! jr-mock's integration tests, one test binary (CI builds and links each
//! binary separately, and on two cores linking twelve took minutes).
//! Each module is one area; [`common`] holds the shared client, credentials
//! and calls.

// Each area uses part of the shared helpers.
#[allow(dead_code)]
mod common;

mod binary;
mod catalog;
mod chains;
mod deliveries;
mod faithful;
mod faults;
mod fixtures;
mod fuzz_webhook_paths;
mod hostile;
mod inspector;
mod issue_more;
mod issues;
mod journal;
mod jql_props;
mod model_based;
mod oauth;
mod persistence;
mod receiver;
mod stress;
mod webhook_api;
