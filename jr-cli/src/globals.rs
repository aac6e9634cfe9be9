//! The global flags, as one table of data: each row is a flag's name, its
//! help, the environment variable and default it documents, and how its
//! value is read into [`Globals`]. The clap arguments, the argv peek that
//! finds the group, and [`read`] all come from [`FLAGS`], so a flag is
//! spelled once.

use clap::{Arg, ArgAction, ArgMatches};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use jr_core::config::Overrides;
use jr_core::output::Style;
use jr_core::paginate::DEFAULT_MAX_PAGES;
use jr_core::{Error, http, jq, retry};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// The choices every command shares: target, output and request behaviour.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--base-url`, `--auth-*`, `-p`, `--cloud-id`, `--api-url`,
    /// `--allow-insecure-http`: they win over the environment and the profile.
    pub overrides: Overrides,
    /// `--pretty`/`--compact`, else pretty on a terminal and compact in a pipe.
    pub style: Style,
    /// False with `--no-paginate`: read only the first page.
    pub paginate: bool,
    /// `--max-pages`: pages to read before failing (at least 1).
    pub max_pages: usize,
    /// `--dry-run`: print the request, send nothing.
    pub dry_run: bool,
    /// `--timeout`: per request.
    pub timeout: Duration,
    /// Pretty output is coloured (a terminal, and `NO_COLOR` unset).
    pub colour: bool,
    /// `--jq`, compiled before anything is sent.
    pub jq: Option<Arc<jq::Filter>>,
    /// `--jq` as given (compiled into `jq` with the `--arg` values).
    pub jq_expr: Option<String>,
    /// `--stream`: one item per line as pages arrive.
    pub stream: bool,
    /// `--verbose`: each request, response and retry as a JSON line on stderr.
    pub verbose: bool,
    /// `--retries`: retries after the first attempt (0 disables them).
    pub retries: u32,
    /// `--retry-unsafe`: also retry POST on 502-504, resets and timeouts.
    pub retry_unsafe: bool,
    /// `--max-response-size`, in bytes.
    pub max_response_bytes: u64,
    /// `--jq-json`: string results of `--jq` keep their JSON quotes (by
    /// default they print raw, as `gh api --jq` and `jq -r` do).
    pub jq_json: bool,
    /// `--arg`/`--argjson` values for `--jq`, in the order given.
    pub jq_named: Vec<(String, jq::Named)>,
    /// `--output`: how a result is shown.
    pub output: OutputFormat,
    /// `--columns`: the table's columns, as dotted JSON paths.
    pub columns: Option<Vec<String>>,
    /// `--output-file`: where the answer's body goes, unchanged; stdout then
    /// gets a summary (see `operation`).
    pub output_file: Option<String>,
    /// `--limit`: stop after this many items, successfully.
    pub limit: Option<usize>,
    /// stdout is a terminal (tables cut long values; results flush one by one).
    pub terminal: bool,
    /// `--record DIR` (else `JR_RECORD_DIR`): write every exchange into DIR.
    pub record: Option<String>,
    /// `--record-pseudonymise`: recordings hold keyed hashes instead of
    /// e-mail addresses and account IDs.
    pub record_pseudonymise: bool,
}

/// `--output`: the form of a result on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON document (the default): pretty on a terminal, compact in a pipe.
    Json,
    /// One compact JSON line per item of a list (as `--stream`).
    Ndjson,
    /// A list as rows and columns (see `table`).
    Table,
}

impl Default for Globals {
    /// Every flag absent: compact, uncoloured output (the terminal is looked
    /// at by [`read`]) and jr-core's defaults.
    fn default() -> Globals {
        Globals {
            overrides: Overrides::default(),
            style: Style::Compact,
            paginate: true,
            max_pages: DEFAULT_MAX_PAGES,
            dry_run: false,
            timeout: http::DEFAULT_TIMEOUT,
            colour: false,
            jq: None,
            jq_expr: None,
            stream: false,
            verbose: false,
            retries: retry::DEFAULT_RETRIES,
            retry_unsafe: false,
            max_response_bytes: http::DEFAULT_MAX_RESPONSE_BYTES,
            jq_json: false,
            jq_named: Vec::new(),
            output: OutputFormat::Json,
            columns: None,
            output_file: None,
            limit: None,
            terminal: false,
            record: None,
            record_pseudonymise: false,
        }
    }
}

