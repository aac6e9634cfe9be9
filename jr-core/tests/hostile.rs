//! Answers a hostile or broken server may give, and the bound jr keeps
//! against each (issue 12): the class, the bound, and the error instead of an
//! abort. Every server here is a thread on 127.0.0.1 that answers once.

use jr_core::auth::Auth;
use jr_core::config::Settings;
use jr_core::http::HttpClient;
use jr_core::ops;
use jr_core::request::RequestPlan;
use jr_core::retry::RetryPolicy;
use std::io::{Read, Write};
use std::time::Duration;

/// A server that reads one request and writes `answer`, then closes.
fn answer_once(answer: &'static [u8]) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buffer = [0u8; 4096];
        let _ = stream.read(&mut buffer);
        let _ = stream.write_all(answer);
    });
    (format!("http://{address}"), server)
}

fn client(base: &str) -> HttpClient {
    let settings = Settings {
        base_url: jr_core::Url::parse(base).unwrap(),
        auth: Auth::Bearer {
            token: "secret-token".into(),
        },
        cloud_id: None,
        site_url: None,
        oauth: None,
    };
    HttpClient::new(settings, Duration::from_secs(5)).with_retry(RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    })
}

fn list_plan() -> RequestPlan {
    let op = ops::by_operation_id("getDynamicWebhooksForApp").unwrap();
    RequestPlan::build(op, &[], None).unwrap()
}

/// A `Content-Length` of about an exabyte with the size cap lifted used to be
/// reserved up front and abort the process; now the short body is an error.
#[tokio::test]
async fn a_lying_content_length_is_an_error_not_an_allocation() {
    let (base, server) =
        answer_once(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000\r\n\r\n{\"a\":1}");
    let err = client(&base)
        .with_max_response_bytes(u64::MAX)
        .send(&list_plan())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 1, "{}", err.message());
    server.join().unwrap();
}
