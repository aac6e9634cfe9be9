//! The delivery receiver test: a local receiver checks every delivery the
//! way an app would, with its own HS256 and qsh code (not jr-mock's): the
//! OAuth bearer JWT, the Connect JWT and its qsh, Jira's headers, retry
//! counts, failure records, the duplicate switch, and a receiver that calls
//! back into jr-mock while it handles a delivery.

use crate::common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use hmac::{Hmac, Mac};
use jr_mock::{FakeJira, MockConfig, Switches};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const RETRY_MS: i64 = 60_000;

/// Verifies an HS256 compact JWT under `secret`; returns its claims.
fn verify_hs256(token: &str, secret: &[u8]) -> Result<Value, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, sig] = parts[..] else {
        return Err(format!("not three parts: {token}"));
    };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|e| e.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| e.to_string())?;
    mac.update(format!("{header}.{claims}").as_bytes());
    mac.verify_slice(&decode(sig)?)
        .map_err(|_| "bad signature".to_owned())?;
    let header: Value = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    if header["alg"] != "HS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// A receiver answering every POST with the status currently in `status`.
struct Scripted(Arc<AtomicU16>);

impl Respond for Scripted {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(self.0.load(Ordering::SeqCst))
    }
}

async fn scripted_receiver(status: u16) -> (MockServer, Arc<AtomicU16>) {
    let server = MockServer::start().await;
    let current = Arc::new(AtomicU16::new(status));
    Mock::given(method("POST"))
        .respond_with(Scripted(current.clone()))
        .mount(&server)
        .await;
    (server, current)
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn oauth_deliveries_carry_a_bearer_jwt_signed_with_the_client_secret_and_jiras_body() {
    let jira = fake().await;
    let (receiver, _) = scripted_receiver(200).await;
    let url = format!("{}/hook", receiver.uri());
    let ids = created_ids(
        &register(
            &jira,
            OAUTH,
            &url,
            &["project = ABC", "status = 'to do'", "project = XYZ"],
        )
        .await,
    );

    emit(&jira, event("ABC")).await;

    let got = received(&receiver).await;
    assert_eq!(got.len(), 1, "one delivery for all of the app's matches");
    let req = &got[0];
    let token = header(req, "authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .expect("a bearer token");
    let claims = verify_hs256(token, b"oauth-app-secret").unwrap();
    assert_eq!(claims["iss"], "oauth-app");
    assert_eq!(claims["iat"], START_MS / 1000);
    assert!(claims["exp"].as_i64().unwrap() > START_MS / 1000);
    assert!(verify_hs256(token, b"other-app-secret").is_err());
    let identifier = header(req, "x-atlassian-webhook-identifier").unwrap();
    assert_eq!(identifier.len(), 36, "{identifier}");
    assert_eq!(header(req, "x-atlassian-webhook-flow"), Some("Primary"));
    assert_eq!(header(req, "x-atlassian-webhook-retry"), None);
    assert_eq!(header(req, "x-hub-signature"), None);
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "timestamp",
            "webhookEvent",
            "issue_event_type_name",
            "issue",
            "matchedWebhookIds"
        ]
    );
    assert_eq!(body["issue_event_type_name"], "issue_created");
    assert_eq!(body["matchedWebhookIds"], json!([ids[0], ids[1]]));
}

#[tokio::test]
async fn connect_deliveries_carry_a_jwt_with_the_qsh_of_the_delivery_request() {
    let jira = fake().await;
    let (receiver, _) = scripted_receiver(204).await;
    let url = format!("{}/hook?tenant=a%20b", receiver.uri());
    register(&jira, Auth::Connect, &url, &["project = ABC"]).await;

    emit(&jira, event("ABC")).await;

    let got = received(&receiver).await;
    let token = header(&got[0], "authorization")
        .and_then(|a| a.strip_prefix("JWT "))
        .expect("a Connect JWT");
    let claims = verify_hs256(token, b"connect-app-secret").unwrap();
    assert_eq!(claims["iss"], "jr-mock-client-key");
    assert_eq!(claims["qsh"], sha256_hex("POST&/hook&tenant=a%20b"));
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    assert!(verify_hs256(token, b"oauth-app-secret").is_err());
}

