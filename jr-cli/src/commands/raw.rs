//! `jr raw METHOD PATH [--query k=v]... [--header k:v]... [--body ...]`: any
//! request the operation table does not cover, with the same credentials,
//! output, errors and `--dry-run` as the generated commands. A body is
//! allowed on every method, DELETE included (Jira's `webhook delete-by-id`
//! takes one).
//!
//! The request becomes an ad-hoc [`Operation`] so that everything after
//! parsing is shared with the generated commands. It lives as long as the
//! process, which is one invocation, so its few strings are leaked rather
//! than threading a second, owned operation type through the whole pipeline.

use crate::args::RawArgs;
use crate::body::{BodyOptions, BodySource};
use crate::context::Ctx;
use crate::entry::{Entry, Own};
use crate::operation;
use clap::{Arg, ArgAction, ArgMatches, Command};
use jr_core::Error;
use jr_core::ops::{ItemType, Location, Method, Operation, Param, ParamType, RequestBody};

/// `jr raw METHOD PATH ...`.
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

const NAME: &str = "raw";

fn command() -> Command {
    Command::new(NAME)
        .about("Send any request: METHOD PATH with --query, --header and --body")
        .arg(
            Arg::new("method")
                .value_name("METHOD")
                .required(true)
                .help("GET, POST, PUT or DELETE (any case)"),
        )
        .arg(
            Arg::new("path")
                .value_name("PATH")
                .required(true)
                .help("The path after the base URL, e.g. /rest/api/3/myself; sent as written"),
        )
        .arg(
            Arg::new("query")
                .long("query")
                .value_name("K=V")
                .action(ArgAction::Append)
                .help("A query parameter, encoded for you; repeatable"),
        )
        .arg(
            Arg::new("header")
                .long("header")
                .value_name("K:V")
                .action(ArgAction::Append)
                .help("A request header; repeatable"),
        )
        .arg(
            Arg::new("body")
                .long("body")
                .value_name("JSON|@FILE|-")
                .help("A JSON request body: a JSON string, @file, or - for stdin (any method)"),
        )
        .after_help(
            "Example:\n  jr raw GET /rest/api/3/myself --query expand=groups\n  \
             jr raw DELETE /rest/api/3/webhook --body '{\"webhookIds\": [10000]}'",
        )
}

/// Sends the request as the generated commands send theirs.
fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let raw = args(matches)?;
    operation::run(ctx, raw, matches, None)
}

/// Stage 1 for `jr raw`: the request as an ad-hoc operation with checked
/// values. Errors: exit 4 for an unknown method, a path not starting with
/// `/` or holding white space, or a `--query`/`--header` without its separator.
fn args(matches: &ArgMatches) -> Result<RawArgs, Error> {
    let text = |name: &str| matches.get_one::<String>(name).cloned().unwrap_or_default();
    let many = |name: &str| -> Vec<String> {
        matches
            .get_many::<String>(name)
            .map(|v| v.cloned().collect())
            .unwrap_or_default()
    };
    let method = method(&text("method"))?;
    let path = text("path");
    if !path.starts_with('/') || path.chars().any(char::is_whitespace) {
        return Err(Error::validation(format!(
            "invalid PATH `{path}`: expected a path starting with / and without spaces"
        ))
        .with_hint("e.g. jr raw GET /rest/api/3/myself; put query parameters in --query k=v"));
    }
    let mut params = Vec::new();
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    for (flag, separator, location) in [
        ("query", '=', Location::Query),
        ("header", ':', Location::Header),
    ] {
        for pair in many(flag) {
            let (name, value) = pair.split_once(separator).ok_or_else(|| {
                Error::validation(format!(
                    "invalid --{flag} `{pair}`: expected NAME{separator}VALUE"
                ))
            })?;
            let (name, value) = match location {
                Location::Header => (name.trim(), value.trim()),
                _ => (name, value),
            };
            add(&mut params, &mut values, name, value, location);
        }
    }
    let body = matches
        .get_one::<String>("body")
        .map(|b| BodySource::from_flag(b));
    Ok(RawArgs {
        op: leak_operation(method, path, params, body.is_some()),
        values,
        body,
        body_options: BodyOptions::default(),
    })
}

fn method(text: &str) -> Result<Method, Error> {
    match text.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::Get),
        "POST" => Ok(Method::Post),
        "PUT" => Ok(Method::Put),
        "DELETE" => Ok(Method::Delete),
        _ => Err(Error::validation(format!(
            "invalid METHOD `{text}`: expected GET, POST, PUT or DELETE"
        ))),
    }
}

/// Adds `name=value`; a repeated name becomes one parameter with several
/// values (sent repeated, in order).
fn add(
    params: &mut Vec<Param>,
    values: &mut Vec<(String, Vec<String>)>,
    name: &str,
    value: &str,
    location: Location,
) {
    if let Some((_, existing)) = values.iter_mut().find(|(n, _)| n == name) {
        existing.push(value.to_owned());
        return;
    }
    params.push(Param::ad_hoc(
        leak(name.to_owned()),
        location,
        ParamType::Array(ItemType::String),
    ));
    values.push((name.to_owned(), vec![value.to_owned()]));
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn leak_operation(
    method: Method,
    path: String,
    params: Vec<Param>,
    has_body: bool,
) -> &'static Operation {
    Box::leak(Box::new(Operation::ad_hoc(
        NAME,
        method.as_str(),
        "raw",
        method,
        leak(path),
        Box::leak(params.into_boxed_slice()),
        has_body.then(RequestBody::ad_hoc_json),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jr_core::request::RequestPlan;

    fn plan(words: &[&str]) -> Result<RequestPlan, Error> {
        let matches = command()
            .try_get_matches_from(std::iter::once("raw").chain(words.iter().copied()))
            .expect("parses");
        let raw = args(&matches)?;
        let body = match raw.body {
            Some(BodySource::Inline(bytes)) => Some(bytes),
            _ => None,
        };
        RequestPlan::build(raw.op, &raw.values, body)
    }

    #[test]
    fn query_and_headers_are_sent_as_given() {
        let plan = plan(&[
            "get",
            "/rest/api/3/myself",
            "--query",
            "expand=groups,applicationRoles",
            "--query",
            "a=1",
            "--query",
            "a=2",
            "--header",
            "X-Test: yes",
        ])
        .expect("valid");
        let base = jr_core::Url::parse("https://x.example").expect("URL");
        assert_eq!(
            plan.url(&base),
            "https://x.example/rest/api/3/myself?expand=groups%2CapplicationRoles&a=1&a=2"
        );
        assert_eq!(plan.headers, [("X-Test".to_owned(), "yes".to_owned())]);
    }

    #[test]
    fn delete_may_carry_a_body() {
        let plan = plan(&[
            "DELETE",
            "/rest/api/3/webhook",
            "--body",
            r#"{"webhookIds":[1]}"#,
        ])
        .expect("valid");
        assert_eq!(plan.method, Method::Delete);
        assert_eq!(
            plan.body,
            Some((
                br#"{"webhookIds":[1]}"#.to_vec(),
                "application/json".to_owned()
            ))
        );
    }

    #[test]
    fn bad_input_is_exit_4() {
        for args in [
            &["PATCH", "/x"][..],
            &["GET", "rest/api/3/myself"],
            &["GET", "/a b"],
            &["GET", "/x", "--query", "novalue"],
            &["GET", "/x", "--header", "nocolon"],
        ] {
            assert_eq!(plan(args).expect_err("refused").exit_code(), 4, "{args:?}");
        }
    }
}
