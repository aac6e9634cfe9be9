//! `cargo xtask bench startup [--runs N]`: how long the release `jr` takes to
//! start and answer without the network, and how much memory it touches,
//! against `/bin/true` measured in the same run.
//!
//! Cases: `jr --version`, `jr webhook get-failed --help`, `jr schema webhook`,
//! `jr issue --help` (the largest group). Runs are interleaved (one of each
//! case per round) so drift on a shared machine spreads evenly; the median
//! wall time of at least 30 runs is reported, with its difference from
//! `/bin/true`. Peak RSS is the largest `%M` GNU time reports over a few
//! separate runs (it needs `/usr/bin/time`; without it RSS is left out).
//! Aims (issue 4): within 0.7 ms of `/bin/true`, under 8 MiB each.

use crate::workspace::{self, Profile};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cases after the `/bin/true` baseline: arguments to `jr`.
const CASES: &[&[&str]] = &[
    &["--version"],
    &["webhook", "get-failed", "--help"],
    &["schema", "webhook"],
    &["issue", "--help"],
];

const MIN_RUNS: usize = 30;
const RSS_RUNS: usize = 5;
const TIME: &str = "/usr/bin/time";

/// Runs the benchmark.
pub fn main(args: &[String]) -> Result<()> {
    let runs = match args {
        [] => 50,
        [flag, n] if flag == "--runs" => n.parse::<usize>().context("--runs N")?.max(MIN_RUNS),
        _ => bail!("usage: cargo xtask bench startup [--runs N (at least {MIN_RUNS})]"),
    };
    let jr = build_release()?;
    let mut cases: Vec<(String, Vec<String>)> =
        vec![("/bin/true".into(), vec!["/bin/true".into()])];
    for case in CASES {
        let mut argv = vec![jr.display().to_string()];
        argv.extend(case.iter().map(|a| a.to_string()));
        cases.push((format!("jr {}", case.join(" ")), argv));
    }
    for (_, argv) in &cases {
        run_once(argv).with_context(|| format!("warming up {}", argv.join(" ")))?;
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); cases.len()];
    for _ in 0..runs {
        for (i, (_, argv)) in cases.iter().enumerate() {
            times[i].push(run_once(argv)?);
        }
    }
    let baseline = median(&mut times[0]);
    println!("startup: median of {runs} interleaved runs; peak RSS over {RSS_RUNS} runs");
    println!(
        "{:<34} {:>10} {:>12} {:>8} {:>10}",
        "command", "median", "vs true", "ratio", "peak RSS"
    );
    for (i, (name, argv)) in cases.iter().enumerate() {
        let wall = median(&mut times[i]);
        let rss = peak_rss_kib(argv)
            .map(|k| format!("{:.2} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "n/a".into());
        println!(
            "{name:<34} {:>7.3} ms {:>+9.3} ms {:>7.2}x {rss:>10}",
            ms(wall),
            ms(wall) - ms(baseline),
            ms(wall) / ms(baseline)
        );
    }
    println!("aims: within 0.7 ms of /bin/true, under 8 MiB each");
    Ok(())
}

fn build_release() -> Result<PathBuf> {
    Ok(workspace::build(Profile::Release, &["jr-cli"])?.join("jr"))
}

/// One run's wall time, output discarded; a failing run is an error.
fn run_once(argv: &[String]) -> Result<Duration> {
    let start = Instant::now();
    let status = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {}", argv[0]))?;
    let elapsed = start.elapsed();
    if !status.success() {
        bail!("`{}` exited with {status}", argv.join(" "));
    }
    Ok(elapsed)
}

/// The largest maximum resident set size GNU time reports, in KiB.
fn peak_rss_kib(argv: &[String]) -> Option<u64> {
    if !Path::new(TIME).exists() {
        return None;
    }
    (0..RSS_RUNS)
        .filter_map(|_| {
            let output = Command::new(TIME)
                .args(["-f", "%M"])
                .args(argv)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .output()
                .ok()?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            stderr.lines().last()?.trim().parse::<u64>().ok()
        })
        .max()
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_sample() {
        let mut samples = [3, 1, 2].map(Duration::from_millis);
        assert_eq!(median(&mut samples), Duration::from_millis(2));
    }
}
