//! `cargo xtask demo`: the whole dynamic-webhook life cycle, then the
//! developer's loop (`ensure`, `listen` receiving a signed delivery from
//! `trigger`, a failing endpoint, `status`, `replay`, `ensure` refreshing
//! after the virtual clock moved) and, last, an issue created with `jr issue
//! create-issue` whose `jira:issue_created` `listen` receives signed, as a
//! Jira app developer runs them, with the real `jr` binary against a
//! `jr-mock` and a local webhook receiver that this task starts itself. Everything stays on 127.0.0.1; each step
//! prints the command, its output and its exit code.

use crate::workspace::{self, MockProcess, Profile};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The default identities of jr-mock (docs/architecture.md §4).
const APP_TOKEN: &str = "oauth-app-token";
const OTHER_APP_TOKEN: &str = "other-app-token";
const CONNECT_KEY: &str = "com.example.connect-app";
const CONNECT_SECRET: &str = "connect-app-secret";
/// Fixed retry delay, so the failed delivery settles after a known clock move.
const RETRY_DELAY_MS: u64 = 60_000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Deliveries of earlier steps `listen` may print before the created issue's.
const MAX_EARLIER_DELIVERIES: usize = 5;

pub fn main(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        bail!("demo takes no arguments (got `{extra}`)");
    }
    println!("Building jr and jr-mock ...");
    let bin = workspace::build(Profile::Debug, &["jr-cli", "jr-mock"])?;
    // --oauth-reads-failed: step 8 shows an OAuth app reading its failed
    // deliveries; by default, as the spec says, only Connect apps may.
    let mock = MockProcess::start(
        &bin.join("jr-mock"),
        &[
            "--retry-delay-ms",
            &RETRY_DELAY_MS.to_string(),
            "--oauth-reads-failed",
        ],
    )?;
    println!("jr-mock listening on {}", mock.base_url);
    // OAuth 2.0 tokens work only through the API gateway prefix
    // /ex/jira/{cloudId}, as on Atlassian's cloud; the site names its cloud ID.
    let tenant = get_json(&format!("{}/_edge/tenant_info", mock.base_url))?;
    let cloud_id = tenant["cloudId"]
        .as_str()
        .context("/_edge/tenant_info names no cloudId")?
        .to_owned();
    println!("cloud ID {cloud_id} (from /_edge/tenant_info)\n");
    let receiver = Receiver::start()?;
    let demo = Demo {
        jr: bin.join("jr"),
        base: mock.base_url.clone(),
        cloud_id,
    };
    demo.run(&receiver)
}

/// A local webhook receiver: `/hook` answers 200, `/broken` answers 503;
/// every request is printed as it arrives.
struct Receiver {
    port: u16,
}

impl Receiver {
    fn start() -> Result<Receiver> {
        let server = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|e| anyhow::anyhow!("starting the receiver: {e}"))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .context("the receiver's port")?;
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let header = |name: &str| {
                    request
                        .headers()
                        .iter()
                        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                        .map(|h| h.value.to_string())
                        .unwrap_or_else(|| "-".into())
                };
                let status = if request.url() == "/hook" { 200 } else { 503 };
                let event: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                println!(
                    "    [receiver] {} {} -> {status}  {} {} matchedWebhookIds={}  identifier={} retry={}",
                    request.method(),
                    request.url(),
                    event["webhookEvent"].as_str().unwrap_or("?"),
                    event["issue"]["key"].as_str().unwrap_or("?"),
                    event["matchedWebhookIds"],
                    header("X-Atlassian-Webhook-Identifier"),
                    header("X-Atlassian-Webhook-Retry"),
                );
                let _ = request.respond(tiny_http::Response::empty(status));
            }
        });
        Ok(Receiver { port })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

struct Demo {
    jr: PathBuf,
    base: String,
    cloud_id: String,
}

impl Demo {
    fn run(&self, receiver: &Receiver) -> Result<()> {
        self.life_cycle(receiver)?;
        self.developer_loop(receiver)?;
        println!("\nDone: every step ran against jr-mock on 127.0.0.1.");
        Ok(())
    }

