//! Retries, timeouts, the response size cap and `--verbose` events against
//! wiremock on 127.0.0.1. Waits go through a recording sleeper, so a test
//! that "waits" 30 s takes milliseconds.

use jr_core::auth::Auth;
use jr_core::config::Settings;
use jr_core::http::HttpClient;
use jr_core::ops;
use jr_core::request::RequestPlan;
use jr_core::retry::{RetryPolicy, Sleeper};
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Records every wait instead of sleeping.
#[derive(Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

impl RecordingSleeper {
    fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

struct Setup {
    client: HttpClient,
    sleeper: Arc<RecordingSleeper>,
}

/// A client for `server` whose jitter draws `u` every time.
fn setup(server: &MockServer, u: f64, tweak: impl FnOnce(&mut RetryPolicy)) -> Setup {
    setup_at(&server.uri(), u, tweak)
}

fn setup_at(base: &str, u: f64, tweak: impl FnOnce(&mut RetryPolicy)) -> Setup {
    let settings = Settings {
        base_url: jr_core::Url::parse(base).unwrap(),
        site_url: None,
        auth: Auth::Bearer {
            token: "secret-token".into(),
        },
        cloud_id: None,
        oauth: None,
    };
    let mut policy = RetryPolicy {
        jitter: Arc::new(move || u),
        ..RetryPolicy::default()
    };
    tweak(&mut policy);
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = HttpClient::new(settings, Duration::from_secs(5))
        .with_retry(policy)
        .with_sleeper(sleeper.clone());
    Setup { client, sleeper }
}

fn list_plan() -> RequestPlan {
    let op = ops::by_operation_id("getDynamicWebhooksForApp").unwrap();
    RequestPlan::build(op, &[], None).unwrap()
}

fn register_plan() -> RequestPlan {
    let op = ops::by_operation_id("registerDynamicWebhooks").unwrap();
    let body = br#"{"url":"https://x.example","webhooks":[]}"#.to_vec();
    RequestPlan::build(op, &[], Some(body)).unwrap()
}

/// Mounts `template` for the next `times` requests to `route`, ahead of the rest.
async fn first(server: &MockServer, route: &str, times: u64, template: ResponseTemplate) {
    Mock::given(path(route))
        .respond_with(template)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
}

async fn then_ok(server: &MockServer, route: &str) {
    Mock::given(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"ok":true}"#))
        .with_priority(5)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

const LIST: &str = "/rest/api/3/webhook";

#[tokio::test]
async fn a_429_with_retry_after_seconds_waits_that_long_then_succeeds() {
    let server = MockServer::start().await;
    first(
        &server,
        LIST,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "3"),
    )
    .await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.0, |_| {});
    let response = s.client.send(&list_plan()).await.unwrap();
    assert_eq!(response.body, br#"{"ok":true}"#);
    assert_eq!(s.sleeper.waits(), [Duration::from_secs(3)]);
}

#[tokio::test]
async fn a_429_with_an_http_date_waits_until_then_by_the_servers_clock() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("Retry-After", "Wed, 21 Oct 2026 07:28:07 GMT")
        .insert_header("Date", "Wed, 21 Oct 2026 07:28:00 GMT");
    first(&server, LIST, 1, limited).await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 1.0, |_| {});
    s.client.send(&list_plan()).await.unwrap();
    assert_eq!(
        s.sleeper.waits(),
        [Duration::from_millis(9100)],
        "7 s times the largest jitter, 1.3"
    );
}

#[tokio::test]
async fn a_429_with_an_html_body_is_retried_and_never_a_parse_error() {
    let server = MockServer::start().await;
    let html = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .insert_header("Content-Type", "text/html")
        .set_body_string("<!DOCTYPE html><html><body>Oops - an error has occurred</body></html>");
    first(&server, LIST, 2, html).await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.5, |_| {});
    s.client.send(&list_plan()).await.unwrap();
    let waits = s.sleeper.waits();
    assert_eq!(waits.len(), 2);
    assert!(
        waits.iter().all(|w| *w >= Duration::from_secs(1)),
        "{waits:?}"
    );
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn a_retry_after_over_five_minutes_ends_at_once_with_exit_5() {
    let server = MockServer::start().await;
    first(
        &server,
        LIST,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
    )
    .await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.5, |_| {});
    let err = s.client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 5, "{}", err.message());
    assert!(s.sleeper.waits().is_empty(), "no hour-long sleep");
    assert_eq!(err.to_json()["retry_after"], serde_json::json!(3600));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_503_is_retried_for_get_with_backoff_and_jitter() {
    let server = MockServer::start().await;
    first(&server, LIST, 2, ResponseTemplate::new(503)).await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.0, |_| {});
    s.client.send(&list_plan()).await.unwrap();
    assert_eq!(
        s.sleeper.waits(),
        [Duration::from_millis(3500), Duration::from_secs(7)],
        "5 s then 10 s, times the smallest jitter, 0.7"
    );
}

