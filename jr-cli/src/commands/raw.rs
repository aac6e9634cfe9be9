//! `jr raw METHOD PATH [--query k=v]... [--header k:v]... [--body ...]`: any
//! request the operation table does not cover, with the same credentials,
//! output, errors and `--dry-run` as the generated commands. A body is
//! allowed on every method, DELETE included (Jira's `webhook delete-by-id`
//! takes one).
//!
//! PATH may also be an absolute URL on the configured site (or API gateway),
//! such as the `next` link of `jr webhook get-failed`: its path goes below
//! the base URL and its query becomes `--query` pairs. A URL on any other
//! host is refused (exit 4) before anything is sent, so credentials never
//! leave for it. `--paginate` follows the pages of an answer whose shape
//! says how (`startAt`/`isLast`, `nextPageToken`, a `next` link; see
//! `jr_core::paginate::detect`).
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
use url::Url;

/// `jr raw METHOD PATH ...`.
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

/// The command's name: the one hand-written command that prints an
/// operation's answer, and so takes `--output-file`.
pub const NAME: &str = "raw";

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
                .value_name("PATH|URL")
                .required(true)
                .help("The path after the base URL, e.g. /rest/api/3/myself, sent as written; or an absolute URL on the configured site (a next link)"),
        )
        .arg(
            Arg::new("paginate")
                .long("paginate")
                .action(ArgAction::SetTrue)
                .help("Follow the pages when the answer has a known paging shape (startAt/isLast, nextPageToken, a next link)"),
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
             jr raw DELETE /rest/api/3/webhook --body '{\"webhookIds\": [10000]}'\n  \
             jr raw GET \"$(jr webhook get-failed --no-paginate --jq .next)\" --paginate",
        )
}

/// Sends the request as the generated commands send theirs.
///
/// Errors: exit 4 for an absolute URL on another host than the configured
/// one, and those of [`args`] and [`operation::run`].
fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let text = matches
        .get_one::<String>("path")
        .cloned()
        .unwrap_or_default();
    let target = if is_absolute(&text) {
        let settings = ctx.settings()?;
        on_the_site(&text, &settings.base_url, settings.site_url.as_ref())?
    } else {
        Target {
            path: text,
            query: Vec::new(),
        }
    };
    let raw = args(matches, target)?;
    operation::run(ctx, raw, matches, None)
}

/// Where a raw request goes: a path below the base URL, and the query pairs
/// of an absolute URL (before those of `--query`).
#[derive(Debug, PartialEq)]
struct Target {
    path: String,
    query: Vec<(String, String)>,
}

fn is_absolute(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// An absolute URL as a [`Target`] below `base` (the site or the API
/// gateway's `/ex/jira/<cloudId>`): its host must be the base URL's or the
/// configured site's. A link naming the site while jr talks to the gateway
/// keeps its path from `/rest/` on, as the paging walk does with `next` links.
///
/// Errors: exit 4 for text that is not a URL, or a URL on another host,
/// naming both hosts.
fn on_the_site(text: &str, base: &Url, site: Option<&Url>) -> Result<Target, Error> {
    let url =
        Url::parse(text).map_err(|e| Error::validation(format!("invalid URL `{text}`: {e}")))?;
    let known = |other: &Url| other.origin() == url.origin();
    if !known(base) && !site.is_some_and(known) {
        let host = |u: &Url| u.host_str().map_or_else(|| u.to_string(), str::to_owned);
        let configured = site.filter(|s| !known(s)).unwrap_or(base);
        return Err(Error::validation(format!(
            "refused to send to `{}`: the URL is not on the configured site `{}`",
            authority(&url).unwrap_or_else(|| host(&url)),
            authority(configured).unwrap_or_else(|| host(configured)),
        ))
        .with_hint("jr raw sends its credentials only to the configured site; give a path (/rest/...) or a URL on that site"));
    }
    let base_path = base.path().trim_end_matches('/');
    let path = match url.path() {
        below if !base_path.is_empty() && below.starts_with(base_path) => {
            below[base_path.len()..].to_owned()
        }
        other if known(base) => other.to_owned(),
        other => other
            .find("/rest/")
            .map_or(other, |at| &other[at..])
            .to_owned(),
    };
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        path
    };
    let query = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Target { path, query })
}

/// `host:port` (the port only when the URL names one).
fn authority(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Stage 1 for `jr raw`: the request as an ad-hoc operation with checked
/// values. Errors: exit 4 for an unknown method, a path not starting with
/// `/` or holding white space, or a `--query`/`--header` without its separator.
fn args(matches: &ArgMatches, target: Target) -> Result<RawArgs, Error> {
    let text = |name: &str| matches.get_one::<String>(name).cloned().unwrap_or_default();
    let many = |name: &str| -> Vec<String> {
        matches
            .get_many::<String>(name)
            .map(|v| v.cloned().collect())
            .unwrap_or_default()
    };
    let method = method(&text("method"))?;
    let path = target.path;
    if !path.starts_with('/') || path.chars().any(char::is_whitespace) {
        return Err(Error::validation(format!(
            "invalid PATH `{path}`: expected a path starting with / (or a URL on the configured site) and without spaces"
        ))
        .with_hint("e.g. jr raw GET /rest/api/3/myself; put query parameters in --query k=v"));
    }
    let mut params = Vec::new();
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in &target.query {
        add(&mut params, &mut values, name, value, Location::Query);
    }
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
        paging_by_shape: matches.get_flag("paginate"),
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
        let target = Target {
            path: matches
                .get_one::<String>("path")
                .cloned()
                .unwrap_or_default(),
            query: Vec::new(),
        };
        let raw = args(&matches, target)?;
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

    #[test]
    fn an_absolute_url_must_be_on_the_configured_site() {
        let site = Url::parse("https://acme.atlassian.net").expect("URL");
        let gateway = Url::parse("https://api.atlassian.com/ex/jira/abc").expect("URL");
        let next = "https://acme.atlassian.net/rest/api/3/webhook/failed?after=5&maxResults=2";
        let expected = Target {
            path: "/rest/api/3/webhook/failed".into(),
            query: vec![
                ("after".into(), "5".into()),
                ("maxResults".into(), "2".into()),
            ],
        };
        assert_eq!(
            on_the_site(next, &site, Some(&site)).expect("same host"),
            expected
        );
        // Through the gateway, a link naming the site or the gateway goes below it.
        assert_eq!(
            on_the_site(next, &gateway, Some(&site)).expect("the site"),
            expected
        );
        let via_gateway =
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/webhook/failed?after=5&maxResults=2";
        assert_eq!(
            on_the_site(via_gateway, &gateway, Some(&site)).expect("the gateway"),
            expected
        );
        let err = on_the_site(
            "https://evil.example:8443/rest/api/3/myself",
            &site,
            Some(&site),
        )
        .expect_err("another host");
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message().contains("evil.example:8443")
                && err.message().contains("acme.atlassian.net"),
            "{}",
            err.message()
        );
    }
}
