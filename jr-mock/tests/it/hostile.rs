//! Hostile input (issue 12, classes 8, 11 and 12), each case sent with a
//! raw TCP client on 127.0.0.1 to the binary: bodies over the limit or
//! shorter than promised, CONNECT, `OPTIONS *`, fault rules with header
//! values that are not headers, and connections that never finish a request.

use crate::common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{Binary, raw, read_until_closed, status_of};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

/// The body of the first response in `text`, as JSON.
fn body_of(text: &str) -> Value {
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn health_is_ok(bin: &Binary) {
    let (answer, _) = raw(
        &bin.addr(),
        b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
        WAIT,
    );
    assert_eq!(
        status_of(&answer),
        200,
        "the fake still answers: {answer:?}"
    );
}

#[test]
fn a_body_shorter_than_its_content_length_gets_a_400_and_the_fake_goes_on() {
    let bin = Binary::start(&[]);
    for path in ["/rest/api/3/webhook", "/rest/api/3/issue", "/_mock/events"] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"url\":"
        );
        let (answer, _) = raw(&bin.addr(), request.as_bytes(), true, WAIT);
        assert_eq!(status_of(&answer), 400, "{path}: {answer:?}");
    }
    health_is_ok(&bin);
}

#[test]
fn connect_and_options_star_get_a_4xx_not_a_dropped_connection() {
    let bin = Binary::start(&[]);
    let requests: [&[u8]; 3] = [
        b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n",
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ];
    for request in requests {
        let (answer, _) = raw(&bin.addr(), request, false, Duration::from_secs(2));
        let status = status_of(&answer);
        assert!(
            (400..500).contains(&status),
            "{}: {answer:?}",
            String::from_utf8_lossy(request)
        );
        assert!(
            body_of(&answer)["errorMessages"][0].is_string(),
            "{answer:?}"
        );
    }
    health_is_ok(&bin);
}

#[tokio::test]
async fn a_fault_rule_whose_header_values_are_not_headers_is_refused_when_posted() {
    let jira = common::fake().await;
    for rule in [
        json!({"path": "*", "kind": "rateLimit", "reason": "two\nlines"}),
        json!({"path": "*", "kind": "rateLimit", "reason": "bell\u{7}"}),
        json!({"path": "*", "kind": "unavailable", "retryAfter": "Wed, 21 Oct 2026 07:28:00 GMT\r\nX: y"}),
    ] {
        let (status, body) = common::call(
            &jira,
            "POST",
            "/_mock/faults",
            common::Auth::None,
            Some(json!({"rules": [rule]})),
        )
        .await;
        assert_eq!(status, 400, "{rule}: {body}");
    }
    let (_, listed) = common::call(&jira, "GET", "/_mock/faults", common::Auth::None, None).await;
    assert_eq!(listed["rules"], json!([]), "nothing was added");
    let (status, _) = common::call(&jira, "GET", "/rest/api/3/myself", common::USER, None).await;
    assert_eq!(status, 200);
}

#[test]
fn a_fault_file_with_a_bad_header_value_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("jr-mock-bad-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("faults.json");
    std::fs::write(
        &file,
        json!({"rules": [{"path": "*", "kind": "rateLimit", "reason": "a\nb"}]}).to_string(),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jr-mock"))
        .args(["--port", "0", "--faults"])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reason"), "{stderr}");
}

#[test]
fn a_body_over_the_limit_is_refused_unread_400_on_webhook_paths_413_elsewhere() {
    let bin = Binary::start(&["--max-body-size", "1KB"]);
    let big = "x".repeat(2_000);
    for (path, want) in [
        ("/rest/api/3/webhook", 400),
        ("/ex/jira/c/rest/api/3/webhook/refresh", 400),
        ("/rest/api/3/issue", 413),
        ("/_mock/events", 413),
    ] {
        // Sent whole, without Content-Length (chunked): refused once past the limit.
        let chunked = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
            big.len()
        );
        let (answer, _) = raw(&bin.addr(), chunked.as_bytes(), false, WAIT);
        assert_eq!(status_of(&answer), want, "{path}: {answer:?}");
        assert!(
            body_of(&answer)["errorMessages"][0]
                .as_str()
                .is_some_and(|m| m.contains("limit")),
            "{answer:?}"
        );
    }
    // A Content-Length of 100 MB with no body sent at all: refused at once, unread.
    let mut stream = std::net::TcpStream::connect(bin.addr()).unwrap();
    stream
        .write_all(
            b"POST /rest/api/3/issue HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n",
        )
        .unwrap();
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut stream, WAIT);
    assert_eq!(status_of(&answer), 413, "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // The journal keeps none of those bodies.
    let (journal, _) = raw(
        &bin.addr(),
        b"GET /_mock/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
        WAIT,
    );
    let requests = body_of(&journal)["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(requests.len(), 4, "{journal}");
    assert!(
        requests
            .iter()
            .all(|r| r["body"] == "" && r["status"] != 200)
    );
}

#[test]
fn a_half_sent_head_is_closed_after_the_header_timeout() {
    let bin = Binary::start(&["--header-timeout-ms", "300", "--idle-timeout-ms", "5000"]);
    let started = Instant::now();
    let (_, closed) = raw(
        &bin.addr(),
        b"GET /_mock/health HTTP/1.1\r\nHo",
        false,
        WAIT,
    );
    assert!(closed, "a half-sent head kept its connection open");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout_fresh_or_kept_alive() {
    let bin = Binary::start(&["--header-timeout-ms", "200", "--idle-timeout-ms", "600"]);
    // A fresh connection that sends nothing.
    let started = Instant::now();
    let (_, closed) = raw(&bin.addr(), b"", false, WAIT);
    assert!(
        closed && started.elapsed() >= Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
    // A keep-alive connection after one answered request: idle, not reading a head.
    let mut stream = std::net::TcpStream::connect(bin.addr()).unwrap();
    stream
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let (answer, closed) = read_until_closed(&mut stream, WAIT);
    assert_eq!(status_of(&answer), 200, "{answer:?}");
    assert!(closed, "an idle keep-alive connection stayed open");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(550) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_response_being_computed_is_never_idle() {
    // A receiver that takes 1.5 s, three times the idle timeout.
    let receiver = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_delay(Duration::from_millis(1_500)))
        .mount(&receiver)
        .await;
    let bin = Binary::start(&[
        "--header-timeout-ms",
        "200",
        "--idle-timeout-ms",
        "500",
        "--delivery-timeout-ms",
        "5000",
    ]);
    let client = common::client();
    let hook = json!({"url": format!("{}/hook", receiver.uri()),
        "webhooks": [{"events": ["jira:issue_created"], "jqlFilter": "project = P"}]});
    let registered = client
        .post(format!(
            "{}/ex/jira/{}/rest/api/3/webhook",
            bin.url,
            common::CLOUD_ID
        ))
        .bearer_auth("oauth-app-token")
        .json(&hook)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    let started = Instant::now();
    let emitted = client
        .post(format!("{}/_mock/events", bin.url))
        .json(&common::event("P"))
        .send()
        .await
        .unwrap();
    assert_eq!(emitted.status(), 200);
    let report: Value = emitted.json().await.unwrap();
    assert_eq!(report["deliveries"][0]["status"], 200, "{report}");
    assert!(started.elapsed() >= Duration::from_millis(1_400));
}
