//! The scripted session behind `fixtures/jr-mock/`: how jr-mock is started
//! (fixed clock, retry delay and random seed), the `jr` commands of
//! `fixtures/jr-mock/SESSION`, and the two steps that make a recording
//! comparable (the port-bearing origin replaced by [`ORIGIN`]; `time` and
//! the `date` header ignored by [`compare`]).
//!
//! One file, compiled twice through `#[path]`: by `cargo xtask fixtures
//! record` (xtask/src/fixtures.rs, which runs the built binaries and depends
//! on no workspace crate) and by the e2e freshness and round-trip tests
//! (tests/e2e/fixtures.rs, which embed jr-mock). It needs only std and
//! serde_json, which both have.

#![allow(dead_code)] // each includer uses its own part

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The session: one `jr` command a line (see the file's header).
pub const SESSION: &str = include_str!("../fixtures/jr-mock/SESSION");

/// jr-mock's virtual clock at start: 2026-01-01T00:00:00Z, ms since the UNIX epoch.
pub const START_MS: i64 = 1_767_225_600_000;
/// jr-mock's fixed delay between delivery attempts, virtual ms (instead of 5–15 min drawn at random).
pub const RETRY_DELAY_MS: u64 = 60_000;
/// jr-mock's random seed (delivery IDs, OAuth tokens), instead of one drawn at start.
pub const RANDOM_SEED: u64 = 19;
/// jr-mock's default cloud ID, the gateway prefix's (the e2e tests check
/// that it is `jr_mock::model::DEFAULT_CLOUD_ID`).
pub const CLOUD_ID: &str = "a436116f-02ce-4520-8fbb-7301462a1674";
/// The origin written in the committed recordings instead of
/// `http://127.0.0.1:PORT`, whose port changes every run. `.test` is
/// reserved (RFC 6761): it never resolves.
pub const ORIGIN: &str = "http://jr-mock.test";
/// The longest one `jr` command may take before it is killed.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// jr-mock's command-line flags for the settings above (beside `--port`).
pub fn mock_args() -> Vec<String> {
    vec![
        "--start-ms".into(),
        START_MS.to_string(),
        "--retry-delay-ms".into(),
        RETRY_DELAY_MS.to_string(),
        "--random-seed".into(),
        RANDOM_SEED.to_string(),
    ]
}

/// Whose credentials a step uses (jr-mock's default identities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Basic auth as `user@example.com`, on the site URL.
    User,
    /// The OAuth 2.0 app `oauth-app`, through the gateway `/ex/jira/{cloudId}`.
    Oauth,
    /// The Connect app `com.example.connect-app` (JWT), on the site URL.
    Connect,
    /// Like `User`, but not recorded: jr-mock's control API (`/_mock/...`).
    Control,
}

/// One line of the session.
#[derive(Debug, Clone)]
pub struct Step {
    /// Line number in SESSION (1-based), for messages.
    pub line: usize,
    /// Whose credentials.
    pub who: Who,
    /// The exit code `jr` must end with.
    pub exit: i32,
    /// `jr`'s arguments after the global ones this module adds.
    pub args: Vec<String>,
}

/// What one step printed.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The step's line in SESSION.
    pub line: usize,
    /// `jr`'s exit code.
    pub code: i32,
    /// `jr`'s stdout, bytes as written.
    pub stdout: Vec<u8>,
    /// `jr`'s stderr (its JSON error line, for a failed step).
    pub stderr: String,
}

/// Reads SESSION's lines: `WHO EXIT ARG...`, words split on blanks, a
/// `'...'` word kept whole (no escapes); `#` lines and blank lines skipped.
/// Errors: a line with an unknown WHO, a bad EXIT or an open quote.
pub fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let words = split_words(trimmed).map_err(|e| format!("SESSION line {line}: {e}"))?;
        let [who, exit, args @ ..] = words.as_slice() else {
            return Err(format!("SESSION line {line}: expected WHO EXIT ARG..."));
        };
        let who = match who.as_str() {
            "user" => Who::User,
            "oauth" => Who::Oauth,
            "connect" => Who::Connect,
            "control" => Who::Control,
            other => return Err(format!("SESSION line {line}: unknown WHO {other:?}")),
        };
        let exit = exit
            .parse()
            .map_err(|_| format!("SESSION line {line}: EXIT {exit:?} is not a number"))?;
        steps.push(Step {
            line,
            who,
            exit,
            args: args.to_vec(),
        });
    }
    Ok(steps)
}

fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let (word, after) = if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find('\'').ok_or("a quote is never closed")?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        words.push(word.to_owned());
        rest = after.trim_start();
    }
    Ok(words)
}

