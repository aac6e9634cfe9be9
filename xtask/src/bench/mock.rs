//! `cargo xtask bench mock [--webhooks N] [--requests N] [--clients N]
//! [--soak [--minutes N]]`: jr-mock's throughput, latency under concurrency
//! and memory over loopback, against baselines measured in the same run.
//!
//! It builds and starts the release `jr-mock` with its limits lifted
//! (`--webhook-limit`), then, from one keep-alive client:
//! - registers N webhooks (default 1,000) one request each (`POST /rest/api/3/webhook`);
//! - lists them `--requests` times (default 500) in one page
//!   (`GET /rest/api/3/webhook?maxResults=N`);
//! - creates `--requests` issues (`POST /rest/api/3/issue`), each timed
//!   until its `jira:issue_created` reached a local receiver ([`delivery`]).
//!
//! The baseline is a bare HTTP/1.1 server on 127.0.0.1 answering the same
//! bytes jr-mock answered, without any work: the ratio says what jr-mock's
//! front door, routing, model and JSON cost over loopback HTTP itself. Reported: requests
//! per second and p50/p99 latency of each, and the throughput ratio.
//!
//! Concurrency: `--clients` (default 200) keep-alive connections at once,
//! each sending [`PER_CLIENT`] small requests (`GET /rest/api/3/myself`,
//! basic auth), driven from one client thread ([`concurrency`]), against
//! jr-mock and against a hyper hello-world server of the same shape
//! (`jr-mock/examples/hello_baseline.rs`): p50/p99 of each and the p99 ratio.
//!
//! Memory (always): jr-mock's resident set size (`/proc/PID/status`) after
//! a warm-up of [`WARM_UP`] requests and after [`SMALL`] more small ones.
//! With `--soak`: a mix of Jira and control requests at about 1,000 per
//! second for `--minutes` (default 3), RSS sampled every 10 s; reported as
//! growth in MB and MB per minute.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::workspace::{self, Profile};
use anyhow::{Context, Result, bail};

mod concurrency;
mod delivery;

const TOKEN: &str = "Bearer oauth-app-token";
/// OAuth 2.0 tokens are accepted only under the gateway prefix.
const GATEWAY: &str = "/ex/jira/a436116f-02ce-4520-8fbb-7301462a1674";
/// `Authorization` of the default user (`user@example.com:user-token`).
const USER: &str = "Basic dXNlckBleGFtcGxlLmNvbTp1c2VyLXRva2Vu";
/// Requests each concurrent client sends.
const PER_CLIENT: usize = 50;
/// Requests before memory is first measured.
const WARM_UP: usize = 20_000;
/// Small requests whose memory cost is measured after the warm-up.
const SMALL: usize = 20_000;

/// Runs the benchmark.
pub fn main(args: &[String]) -> Result<()> {
    let options = parse_args(args)?;
    let (webhooks, requests) = (options.webhooks, options.requests);
    eprintln!("Building jr-mock and its hello-world baseline (release) ...");
    let bin = workspace::build(Profile::Release, &["jr-mock"])?;
    build_baseline()?;
    // One more than registered: the issue row adds its receiver's webhook.
    let limit = (webhooks + 1).to_string();
    let mock = Server::start(
        &bin.join("jr-mock"),
        &["--port", "0", "--webhook-limit", &limit],
    )?;
    let agent = agent();

    let register = |i: usize| -> Result<String> {
        let body = format!(
            r#"{{"url":"https://hooks.example.com/jira","webhooks":[{{"events":["jira:issue_created"],"jqlFilter":"project = P{i}"}}]}}"#
        );
        let mut resp = agent
            .post(format!("{}{GATEWAY}/rest/api/3/webhook", mock.base_url))
            .header("Authorization", TOKEN)
            .header("Content-Type", "application/json")
            .send(body)?;
        check(resp.status().as_u16(), 200, "register")?;
        Ok(resp.body_mut().read_to_string()?)
    };
    let registered = measure(webhooks, register)?;
    let list_url = format!(
        "{}{GATEWAY}/rest/api/3/webhook?maxResults={webhooks}",
        mock.base_url
    );
    let list = |_| -> Result<String> {
        let mut resp = agent.get(&list_url).header("Authorization", TOKEN).call()?;
        check(resp.status().as_u16(), 200, "list")?;
        Ok(resp.body_mut().read_to_string()?)
    };
    let listed = measure(requests, list)?;
    let page_len = listed.last_body.len();
    let created = delivery::create_and_deliver(&agent, &mock.base_url, requests)?;

    let baseline_register = Baseline::start(registered.last_body.clone())?;
    let base_register = measure(webhooks, |_| baseline_register.post(&agent))?;
    let baseline_list = Baseline::start(listed.last_body.clone())?;
    let base_list = measure(requests, |_| baseline_list.get(&agent))?;
    let baseline_create = Baseline::start(created.last_body.clone())?;
    let base_create = measure(requests, |_| baseline_create.post(&agent))?;

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
    report(
        &format!("POST /rest/api/3/issue + delivery (x{requests})"),
        &created,
        &base_create,
    );
    println!("\nratio = jr-mock req/s / baseline req/s (1.0 = as fast as a bare server)");
    println!(
        "POST /rest/api/3/issue + delivery: each timed until a local receiver has its jira:issue_created; baseline: the bare server's answer alone"
    );

    let hello = Server::start(&baseline_path(), &[])?;
    let clients = options.clients;
    let myself = |base: &str| format!("{base}/rest/api/3/myself");
    let mock_conc = concurrency::measure(&myself(&mock.base_url), USER, clients)?;
    let base_conc = concurrency::measure(&myself(&hello.base_url), USER, clients)?;
    println!(
        "\n{clients} concurrent keep-alive connections x {PER_CLIENT} requests (GET /rest/api/3/myself), driven from one client thread; baseline: hyper hello-world, same runtime shape\n"
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9}",
        "server", "req/s", "p50 ms", "p99 ms"
    );
    for (name, s) in [("jr-mock", &mock_conc), ("hyper hello-world", &base_conc)] {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<28} {:>9.0} {:>9.2} {:>9.2}",
            s.per_second,
            ms(s.p50),
            ms(s.p99)
        );
    }
    println!(
        "p99 ratio jr-mock / hello-world: {:.2} (aim: jr-mock p99 < 50 ms)",
        mock_conc.p99.as_secs_f64() / base_conc.p99.as_secs_f64().max(1e-9)
    );

    memory(&mock, options.soak_minutes)
}

