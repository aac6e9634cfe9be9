//! The two stages of argument handling.
//!
//! Stage 1, [`RawArgs::from_matches`]: clap's matches become checked values,
//! with no I/O. Every flag value is checked against its parameter's type here,
//! so a bad value fails with exit 4 before any request or file read.
//!
//! Stage 2, [`Invocation::prepare`]: the environment and config file are read,
//! and `--body @file` or `--body -` is read, giving everything needed to send.

use crate::body::{self, BodyOptions};
use crate::{commands, keychain};
use clap::ArgMatches;
use jr_core::config::{self, Overrides, Settings};
use jr_core::ops::{self, Operation};
use jr_core::output::Style;
use jr_core::paginate::DEFAULT_MAX_PAGES;
use jr_core::request::{RequestPlan, check_value};
use jr_core::{Error, http, jq, retry};
use std::io::{IsTerminal, Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// Where the request body comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum BodySource {
    /// `--body '{...}'` or built from helper flags: the bytes themselves.
    Inline(Vec<u8>),
    /// `--body @path`.
    File(String),
    /// `--body -`.
    Stdin,
    /// `webhook refresh --all`: every webhook ID of the calling app, found by listing.
    AllOwnWebhookIds,
}

/// Output and paging choices of one invocation.
#[derive(Debug, Clone)]
pub struct Globals {
    pub overrides: Overrides,
    pub style: Style,
    pub paginate: bool,
    pub max_pages: usize,
    pub dry_run: bool,
    pub timeout: Duration,
    /// Pretty output is coloured (a terminal, and `NO_COLOR` unset).
    pub colour: bool,
    /// `--jq`, compiled before anything is sent.
    pub jq: Option<Arc<jq::Filter>>,
    pub stream: bool,
    pub verbose: bool,
    pub retries: u32,
    pub retry_unsafe: bool,
    pub max_response_bytes: u64,
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
    pub globals: Globals,
}

impl RawArgs {
    /// Reads the matches of `jr <group> <command> ...`.
    ///
    /// Errors: exit 4 for a value of the wrong type, `--max-pages`,
    /// `--timeout`, `--retries` or `--max-response-size` unreadable, a `--jq`
    /// expression that does not compile, or helper flags that do not fit together.
    pub fn from_matches(matches: &ArgMatches) -> Result<RawArgs, Error> {
        let (group, group_matches) = matches
            .subcommand()
            .ok_or_else(|| Error::validation("no command given; see jr --help"))?;
        if group == commands::raw::NAME {
            return commands::raw::args(group_matches, globals(matches)?);
        }
        let (command, op_matches) = group_matches
            .subcommand()
            .ok_or_else(|| Error::validation(format!("no command given; see jr {group} --help")))?;
        let op = ops::find(group, command)
            .ok_or_else(|| Error::validation(format!("unknown command `{group} {command}`")))?;
        let mut values = Vec::new();
        for param in op.params {
            if let Some(given) = op_matches.get_many::<String>(param.name) {
                let checked = given
                    .map(|v| check_value(param, v))
                    .collect::<Result<Vec<_>, _>>()?;
                values.push((param.name.to_owned(), checked));
            }
        }
        let body = match op_matches.try_get_one::<String>("body").ok().flatten() {
            Some(text) => Some(body_source(text)),
            None => commands::body_from_flags(op, op_matches)?,
        };
        Ok(RawArgs {
            op,
            values,
            body,
            body_options: BodyOptions::from_matches(op_matches),
            globals: Globals::from_matches(matches)?,
        })
    }
}

fn body_source(text: &str) -> BodySource {
    if text == "-" {
        BodySource::Stdin
    } else if let Some(path) = text.strip_prefix('@') {
        BodySource::File(path.to_owned())
    } else {
        BodySource::Inline(text.as_bytes().to_vec())
    }
}

impl Globals {
    /// Reads the global flags. Errors (exit 4): `--max-pages` or `--timeout` unreadable.
    pub fn from_matches(matches: &ArgMatches) -> Result<Globals, Error> {
        globals(matches)
    }
}

