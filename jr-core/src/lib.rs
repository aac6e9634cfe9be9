//! jr-core: the library behind `jr`, a command-line client for the Jira Cloud
//! platform REST API v3. It holds the operation table generated from
//! Atlassian's OpenAPI spec, turns an operation and its arguments into a
//! request, sends it, follows pages, and maps failures to typed errors with
//! the exit codes of the command-line contract. It prints nothing itself.
//!
//! Building a request plan is offline:
//!
//! ```
//! use jr_core::{ops, request::RequestPlan};
//! let op = ops::find("webhook", "get-failed").expect("in the table");
//! let values = vec![("maxResults".to_string(), vec!["50".to_string()])];
//! let plan = RequestPlan::build(op, &values, None).expect("valid");
//! let base = url::Url::parse("https://your-domain.atlassian.net").expect("a URL");
//! assert_eq!(plan.method.as_str(), "GET");
//! assert_eq!(plan.url(&base), "https://your-domain.atlassian.net/rest/api/3/webhook/failed?maxResults=50");
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod body;
pub mod config;
pub mod error;
pub mod http;
pub mod jq;
pub mod json_scan;
pub mod links;
pub mod oauth;
pub mod ops;
pub mod output;
pub mod paginate;
pub mod partial;
pub mod record;
pub mod recording;
pub mod redact;
pub mod request;
pub mod retry;
pub mod webhook;

pub use error::{Error, ErrorKind};
pub use url::Url;
