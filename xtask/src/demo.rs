//! `cargo xtask demo`: the whole dynamic-webhook life cycle, as a Jira app
//! developer runs it, with the real `jr` binary against a `jr-mock` and a
//! local webhook receiver that this task starts itself. Everything stays on
//! 127.0.0.1; each step prints the command, its output and its exit code.

use crate::workspace::{self, MockProcess, Profile};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The default identities of jr-mock (docs/architecture.md §4).
const APP_TOKEN: &str = "oauth-app-token";
const OTHER_APP_TOKEN: &str = "other-app-token";
/// Fixed retry delay, so the failed delivery settles after a known clock move.
const RETRY_DELAY_MS: u64 = 60_000;

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
        let id = registered["webhookRegistrationResult"][0]["createdWebhookId"]
            .as_i64()
            .context("no createdWebhookId in the registration result")?;

        step("2. A registration Jira rejects: the answer is 200, jr exits 4 naming the item");
        self.jr(
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

        step("3. The app lists its webhooks (every page, merged)");
        self.jr(APP_TOKEN, &["webhook", "get-dynamic-webhooks-for-app"])?;

        step("4. Another app sees none of them");
        self.jr(
            OTHER_APP_TOKEN,
            &["webhook", "get-dynamic-webhooks-for-app"],
        )?;

        step("5. A person (basic auth) is refused: exit 2");
        self.jr_basic(&["webhook", "get-dynamic-webhooks-for-app"])?;

        step("6. An issue is created in ABC: jr-mock delivers it to the receiver");
        self.event("ABC-1")?;

        step("7. The other app registers a webhook whose receiver is broken (503)");
        self.jr(
            OTHER_APP_TOKEN,
            &[
                "webhook",
                "register-dynamic",
                "--url",
                &receiver.url("/broken"),
                "--jql",
                "project = ABC",
                "--event",
                "jira:issue_created",
            ],
        )?;
        self.event("ABC-2")?;
        println!("  Moving jr-mock's virtual clock through the 5 retries ...");
        let clock = self.control("/_mock/clock", json!({"advanceMs": 6 * RETRY_DELAY_MS}))?;
        println!("  {clock}");

        step("8. The other app reads its failed deliveries (cursor pages, merged)");
        self.jr(OTHER_APP_TOKEN, &["webhook", "get-failed"])?;

        step("9. The app extends the life of all its webhooks");
        self.jr(APP_TOKEN, &["webhook", "refresh", "--all"])?;

        step("10. The app deletes its webhook; the list is empty again");
        self.jr(
            APP_TOKEN,
            &["webhook", "delete-by-id", "--id", &id.to_string()],
        )?;
        self.jr(APP_TOKEN, &["webhook", "get-dynamic-webhooks-for-app"])?;
        println!("\nDone: every step ran against jr-mock on 127.0.0.1.");
        Ok(())
    }

    /// `jr` as an OAuth 2.0 app, through the gateway prefix.
    fn jr(&self, token: &str, args: &[&str]) -> Result<Value> {
        let env = [
            ("JR_API_GATEWAY_URL", self.base.as_str()),
            ("JR_CLOUD_ID", self.cloud_id.as_str()),
            ("JR_AUTH_TYPE", "bearer"),
            ("JR_AUTH_TOKEN", token),
        ];
        self.run_jr(&env, args)
    }

    fn jr_basic(&self, args: &[&str]) -> Result<Value> {
        let env = [
            ("JR_BASE_URL", self.base.as_str()),
            ("JR_AUTH_TYPE", "basic"),
            ("JR_AUTH_USER", "user@example.com"),
            ("JR_AUTH_TOKEN", "user-token"),
        ];
        self.run_jr(&env, args)
    }

    fn run_jr(&self, env: &[(&str, &str)], args: &[&str]) -> Result<Value> {
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
        println!("  exit code: {}", output.status.code().unwrap_or(-1));
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