/// Parsed arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    webhooks: usize,
    requests: usize,
    clients: usize,
    /// `Some(minutes)` with `--soak`.
    soak_minutes: Option<u64>,
}

/// The RSS after the warm-up and after [`SMALL`] small requests; with a
/// soak, its growth over `minutes` at about 1,000 requests per second.
fn memory(mock: &Server, soak_minutes: Option<u64>) -> Result<()> {
    let client = agent();
    for i in 0..WARM_UP {
        mixed_request(&client, &mock.base_url, i)?;
    }
    let warm = mock.rss_mb()?;
    for i in 0..SMALL {
        small_request(&client, &mock.base_url, i)?;
    }
    let after_small = mock.rss_mb()?;
    println!(
        "\nmemory: RSS {warm:.1} MB after {WARM_UP} requests of warm-up; {after_small:.1} MB after {SMALL} more small ones (+{:.1} MB; aim < 20 MB)",
        after_small - warm
    );
    let Some(minutes) = soak_minutes else {
        return Ok(());
    };
    let start_rss = mock.rss_mb()?;
    let started = Instant::now();
    let total = Duration::from_secs(minutes * 60);
    let workers = 8;
    let per_worker_interval = Duration::from_micros(1_000_000 * workers as u64 / 1_000);
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let base = mock.base_url.clone();
            std::thread::spawn(move || -> Result<usize> {
                let agent = agent();
                let mut n = 0usize;
                let mut next = Instant::now();
                while started.elapsed() < total {
                    mixed_request(&agent, &base, w + n * workers)?;
                    n += 1;
                    next += per_worker_interval;
                    if let Some(wait) = next.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
                Ok(n)
            })
        })
        .collect();
    let mut samples = Vec::new();
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_secs(10).min(total.saturating_sub(started.elapsed())));
        samples.push((started.elapsed().as_secs(), mock.rss_mb()?));
    }
    let mut requests = 0;
    for handle in handles {
        requests += handle
            .join()
            .map_err(|_| anyhow::anyhow!("a soak worker panicked"))??;
    }
    let end_rss = mock.rss_mb()?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "soak: {requests} requests in {elapsed:.0} s ({:.0} req/s); RSS {start_rss:.1} -> {end_rss:.1} MB: {:+.1} MB, {:+.2} MB/minute (aim: < 20 MB over 30 minutes at 1,000 req/s)",
        requests as f64 / elapsed,
        end_rss - start_rss,
        (end_rss - start_rss) / (elapsed / 60.0)
    );
    // At most about 20 samples, evenly spaced, so a 30-minute soak stays one readable line.
    let step = samples.len().div_ceil(20).max(1);
    let shown: Vec<String> = samples
        .iter()
        .step_by(step)
        .map(|(s, mb)| format!("{s}s {mb:.1}"))
        .collect();
    println!("soak RSS samples (MB): {}", shown.join(", "));
    Ok(())
}

/// One small request: `GET /rest/api/3/myself` as the default user.
fn small_request(agent: &ureq::Agent, base: &str, _i: usize) -> Result<()> {
    let resp = agent
        .get(format!("{base}/rest/api/3/myself"))
        .header("Authorization", USER)
        .call()?;
    check(resp.status().as_u16(), 200, "myself")
}