/// Where the steps run.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The `jr` binary.
    pub jr: &'a Path,
    /// jr-mock's `http://127.0.0.1:PORT`.
    pub base_url: &'a str,
    /// jr-mock's cloud ID (the gateway prefix's).
    pub cloud_id: &'a str,
    /// Where every step but `control` records (each into `DIR/.step`, then
    /// moved into DIR by [`file_in_order`]); `None` records nothing.
    pub record: Option<&'a Path>,
}

/// Runs every step in order. Errors: `jr` cannot run, takes longer than
/// [`STEP_TIMEOUT`], or ends with another exit code than its line says
/// (the message has the line, the code and jr's stderr).
pub fn run(steps: &[Step], target: Target<'_>) -> Result<Vec<Outcome>, String> {
    steps.iter().map(|step| run_step(step, target)).collect()
}

fn run_step(step: &Step, target: Target<'_>) -> Result<Outcome, String> {
    let mut cmd = jr_command(step.who, target);
    let record = target.record.filter(|_| step.who != Who::Control);
    let step_dir = record.map(|dir| dir.join(".step"));
    if let Some(step_dir) = &step_dir {
        cmd.arg("--record").arg(step_dir);
    }
    cmd.args(&step.args);
    let (code, stdout, stderr) = run_bounded(cmd)?;
    if let (Some(dir), Some(step_dir)) = (record, &step_dir) {
        file_in_order(step_dir, dir)?;
    }
    if code != step.exit {
        return Err(format!(
            "SESSION line {}: `jr {}` exited {code}, not {}: {stderr}",
            step.line,
            step.args.join(" "),
            step.exit
        ));
    }
    Ok(Outcome {
        line: step.line,
        code,
        stdout,
        stderr,
    })
}

/// Moves one step's recordings from `step_dir` into `dir`, numbered after
/// those already there in an order that does not depend on timing: jr
/// fetches a listing's later pages concurrently, so the numbers it gave
/// them follow the order the answers came in. Files of one name prefix
/// (`getDynamicWebhooksForApp`) are ordered by their request: fewer query
/// pairs first (a listing's first page has no cursor yet), then method,
/// path and query with numbers compared as numbers (`startAt=4` before
/// `startAt=10`), then by jr's number (the attempts of one request stay in
/// the order they were made). Errors: a file cannot be read or moved.
fn file_in_order(step_dir: &Path, dir: &Path) -> Result<(), String> {
    if !step_dir.exists() {
        return Ok(()); // jr sent nothing
    }
    let mut found = Vec::new();
    for path in json_files(step_dir)? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (prefix, n) = split_name(&name).ok_or_else(|| format!("unexpected file {name}"))?;
        let bytes = std::fs::read(&path).map_err(|e| format!("reading {name}: {e}"))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{name} is not JSON: {e}"))?;
        let request = serde_json::json!([
            value.pointer("/request/method"),
            value.pointer("/request/path"),
            value.pointer("/request/query"),
        ]);
        let pairs = value
            .pointer("/request/query")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        found.push((
            prefix.to_owned(),
            pairs,
            natural(&request.to_string()),
            n,
            path,
        ));
    }
    found.sort();
    for (prefix, _, _, _, path) in found {
        let n = next_number(dir, &prefix)?;
        let to = dir.join(format!("{prefix}.{n}.json"));
        std::fs::rename(&path, &to).map_err(|e| format!("moving {}: {e}", path.display()))?;
    }
    std::fs::remove_dir_all(step_dir).map_err(|e| format!("removing {}: {e}", step_dir.display()))
}

/// `text` with every run of digits left-padded to 20, so that text order
/// is number order.
fn natural(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(&format!("{digits:0>20}"));
            digits.clear();
        }
        out.push(c);
    }
    out
}

/// `getIssue.12.json` → (`getIssue`, 12).
fn split_name(name: &str) -> Option<(&str, u32)> {
    let stem = name.strip_suffix(".json")?;
    let (prefix, n) = stem.rsplit_once('.')?;
    Some((prefix, n.parse().ok()?))
}

/// One above the highest number of `prefix.<n>.json` in `dir` (1 for none).
fn next_number(dir: &Path, prefix: &str) -> Result<u32, String> {
    let highest = json_files(dir)?
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            split_name(name)
                .filter(|(p, _)| *p == prefix)
                .map(|(_, n)| n)
        })
        .max()
        .unwrap_or(0);
    Ok(highest + 1)
}

