//! `cargo xtask bench startup [--runs N] [--no-build] [--peer NAME=PATH]...`:
//! how long the release `jr` takes to start and answer without the network,
//! how much memory it touches, against `/bin/true` and any peer CLIs
//! measured in the same run (issue 17).
//!
//! Cases: `jr --version`, `jr --help`, `jr webhook --help`,
//! `jr webhook get-failed --help`, `jr issue --help` (the largest group),
//! `jr schema webhook get-failed`, and `jr --dry-run webhook get-failed` with
//! credentials in the environment (a closed port on 127.0.0.1 as the site,
//! never contacted; `JR_CONFIG_PATH` names a file that does not exist, so no
//! user configuration is read). Each peer adds `NAME --version` and
//! `NAME --help`.
//!
//! Runs are interleaved (one of each case per round) so drift on a shared
//! machine spreads evenly; the median wall time of at least 30 runs is
//! reported with its difference from, and ratio to, `/bin/true`. Peak RSS
//! (the largest over a few runs) and minor page faults (their median) come
//! from GNU time's `%M` and `%R` (`/usr/bin/time`; without it they are left
//! out). Aims: each jr case within 0.5 ms of `/bin/true` and under 6 MiB;
//! against peers, `jr --version` and `jr webhook get-failed --help` at most
//! 0.6× rvben's `jira` and 0.3× the Go `jr` (their `--version` and `--help`).
//!
//! Peers: `--peer NAME=PATH`, repeatable; a peer whose file does not exist is
//! skipped with a note. rvben's Rust `jira` ships in the `jira-cli-rs` wheel
//! on PyPI:
//!
//! ```text
//! pip download jira-cli-rs --no-deps --only-binary=:all: -d /tmp/rvben
//! cd /tmp/rvben && unzip -o -q jira_cli_rs-*.whl
//! cargo xtask bench startup --peer rvben=/tmp/rvben/jira_cli_rs-<version>.data/scripts/jira
//! ```
//!
//! The Go `jr` is named `go-jr` for its aim (`--peer go-jr=PATH`).

use crate::workspace::{self, Profile};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The jr cases: arguments to `jr` (also the start-up `startup-order` lays out).
pub const CASES: &[&[&str]] = &[
    &["--version"],
    &["--help"],
    &["webhook", "--help"],
    &["webhook", "get-failed", "--help"],
    &["issue", "--help"],
    &["schema", "webhook", "get-failed"],
    &["--dry-run", "webhook", "get-failed"],
];

/// The environment of every jr case: credentials for the dry run, and no
/// configuration file of the user's.
pub const ENV: &[(&str, &str)] = &[
    ("JR_BASE_URL", "http://127.0.0.1:9"),
    ("JR_AUTH_TYPE", "basic"),
    ("JR_AUTH_USER", "bench@example.com"),
    ("JR_AUTH_TOKEN", "bench-token"),
    ("JR_CONFIG_PATH", "/nonexistent/jr-bench/config.json"),
];

/// The cases compared with each peer's `--version` and `--help`.
const PEER_VERSION: &[&str] = &["--version"];
const PEER_HELP: &[&str] = &["webhook", "get-failed", "--help"];
/// Peers the issue sets a ratio for: (name, at most this many times theirs).
const PEER_AIMS: &[(&str, f64)] = &[("rvben", 0.6), ("go-jr", 0.3)];

const AIM_ABOVE_TRUE_MS: f64 = 0.5;
const AIM_RSS_MIB: f64 = 6.0;
const MIN_RUNS: usize = 30;
const RSS_RUNS: usize = 5;
const TIME: &str = "/usr/bin/time";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
struct Options {
    runs: usize,
    build: bool,
    peers: Vec<(String, PathBuf)>,
}

/// One command measured: a label, argv and whether jr's environment applies.
struct Case {
    name: String,
    argv: Vec<String>,
    jr: bool,
}

/// What one case measured.
struct Measured {
    wall: Duration,
    /// Peak resident set size, KiB.
    rss_kib: Option<u64>,
    /// Minor page faults of one run (median).
    faults: Option<u64>,
}

