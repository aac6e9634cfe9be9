//! The `POST /rest/api/3/issue` + delivery row of `cargo xtask bench mock`:
//! the second OAuth app registers one dynamic webhook for
//! `jira:issue_created` in project ABC pointing at a local receiver (the
//! first app already uses its one URL for the registration rows), then the
//! first app creates issues one at a time; each operation is timed from the request until the receiver has
//! the delivery naming the new issue's key. Its baseline is the bare
//! server answering the same `createIssue` bytes (no delivery).

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::{GATEWAY, Series, TOKEN, check, measure};

/// The second default OAuth app, whose webhook receives the deliveries.
const RECEIVING_APP: &str = "Bearer other-app-token";

/// How long one delivery may take before the benchmark gives up.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Measures `n` issue creations, each until its delivery arrived; returns
/// the series (its `last_body` is the last `createIssue` answer).
/// Errors: a refused request, or a delivery that did not come in time.
pub(super) fn create_and_deliver(agent: &ureq::Agent, base: &str, n: usize) -> Result<Series> {
    let (url, deliveries) = receiver()?;
    let hook = format!(
        r#"{{"url":"{url}","webhooks":[{{"events":["jira:issue_created"],"jqlFilter":"project = ABC"}}]}}"#
    );
    let mut resp = agent
        .post(format!("{base}{GATEWAY}/rest/api/3/webhook"))
        .header("Authorization", RECEIVING_APP)
        .header("Content-Type", "application/json")
        .send(hook)?;
    let answer = resp.body_mut().read_to_string()?;
    check(resp.status().as_u16(), 200, "register the receiver")
        .with_context(|| format!("jr-mock answered {answer}"))?;
    if !answer.contains("createdWebhookId") {
        bail!("the receiver's webhook was not created: {answer}");
    }
    measure(n, |i| {
        let mut resp = agent
            .post(format!("{base}{GATEWAY}/rest/api/3/issue"))
            .header("Authorization", TOKEN)
            .header("Content-Type", "application/json")
            .send(format!(
                r#"{{"fields":{{"project":{{"key":"ABC"}},"issuetype":{{"name":"Task"}},"summary":"bench {i}"}}}}"#
            ))?;
        check(resp.status().as_u16(), 201, "createIssue")?;
        let created = resp.body_mut().read_to_string()?;
        let key: serde_json::Value = serde_json::from_str(&created)?;
        let key = key["key"].as_str().context("createIssue answered no key")?;
        wait_for(&deliveries, &format!(r#""key":"{key}""#))?;
        Ok(created)
    })
}

/// Waits until a delivery whose body contains `needle` arrives.
fn wait_for(deliveries: &mpsc::Receiver<String>, needle: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + DELIVERY_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match deliveries.recv_timeout(left) {
            Ok(body) if body.contains(needle) => return Ok(()),
            Ok(_) => {}
            Err(_) => bail!("no delivery containing {needle} within {DELIVERY_TIMEOUT:?}"),
        }
    }
}

/// A local webhook receiver on 127.0.0.1: answers 204 to every request and
/// sends each body on the channel. Returns its URL and the channel.
fn receiver() -> Result<(String, mpsc::Receiver<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("receiver bind")?;
    let port = listener.local_addr()?.port();
    let (tx, rx) = mpsc::channel();
    // The thread ends with the process; the benchmark is short-lived.
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || receive(stream, &tx));
        }
    });
    Ok((format!("http://127.0.0.1:{port}/hook"), rx))
}

/// Serves one keep-alive connection: each request's body goes to `tx`.
fn receive(stream: TcpStream, tx: &mpsc::Sender<String>) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let Some(body) = super::read_request(&mut reader) else {
            return;
        };
        if writer
            .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            .is_err()
        {
            return;
        }
        if tx
            .send(String::from_utf8_lossy(&body).into_owned())
            .is_err()
        {
            return;
        }
    }
}