/// `jr` with nothing from the machine's environment or config, as `who`.
fn jr_command(who: Who, target: Target<'_>) -> Command {
    let mut cmd = Command::new(target.jr);
    for name in [
        "JR_CONFIG_PATH",
        "JR_PROFILE",
        "JR_AUTH_USER",
        "JR_CONNECT_KEY",
        "JR_CONNECT_SECRET",
        "JR_CLOUD_ID",
        "JR_API_GATEWAY_URL",
        "JR_RECORD_DIR",
        "NO_COLOR",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/jr-session-config")
        .env("JR_NO_KEYRING", "1")
        .env("JR_BASE_URL", target.base_url);
    match who {
        Who::User | Who::Control => cmd
            .env("JR_AUTH_TYPE", "basic")
            .env("JR_AUTH_USER", "user@example.com")
            .env("JR_AUTH_TOKEN", "user-token"),
        Who::Oauth => cmd
            .env("JR_API_GATEWAY_URL", target.base_url)
            .env("JR_CLOUD_ID", target.cloud_id)
            .env("JR_AUTH_TYPE", "bearer")
            .env("JR_AUTH_TOKEN", "oauth-app-token"),
        Who::Connect => cmd
            .env("JR_AUTH_TYPE", "connect")
            .env("JR_CONNECT_KEY", "com.example.connect-app")
            .env("JR_CONNECT_SECRET", "connect-app-secret"),
    };
    cmd
}

/// Runs `cmd` to its end or [`STEP_TIMEOUT`] (then kills it); returns exit
/// code (-1 for a signal), stdout and stderr.
fn run_bounded(mut cmd: Command) -> Result<(i32, Vec<u8>, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run jr: {e}"))?;
    let readers = [
        child.stdout.take().map(drain),
        child.stderr.take().map(drain),
    ];
    let deadline = Instant::now() + STEP_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("jr took longer than {STEP_TIMEOUT:?}"));
            }
            Err(e) => return Err(format!("waiting for jr: {e}")),
        }
    };
    let [stdout, stderr] = readers.map(|reader| {
        reader
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default()
    });
    Ok((
        status.code().unwrap_or(-1),
        stdout,
        String::from_utf8_lossy(&stderr).into_owned(),
    ))
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// Replaces `base_url` (jr-mock's `http://127.0.0.1:PORT`) by [`ORIGIN`] in
/// every `.json` file of `dir`, so a recording does not depend on the port.
/// Errors: a file cannot be read or written.
pub fn canonicalise(dir: &Path, base_url: &str) -> Result<(), String> {
    let base = base_url.trim_end_matches('/');
    for path in json_files(dir)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        std::fs::write(&path, text.replace(base, ORIGIN))
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The `.json` files directly in `dir`, sorted by name.
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Compares the recordings of `committed` with those of `fresh`: the same
/// file names, and each file the same JSON once `time` and the response's
/// `date` header are removed. Errors: a summary of every difference (files
/// missing on either side, and for each differing file the first JSON
/// pointer where they part), one a line.
pub fn compare(committed: &Path, fresh: &Path) -> Result<(), String> {
    let (old, new) = (comparable(committed)?, comparable(fresh)?);
    let mut drift = Vec::new();
    for name in old.keys().filter(|name| !new.contains_key(*name)) {
        drift.push(format!("{name}: committed, no longer recorded"));
    }
    for (name, value) in &new {
        match old.get(name) {
            None => drift.push(format!("{name}: recorded now, not committed")),
            Some(before) if before != value => {
                let (pointer, was, now) = first_difference(before, value, String::new());
                drift.push(format!(
                    "{name}: at {pointer:?} committed {was}, recorded {now}"
                ));
            }
            Some(_) => {}
        }
    }
    if drift.is_empty() {
        Ok(())
    } else {
        Err(drift.join("\n"))
    }
}

/// Every recording of `dir` by file name, without what changes run to run.
fn comparable(dir: &Path) -> Result<BTreeMap<String, Value>, String> {
    let mut found = BTreeMap::new();
    for path in json_files(dir)? {
        let bytes = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let mut value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        if let Some(map) = value.as_object_mut() {
            map.remove("time");
        }
        if let Some(Value::Array(headers)) = value.pointer_mut("/response/headers") {
            headers.retain(|pair| pair.get(0).and_then(Value::as_str) != Some("date"));
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        found.insert(name.into_owned(), value);
    }
    Ok(found)
}

/// The first JSON pointer where `a` and `b` differ, with both values there
/// (shortened to 120 characters).
fn first_difference(a: &Value, b: &Value, at: String) -> (String, String, String) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (key, value) in x {
                match y.get(key) {
                    Some(other) if other == value => {}
                    Some(other) => return first_difference(value, other, format!("{at}/{key}")),
                    None => break,
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
                return first_difference(&x[i], &y[i], format!("{at}/{i}"));
            }
        }
        _ => {}
    }
    (at, short(a), short(b))
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}
