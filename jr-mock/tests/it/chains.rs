//! Deliveries that never block the fake (issue 12, class 10): the chains
//! of different deliveries run concurrently (at least 20 in flight), so a
//! clock move costs about the longest chain; each attempt is stamped with
//! its own due time; the clock answers the target time during a move;
//! events and reset never wait for a hanging receiver; with the
//! degradation switch, chains to one URL run in order and degrade after
//! 30 minutes of failure.

use crate::common;

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use jr_mock::{FakeJira, MockConfig};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_millis(500);
const RETRY_MS: i64 = 60_000;
const CHAINS: usize = 20;

/// A receiver that accepts connections and never answers; counts how many
/// are open at once (the most so far in `.1`).
struct Hanging {
    url: String,
    most: Arc<AtomicUsize>,
}

fn hanging_receiver() -> Hanging {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let open = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (o, m) = (open.clone(), most.clone());
    // Ends with the test process; every connection ends when jr-mock gives up.
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let now = o.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            let o = o.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                o.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Hanging { url, most }
}

fn config_with(timeout: Duration) -> MockConfig {
    MockConfig {
        delivery_timeout: timeout,
        ..common::config()
    }
}

async fn emit_concurrently(jira: &FakeJira, n: usize) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let url = format!("{}/_mock/events", jira.base_url());
        tasks.push(tokio::spawn(async move {
            let resp = client().post(url).json(&event("P")).send().await.unwrap();
            assert_eq!(resp.status(), 200);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn iat_of(attempt: &Value) -> i64 {
    let auth = attempt["headers"]["Authorization"].as_str().unwrap();
    let claims = auth
        .trim_start_matches("Bearer ")
        .split('.')
        .nth(1)
        .unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    claims["iat"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chains_run_concurrently_and_a_clock_move_costs_about_the_longest_chain() {
    let receiver = hanging_receiver();
    let jira = Arc::new(FakeJira::start_with(config_with(TIMEOUT)).await);
    register(&jira, OAUTH, &receiver.url, &["project = P"]).await;

    let started = Instant::now();
    emit_concurrently(&jira, CHAINS).await;
    let emitting = started.elapsed();
    assert!(
        emitting < TIMEOUT * (CHAINS as u32) / 4,
        "{CHAINS} events to a hanging receiver took {emitting:?}: they waited for each other"
    );

    // A day later every chain has made its 5 retries, 1 minute apart.
    let target = START_MS + DAY_MS;
    let mover = {
        let jira = jira.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            jira.set_now_ms(target).await.unwrap();
            started.elapsed()
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, clock) = call(&jira, "GET", "/_mock/clock", Auth::None, None).await;
    assert_eq!(
        (status, clock["nowMs"].as_i64()),
        (200, Some(target)),
        "the target time during the move"
    );
    let moving = mover.await.unwrap();
    let longest_chain = TIMEOUT * 5;
    let all_attempts = TIMEOUT * 5 * CHAINS as u32;
    assert!(
        moving < longest_chain * 3,
        "the move took {moving:?}; the longest chain is {longest_chain:?}, all attempts in a row {all_attempts:?}"
    );
    assert!(
        receiver.most.load(Ordering::SeqCst) >= CHAINS,
        "at most {} attempts were in flight at once",
        receiver.most.load(Ordering::SeqCst)
    );

    let (_, log) = call(&jira, "GET", "/_mock/deliveries", Auth::None, None).await;
    let attempts = log["deliveries"].as_array().unwrap();
    assert_eq!(attempts.len(), CHAINS * 6);
    for a in attempts {
        let n = a["attempt"].as_i64().unwrap();
        let due = START_MS + (n - 1) * RETRY_MS;
        assert_eq!(
            a["timeMs"], due,
            "attempt {n} is stamped with its own due time"
        );
        assert_eq!(
            iat_of(a),
            due / 1000,
            "attempt {n}'s JWT is issued at its due time"
        );
    }
    let (_, failed) = call(&jira, "GET", "/_mock/failed", Auth::None, None).await;
    let failed = failed["failed"].as_array().unwrap();
    assert_eq!(failed.len(), CHAINS);
    assert!(
        failed
            .iter()
            .all(|f| f["failureTime"] == START_MS + 5 * RETRY_MS)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_reset_never_wait_for_a_hanging_receiver() {
    let receiver = hanging_receiver();
    let jira = Arc::new(FakeJira::start_with(config_with(Duration::from_secs(3))).await);
    register(&jira, OAUTH, &receiver.url, &["project = P"]).await;
    let other = common::receiver(200).await;
    register(
        &jira,
        OTHER,
        &format!("{}/hook", other.uri()),
        &["project = Q"],
    )
    .await;

    // Two events stuck on attempt 1 to the hanging receiver.
    let mut stuck = Vec::new();
    for _ in 0..2 {
        let url = format!("{}/_mock/events", jira.base_url());
        stuck.push(tokio::spawn(async move {
            client()
                .post(url)
                .json(&event("P"))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let report = emit(&jira, event("Q")).await;
    assert_eq!(report["deliveries"][0]["status"], 200, "{report}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the event waited: {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let (status, _) = call(&jira, "POST", "/_mock/reset", Auth::None, None).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "reset waited: {:?}",
        started.elapsed()
    );
    for s in stuck {
        // The abandoned events answer (their deliveries are gone), well before the receiver's timeout.
        let _ = tokio::time::timeout(Duration::from_secs(2), s)
            .await
            .expect("answered");
    }
    let (_, log) = call(&jira, "GET", "/_mock/deliveries", Auth::None, None).await;
    assert_eq!(
        log["deliveries"],
        json!([]),
        "nothing from before the reset is recorded after it"
    );
}

#[tokio::test]
async fn with_degradation_chains_to_one_url_run_in_order_and_degrade_after_30_minutes() {
    let mut config = common::config();
    config.switches.degrade_failing_urls = true;
    config.retry_delay_ms = Some(10 * 60_000);
    let jira = FakeJira::start_with(config).await;
    let failing = common::receiver(503).await;
    register(
        &jira,
        OAUTH,
        &format!("{}/hook", failing.uri()),
        &["project = P"],
    )
    .await;
    emit(&jira, event("P")).await;
    emit(&jira, event("P")).await;
    advance(&jira, 2 * 3_600_000).await;

    let (_, log) = call(&jira, "GET", "/_mock/deliveries", Auth::None, None).await;
    let attempts = log["deliveries"].as_array().unwrap();
    let times: Vec<i64> = attempts
        .iter()
        .map(|a| a["timeMs"].as_i64().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "in due order: {times:?}"
    );
    assert_eq!(
        attempts.len(),
        8,
        "4 attempts each, the last at 30 minutes: {times:?}"
    );
    assert_eq!(
        attempts.iter().filter(|a| a["outcome"] == "failed").count(),
        2
    );
    assert!(attempts[7]["timeMs"] == START_MS + 30 * 60_000);

    let report = emit(&jira, event("P")).await;
    assert_eq!(
        report["deliveries"][0]["outcome"], "failed",
        "a single attempt: {report}"
    );
}