#[tokio::test]
async fn post_is_not_retried_on_503() {
    let server = MockServer::start().await;
    first(&server, LIST, 1, ResponseTemplate::new(503)).await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.0, |_| {});
    let err = s.client.send(&register_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 7);
    assert_eq!(requests(&server).await, 1);
    assert!(s.sleeper.waits().is_empty());
}

#[tokio::test]
async fn post_is_retried_on_503_only_with_retry_unsafe() {
    let server = MockServer::start().await;
    first(&server, LIST, 1, ResponseTemplate::new(503)).await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.0, |p| p.retry_unsafe = true);
    s.client.send(&register_plan()).await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn post_is_retried_on_429() {
    let server = MockServer::start().await;
    first(
        &server,
        LIST,
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    )
    .await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 0.0, |_| {});
    s.client.send(&register_plan()).await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn exhausted_retries_say_how_many_attempts_and_carry_retry_after() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("Retry-After", "2")
        .set_body_string(r#"{"errorMessages":["The request has been rate-limited. Please try again later."],"errors":{},"status":429}"#);
    first(&server, LIST, 100, limited).await;
    let s = setup(&server, 0.0, |_| {});
    let err = s.client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 5);
    assert!(
        err.message().contains("gave up after 5 attempts"),
        "{}",
        err.message()
    );
    assert!(
        err.message().contains("retry after 2 s"),
        "{}",
        err.message()
    );
    assert_eq!(err.to_json()["retry_after"], json!(2));
    assert_eq!(requests(&server).await, 5, "1 attempt + 4 retries");
    assert_eq!(s.sleeper.waits(), [Duration::from_secs(2); 4]);
}

/// `retry_after` is the server's word: a 503 without `Retry-After` has none,
/// whatever jr's own back-off was.
#[tokio::test]
async fn exhausted_retries_without_retry_after_carry_no_retry_after() {
    let server = MockServer::start().await;
    first(&server, LIST, 100, ResponseTemplate::new(503)).await;
    let s = setup(&server, 0.0, |p| p.max_retries = 1);
    let err = s.client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 7);
    assert!(
        err.message().contains("gave up after 2 attempts"),
        "{}",
        err.message()
    );
    assert_eq!(err.to_json().get("retry_after"), None, "{}", err.to_json());
    assert!(!err.message().contains("retry after"), "{}", err.message());
}

/// A `Retry-After` HTTP date already past waits 1 s (with jitter, at most
/// 1.3 s), not 0.
#[tokio::test]
async fn a_retry_after_date_in_the_past_waits_one_second() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("Date", "Wed, 21 Oct 2026 07:28:00 GMT")
        .insert_header("Retry-After", "Wed, 21 Oct 2026 07:27:00 GMT");
    first(&server, LIST, 1, limited).await;
    then_ok(&server, LIST).await;
    let s = setup(&server, 1.0, |_| {});
    s.client.send(&list_plan()).await.unwrap();
    let waits = s.sleeper.waits();
    assert_eq!(waits.len(), 1);
    assert!(
        waits[0] >= Duration::from_secs(1) && waits[0] <= Duration::from_secs(5),
        "{waits:?}"
    );
    assert_eq!(
        waits[0],
        Duration::from_millis(1300),
        "1 s times the largest jitter"
    );
}

/// A body cut off mid-transfer (the server promised more than it sent) says
/// the response was truncated, not that the server cannot be reached.
#[tokio::test]
async fn a_body_cut_mid_transfer_is_reported_as_truncated() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 4096];
        let _ = stream.read(&mut buffer);
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"values\":[1,2,");
    });
    let s = setup_at(&format!("http://{address}"), 0.0, |p| p.max_retries = 0);
    let err = s.client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message().contains("was truncated")
            && err
                .message()
                .contains("after 15 bytes of the 100 announced"),
        "{}",
        err.message()
    );
    assert!(!err.message().contains("cannot reach"), "{}", err.message());
    server.join().unwrap();
}

