//! `cargo xtask bench request [--runs N] [--no-build]`: what `jr` costs per
//! request, against `curl` as the baseline measured in the same run.
//!
//! 1. One request: `jr webhook get-dynamic-webhooks-for-app --no-paginate
//!    --maxResults 1` (release build) and `curl` for the same URL against a
//!    `jr-mock` binary, interleaved, `--runs` times each (default 30); the
//!    medians and their ratio (aim: at most 1.1, issue 17).
//! 2. A 100-page listing of 10,000 webhooks (jr-mock started with its
//!    `--webhook-limit` lifted): wall time and peak RSS of `jr` merging the
//!    pages and of `jr --stream`, against one `curl` fetching the same 100
//!    page URLs (aim: stream peak RSS under 20 MiB). Peak RSS comes from
//!    `/usr/bin/time -f %M`.
//!
//! Everything binds 127.0.0.1.

use crate::workspace::{self, MockProcess, Profile};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const APP_TOKEN: &str = "oauth-app-token";
/// jr-mock's default cloud ID: OAuth 2.0 tokens are accepted only through
/// the API gateway prefix `/ex/jira/{cloudId}`, as on Atlassian's cloud.
const CLOUD_ID: &str = "a436116f-02ce-4520-8fbb-7301462a1674";
const LIST_TOKEN: &str = "other-app-token";
const WEBHOOKS: usize = 10_000;
const PAGE: usize = 100;
/// Runs of each listing variant; the median is reported.
const LISTING_RUNS: usize = 5;

/// Runs the benchmark.
pub fn main(args: &[String]) -> Result<()> {
    let mut runs = 30;
    let mut build = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .context("--runs needs a whole number of at least 1")?;
            }
            "--no-build" => build = false,
            other => bail!(
                "unknown option `{other}`; usage: cargo xtask bench request [--runs N] [--no-build]"
            ),
        }
    }
    let bin = if build {
        println!("Building jr and jr-mock (release) ...");
        workspace::build(Profile::Release, &["jr-cli", "jr-mock"])?
    } else {
        workspace::bin_dir(Profile::Release)
    };
    let limit = (2 * WEBHOOKS).to_string();
    let mock = MockProcess::start(&bin.join("jr-mock"), &["--webhook-limit", &limit])?;
    let bench = Bench {
        jr: bin.join("jr"),
        base: mock.base_url.clone(),
        gateway: format!("{}/ex/jira/{CLOUD_ID}", mock.base_url),
    };
    bench.one_request(runs)?;
    bench.listing()?;
    Ok(())
}

struct Bench {
    jr: PathBuf,
    /// jr-mock's site URL.
    base: String,
    /// The same through the API gateway prefix, where bearer tokens go.
    gateway: String,
}