/// Runs the benchmark.
pub fn main(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let jr = if options.build {
        workspace::build(Profile::Release, &["jr-cli"])?.join("jr")
    } else {
        workspace::bin_dir(Profile::Release).join("jr")
    };
    let cases = cases(&jr, &options.peers);
    let measured = measure(&cases, options.runs)?;
    report(&cases, &measured, options.runs, &options.peers);
    Ok(())
}

fn parse(args: &[String]) -> Result<Options> {
    let usage = || {
        format!(
            "usage: cargo xtask bench startup [--runs N (at least {MIN_RUNS})] [--no-build] [--peer NAME=PATH]..."
        )
    };
    let mut options = Options {
        runs: 50,
        build: true,
        peers: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let n = args.next().with_context(usage)?;
                options.runs = n.parse::<usize>().with_context(usage)?.max(MIN_RUNS);
            }
            "--no-build" => options.build = false,
            "--peer" => {
                let spec = args.next().with_context(usage)?;
                let Some((name, path)) = spec.split_once('=') else {
                    bail!("--peer {spec}: expected NAME=PATH; {}", usage());
                };
                if Path::new(path).exists() {
                    options.peers.push((name.to_owned(), PathBuf::from(path)));
                } else {
                    eprintln!("startup: skipping peer {name}: no file {path}");
                }
            }
            _ => bail!("{}", usage()),
        }
    }
    Ok(options)
}

/// `/bin/true` first, then jr's cases, then each peer's two.
fn cases(jr: &Path, peers: &[(String, PathBuf)]) -> Vec<Case> {
    let mut cases = vec![Case {
        name: "/bin/true".into(),
        argv: vec!["/bin/true".into()],
        jr: false,
    }];
    for case in CASES {
        let mut argv = vec![jr.display().to_string()];
        argv.extend(case.iter().map(|a| a.to_string()));
        cases.push(Case {
            name: format!("jr {}", case.join(" ")),
            argv,
            jr: true,
        });
    }
    for (name, path) in peers {
        for flag in ["--version", "--help"] {
            cases.push(Case {
                name: format!("{name} {flag}"),
                argv: vec![path.display().to_string(), flag.into()],
                jr: false,
            });
        }
    }
    cases
}

fn measure(cases: &[Case], runs: usize) -> Result<Vec<Measured>> {
    for case in cases {
        run_once(case).with_context(|| format!("warming up {}", case.argv.join(" ")))?;
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); cases.len()];
    for _ in 0..runs {
        for (i, case) in cases.iter().enumerate() {
            times[i].push(run_once(case)?);
        }
    }
    Ok(cases
        .iter()
        .zip(&mut times)
        .map(|(case, times)| {
            let usage = resources(case);
            Measured {
                wall: median(times),
                rss_kib: usage.iter().map(|u| u.0).max(),
                faults: (!usage.is_empty()).then(|| {
                    let mut faults: Vec<u64> = usage.iter().map(|u| u.1).collect();
                    faults.sort_unstable();
                    faults[faults.len() / 2]
                }),
            }
        })
        .collect())
}

