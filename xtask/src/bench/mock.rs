//! `cargo xtask bench mock [--webhooks N] [--requests N]`: jr-mock's throughput
//! over loopback, against a baseline measured in the same run.
//!
//! It builds and starts the release `jr-mock` with its limits lifted
//! (`--webhook-limit`), then, from one keep-alive client:
//! - registers N webhooks (default 1,000) one request each (`POST /rest/api/3/webhook`);
//! - lists them `--requests` times (default 500) in one page
//!   (`GET /rest/api/3/webhook?maxResults=N`).
//!
//! The baseline is a bare HTTP/1.1 server on 127.0.0.1 answering the same
//! bytes jr-mock answered, without any work: the ratio says what jr-mock's
//! front door, wiremock routing, model and JSON cost over loopback HTTP itself. Reported: requests
//! per second and p50/p99 latency of each, and the throughput ratio.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::workspace::{self, MockProcess, Profile};
use anyhow::{Context, Result, bail};

const TOKEN: &str = "Bearer oauth-app-token";

/// Runs the benchmark.
pub fn main(args: &[String]) -> Result<()> {
    let (webhooks, requests) = parse_args(args)?;
    eprintln!("Building jr-mock (release) ...");
    let bin = workspace::build(Profile::Release, &["jr-mock"])?;
    let limit = webhooks.to_string();
    let mock = MockProcess::start(&bin.join("jr-mock"), &["--webhook-limit", &limit])?;
    let agent = agent();

    let register = |i: usize| -> Result<String> {
        let body = format!(
            r#"{{"url":"https://hooks.example.com/jira","webhooks":[{{"events":["jira:issue_created"],"jqlFilter":"project = P{i}"}}]}}"#
        );
        let mut resp = agent
            .post(format!("{}/rest/api/3/webhook", mock.base_url))
            .header("Authorization", TOKEN)
            .header("Content-Type", "application/json")
            .send(body)?;
        check(resp.status().as_u16(), 200, "register")?;
        Ok(resp.body_mut().read_to_string()?)
    };
    let registered = measure(webhooks, register)?;
    let list_url = format!("{}/rest/api/3/webhook?maxResults={webhooks}", mock.base_url);
    let list = |_| -> Result<String> {
        let mut resp = agent.get(&list_url).header("Authorization", TOKEN).call()?;
        check(resp.status().as_u16(), 200, "list")?;
        Ok(resp.body_mut().read_to_string()?)
    };
    let listed = measure(requests, list)?;
    let page_len = listed.last_body.len();

    let baseline_register = Baseline::start(registered.last_body.clone())?;
    let base_register = measure(webhooks, |_| baseline_register.post(&agent))?;
    let baseline_list = Baseline::start(listed.last_body.clone())?;
    let base_list = measure(requests, |_| baseline_list.get(&agent))?;

    println!(
        "jr-mock over loopback, one keep-alive client; baseline: a bare HTTP/1.1 server answering the same bytes\n"
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}   {:>7}",
        "operation", "req/s", "p50 ms", "p99 ms", "base r/s", "p50 ms", "p99 ms", "ratio"
    );
    report(
        &format!("POST /rest/api/3/webhook (x{webhooks}, 1 each)"),
        &registered,
        &base_register,
    );
    report(
        &format!("GET /rest/api/3/webhook ({webhooks} hooks, {page_len} B)"),
        &listed,
        &base_list,
    );
    println!("\nratio = jr-mock req/s / baseline req/s (1.0 = as fast as a bare server)");
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(usize, usize)> {
    let (mut webhooks, mut requests) = (1000, 500);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = || -> Result<usize> { Ok(args.clone().next().context("a number")?.parse()?) };
        match arg.as_str() {
            "--webhooks" => webhooks = value()?,
            "--requests" => requests = value()?,
            other => bail!(
                "bench mock: unknown argument `{other}`; usage: bench mock [--webhooks N] [--requests N]"
            ),
        }
        args.next();
    }
    if webhooks == 0 || requests == 0 {
        bail!("--webhooks and --requests must be at least 1");
    }
    Ok((webhooks, requests))
}

/// Throughput and latencies of one series.
struct Series {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    last_body: String,
}

/// Runs `call` `n` times in a row, timing each.
fn measure(n: usize, mut call: impl FnMut(usize) -> Result<String>) -> Result<Series> {
    let mut latencies = Vec::with_capacity(n);
    let mut last_body = String::new();
    let started = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        last_body = call(i)?;
        latencies.push(t.elapsed());
    }
    let total = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    Ok(Series {
        per_second: n as f64 / total.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        last_body,
    })
}

fn report(name: &str, mock: &Series, base: &Series) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} {:>9.0} {:>9.3} {:>9.3}   {:>9.0} {:>9.3} {:>9.3}   {:>7.2}",
        mock.per_second,
        ms(mock.p50),
        ms(mock.p99),
        base.per_second,
        ms(base.p50),
        ms(base.p99),
        mock.per_second / base.per_second
    );
}

fn check(status: u16, want: u16, what: &str) -> Result<()> {
    if status != want {
        bail!("{what}: status {status}, expected {want}");
    }
    Ok(())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The baseline: a bare HTTP/1.1 server on 127.0.0.1 answering every
/// request with a fixed JSON body, one thread per connection, each response
/// written in one buffer with `TCP_NODELAY`; it does nothing else, so it is
/// the cost of loopback HTTP itself. (tiny_http writes headers and body
/// separately and cannot turn Nagle off, which adds tens of ms per call.)
struct Baseline {
    url: String,
}

impl Baseline {
    fn start(body: String) -> Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("baseline bind")?;
        let port = listener.local_addr()?.port();
        let response = Arc::new(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        );
        // The thread ends with the process; the benchmark is short-lived.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let response = response.clone();
                std::thread::spawn(move || serve_fixed(stream, &response));
            }
        });
        Ok(Self {
            url: format!("http://127.0.0.1:{port}/rest/api/3/webhook"),
        })
    }

    fn get(&self, agent: &ureq::Agent) -> Result<String> {
        let mut resp = agent.get(&self.url).header("Authorization", TOKEN).call()?;
        Ok(resp.body_mut().read_to_string()?)
    }

    fn post(&self, agent: &ureq::Agent) -> Result<String> {
        let mut resp = agent
            .post(&self.url)
            .header("Authorization", TOKEN)
            .header("Content-Type", "application/json")
            .send(r#"{"url":"https://hooks.example.com/jira","webhooks":[]}"#)?;
        Ok(resp.body_mut().read_to_string()?)
    }
}

/// Answers every request on `stream` with `response` until the client closes:
/// reads the head up to the blank line, skips `Content-Length` body bytes.
fn serve_fixed(stream: std::net::TcpStream, response: &[u8]) {
    use std::io::{Read, Write};
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() || writer.write_all(response).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_set_counts_and_reject_nonsense() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_args(&args(&[])).unwrap(), (1000, 500));
        assert_eq!(
            parse_args(&args(&["--webhooks", "10", "--requests", "20"])).unwrap(),
            (10, 20)
        );
        assert!(parse_args(&args(&["--webhooks", "0"])).is_err());
        assert!(parse_args(&args(&["--webhooks"])).is_err());
        assert!(parse_args(&args(&["--fast"])).is_err());
    }

    #[test]
    fn percentiles_come_from_sorted_latencies() {
        let series = measure(100, |i| Ok(i.to_string())).unwrap();
        assert!(series.p50 <= series.p99);
        assert_eq!(series.last_body, "99");
        assert!(series.per_second > 0.0);
    }
}
