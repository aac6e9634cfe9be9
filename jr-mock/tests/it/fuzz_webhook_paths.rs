//! A schema-based fuzzer for the five webhook operations: random methods,
//! paths (gateway prefix, trailing slash), query values, credentials,
//! headers and bodies (valid registrations and ID lists, then the same
//! with wrong types, missing fields, non-JSON bytes). jr-mock must answer
//! only the statuses docs/architecture.md (jr-mock) allows there (200, 202, 400, 401, 403;
//! 404/405 for a method no operation has), never a 5xx, errors as an
//! ErrorCollection; malformed input from an app is always 400, bad
//! credentials always 401, a user always 403. The control API gets the
//! same treatment: 200 or 400, never a 5xx.

use crate::common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    OAuth,
    Connect,
    User,
    UnknownToken,
    Garbage,
    BadJwt,
}

/// Whether a body is certainly malformed for the operation (so 400), or
/// well-formed (any allowed status, depending on the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    WellFormed,
    Malformed,
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Bytes(Vec<u8>),
    Json(Value, Shape),
}

#[derive(Debug, Clone)]
struct Fuzzed {
    method: &'static str,
    path: &'static str,
    query: Vec<(&'static str, String)>,
    who: Who,
    content_type: Option<&'static str>,
    body: Body,
}

const PATHS: [&str; 6] = [
    "/rest/api/3/webhook",
    "/rest/api/3/webhook/",
    "/rest/api/3/webhook/failed",
    "/rest/api/3/webhook/refresh/",
    "/ex/jira/a436116f-02ce-4520-8fbb-7301462a1674/rest/api/3/webhook",
    "/ex/jira/a436116f-02ce-4520-8fbb-7301462a1674/rest/api/3/webhook/failed",
];

/// The operation `method path` names, if any.
fn operation(method: &str, path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    let path = path.find("/rest/").map_or(path, |i| &path[i..]);
    Some(match (method, path) {
        ("POST", "/rest/api/3/webhook") => "register",
        ("GET", "/rest/api/3/webhook") => "list",
        ("DELETE", "/rest/api/3/webhook") => "delete",
        ("GET", "/rest/api/3/webhook/failed") => "failed",
        ("PUT", "/rest/api/3/webhook/refresh") => "refresh",
        _ => return None,
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z =\"'()]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn registration() -> impl Strategy<Value = Value> {
    let event = prop_oneof![
        Just("jira:issue_created"),
        Just("comment_created"),
        Just("sprint_started"),
        Just("not_an_event"),
    ];
    let jql = prop_oneof![
        Just("project = ABC"),
        Just(""),
        Just("watchCount = 3"),
        Just("project is not EMPTY"),
        Just("(((("),
    ];
    let url = prop_oneof![
        Just("https://hooks.test/jira"),
        Just("http://127.0.0.1:9/hook"),
        Just("http://example.com/x"),
        Just("not a url"),
    ];
    let item = (prop::collection::vec(event, 0..3), jql)
        .prop_map(|(events, jql)| json!({"events": events, "jqlFilter": jql}));
    (url, prop::collection::vec(item, 0..3))
        .prop_map(|(url, webhooks)| json!({"url": url, "webhooks": webhooks}))
}

fn id_list() -> impl Strategy<Value = Value> {
    prop::collection::vec(10_000i64..10_050, 0..4).prop_map(|ids| json!({"webhookIds": ids}))
}

/// A well-formed body changed in one schema-aware way: a required field
/// removed (`wrong` null) or replaced. Malformed unless the replacement
/// has the field's own JSON type.
fn broken(v: Value, pick: usize, wrong: Value) -> Body {
    let mut v = v;
    let Some(map) = v.as_object_mut() else {
        return Body::Json(v, Shape::WellFormed);
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = &keys[pick % keys.len()];
    let same_type = std::mem::discriminant(&map[key]) == std::mem::discriminant(&wrong);
    if wrong.is_null() {
        map.remove(key);
    } else {
        map.insert(key.clone(), wrong);
    }
    let shape = if same_type {
        Shape::WellFormed
    } else {
        Shape::Malformed
    };
    Body::Json(v, shape)
}

fn wrong_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(12)),
        Just(json!("text")),
        Just(json!({"a": 1})),
        Just(json!(true)),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => Just(Body::None),
        2 => prop::collection::vec(any::<u8>(), 1..40).prop_map(Body::Bytes),
        2 => json_value().prop_map(|v| Body::Json(v, Shape::WellFormed)),
        3 => registration().prop_map(|v| Body::Json(v, Shape::WellFormed)),
        3 => id_list().prop_map(|v| Body::Json(v, Shape::WellFormed)),
        2 => (registration(), any::<usize>(), wrong_type())
            .prop_map(|(v, i, w)| broken(v, i, w)),
        2 => (id_list(), wrong_type()).prop_map(|(v, w)| broken(v, 0, w)),
        1 => Just(Body::Json(json!({"webhookIds": [1.5, "2"]}), Shape::Malformed)),
        1 => Just(Body::Json(json!({"url": "https://h.test/x", "webhooks": [{"events": "jira:issue_created", "jqlFilter": 3}]}), Shape::Malformed)),
    ]
}

fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("50".to_owned()),
        Just("-1".to_owned()),
        Just("abc".to_owned()),
        Just("1.5".to_owned()),
        Just(String::new()),
        Just("99999999999999999999999".to_owned()),
        "[a-zA-Z0-9 ._-]{0,8}",
    ]
}