    /// The five operations, one by one.
    fn life_cycle(&self, receiver: &Receiver) -> Result<()> {
        step("1. The app registers a dynamic webhook for issues created in ABC");
        let registered = self.jr(
            APP_TOKEN,
            &[
                "webhook",
                "register-dynamic",
                "--url",
                &receiver.url("/hook"),
                "--jql",
                "project = ABC",
                "--event",
                "jira:issue_created,jira:issue_updated",
            ],
        )?;
        registered["webhookRegistrationResult"][0]["createdWebhookId"]
            .as_i64()
            .context("no createdWebhookId in the registration result")?;

        step("2. A registration Jira rejects: the answer is 200, jr exits 4 naming the item");
        self.jr_expecting(
            4,
            APP_TOKEN,
            &[
                "webhook",
                "register-dynamic",
                "--url",
                &receiver.url("/hook"),
                "--jql",
                "project is not EMPTY",
                "--event",
                "jira:issue_created",
            ],
        )?;

        step("3. The app lists its webhooks (every page, merged; `list` is the short name)");
        self.jr(APP_TOKEN, &["webhook", "list"])?;

        step("4. Another app sees none of them");
        self.jr(OTHER_APP_TOKEN, &["webhook", "list"])?;

        step("5. A person (basic auth) is refused: exit 2");
        self.jr_basic(&["webhook", "list"])?;

        step("6. An issue is created in ABC: jr-mock delivers it to the receiver");
        self.event("ABC-1")?;

        step("7. The app extends the life of all its webhooks, then deletes them all");
        self.jr(APP_TOKEN, &["webhook", "refresh", "--all"])?;
        self.jr(APP_TOKEN, &["webhook", "delete-by-id", "--all"])?;
        self.jr(APP_TOKEN, &["webhook", "list"])?;
        Ok(())
    }

    /// The developer's loop: ensure, listen, trigger, a failing endpoint,
    /// status, replay, and ensure again after the clock moved.
    fn developer_loop(&self, receiver: &Receiver) -> Result<()> {
        step("8. jr webhook listen: a local receiver checking the OAuth app's signatures");
        let listener = Listener::start(&self.jr, &["--secret", "oauth-app-secret"])?;
        println!("  listening at {}", listener.url);

        step("9. jr webhook ensure registers what the app wants; a second run changes nothing");
        let wanted = [
            "webhook",
            "ensure",
            "--url",
            &listener.url,
            "--jql",
            "project = ABC",
            "--event",
            "jira:issue_created,jira:issue_updated",
        ];
        self.jr(APP_TOKEN, &wanted)?;
        self.jr(APP_TOKEN, &wanted)?;

        step("10. jr webhook trigger: jr-mock sends a realistic, signed event; listen prints it");
        self.jr(
            APP_TOKEN,
            &[
                "webhook",
                "trigger",
                "jira:issue_updated",
                "--issue",
                "ABC-2",
                "--changelog",
                "status:To Do:In Progress",
            ],
        )?;
        listener.show_next()?;

        step("11. The Connect app's endpoint is broken (503): Jira retries, then gives up");
        self.jr_connect(&[
            "webhook",
            "ensure",
            "--url",
            &receiver.url("/broken"),
            "--jql",
            "project = ABC",
            "--event",
            "jira:issue_created",
        ])?;
        self.jr_connect(&[
            "webhook",
            "trigger",
            "jira:issue_created",
            "--issue",
            "ABC-3",
        ])?;
        println!("  Moving jr-mock's virtual clock through the 5 retries ...");
        let clock = self.control("/_mock/clock", json!({"advanceMs": 6 * RETRY_DELAY_MS}))?;
        println!("  {clock}");

        step("12. jr webhook status: expiry, the failed delivery, warnings");
        self.jr_connect(&["webhook", "status"])?;

        step("13. jr webhook replay: the failed delivery re-delivered, same identifier");
        self.jr_connect(&["webhook", "replay", "--forward-to", &receiver.url("/hook")])?;

        step("14. 25 days later: status warns, ensure refreshes");
        let clock = self.control("/_mock/clock", json!({"advanceMs": 25 * DAY_MS}))?;
        println!("  {clock}");
        self.jr(APP_TOKEN, &["webhook", "status"])?;
        self.jr(APP_TOKEN, &wanted)?;

        step(
            "15. The app creates an issue with jr; jr-mock fires jira:issue_created; listen checks it",
        );
        self.create_issue_and_receive(&listener)
    }