#[tokio::test]
async fn zero_retries_sends_once() {
    let server = MockServer::start().await;
    first(
        &server,
        LIST,
        100,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
    )
    .await;
    let s = setup(&server, 0.0, |p| p.max_retries = 0);
    let err = s.client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 5);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_hung_server_times_out_with_a_message_naming_the_timeout() {
    let server = MockServer::start().await;
    first(
        &server,
        LIST,
        100,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(10)),
    )
    .await;
    let settings = Settings {
        base_url: jr_core::Url::parse(&server.uri()).unwrap(),
        site_url: None,
        auth: Auth::None,
        cloud_id: None,
        oauth: None,
    };
    let sleeper = Arc::new(RecordingSleeper::default());
    let client = HttpClient::new(settings, Duration::from_millis(200))
        .with_retry(RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::default()
        })
        .with_sleeper(sleeper.clone());
    let err = client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message().contains("timed out after 0.2 s"),
        "{}",
        err.message()
    );
    assert_eq!(sleeper.waits().len(), 1, "a timeout of a GET is retried");
}

#[tokio::test]
async fn a_connection_reset_is_retried_for_get() {
    // A server that reads the request and closes without answering, twice,
    // then answers properly.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        for round in 0..3 {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            if round == 2 {
                let body = r#"{"ok":true}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        }
    });
    let s = setup_at(&format!("http://{address}"), 0.0, |_| {});
    let response = s.client.send(&list_plan()).await.unwrap();
    assert_eq!(response.body, br#"{"ok":true}"#);
    assert_eq!(s.sleeper.waits().len(), 2);
    server.join().unwrap();
}

#[tokio::test]
async fn a_body_over_the_size_cap_fails_instead_of_being_cut() {
    let server = MockServer::start().await;
    let big = format!(r#"{{"values":["{}"]}}"#, "x".repeat(5000));
    first(
        &server,
        LIST,
        1,
        ResponseTemplate::new(200).set_body_string(big),
    )
    .await;
    let s = setup(&server, 0.0, |_| {});
    let client = s.client.with_max_response_bytes(1000);
    let err = client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message().contains("1000 bytes"), "{}", err.message());
}

#[tokio::test]
async fn verbose_events_show_request_response_and_retry_with_secrets_redacted() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429)
        .insert_header("Retry-After", "0")
        .insert_header("X-RateLimit-Remaining", "0")
        .insert_header("RateLimit-Reason", "jira-burst-based");
    first(&server, LIST, 1, limited).await;
    then_ok(&server, LIST).await;
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = events.clone();
    let s = setup(&server, 0.0, |_| {});
    let client = s
        .client
        .with_events(Arc::new(move |event| sink.lock().unwrap().push(event)));
    client.send(&list_plan()).await.unwrap();
    let events = events.lock().unwrap().clone();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["request", "response", "retry", "request", "response"]
    );
    assert_eq!(events[0]["method"], "GET");
    assert_eq!(
        events[0]["url"],
        format!("{}/rest/api/3/webhook", server.uri())
    );
    assert_eq!(events[0]["headers"]["Authorization"], "Bearer <redacted>");
    assert_eq!(events[1]["status"], 429);
    assert!(events[1]["duration_ms"].is_u64());
    assert_eq!(events[1]["headers"]["x-ratelimit-remaining"], "0");
    assert_eq!(events[1]["headers"]["ratelimit-reason"], "jira-burst-based");
    assert_eq!(
        events[2],
        json!({"event":"retry","attempt":1,"wait_ms":0,"reason":"HTTP 429"})
    );
    let all = serde_json::to_string(&events).unwrap();
    assert!(!all.contains("secret-token"), "{all}");
}

#[tokio::test]
async fn a_refused_connection_is_not_retried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = setup_at(&format!("http://127.0.0.1:{port}"), 0.0, |_| {});
    let err = s.client.send(&list_plan()).await.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(s.sleeper.waits().is_empty());
}

#[tokio::test]
async fn a_chunked_body_over_the_size_cap_fails_while_it_is_read() {
    // No Content-Length: the cap can only be noticed while reading.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 4096];
        let _ = stream.read(&mut buffer);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = "x".repeat(600);
        for _ in 0..4 {
            let _ = write!(stream, "{:x}\r\n{chunk}\r\n", chunk.len());
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    });
    let s = setup_at(&format!("http://{address}"), 0.0, |_| {});
    let err = s
        .client
        .with_max_response_bytes(1000)
        .send(&list_plan())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message().contains("1000 bytes"), "{}", err.message());
    server.join().unwrap();
}