impl Bench {
    fn one_request(&self, runs: usize) -> Result<()> {
        self.register(APP_TOKEN, 1)?;
        let url = format!("{}/rest/api/3/webhook?maxResults=1", self.gateway);
        let mut jr = self.jr_command(APP_TOKEN);
        jr.args([
            "webhook",
            "get-dynamic-webhooks-for-app",
            "--no-paginate",
            "--maxResults",
            "1",
        ]);
        let mut curl = curl_command(APP_TOKEN, std::slice::from_ref(&url));
        // Both must succeed and agree before anything is timed.
        let (jr_out, curl_out) = (jr.output()?, curl.output()?);
        if !jr_out.status.success() || jr_out.stdout.trim_ascii() != curl_out.stdout.trim_ascii() {
            bail!(
                "jr and curl disagree: {:?} vs {:?}",
                String::from_utf8_lossy(&jr_out.stdout),
                String::from_utf8_lossy(&curl_out.stdout)
            );
        }
        let (mut jr_times, mut curl_times) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            jr_times.push(time(&mut jr)?);
            curl_times.push(time(&mut curl)?);
        }
        let (jr_median, curl_median) = (median(&mut jr_times), median(&mut curl_times));
        println!("## One request: GET {url}");
        println!("runs: {runs} each, interleaved");
        println!("jr   median {:>8.2} ms", ms(jr_median));
        println!("curl median {:>8.2} ms", ms(curl_median));
        println!(
            "ratio jr/curl: {:.2} (aim: at most 1.1)\n",
            jr_median.as_secs_f64() / curl_median.as_secs_f64()
        );
        Ok(())
    }

    fn listing(&self) -> Result<()> {
        for _ in 0..WEBHOOKS / 1000 {
            self.register(LIST_TOKEN, 1000)?;
        }
        let pages: Vec<String> = (0..WEBHOOKS / PAGE)
            .map(|k| {
                format!(
                    "{}/rest/api/3/webhook?maxResults={PAGE}&startAt={}",
                    self.gateway,
                    k * PAGE
                )
            })
            .collect();
        let list = [
            "webhook",
            "get-dynamic-webhooks-for-app",
            "--maxResults",
            "100",
        ];
        self.check_listing(&list)?;
        let mut merged = self.jr_command(LIST_TOKEN);
        merged.args(list);
        let mut stream = self.jr_command(LIST_TOKEN);
        stream.args(list).arg("--stream");
        let mut curl = curl_command(LIST_TOKEN, &pages);
        println!(
            "## Listing {WEBHOOKS} webhooks in {} pages of {PAGE}",
            pages.len()
        );
        println!("runs: {LISTING_RUNS} each, interleaved; median wall time, largest peak RSS");
        let mut results = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..LISTING_RUNS {
            for (command, result) in [&mut curl, &mut merged, &mut stream]
                .into_iter()
                .zip(results.iter_mut())
            {
                result.push(time_and_rss(command)?);
            }
        }
        let baseline = summarise(&mut results[0]);
        for (name, result) in ["curl, 100 URLs (baseline)", "jr, merged", "jr --stream"]
            .iter()
            .zip(results.iter_mut())
        {
            let (wall, rss) = summarise(result);
            println!(
                "{name:<28} wall {:>8.1} ms ({:.2}x curl)   peak RSS {}",
                ms(wall),
                wall.as_secs_f64() / baseline.0.as_secs_f64(),
                rss.map_or("n/a".to_owned(), |kib| format!(
                    "{:.1} MiB",
                    kib as f64 / 1024.0
                ))
            );
        }
        println!("(aim: jr --stream peak RSS under 20 MiB)");
        Ok(())
    }

    /// Both listings must return every webhook before anything is timed.
    fn check_listing(&self, list: &[&str]) -> Result<()> {
        let merged = self.jr_command(LIST_TOKEN).args(list).output()?;
        let merged: Value = serde_json::from_slice(&merged.stdout).context("merged listing")?;
        let count = merged["values"].as_array().map_or(0, Vec::len);
        let stream = self
            .jr_command(LIST_TOKEN)
            .args(list)
            .arg("--stream")
            .output()?;
        let lines = stream
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        if count != WEBHOOKS || lines != WEBHOOKS {
            bail!("expected {WEBHOOKS} webhooks, merged gave {count} and --stream {lines} lines");
        }
        Ok(())
    }

    fn jr_command(&self, token: &str) -> Command {
        let mut command = Command::new(&self.jr);
        command
            .env("JR_BASE_URL", &self.base)
            .env("JR_API_GATEWAY_URL", &self.base)
            .env("JR_CLOUD_ID", CLOUD_ID)
            .env("JR_AUTH_TYPE", "bearer")
            .env("JR_AUTH_TOKEN", token)
            .env("XDG_CONFIG_HOME", "/nonexistent/jr-bench-config")
            .env_remove("JR_CONFIG_PATH")
            .env_remove("JR_PROFILE");
        command
    }

    /// Registers `n` webhooks for the app with `token` in one request.
    fn register(&self, token: &str, n: usize) -> Result<()> {
        let webhooks: Vec<Value> = (0..n)
            .map(|i| json!({"events": ["jira:issue_created"], "jqlFilter": format!("project = P{i}")}))
            .collect();
        let body = json!({"url": "https://hooks.example/jira", "webhooks": webhooks});
        let mut response = ureq::post(format!("{}/rest/api/3/webhook", self.gateway))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .context("registering webhooks")?;
        let answer: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
        let created = answer["webhookRegistrationResult"]
            .as_array()
            .map_or(0, |items| {
                items
                    .iter()
                    .filter(|i| i["createdWebhookId"].is_i64())
                    .count()
            });
        if created != n {
            bail!("jr-mock created {created} of {n} webhooks: {answer}");
        }
        Ok(())
    }
}

fn curl_command(token: &str, urls: &[String]) -> Command {
    let mut command = Command::new("curl");
    command
        .args(["--silent", "--fail", "--header"])
        .arg(format!("Authorization: Bearer {token}"))
        .args(["--header", "Accept: application/json"]);
    for url in urls {
        command.arg(url);
    }
    command
}

/// Wall time of one run, output discarded; a failed run is an error.
fn time(command: &mut Command) -> Result<Duration> {
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let took = started.elapsed();
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(took)
}

/// Wall time and peak RSS (KiB, from `/usr/bin/time -f %M`) of one run.
fn time_and_rss(command: &mut Command) -> Result<(Duration, Option<u64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    if !gnu_time.exists() {
        return Ok((time(command)?, None));
    }
    let report = std::env::temp_dir().join(format!("jr-bench-rss-{}", std::process::id()));
    let mut wrapped = Command::new(gnu_time);
    wrapped
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(command.get_program())
        .args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(name, value),
            None => wrapped.env_remove(name),
        };
    }
    let took = time(&mut wrapped)?;
    let rss = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| text.trim().lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&report);
    Ok((took, rss))
}

fn summarise(results: &mut [(Duration, Option<u64>)]) -> (Duration, Option<u64>) {
    let mut walls: Vec<Duration> = results.iter().map(|(wall, _)| *wall).collect();
    let rss = results.iter().filter_map(|(_, rss)| *rss).max();
    (median(&mut walls), rss)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