/// The `i`-th request of a mix: catalog reads and writes with bodies,
/// webhook listings, unknown paths, events, clock reads.
fn mixed_request(agent: &ureq::Agent, base: &str, i: usize) -> Result<()> {
    let status = match i % 6 {
        0 => agent
            .get(format!("{base}/rest/api/3/myself"))
            .header("Authorization", USER)
            .call()?
            .status(),
        1 => agent
            .get(format!("{base}{GATEWAY}/rest/api/3/webhook"))
            .header("Authorization", TOKEN)
            .call()?
            .status(),
        2 => agent
            .post(format!("{base}/rest/api/3/issue"))
            .header("Authorization", USER)
            .header("Content-Type", "application/json")
            .send(format!(r#"{{"fields":{{"summary":"soak {i}","project":{{"key":"P"}},"issuetype":{{"name":"Task"}}}}}}"#))?
            .status(),
        3 => agent
            .get(format!("{base}/rest/api/3/nothing/here/{i}"))
            .header("Authorization", USER)
            .call()?
            .status(),
        4 => agent
            .post(format!("{base}/_mock/events"))
            .header("Content-Type", "application/json")
            .send(format!(
                r#"{{"webhookEvent":"jira:issue_created","issue":{{"id":"{i}","key":"P-{i}","fields":{{"project":{{"key":"P"}}}}}}}}"#
            ))?
            .status(),
        _ => agent.get(format!("{base}/_mock/clock")).call()?.status(),
    };
    if status.as_u16() >= 500 {
        bail!("request {i} of the mix answered {status}");
    }
    Ok(())
}

/// Builds `jr-mock/examples/hello_baseline.rs` (release).
fn build_baseline() -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(workspace::root())
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "jr-mock",
            "--example",
            "hello_baseline",
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building the hello-world baseline failed");
    }
    Ok(())
}

fn baseline_path() -> std::path::PathBuf {
    workspace::bin_dir(Profile::Release)
        .join("examples")
        .join("hello_baseline")
}

/// A server process started for the benchmark, killed when dropped; its
/// first stdout line ends with its URL.
struct Server {
    child: std::process::Child,
    base_url: String,
}

impl Server {
    fn start(binary: &std::path::Path, args: &[&str]) -> Result<Self> {
        let mut child = std::process::Command::new(binary)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut first = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout).read_line(&mut first)?;
        }
        let Some(url) = first
            .split_whitespace()
            .last()
            .filter(|u| u.starts_with("http://"))
        else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("unexpected first line from {}: {first:?}", binary.display());
        };
        let base_url = url.to_owned();
        Ok(Self { child, base_url })
    }

    /// Resident set size in MB (`VmRSS` of `/proc/PID/status`; Linux).
    fn rss_mb(&self) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("reading /proc/PID/status (the memory figures need Linux)")?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS line")?;
        Ok(kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_args(args: &[String]) -> Result<Options> {
    let mut o = Options {
        webhooks: 1000,
        requests: 500,
        clients: 200,
        soak_minutes: None,
    };
    let mut soak = false;
    let mut minutes = 3;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--soak" {
            soak = true;
            continue;
        }
        let value = || -> Result<usize> { Ok(args.clone().next().context("a number")?.parse()?) };
        match arg.as_str() {
            "--webhooks" => o.webhooks = value()?,
            "--requests" => o.requests = value()?,
            "--clients" => o.clients = value()?,
            "--minutes" => minutes = value()? as u64,
            other => bail!(
                "bench mock: unknown argument `{other}`; usage: bench mock [--webhooks N] [--requests N] [--clients N] [--soak [--minutes N]]"
            ),
        }
        args.next();
    }
    if o.webhooks == 0 || o.requests == 0 || o.clients == 0 || minutes == 0 {
        bail!("--webhooks, --requests, --clients and --minutes must be at least 1");
    }
    o.soak_minutes = soak.then_some(minutes);
    Ok(o)
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
    use std::io::Write;
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        if read_request(&mut reader).is_none() || writer.write_all(response).is_err() {
            return;
        }
    }
}

/// Reads one HTTP/1.1 request (head, then a `Content-Length` body) from a
/// keep-alive connection; its body, or `None` when the client went away.
fn read_request(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
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
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_set_counts_and_reject_nonsense() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let o = parse_args(&args(&[])).unwrap();
        assert_eq!(
            (o.webhooks, o.requests, o.clients, o.soak_minutes),
            (1000, 500, 200, None)
        );
        let o = parse_args(&args(&["--webhooks", "10", "--requests", "20", "--soak"])).unwrap();
        assert_eq!((o.webhooks, o.requests, o.soak_minutes), (10, 20, Some(3)));
        let o = parse_args(&args(&["--soak", "--minutes", "2", "--clients", "5"])).unwrap();
        assert_eq!((o.clients, o.soak_minutes), (5, Some(2)));
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
