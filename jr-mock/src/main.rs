//! The `jr-mock` binary: a fake Jira Cloud on 127.0.0.1 until Ctrl-C or SIGTERM.
//!
//! Prints `jr-mock listening on http://127.0.0.1:PORT` as the first and
//! only line on stdout; diagnostics go to stderr.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use jr_mock::{FakeJira, Identities, MockConfig};

const CONFIG_HELP: &str = r#"CONFIG FILE (--config) replaces the default identities; every list is optional:
  {
    "oauthApps": [{"clientId": "oauth-app", "clientSecret": "oauth-app-secret",
                   "accessTokens": [{"token": "oauth-app-token", "accountId": "5b10ac8d82e05b22cc7d4ef5"}]}],
    "connectApps": [{"key": "com.example.connect-app", "sharedSecret": "connect-app-secret",
                     "baseUrl": "https://connect-app.example.com",
                     "allowLoopbackUrls": true, "clientKey": "jr-mock-client-key"}],
    "users": [{"email": "user@example.com", "apiToken": "user-token", "accountId": "5b10ac8d82e05b22cc7d4ef5",
               "scoped": false}]
  }
A user with "scoped": true holds a scoped API token: 401 on the site paths, accepted under
/ex/jira/{cloudId}.
Defaults: OAuth apps oauth-app (oauth-app-token) and other-app (other-app-token), Connect app
com.example.connect-app (shared secret connect-app-secret), user user@example.com / user-token.

CONTROL API (times in ms since the UNIX epoch; the clock only moves when told):
  GET  /_mock/health                              -> {"status":"ok"}
  GET  /_mock/clock                               -> {"nowMs":T}
  POST /_mock/clock {"advanceMs":N} | {"nowMs":T} -> {"nowMs":T}, after running due retries
  POST /_mock/events {"webhookEvent":...,"issue":{...}} -> {"timestamp":T,"deliveries":[...]}
  GET  /_mock/deliveries                          -> {"deliveries":[...]}
  POST /_mock/reset                               -> {"nowMs":T} (the clock is kept)
  GET  /_mock/switches                            -> {"duplicateDeliveries":B}
  POST /_mock/switches {"duplicateDeliveries":B}  -> {"duplicateDeliveries":B}
The clock never goes backwards: a negative advanceMs or an earlier nowMs is a 400.

OAUTH 2.0 (3LO), so a client's login runs offline (client ID = an OAuth app's clientId):
  GET  /authorize?client_id&redirect_uri&state&scope&response_type=code -> 302 to redirect_uri?code&state
  POST /oauth/token {grant_type: authorization_code|refresh_token, client_id, client_secret, ...}
       -> {"access_token","expires_in","token_type","scope","refresh_token"?}; refresh tokens
       rotate, a reused one gets 403 {"error":"invalid_grant"}; refresh_token only with offline_access
  GET  /oauth/token/accessible-resources (Bearer) -> [{"id": cloudId, "name", "url", "scopes"}]
  GET  /_edge/tenant_info -> {"cloudId": "a436116f-02ce-4520-8fbb-7301462a1674"}
  Issued access tokens expire on the virtual clock (--token-lifetime-ms) and work like the
  static ones, on the site paths and under /ex/jira/{cloudId}."#;

/// A fake Jira Cloud: dynamic webhooks, apps, deliveries, a virtual clock.
#[derive(Debug, Parser)]
#[command(name = "jr-mock", version, about, after_long_help = CONFIG_HELP)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// JSON file replacing the default identities (see --help).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fixed delay between delivery attempts in virtual ms (default: random 5-15 min).
    #[arg(long, value_name = "N")]
    retry_delay_ms: Option<u64>,
    /// OAuth apps get 403 on GET /rest/api/3/webhook/failed (the spec's text).
    #[arg(long)]
    failed_connect_only: bool,
    /// Webhooks per app (Connect) or per app per user (OAuth); default 100 / 5.
    #[arg(long, value_name = "N")]
    webhook_limit: Option<usize>,
    /// Timeout of each delivery attempt in ms.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    delivery_timeout_ms: u64,
    /// Also deliver to hosts other than loopback (by default such attempts
    /// fail without being sent, so nothing leaves the machine).
    #[arg(long)]
    external_deliveries: bool,
    /// Start of the virtual clock in ms since the UNIX epoch (default: now).
    #[arg(long, value_name = "T")]
    start_ms: Option<i64>,
    /// Lifetime of access tokens issued by /oauth/token, in virtual ms (default: 3600000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    token_lifetime_ms: Option<i64>,
    /// Let an app register webhooks at a second, different URL (by default
    /// that is a 400: "Only a single URL per app is allowed").
    #[arg(long)]
    allow_second_url: bool,
    /// Keep webhooks, failed deliveries and the clock in FILE: loaded at
    /// start if it exists, saved atomically after every change.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Fault: send every delivered webhook twice with the same identifier,
    /// as Jira's at-least-once delivery may (default: exactly once).
    #[arg(long)]
    duplicate_deliveries: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jr-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let config = config(&args)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| format!("cannot bind 127.0.0.1:{}: {e}", args.port))?;
    let fake = FakeJira::serve(config, listener)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "jr-mock listening on {}", fake.base_url());
    let _ = out.flush();
    drop(out);
    shutdown_signal().await;
    eprintln!("jr-mock: shutting down");
    Ok(())
}

fn config(args: &Args) -> Result<MockConfig, String> {
    let identities = match &args.config {
        Some(path) => read_identities(path)?,
        None => Identities::default(),
    };
    Ok(MockConfig {
        retry_delay_ms: args.retry_delay_ms,
        failed_connect_only: args.failed_connect_only,
        webhook_limit: args.webhook_limit,
        delivery_timeout: Duration::from_millis(args.delivery_timeout_ms),
        external_deliveries: args.external_deliveries,
        start_ms: args.start_ms,
        token_lifetime_ms: args.token_lifetime_ms,
        identities,
        duplicate_deliveries: args.duplicate_deliveries,
        state_file: args.state.clone(),
        allow_second_url: args.allow_second_url,
        ..MockConfig::default()
    })
}

fn read_identities(path: &PathBuf) -> Result<Identities, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("invalid config {}: {e}", path.display()))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