/// One global flag.
pub struct GlobalFlag {
    /// The long name, without `--`.
    pub name: &'static str,
    pub short: Option<char>,
    /// One line of help, without the `[env: ...]` and `[default: ...]` notes.
    pub help: &'static str,
    /// The environment variable that supplies the value when the flag is
    /// absent (read by `jr_core::config`, shown in the help).
    pub env: Option<&'static str>,
    /// The value used when the flag is absent, as shown in the help.
    pub default: Option<&'static str>,
    /// A flag it cannot be given with.
    pub conflicts_with: Option<&'static str>,
    /// The values TAB completion offers (read at TAB time, e.g. the config
    /// file's profiles); checking the value stays with `kind`.
    pub completes: Option<fn() -> Vec<String>>,
    pub kind: FlagKind,
}

/// Whether a flag takes a value, and how it changes [`Globals`].
pub enum FlagKind {
    /// `--name` alone.
    Switch(fn(&mut Globals)),
    /// `--name VALUE`, kept as given in the field `field` selects.
    Text {
        value_name: &'static str,
        field: fn(&mut Globals) -> &mut Option<String>,
    },
    /// `--name VALUE`, read by `set`, which fails (exit 4) on an unreadable value.
    Value {
        value_name: &'static str,
        set: fn(&mut Globals, &str) -> Result<(), Error>,
    },
    /// `--name KEY VALUE`, repeatable, each pair read by `add`.
    Pair {
        value_names: [&'static str; 2],
        add: fn(&mut Globals, &str, &str) -> Result<(), Error>,
    },
}

const fn flag(name: &'static str, help: &'static str, kind: FlagKind) -> GlobalFlag {
    GlobalFlag {
        name,
        short: None,
        help,
        env: None,
        default: None,
        conflicts_with: None,
        completes: None,
        kind,
    }
}

const fn switch(name: &'static str, help: &'static str, set: fn(&mut Globals)) -> GlobalFlag {
    flag(name, help, FlagKind::Switch(set))
}

const fn text(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    field: fn(&mut Globals) -> &mut Option<String>,
) -> GlobalFlag {
    flag(name, help, FlagKind::Text { value_name, field })
}

const fn pair(
    name: &'static str,
    value_names: [&'static str; 2],
    help: &'static str,
    add: fn(&mut Globals, &str, &str) -> Result<(), Error>,
) -> GlobalFlag {
    flag(name, help, FlagKind::Pair { value_names, add })
}

const fn value(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    set: fn(&mut Globals, &str) -> Result<(), Error>,
) -> GlobalFlag {
    flag(name, help, FlagKind::Value { value_name, set })
}

impl GlobalFlag {
    const fn env(mut self, var: &'static str) -> GlobalFlag {
        self.env = Some(var);
        self
    }

    const fn default(mut self, shown: &'static str) -> GlobalFlag {
        self.default = Some(shown);
        self
    }

    const fn short(mut self, letter: char) -> GlobalFlag {
        self.short = Some(letter);
        self
    }

    const fn conflicts_with(mut self, other: &'static str) -> GlobalFlag {
        self.conflicts_with = Some(other);
        self
    }

    const fn completes(mut self, values: fn() -> Vec<String>) -> GlobalFlag {
        self.completes = Some(values);
        self
    }

    /// The flag as a global clap argument under "Global options".
    pub fn arg(&self) -> Arg {
        let mut help = self.help.to_owned();
        if let Some(var) = self.env {
            help.push_str(&format!(" [env: {var}]"));
        }
        if let Some(shown) = self.default {
            help.push_str(&format!(" [default: {shown}]"));
        }
        let mut arg = Arg::new(self.name)
            .long(self.name)
            .help(help)
            .global(true)
            .help_heading(HEADING);
        arg = match self.kind {
            // `SetTrue` without its implicit `false`: clap keeps a matched
            // value for every defaulted flag at each level of the command
            // and copies the global ones between the levels on every run
            // (about a fifth of a dry run's start-up). Present means true.
            FlagKind::Switch(_) => arg
                .num_args(0)
                .action(ArgAction::Set)
                .default_missing_value("true")
                .value_parser(clap::value_parser!(bool)),
            FlagKind::Text { value_name, .. } | FlagKind::Value { value_name, .. } => {
                arg.value_name(value_name)
            }
            FlagKind::Pair { value_names, .. } => arg
                .num_args(2)
                .value_names(value_names)
                .action(ArgAction::Append),
        };
        if let Some(values) = self.completes {
            arg = arg.add(ArgValueCandidates::new(move || {
                values().into_iter().map(CompletionCandidate::new).collect()
            }));
        }
        if let Some(letter) = self.short {
            arg = arg.short(letter);
        }
        if let Some(other) = self.conflicts_with {
            arg = arg.conflicts_with(other);
        }
        arg
    }
}

/// Every global flag, in the order `--help` lists them.
#[rustfmt::skip]
pub static FLAGS: &[GlobalFlag] = &[
    text("base-url", "URL", "Jira site or API gateway base URL", |g| &mut g.overrides.base_url)
        .env("JR_BASE_URL"),
    text("auth-type", "TYPE", "basic, bearer, oauth2, connect or none", |g| &mut g.overrides.auth_type)
        .env("JR_AUTH_TYPE")
        .completes(|| owned(jr_core::auth::AUTH_TYPES)),
    text("auth-user", "EMAIL", "Account email for basic auth", |g| &mut g.overrides.auth_user)
        .env("JR_AUTH_USER"),
    text("auth-token", "TOKEN", "API token (basic) or access token (bearer)", |g| &mut g.overrides.auth_token)
        .env("JR_AUTH_TOKEN"),
    text("profile", "NAME", "Profile of the config file; wins over the environment", |g| &mut g.overrides.profile)
        .env("JR_PROFILE")
        .short('p')
        .completes(profile_names),
    switch("pretty", "Indent the JSON output (the default on a terminal)", |g| g.style = Style::Pretty),
    switch("compact", "Print the JSON as Jira sent it, one line (the default in a pipe)", |g| g.style = Style::Compact)
        .conflicts_with("pretty"),
    switch("no-paginate", "Read only the first page of a paginated operation", |g| g.paginate = false),
    value("max-pages", "N", "Stop with an error after N pages", set_max_pages)
        .default("1000"),
    switch("dry-run", "Print the request as JSON (secrets redacted) and send nothing", |g| g.dry_run = true),
    value("timeout", "DURATION", "Per-request timeout: 30s, 500ms, 2m or seconds", |g, v| {
        g.timeout = http::parse_timeout(v)?;
        Ok(())
    })
    .default("30s"),
    text("cloud-id", "ID", "Send requests through the API gateway for this site's cloud ID (scoped API tokens, OAuth 2.0)", |g| &mut g.overrides.cloud_id)
        .env("JR_CLOUD_ID"),
    text("api-url", "URL", "The API gateway used with --cloud-id", |g| &mut g.overrides.api_url)
        .env("JR_API_GATEWAY_URL")
        .default("https://api.atlassian.com"),
    switch("allow-insecure-http", "Send credentials over plain http:// to a host other than loopback", |g| {
        g.overrides.allow_insecure_http = true
    }),
    text("jq", "EXPR", "Filter the result with a jq expression (jaq); string results print raw, as with jq -r", |g| &mut g.jq_expr),
    switch("jq-json", "Print --jq string results as JSON strings, with quotes", |g| g.jq_json = true),
    pair("arg", ["NAME", "VALUE"], "Make $NAME the string VALUE in --jq; repeatable", |g, name, value| {
        g.jq_named.push((name.to_owned(), jq::Named::Text(value.to_owned())));
        Ok(())
    }),
    pair("argjson", ["NAME", "JSON"], "Make $NAME the JSON value in --jq; repeatable", |g, name, value| {
        g.jq_named.push((name.to_owned(), jq::Named::Json(value.to_owned())));
        Ok(())
    }),
    value("output", "FORMAT", "json, ndjson (one item per line) or table", set_output)
        .default("json")
        .completes(|| owned(&["json", "ndjson", "table"])),
    value("columns", "PATHS", "Table columns as comma-separated JSON paths (fields.summary)", |g, v| {
        g.columns = Some(v.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect());
        Ok(())
    }),
    text("output-file", "PATH", "Save the answer's body, unchanged, to PATH (- for stdout)", |g| &mut g.output_file)
        .conflicts_with("stream"),
    value("limit", "N", "Stop after N items and succeed (--max-pages still caps the pages)", set_limit),
    switch("stream", "One item per line (NDJSON) as pages arrive; --jq applies per item", |g| g.stream = true),
    switch("verbose", "Each request, response and retry as a JSON line on stderr", |g| g.verbose = true),
    value("retries", "N", "Retries on 429, and on 502-504, resets, timeouts if idempotent", set_retries)
        .default("4"),
    switch("retry-unsafe", "Also retry POST on 502-504, resets and timeouts", |g| g.retry_unsafe = true),
    value("max-response-size", "SIZE", "Fail on a larger response body: bytes, 500KB, 10MiB", |g, v| {
        g.max_response_bytes = http::parse_size(v)?;
        Ok(())
    })
    .default("100MiB"),
    text("record", "DIR", "Write each HTTP exchange (every attempt, every page) into DIR as a redacted JSON file, e.g. jr --record ./rec issue get ABC-1", |g| &mut g.record)
        .env(RECORD_DIR_ENV),
    switch("record-pseudonymise", "With --record: replace e-mail addresses and account IDs by keyed hashes, stable within DIR", |g| {
        g.record_pseudonymise = true
    }),
];

/// The environment variable that supplies `--record`'s directory.
pub const RECORD_DIR_ENV: &str = "JR_RECORD_DIR";

fn owned(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The profiles of the config file (`JR_CONFIG_PATH`, else the default
/// path), for `-p` at TAB time; none when it is missing or not valid.
fn profile_names() -> Vec<String> {
    let env = |name: &str| std::env::var(name).ok();
    jr_core::config::load_config_for_run(&env)
        .file
        .profiles
        .into_keys()
        .collect()
}

/// `--record`, else a non-empty `JR_RECORD_DIR`; `--record-pseudonymise`
/// needs one of them.
///
/// Errors (exit 4): `--record-pseudonymise` without a directory.
fn read_record(globals: &mut Globals, env: &dyn Fn(&str) -> Option<String>) -> Result<(), Error> {
    if globals.record.is_none() {
        globals.record = env(RECORD_DIR_ENV).filter(|dir| !dir.is_empty());
    }
    if globals.record.as_deref() == Some("") {
        return Err(Error::validation("--record needs a directory"));
    }
    if globals.record_pseudonymise && globals.record.is_none() {
        return Err(Error::validation(format!(
            "--record-pseudonymise goes with --record DIR (or {RECORD_DIR_ENV})"
        )));
    }
    Ok(())
}

fn set_output(globals: &mut Globals, format: &str) -> Result<(), Error> {
    globals.output = match format {
        "json" => OutputFormat::Json,
        "ndjson" => OutputFormat::Ndjson,
        "table" => OutputFormat::Table,
        other => {
            return Err(Error::validation(format!(
                "invalid value `{other}` for --output: expected json, ndjson or table"
            ))
            .with_hint("--output is the form of the result; a file target is --output-file"));
        }
    };
    Ok(())
}

fn set_limit(globals: &mut Globals, n: &str) -> Result<(), Error> {
    globals.limit = Some(n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::validation(format!(
            "invalid value `{n}` for --limit: expected a whole number of at least 1"
        ))
    })?);
    Ok(())
}

fn set_max_pages(globals: &mut Globals, n: &str) -> Result<(), Error> {
    globals.max_pages = n.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::validation(format!(
            "invalid value `{n}` for --max-pages: expected a whole number of at least 1"
        ))
    })?;
    Ok(())
}