#[tokio::test]
async fn a_failing_delivery_is_retried_5_times_with_one_identifier_then_recorded_once() {
    let jira = fake().await;
    let (receiver, _) = scripted_receiver(503).await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", receiver.uri()),
        &["project = ABC"],
    )
    .await;

    emit(&jira, event("ABC")).await;
    for _ in 0..5 {
        advance(&jira, RETRY_MS).await;
    }
    advance(&jira, RETRY_MS * 10).await;

    let got = received(&receiver).await;
    assert_eq!(got.len(), 6, "attempt 1 and 5 retries");
    let retries: Vec<Option<&str>> = got
        .iter()
        .map(|r| header(r, "x-atlassian-webhook-retry"))
        .collect();
    assert_eq!(
        retries,
        [None, Some("1"), Some("2"), Some("3"), Some("4"), Some("5")]
    );
    let identifier = header(&got[0], "x-atlassian-webhook-identifier").unwrap();
    assert!(
        got.iter()
            .all(|r| header(r, "x-atlassian-webhook-identifier") == Some(identifier))
    );
    let iats: Vec<Value> = got
        .iter()
        .map(|r| {
            let token = header(r, "authorization").unwrap();
            verify_hs256(&token["Bearer ".len()..], b"oauth-app-secret").unwrap()["iat"].clone()
        })
        .collect();
    let expected: Vec<Value> = (0..6)
        .map(|i| json!((START_MS + i * RETRY_MS) / 1000))
        .collect();
    assert_eq!(iats, expected, "each attempt is signed at its own time");
    let (_, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    let values = failed["values"].as_array().unwrap();
    assert_eq!(values.len(), 1);
    assert_eq!(values[0]["id"], identifier);
    assert_eq!(values[0]["failureTime"], START_MS + 5 * RETRY_MS);
    assert_eq!(values[0]["url"], format!("{}/hook", receiver.uri()));
    let sent: Value = serde_json::from_slice(&got[5].body).unwrap();
    let recorded: Value = serde_json::from_str(values[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(recorded, sent);
}

#[tokio::test]
async fn only_408_409_425_429_and_5xx_are_retried_other_statuses_fail_at_once() {
    let jira = fake().await;
    let (receiver, status) = scripted_receiver(200).await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", receiver.uri()),
        &["project = ABC"],
    )
    .await;
    let cases = [
        (408, "retry_scheduled"),
        (409, "retry_scheduled"),
        (425, "retry_scheduled"),
        (429, "retry_scheduled"),
        (500, "retry_scheduled"),
        (599, "retry_scheduled"),
        (400, "rejected"),
        (401, "rejected"),
        (404, "rejected"),
        (410, "rejected"),
        (422, "rejected"),
        (302, "rejected"),
        (200, "delivered"),
        (204, "delivered"),
    ];
    for (code, outcome) in cases {
        status.store(code, Ordering::SeqCst);
        let report = emit(&jira, event("ABC")).await;
        assert_eq!(report["deliveries"][0]["outcome"], outcome, "{code}");
        jira.reset().await;
        register(
            &jira,
            OAUTH,
            &format!("{}/hook", receiver.uri()),
            &["project = ABC"],
        )
        .await;
    }
    status.store(404, Ordering::SeqCst);
    emit(&jira, event("ABC")).await;
    advance(&jira, RETRY_MS * 10).await;
    let (_, failed) = call(&jira, "GET", "/rest/api/3/webhook/failed", OAUTH, None).await;
    assert_eq!(failed["values"], json!([]), "a 404 is not a failure record");
}

/// Sends `GET path` to `base` over a plain socket and waits at most 5 s;
/// status 0 when no answer came.
fn blocking_get(base: &str, path: &str, bearer: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // A bearer token is accepted through the gateway prefix only.
    let path = match path.starts_with("/rest/") {
        true => format!("/ex/jira/{CLOUD_ID}{path}"),
        false => path.to_owned(),
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {bearer}\r\nConnection: close\r\n\r\n"
    );
    let mut text = String::new();
    if stream.write_all(request.as_bytes()).is_err() || stream.read_to_string(&mut text).is_err() {
        return (0, text);
    }
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// A receiver that, while handling each delivery, lists its app's webhooks
/// and reads the clock from jr-mock, then answers 200.
struct CallsBack {
    jira: String,
    seen: Arc<Mutex<Vec<(u16, String)>>>,
}

impl Respond for CallsBack {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let list = blocking_get(&self.jira, "/rest/api/3/webhook", "oauth-app-token");
        let clock = blocking_get(&self.jira, "/_mock/clock", "oauth-app-token");
        let mut seen = self.seen.lock().unwrap();
        seen.push(list);
        seen.push(clock);
        ResponseTemplate::new(200)
    }
}

#[tokio::test]
async fn a_receiver_may_call_jr_mock_while_it_handles_a_delivery() {
    let jira = FakeJira::start_with(MockConfig {
        delivery_timeout: Duration::from_secs(3),
        ..config()
    })
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(CallsBack {
            jira: jira.base_url(),
            seen: seen.clone(),
        })
        .mount(&receiver)
        .await;
    let ids = created_ids(
        &register(
            &jira,
            OAUTH,
            &format!("{}/hook", receiver.uri()),
            &["project = ABC"],
        )
        .await,
    );

    let report = emit(&jira, event("ABC")).await;

    assert_eq!(report["deliveries"][0]["outcome"], "delivered", "{report}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, 200, "{:?}", seen[0]);
    let page: Value = serde_json::from_str(&seen[0].1).unwrap();
    assert_eq!(page["values"][0]["id"], ids[0]);
    assert_eq!(seen[1].0, 200, "{:?}", seen[1]);
    assert_eq!(
        serde_json::from_str::<Value>(&seen[1].1).unwrap(),
        json!({"nowMs": START_MS})
    );
}

#[tokio::test]
async fn deliveries_are_exactly_once_until_the_duplicate_switch_is_on() {
    let jira = fake().await;
    let (receiver, _) = scripted_receiver(200).await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", receiver.uri()),
        &["project = ABC"],
    )
    .await;
    let (_, switches) = call(&jira, "GET", "/_mock/switches", Auth::None, None).await;
    assert_eq!(
        switches,
        json!({"duplicateDeliveries": false, "allowSecondUrl": false,
            "oauthReadsFailed": true, "lenientAuth": false, "degradeFailingUrls": false})
    );

    emit(&jira, event("ABC")).await;
    assert_eq!(received(&receiver).await.len(), 1);

    let on = json!({"duplicateDeliveries": true});
    let (status, switches) = call(&jira, "POST", "/_mock/switches", Auth::None, Some(on)).await;
    assert_eq!(
        (status, switches),
        (
            200,
            json!({"duplicateDeliveries": true, "allowSecondUrl": false,
                "oauthReadsFailed": true, "lenientAuth": false, "degradeFailingUrls": false})
        )
    );
    let report = emit(&jira, event("ABC")).await;

    let got = received(&receiver).await;
    assert_eq!(got.len(), 3);
    let ids: Vec<Option<&str>> = got[1..]
        .iter()
        .map(|r| header(r, "x-atlassian-webhook-identifier"))
        .collect();
    assert_eq!(ids[0], ids[1], "the copy has the same identifier");
    assert_eq!(got[1].body, got[2].body);
    let duplicates: Vec<&Value> = report["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["duplicate"])
        .collect();
    assert_eq!(duplicates, [&Value::Null, &json!(true)]);

    let bad = json!({"duplicateDeliveries": "yes"});
    let (status, _) = call(&jira, "POST", "/_mock/switches", Auth::None, Some(bad)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_duplicate_switch_can_start_on_from_the_configuration() {
    let jira = FakeJira::start_with(MockConfig {
        switches: Switches {
            duplicate_deliveries: true,
            ..Switches::default()
        },
        ..config()
    })
    .await;
    let (receiver, _) = scripted_receiver(200).await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", receiver.uri()),
        &["project = ABC"],
    )
    .await;
    emit(&jira, event("ABC")).await;
    assert_eq!(received(&receiver).await.len(), 2);
}

#[tokio::test]
async fn filters_narrow_issue_events_and_sprint_events_match_by_name() {
    let jira = fake().await;
    let (receiver, _) = scripted_receiver(200).await;
    let body = json!({"url": format!("{}/hook", receiver.uri()), "webhooks": [
        {"events": ["jira:issue_updated"], "jqlFilter": "project = ABC", "fieldIdsFilter": ["summary"]},
        {"events": ["issue_property_set"], "jqlFilter": "project = ABC", "issuePropertyKeysFilter": ["k"]},
        {"events": ["sprint_started", "comment_created"], "jqlFilter": "project = XYZ"}]});
    let (status, _) = call(&jira, "POST", "/rest/api/3/webhook", OAUTH, Some(body)).await;
    assert_eq!(status, 200);
    let issue = event("ABC")["issue"].clone();
    let delivered = |report: &Value| report["deliveries"].as_array().unwrap().len();

    let updated = |field: &str| {
        json!({"webhookEvent": "jira:issue_updated", "issue": issue,
            "changelog": {"items": [{"field": field, "fieldId": field}]}})
    };
    assert_eq!(delivered(&emit(&jira, updated("summary")).await), 1);
    assert_eq!(delivered(&emit(&jira, updated("status")).await), 0);
    let property = |key: &str| json!({"webhookEvent": "issue_property_set", "issue": issue, "property": {"key": key}});
    assert_eq!(delivered(&emit(&jira, property("k")).await), 1);
    assert_eq!(delivered(&emit(&jira, property("x")).await), 0);
    let sprint = json!({"webhookEvent": "sprint_started", "sprint": {"id": 1}});
    assert_eq!(delivered(&emit(&jira, sprint).await), 1);

    let comment = json!({"webhookEvent": "comment_created", "issue": issue});
    let (status, err) = call(&jira, "POST", "/_mock/events", Auth::None, Some(comment)).await;
    assert_eq!(status, 400, "a comment event needs its comment: {err}");
    let commented = json!({"webhookEvent": "comment_created",
        "issue": event("XYZ")["issue"], "comment": {"id": "1", "body": "hi"}});
    let report = emit(&jira, commented).await;
    let sent = &report["deliveries"][0]["body"];
    assert_eq!(sent["issue_event_type_name"], "issue_commented");
    assert_eq!(sent["comment"]["body"], "hi");
}