fn fuzzed() -> impl Strategy<Value = Fuzzed> {
    let method = prop_oneof![
        4 => Just("GET"),
        4 => Just("POST"),
        3 => Just("PUT"),
        3 => Just("DELETE"),
        1 => Just("PATCH"),
        1 => Just("HEAD"),
        1 => Just("OPTIONS"),
    ];
    let name = prop_oneof![
        Just("startAt"),
        Just("maxResults"),
        Just("after"),
        Just("failedAfter"),
        Just("other"),
    ];
    let who = prop_oneof![
        3 => Just(Who::OAuth),
        3 => Just(Who::Connect),
        1 => Just(Who::Nobody),
        1 => Just(Who::User),
        1 => Just(Who::UnknownToken),
        1 => Just(Who::Garbage),
        1 => Just(Who::BadJwt),
    ];
    let content_type = prop::option::of(prop_oneof![
        Just("application/json"),
        Just("text/plain"),
        Just("application/x-www-form-urlencoded"),
    ]);
    (
        method,
        prop::sample::select(&PATHS[..]),
        prop::collection::vec((name, query_value()), 0..3),
        who,
        content_type,
        body(),
    )
        .prop_map(|(method, path, query, who, content_type, body)| Fuzzed {
            method,
            path,
            query,
            who,
            content_type,
            body,
        })
}

/// Whether the request carries a query value its operation cannot parse
/// (the operation reads the first value of each parameter).
fn bad_query(op: &str, query: &[(&str, String)]) -> bool {
    let params: &[&str] = match op {
        "list" => &["startAt", "maxResults"],
        "failed" => &["after", "failedAfter", "maxResults"],
        _ => &[],
    };
    params.iter().any(|p| {
        query
            .iter()
            .find(|(k, _)| k == p)
            .is_some_and(|(_, v)| v.trim().parse::<i64>().is_err())
    })
}