fn set_retries(globals: &mut Globals, n: &str) -> Result<(), Error> {
    globals.retries = n.parse::<u32>().map_err(|_| {
        Error::validation(format!(
            "invalid value `{n}` for --retries: expected a whole number (0 disables retries)"
        ))
    })?;
    Ok(())
}

/// The clap arguments of every global flag.
pub fn args() -> impl Iterator<Item = Arg> {
    FLAGS.iter().map(GlobalFlag::arg)
}

/// The help heading the global flags are listed under.
pub const HEADING: &str = "Global options";

/// How many words follow `word` as its values when it spells a global flag
/// (`--profile NAME`: 1, `--arg NAME VALUE`: 2, a switch or anything else:
/// 0): the argv peek skips them.
pub fn values_after(word: &str) -> usize {
    let flag = FLAGS.iter().find(|flag| {
        word.strip_prefix("--") == Some(flag.name)
            || flag.short.is_some_and(|letter| {
                word.strip_prefix('-')
                    .is_some_and(|rest| rest.len() == letter.len_utf8() && rest.starts_with(letter))
            })
    });
    match flag.map(|flag| &flag.kind) {
        None | Some(FlagKind::Switch(_)) => 0,
        Some(FlagKind::Pair { .. }) => 2,
        Some(_) => 1,
    }
}