fn report(cases: &[Case], measured: &[Measured], runs: usize, peers: &[(String, PathBuf)]) {
    let baseline = ms(measured[0].wall);
    println!(
        "startup: median of {runs} interleaved runs; peak RSS and minor faults over {RSS_RUNS} runs"
    );
    println!(
        "{:<40} {:>10} {:>11} {:>7} {:>10} {:>7}  aim (≤ +{AIM_ABOVE_TRUE_MS} ms, < {AIM_RSS_MIB} MiB)",
        "command", "median", "vs true", "ratio", "peak RSS", "faults"
    );
    for (case, m) in cases.iter().zip(measured) {
        let wall = ms(m.wall);
        let rss = m.rss_kib.map(|k| k as f64 / 1024.0);
        let aim = if case.jr {
            let fast = wall - baseline <= AIM_ABOVE_TRUE_MS;
            let small = rss.is_none_or(|mib| mib < AIM_RSS_MIB);
            if fast && small { "holds" } else { "MISSED" }
        } else {
            ""
        };
        println!(
            "{:<40} {wall:>7.3} ms {:>+8.3} ms {:>6.2}x {:>10} {:>7}  {aim}",
            case.name,
            wall - baseline,
            wall / baseline,
            rss.map_or_else(|| "n/a".into(), |mib| format!("{mib:.2} MiB")),
            m.faults.map_or_else(|| "n/a".into(), |f| f.to_string()),
        );
    }
    for (name, _) in peers {
        let aim = PEER_AIMS.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
        for (ours, flag) in [(PEER_VERSION, "--version"), (PEER_HELP, "--help")] {
            let ours_name = format!("jr {}", ours.join(" "));
            let theirs_name = format!("{name} {flag}");
            let wall = |label: &str| {
                cases
                    .iter()
                    .position(|c| c.name == label)
                    .map(|i| ms(measured[i].wall))
            };
            if let (Some(ours), Some(theirs)) = (wall(&ours_name), wall(&theirs_name)) {
                let ratio = ours / theirs;
                let verdict = match aim {
                    Some(aim) if ratio <= aim => format!("holds (≤ {aim})"),
                    Some(aim) => format!("MISSED (aim ≤ {aim})"),
                    None => String::new(),
                };
                println!("{ours_name} / {theirs_name}: {ratio:.2}x  {verdict}");
            }
        }
    }
}

/// One run's wall time, output discarded; a failing run is an error.
fn run_once(case: &Case) -> Result<Duration> {
    let mut command = command(case, &case.argv);
    let start = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("running {}", case.argv[0]))?;
    let elapsed = start.elapsed();
    if !status.success() {
        bail!("`{}` exited with {status}", case.argv.join(" "));
    }
    Ok(elapsed)
}

/// `argv` with output discarded and, for jr, its environment.
fn command(case: &Case, argv: &[String]) -> Command {
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    if case.jr {
        command.envs(ENV.iter().copied());
    }
    command
}

/// (peak RSS in KiB, minor page faults) of a few runs under GNU time; empty
/// without `/usr/bin/time`.
fn resources(case: &Case) -> Vec<(u64, u64)> {
    if !Path::new(TIME).exists() {
        return Vec::new();
    }
    let mut argv = vec![TIME.to_owned(), "-f".into(), "%M %R".into()];
    argv.extend(case.argv.iter().cloned());
    (0..RSS_RUNS)
        .filter_map(|_| {
            let output = command(case, &argv).output().ok()?;
            parse_time(&String::from_utf8_lossy(&output.stderr))
        })
        .collect()
}

/// GNU time's last line, `%M %R`: (KiB, faults).
fn parse_time(stderr: &str) -> Option<(u64, u64)> {
    let mut words = stderr.lines().last()?.split_whitespace();
    let rss = words.next()?.parse().ok()?;
    let faults = words.next()?.parse().ok()?;
    Some((rss, faults))
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

    #[test]
    fn peers_are_named_and_missing_ones_skipped() {
        let args: Vec<String> = [
            "--peer",
            "me=/bin/true",
            "--peer",
            "gone=/nonexistent/x",
            "--runs",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let options = parse(&args).expect("parses");
        assert_eq!(
            options.peers,
            vec![("me".to_owned(), PathBuf::from("/bin/true"))]
        );
        assert_eq!(options.runs, MIN_RUNS);
        assert!(parse(&["--peer".to_owned(), "no-equals".to_owned()]).is_err());
    }

    #[test]
    fn every_case_and_each_peers_two_are_measured_after_the_baseline() {
        let peers = vec![("rvben".to_owned(), PathBuf::from("/x/jira"))];
        let names: Vec<String> = cases(Path::new("/t/jr"), &peers)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names.len(), 1 + CASES.len() + 2);
        assert_eq!(names[0], "/bin/true");
        assert!(names.contains(&"jr --dry-run webhook get-failed".to_owned()));
        assert_eq!(
            names[names.len() - 2..],
            ["rvben --version", "rvben --help"]
        );
    }

    #[test]
    fn gnu_time_lines_give_rss_and_faults() {
        assert_eq!(parse_time("warning\n5120 312\n"), Some((5120, 312)));
        assert_eq!(parse_time("Command exited with non-zero status 1"), None);
    }
}