fn globals(matches: &ArgMatches) -> Result<Globals, Error> {
    let text = |name: &str| matches.get_one::<String>(name).cloned();
    let flag = |name: &str| matches.get_flag(name);
    let style = if flag("pretty") {
        Style::Pretty
    } else if flag("compact") || !std::io::stdout().is_terminal() {
        Style::Compact
    } else {
        Style::Pretty
    };
    let max_pages = match text("max-pages") {
        None => DEFAULT_MAX_PAGES,
        Some(n) => n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            Error::validation(format!(
                "invalid value `{n}` for --max-pages: expected a whole number of at least 1"
            ))
        })?,
    };
    let timeout = match text("timeout") {
        None => http::DEFAULT_TIMEOUT,
        Some(t) => http::parse_timeout(&t)?,
    };
    let retries = match text("retries") {
        None => retry::DEFAULT_RETRIES,
        Some(n) => n.parse::<u32>().map_err(|_| {
            Error::validation(format!(
                "invalid value `{n}` for --retries: expected a whole number (0 disables retries)"
            ))
        })?,
    };
    let max_response_bytes = match text("max-response-size") {
        None => http::DEFAULT_MAX_RESPONSE_BYTES,
        Some(size) => http::parse_size(&size)?,
    };
    let jq = text("jq")
        .map(|expr| jq::compile(&expr).map(Arc::new))
        .transpose()?;
    let colour = style == Style::Pretty
        && anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    Ok(Globals {
        overrides: Overrides {
            base_url: text("base-url"),
            auth_type: text("auth-type"),
            auth_user: text("auth-user"),
            auth_token: text("auth-token"),
            profile: text("profile"),
            cloud_id: text("cloud-id"),
            api_url: text("api-url"),
            allow_insecure_http: flag("allow-insecure-http"),
        },
        style,
        paginate: !flag("no-paginate"),
        max_pages,
        dry_run: flag("dry-run"),
        timeout,
        colour,
        jq,
        stream: flag("stream"),
        verbose: flag("verbose"),
        retries,
        retry_unsafe: flag("retry-unsafe"),
        max_response_bytes,
    })
}

/// Stage 2: settings resolved and the body's bytes in hand (except for
/// [`BodySource::AllOwnWebhookIds`], which needs the network).
pub struct Invocation {
    pub op: &'static Operation,
    pub values: Vec<(String, Vec<String>)>,
    pub body: Option<BodySource>,
    /// The `Content-Type` to send instead of the spec's (multipart boundary,
    /// an image type, `--content-type`).
    pub content_type: Option<String>,
    /// Headers the body needs (`X-Atlassian-Token: no-check` for uploads).
    pub body_headers: Vec<(String, String)>,
    pub globals: Globals,
    pub settings: Settings,
}

impl Invocation {
    /// Reads the environment, the config file and a `--body` file or stdin.
    ///
    /// A config file that is missing or not valid fails the run only when a
    /// profile is needed (see [`config::resolve_for_run`]); a file that is not
    /// valid is named in a warning on stderr.
    ///
    /// Errors: exit 1 for configuration problems; exit 4 for a body file that
    /// cannot be read or a JSON body that does not parse (naming line and column).
    pub fn prepare(raw: RawArgs) -> Result<Invocation, Error> {
        let env = |name: &str| std::env::var(name).ok();
        let mut loaded = config::load_config_for_run(&env);
        if let Some(warning) = &loaded.warning {
            let _ = writeln!(std::io::stderr(), "{warning}");
        }
        if let Some(profile) = config::chosen_profile(&raw.globals.overrides, &env, &loaded.file) {
            keychain::fill_in(&keychain::OsKeychain, &mut loaded.file, &profile)?;
        }
        let settings = config::resolve_for_run(&raw.globals.overrides, &env, &loaded)?;
        let prepared = body::prepare(raw.op, raw.body, &raw.body_options, |source| match source {
            BodySource::File(path) => read_file(&path),
            BodySource::Stdin => read_stdin(),
            BodySource::Inline(bytes) => Ok(bytes),
            BodySource::AllOwnWebhookIds => Ok(Vec::new()),
        })?;
        Ok(Invocation {
            op: raw.op,
            values: raw.values,
            body: prepared.body,
            content_type: prepared.content_type,
            body_headers: prepared.headers,
            globals: raw.globals,
            settings,
        })
    }
}

impl Invocation {
    /// The request plan with `body` (the inline bytes or the body built at
    /// run time), sent as the body's content type with its headers.
    pub fn plan(&self, body: Option<Vec<u8>>) -> Result<RequestPlan, Error> {
        let plan = RequestPlan::build(self.op, &self.values, body)?;
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

/// Rejects a body that is not JSON, naming the line and column of the fault.
pub fn check_json(bytes: &[u8]) -> Result<(), Error> {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .map(|_| ())
        .map_err(|e| {
            Error::validation(format!(
                "--body is not valid JSON: {} at line {}, column {}",
                describe(&e),
                e.line(),
                e.column()
            ))
            .with_hint("pass a JSON document, @file, or - for stdin")
        })
}

fn describe(error: &serde_json::Error) -> String {
    // serde_json appends " at line L column C" to its message; we say it once.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_names_line_and_column() {
        let err = check_json(b"{\n  \"url\": ,\n}").unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message().contains("line 2, column 10"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn body_sources_are_recognised() {
        assert_eq!(body_source("-"), BodySource::Stdin);
        assert_eq!(body_source("@a.json"), BodySource::File("a.json".into()));
        assert_eq!(body_source("{}"), BodySource::Inline(b"{}".to_vec()));
    }
}