/// Reads the global flags of a parsed command line, in table order.
///
/// Errors (exit 4): `--max-pages`, `--timeout`, `--retries`, `--limit`,
/// `--output` or `--max-response-size` unreadable, a `--jq` expression that
/// does not compile, or an `--argjson` value that is not JSON.
pub fn read(matches: &ArgMatches) -> Result<Globals, Error> {
    let terminal = std::io::stdout().is_terminal();
    let mut globals = Globals {
        style: if terminal {
            Style::Pretty
        } else {
            Style::Compact
        },
        terminal,
        ..Globals::default()
    };
    for flag in FLAGS {
        match flag.kind {
            FlagKind::Switch(set) if given(matches, flag.name) => set(&mut globals),
            FlagKind::Switch(_) => {}
            FlagKind::Text { field, .. } => {
                if let Some(given) = matches.get_one::<String>(flag.name) {
                    *field(&mut globals) = Some(given.clone());
                }
            }
            FlagKind::Value { set, .. } => {
                if let Some(given) = matches.get_one::<String>(flag.name) {
                    set(&mut globals, given)?;
                }
            }
            FlagKind::Pair { add, .. } => {
                let given: Vec<&String> = matches
                    .get_many::<String>(flag.name)
                    .into_iter()
                    .flatten()
                    .collect();
                for pair in given.chunks_exact(2) {
                    add(&mut globals, pair[0], pair[1])?;
                }
            }
        }
    }
    if let Some(expr) = &globals.jq_expr {
        let named = std::mem::take(&mut globals.jq_named);
        // With `--stream` (and `--output ndjson`) each item is one run's input.
        let inputs = if globals.stream || globals.output == OutputFormat::Ndjson {
            jq::Inputs::PerItem
        } else {
            jq::Inputs::One
        };
        let filter = jq::compile_with(expr, named)?
            .with_diagnostics(|bytes| {
                // `debug`, `stderr` and `halt_error` messages, as jq writes them.
                let _ = std::io::Write::write_all(&mut std::io::stderr(), bytes);
            })
            .with_inputs(inputs);
        globals.jq = Some(Arc::new(filter));
    } else if !globals.jq_named.is_empty() || globals.jq_json {
        return Err(Error::validation(
            "--arg, --argjson and --jq-json go with --jq",
        ));
    }
    read_record(&mut globals, &|name| std::env::var(name).ok())?;
    globals.colour = globals.style == Style::Pretty
        && anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    Ok(globals)
}

