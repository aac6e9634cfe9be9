//! The two stages of an operation's arguments (a generated command, or
//! `jr raw`'s ad-hoc operation).
//!
//! Stage 1, [`RawArgs::from_matches`]: clap's matches become checked values,
//! with no I/O. Every flag value is checked against its parameter's type here,
//! so a bad value fails with exit 4 before any request or file read.
//!
//! Stage 2, [`Invocation::prepare`]: `--body @file` or `--body -` is read and
//! checked, giving the bytes to send.

use crate::body::{self, BodyOptions, BodySource};
use clap::ArgMatches;
use jr_core::Error;
use jr_core::ops::Operation;
use jr_core::request::{RequestPlan, check_value};
use std::io::Read;

/// The id of the positional argument that may stand for the path parameter
/// `name` (`jr issue get ABC-1` for `--issueIdOrKey ABC-1`).
pub fn positional_id(name: &str) -> String {
    format!("{name}@position")
}

/// Stage 1: the operation and checked values, before any I/O.
#[derive(Debug)]
pub struct RawArgs {
    pub op: &'static Operation,
    /// `(parameter name, values)`, each value checked against its type.
    pub values: Vec<(String, Vec<String>)>,
    pub body: Option<BodySource>,
    /// `--no-validate`, `--file`, `--content-type`.
    pub body_options: BodyOptions,
    /// `jr raw --paginate`: follow the pages the answer's shape shows
    /// (the ad-hoc operation declares no paging style).
    pub paging_by_shape: bool,
}

impl RawArgs {
    /// Reads the matches of `jr <group> <command> ...` for `op`; without
    /// `--body`, `helpers` may build the body from helper flags.
    ///
    /// Errors: exit 4 for a value of the wrong type, or those of `helpers`
    /// (helper flags that do not fit together).
    pub fn from_matches(
        op: &'static Operation,
        matches: &ArgMatches,
        helpers: impl FnOnce(&ArgMatches) -> Result<Option<Vec<u8>>, Error>,
    ) -> Result<RawArgs, Error> {
        let mut values = Vec::new();
        for param in op.params() {
            let positional = positional_id(param.name());
            let given = matches
                .try_get_many::<String>(param.name())
                .ok()
                .flatten()
                .or_else(|| matches.try_get_many::<String>(&positional).ok().flatten());
            if let Some(given) = given {
                let checked = given
                    .map(|v| check_value(param, v))
                    .collect::<Result<Vec<_>, _>>()?;
                values.push((param.name().to_owned(), checked));
            }
        }
        let body = match matches.try_get_one::<String>("body").ok().flatten() {
            Some(text) => Some(BodySource::from_flag(text)),
            None => helpers(matches)?.map(BodySource::Inline),
        };
        Ok(RawArgs {
            op,
            values,
            body,
            body_options: BodyOptions::from_matches(matches),
            paging_by_shape: false,
        })
    }
}

/// Stage 2: the body's bytes in hand, checked against the request schema.
#[derive(Debug)]
pub struct Invocation {
    pub op: &'static Operation,
    pub values: Vec<(String, Vec<String>)>,
    /// The body to send, if any; an extension may set it just before sending.
    pub body: Option<Vec<u8>>,
    /// The `Content-Type` to send instead of the spec's (multipart boundary,
    /// an image type, `--content-type`).
    pub content_type: Option<String>,
    /// Headers the body needs (`X-Atlassian-Token: no-check` for uploads).
    pub body_headers: Vec<(String, String)>,
    /// See [`RawArgs::paging_by_shape`].
    pub paging_by_shape: bool,
    /// What `--dry-run` shows instead of a file body's bytes (see
    /// [`body::Prepared::shown`]).
    pub shown_body: Option<String>,
}

impl Invocation {
    /// Reads a `--body` file or stdin and checks the body.
    ///
    /// Errors: exit 4 for a body file that cannot be read or a JSON body that
    /// does not parse (naming line and column) or breaks the request schema.
    pub fn prepare(raw: RawArgs) -> Result<Invocation, Error> {
        let prepared = body::prepare(raw.op, raw.body, &raw.body_options, |source| match source {
            BodySource::File(path) => read_file(&path),
            BodySource::Stdin => read_stdin(),
            BodySource::Inline(bytes) => Ok(bytes),
        })?;
        Ok(Invocation {
            op: raw.op,
            values: raw.values,
            body: prepared.body,
            content_type: prepared.content_type,
            body_headers: prepared.headers,
            paging_by_shape: raw.paging_by_shape,
            shown_body: prepared.shown,
        })
    }

    /// The request plan, sent as the body's content type with its headers.
    ///
    /// Errors: exit 4 for a missing required parameter or body.
    pub fn plan(&self) -> Result<RequestPlan, Error> {
        let plan = RequestPlan::build(self.op, &self.values, self.body.clone())?;
        let headers: Vec<(&str, &str)> = self
            .body_headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        Ok(match (&self.content_type, plan.body.clone()) {
            (Some(content_type), Some((bytes, _))) => plan.with_body(
                jr_core::body::Encoded {
                    bytes,
                    content_type: content_type.clone(),
                },
                &headers,
            ),
            _ => plan,
        })
    }
}

/// The bytes a `--body`-style flag names: `-` is stdin, `@path` a file,
/// anything else the text itself (for hand-written commands).
///
/// Errors: exit 4 when the file or stdin cannot be read.
pub fn read_body_flag(text: &str) -> Result<Vec<u8>, Error> {
    match BodySource::from_flag(text) {
        BodySource::File(path) => read_file(&path),
        BodySource::Stdin => read_stdin(),
        BodySource::Inline(bytes) => Ok(bytes),
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::validation(format!("cannot read --body file `{path}`: {e}"))
            .with_hint("check the path after @, or pass the JSON inline")
    })
}

fn read_stdin() -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::validation(format!("cannot read --body from stdin: {e}")))?;
    Ok(bytes)
}

/// Helper-flag values: repeatable and comma-separated both, trimmed, empty
/// ones dropped.
pub fn list_values(matches: &ArgMatches, name: &str) -> Vec<String> {
    matches
        .get_many::<String>(name)
        .map(|values| {
            values
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