async fn perform(client: &reqwest::Client, base: &str, f: &Fuzzed) -> (u16, Vec<u8>) {
    // An OAuth 2.0 token is accepted through the gateway prefix only.
    let path = match (f.who, f.path.starts_with("/ex/jira/")) {
        (Who::OAuth, false) => format!("/ex/jira/{CLOUD_ID}{}", f.path),
        _ => f.path.to_owned(),
    };
    let mut url = url::Url::parse(&format!("{base}{path}")).unwrap();
    for (k, v) in &f.query {
        url.query_pairs_mut().append_pair(k, v);
    }
    let method = reqwest::Method::from_bytes(f.method.as_bytes()).unwrap();
    let mut req = client.request(method, url.as_str());
    req = match f.who {
        Who::Nobody => req,
        Who::OAuth => req.bearer_auth("oauth-app-token"),
        Who::Connect => req.header(
            "Authorization",
            format!("JWT {}", connect_jwt(f.method, url.as_str())),
        ),
        Who::User => req.basic_auth("user@example.com", Some("user-token")),
        Who::UnknownToken => req.bearer_auth("nobody-knows-me"),
        Who::Garbage => req.header("Authorization", "Negotiate abc"),
        Who::BadJwt => req.header("Authorization", "JWT a.b.c"),
    };
    if let Some(ct) = f.content_type {
        req = req.header("Content-Type", ct);
    }
    req = match &f.body {
        Body::None => req,
        Body::Bytes(b) => req.body(b.clone()),
        Body::Json(v, _) => req.body(v.to_string()),
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

fn check(f: &Fuzzed, status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{f:?} -> {status}");
    let Some(op) = operation(f.method, f.path) else {
        prop_assert!(matches!(status, 404 | 405), "{f:?} -> {status}");
        return Ok(());
    };
    prop_assert!(
        matches!(status, 200 | 202 | 400 | 401 | 403),
        "{f:?} -> {status}"
    );
    if status >= 400 {
        let e: Value = serde_json::from_slice(body).unwrap_or_default();
        prop_assert!(
            e["errorMessages"].is_array() && e["errors"].is_object(),
            "{f:?} -> {status} {e}"
        );
    }
    let expected = match f.who {
        Who::Nobody | Who::UnknownToken | Who::Garbage | Who::BadJwt => Some(401),
        Who::User => Some(403),
        Who::OAuth | Who::Connect => {
            let needs_body = matches!(op, "register" | "delete" | "refresh");
            let malformed = match &f.body {
                Body::None | Body::Bytes(_) => needs_body,
                Body::Json(_, shape) => needs_body && *shape == Shape::Malformed,
            };
            (malformed || bad_query(op, &f.query)).then_some(400)
        }
    };
    if let Some(want) = expected {
        prop_assert_eq!(status, want, "{:?}", f);
    } else {
        prop_assert!(matches!(status, 200 | 202 | 400), "{f:?} -> {status}");
    }
    Ok(())
}

#[test]
fn fuzzed_requests_on_the_webhook_paths_get_only_the_documented_statuses() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let jira = rt.block_on(fake());
    let base = jira.base_url();
    let client = rt.block_on(async { client() });
    let config = Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&fuzzed(), |f| {
        let (status, body) = rt.block_on(perform(&client, &base, &f));
        check(&f, status, &body)
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

/// Bodies for the control API: valid-looking clock and event bodies, then
/// anything.
fn control_body() -> impl Strategy<Value = Body> {
    let shallow = prop_oneof![
        (-5_000i64..5_000_000).prop_map(|n| json!({"advanceMs": n})),
        (-5_000i64..5_000_000).prop_map(|n| json!({"nowMs": START_MS + n})),
        Just(json!({"webhookEvent": "jira:issue_created", "issue": {"key": "ABC-1"}})),
        Just(json!({"webhookEvent": "comment_created", "issue": {}})),
        Just(json!({"webhookEvent": "sprint_started"})),
        Just(json!({"duplicateDeliveries": true})),
    ];
    prop_oneof![
        3 => shallow.prop_map(|v| Body::Json(v, Shape::WellFormed)),
        2 => json_value().prop_map(|v| Body::Json(v, Shape::WellFormed)),
        1 => prop::collection::vec(any::<u8>(), 0..20).prop_map(Body::Bytes),
        1 => Just(Body::None),
    ]
}

#[test]
fn fuzzed_control_calls_get_200_or_400_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let jira = rt.block_on(fake());
    let base = jira.base_url();
    let client = rt.block_on(async { client() });
    let routes = prop::sample::select(
        &[
            ("POST", "/_mock/clock"),
            ("POST", "/_mock/events/"),
            ("POST", "/_mock/reset"),
            ("POST", "/_mock/switches"),
            ("GET", "/_mock/clock"),
            ("GET", "/_mock/deliveries"),
            ("GET", "/_mock/switches"),
            ("DELETE", "/_mock/clock"),
        ][..],
    );
    let config = Config {
        cases: 150,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&(routes, control_body()), |((method, path), body)| {
        let f = Fuzzed {
            method,
            path,
            query: Vec::new(),
            who: Who::Nobody,
            content_type: Some("application/json"),
            body,
        };
        let (status, _) = rt.block_on(perform(&client, &base, &f));
        let allowed: &[u16] = if method == "DELETE" {
            &[404, 405]
        } else {
            &[200, 400]
        };
        prop_assert!(allowed.contains(&status), "{f:?} -> {status}");
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