    /// `jr issue create-issue` as the OAuth app, then the signed
    /// `jira:issue_created` delivery `listen` receives for it.
    /// Errors: no delivery in 10 s, another event or issue, a bad signature.
    fn create_issue_and_receive(&self, listener: &Listener) -> Result<()> {
        let body = json!({"fields": {
            "project": {"key": "ABC"},
            "issuetype": {"name": "Task"},
            "summary": "Created by the demo through jr",
        }});
        let created = self.jr(
            APP_TOKEN,
            &["issue", "create-issue", "--body", &body.to_string()],
        )?;
        let key = created["key"]
            .as_str()
            .context("createIssue answered no key")?;
        // Earlier steps' deliveries to listen (step 11's trigger matched its
        // webhook too) may come first: skip a bounded number of them.
        let mut found = None;
        for _ in 0..MAX_EARLIER_DELIVERIES {
            let delivery = listener.show_next()?;
            if delivery["body"]["issue"]["key"].as_str() == Some(key) {
                found = Some(delivery);
                break;
            }
        }
        let delivery = found.with_context(|| format!("no delivery for {key} reached listen"))?;
        if delivery["body"]["webhookEvent"].as_str() != Some("jira:issue_created") {
            bail!("expected jira:issue_created for {key}, listen got {delivery}");
        }
        if delivery["signature"]["valid"] != json!(true) {
            bail!(
                "the delivery's signature did not check out: {}",
                delivery["signature"]
            );
        }
        println!("  {key} created; its jira:issue_created arrived with a valid signature");
        Ok(())
    }

    fn jr_connect(&self, args: &[&str]) -> Result<Value> {
        let env = [
            ("JR_BASE_URL", self.base.as_str()),
            ("JR_AUTH_TYPE", "connect"),
            ("JR_CONNECT_KEY", CONNECT_KEY),
            ("JR_CONNECT_SECRET", CONNECT_SECRET),
        ];
        self.run_jr(&env, args, 0)
    }

    /// `jr` as an OAuth 2.0 app, through the gateway prefix; `JR_BASE_URL`
    /// stays the site (where jr finds jr-mock's control API).
    fn jr(&self, token: &str, args: &[&str]) -> Result<Value> {
        self.jr_expecting(0, token, args)
    }

    /// [`Demo::jr`] for a step that shows a failure: `code` is its exit code.
    fn jr_expecting(&self, code: i32, token: &str, args: &[&str]) -> Result<Value> {
        let env = [
            ("JR_BASE_URL", self.base.as_str()),
            ("JR_API_GATEWAY_URL", self.base.as_str()),
            ("JR_CLOUD_ID", self.cloud_id.as_str()),
            ("JR_AUTH_TYPE", "bearer"),
            ("JR_AUTH_TOKEN", token),
        ];
        self.run_jr(&env, args, code)
    }

    /// `jr` as a person (basic auth), whom the webhook API refuses: exit 2.
    fn jr_basic(&self, args: &[&str]) -> Result<Value> {
        let env = [
            ("JR_BASE_URL", self.base.as_str()),
            ("JR_AUTH_TYPE", "basic"),
            ("JR_AUTH_USER", "user@example.com"),
            ("JR_AUTH_TOKEN", "user-token"),
        ];
        self.run_jr(&env, args, 2)
    }