/// Whether a switch was given (see [`GlobalFlag::arg`]: absent, it has no
/// value).
fn given(matches: &ArgMatches, name: &str) -> bool {
    matches
        .try_get_one::<bool>(name)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_from(words: &[&str]) -> Result<Globals, Error> {
        let command = clap::Command::new("jr").args(args());
        let matches = command
            .try_get_matches_from(std::iter::once("jr").chain(words.iter().copied()))
            .expect("parses");
        read(&matches)
    }

    #[test]
    fn the_shown_defaults_are_jr_cores() {
        let shown = |name: &str| {
            FLAGS
                .iter()
                .find(|f| f.name == name)
                .and_then(|f| f.default)
                .expect("a default")
        };
        assert_eq!(shown("max-pages"), DEFAULT_MAX_PAGES.to_string());
        assert_eq!(
            http::parse_timeout(shown("timeout")).ok(),
            Some(http::DEFAULT_TIMEOUT)
        );
        assert_eq!(shown("retries"), retry::DEFAULT_RETRIES.to_string());
        assert_eq!(
            http::parse_size(shown("max-response-size")).ok(),
            Some(http::DEFAULT_MAX_RESPONSE_BYTES)
        );
        assert_eq!(shown("api-url"), jr_core::config::DEFAULT_API_GATEWAY);
    }

    #[test]
    fn values_are_read_and_checked() {
        let globals = read_from(&[
            "--compact",
            "-p",
            "app",
            "--max-pages",
            "3",
            "--retries",
            "0",
            "--no-paginate",
            "--max-response-size",
            "1KB",
        ])
        .expect("valid");
        assert_eq!(globals.style, Style::Compact);
        assert_eq!(globals.overrides.profile.as_deref(), Some("app"));
        assert_eq!((globals.max_pages, globals.retries), (3, 0));
        assert!(!globals.paginate && !globals.colour);
        assert_eq!(globals.max_response_bytes, 1000);
        for bad in [["--max-pages", "0"], ["--retries", "x"], ["--jq", ".["]] {
            let err = read_from(&bad).expect_err("refused");
            assert_eq!(err.exit_code(), 4, "{bad:?}");
        }
    }

    #[test]
    fn only_value_flags_take_the_next_words() {
        for word in ["--profile", "-p", "--jq", "--max-response-size", "--output"] {
            assert_eq!(values_after(word), 1, "{word}");
        }
        for word in ["--arg", "--argjson"] {
            assert_eq!(values_after(word), 2, "{word}");
        }
        for word in ["--pretty", "-pp", "--p", "webhook", "-x", "--jq-json"] {
            assert_eq!(values_after(word), 0, "{word}");
        }
    }

    #[test]
    fn the_record_directory_comes_from_the_flag_else_the_environment() {
        let env =
            |dir: &'static str| move |name: &str| (name == RECORD_DIR_ENV).then(|| dir.to_owned());
        let mut flag = Globals {
            record: Some("flag-dir".into()),
            ..Globals::default()
        };
        read_record(&mut flag, &env("env-dir")).expect("valid");
        assert_eq!(flag.record.as_deref(), Some("flag-dir"));
        let mut from_env = Globals::default();
        read_record(&mut from_env, &env("env-dir")).expect("valid");
        assert_eq!(from_env.record.as_deref(), Some("env-dir"));
        let mut empty = Globals::default();
        read_record(&mut empty, &env("")).expect("valid");
        assert_eq!(empty.record, None);
        let mut alone = Globals {
            record_pseudonymise: true,
            ..Globals::default()
        };
        let err = read_record(&mut alone, &env("")).expect_err("refused");
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("--record"), "{}", err.message());
    }

    #[test]
    fn jq_named_values_reach_the_filter() {
        let globals = read_from(&[
            "--jq",
            "[$a, $b]",
            "--arg",
            "a",
            "x",
            "--argjson",
            "b",
            "{\"n\":1}",
        ])
        .expect("valid");
        let filter = globals.jq.expect("compiled");
        assert_eq!(filter.run(b"null").expect("runs"), [r#"["x",{"n":1}]"#]);
        for bad in [
            &["--arg", "a", "x"][..],
            &["--jq", ".", "--argjson", "b", "{"],
            &["--output", "csv"],
            &["--limit", "0"],
        ] {
            assert_eq!(
                read_from(bad).expect_err("refused").exit_code(),
                4,
                "{bad:?}"
            );
        }
    }
}