    /// Runs and shows one `jr` command; an exit code other than `expected`
    /// fails the demo, so the demo doubles as a check of the whole loop.
    fn run_jr(&self, env: &[(&str, &str)], args: &[&str], expected: i32) -> Result<Value> {
        let shown_env: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let shown_args: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
        println!("$ {} jr {}", shown_env.join(" "), shown_args.join(" "));
        let output = Command::new(&self.jr)
            .args(args)
            .arg("--pretty")
            .envs(env.iter().copied())
            .env_remove("JR_PROFILE")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", self.jr.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stdout.lines() {
            println!("  {line}");
        }
        for line in stderr.lines() {
            println!("  stderr: {line}");
        }
        let code = output.status.code().unwrap_or(-1);
        println!("  exit code: {code}");
        if code != expected {
            bail!(
                "`jr {}` exited with {code}, expected {expected}",
                shown_args.join(" ")
            );
        }
        Ok(serde_json::from_str(&stdout).unwrap_or(Value::Null))
    }

    fn event(&self, key: &str) -> Result<()> {
        let event = json!({
            "webhookEvent": "jira:issue_created",
            "issue": {"key": key, "fields": {
                "project": {"key": "ABC"}, "issuetype": {"name": "Bug"}, "status": {"name": "To Do"}}}
        });
        println!(
            "$ POST {}/_mock/events  (jira:issue_created {key})",
            self.base
        );
        let answer = self.control("/_mock/events", event)?;
        let deliveries = answer["deliveries"].as_array().cloned().unwrap_or_default();
        if deliveries.is_empty() {
            println!("  no live webhook matched: nothing delivered");
        }
        for d in deliveries {
            println!(
                "  delivery to {} ({}): HTTP {}, {}",
                d["url"].as_str().unwrap_or("?"),
                d["app"].as_str().unwrap_or("?"),
                d["status"],
                d["outcome"].as_str().unwrap_or("?"),
            );
        }
        Ok(())
    }

    fn control(&self, path: &str, body: Value) -> Result<Value> {
        let mut response = ureq::post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .with_context(|| format!("POST {path}"))?;
        let text = response.body_mut().read_to_string()?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

/// A running `jr webhook listen`: its URL, and its stdout lines as they come.
struct Listener {
    child: std::process::Child,
    url: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Listener {
    fn start(jr: &std::path::Path, args: &[&str]) -> Result<Listener> {
        use std::io::BufRead;
        let mut child = Command::new(jr)
            .args(["--compact", "webhook", "listen"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting jr webhook listen")?;
        let mut first = String::new();
        if let Some(stderr) = child.stderr.take() {
            std::io::BufReader::new(stderr).read_line(&mut first)?;
        }
        let listening: Value = serde_json::from_str(&first).unwrap_or(Value::Null);
        let Some(url) = listening["listening"].as_str().map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("unexpected first line from jr webhook listen: {first:?}");
        };
        let (tx, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().context("listen's stdout")?;
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Listener { child, url, lines })
    }

    /// Prints the next delivery line (waits at most 10 s) and returns it
    /// (`body` cut to the event name, issue key, changelog and webhook IDs).
    fn show_next(&self) -> Result<Value> {
        let line = self
            .lines
            .recv_timeout(std::time::Duration::from_secs(10))
            .context("no delivery reached jr webhook listen")?;
        let mut value: Value = serde_json::from_str(&line).unwrap_or(Value::String(line));
        // The whole issue is long; its key says which one it was.
        if let Some(body) = value.get_mut("body") {
            *body = json!({"webhookEvent": body["webhookEvent"], "issue": {"key": body["issue"]["key"]},
                           "changelog": body["changelog"], "matchedWebhookIds": body["matchedWebhookIds"]});
        }
        println!(
            "  [listen] {}",
            serde_json::to_string_pretty(&value)?.replace('\n', "\n  ")
        );
        Ok(value)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get_json(url: &str) -> Result<Value> {
    let mut response = ureq::get(url)
        .call()
        .with_context(|| format!("GET {url}"))?;
    let text = response.body_mut().read_to_string()?;
    serde_json::from_str(&text).with_context(|| format!("GET {url}: not JSON"))
}

fn step(title: &str) {
    println!("\n## {title}");
}

/// Quotes a word for display when a shell would split it.
fn shell_word(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/,=@".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
