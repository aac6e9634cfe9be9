//! `jr webhook status`: the health of an app's webhooks at a glance: every
//! webhook with the days until it expires (negative once expired, by the
//! server's clock, see `site`), the failed deliveries still listed (count,
//! oldest, newest, by URL) and warnings. JSON when piped:
//! `{"webhooks": [{"id", "url", "events", "jqlFilter", "expirationDate",
//! "expiresInDays"}], "failures": {"count", "oldest", "newest", "byUrl"} |
//! null, "warnings": [...]}`; a table on a terminal. Exit 0 whatever the
//! health, also when the app may not read failures (then `failures` is null
//! and a warning says why). Sources: docs/jira-semantics.md §4, §7, §8.5, §9.

use super::site::EXPIRY_WARNING_MS;
use super::{api, site};
use crate::context::Ctx;
use crate::entry::{Entry, Own};
use clap::{ArgMatches, Command};
use comfy_table::{Cell, ContentArrangement, Table, presets};
use jr_core::{Error, ErrorKind};
use serde_json::{Map, Value, json};

/// `jr webhook status`.
pub const ENTRY: Entry = Entry::InGroup(
    "webhook",
    Own {
        name: "status",
        command,
        run,
    },
);

const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
/// The table's width when the terminal does not say (`COLUMNS`).
const DEFAULT_WIDTH: u16 = 120;

fn command() -> Command {
    Command::new("status")
        .about("The health of the app's webhooks: expiry, failures, warnings")
        .long_about(
            "The health of the calling app's webhooks at a glance: every webhook with expiresInDays (negative when \
             expired) and its events, JQL and URL; the failed deliveries Jira still lists (count, oldest, newest, by URL); \
             and warnings (expired, expiring within 7 days, failures present).\n\n\
             JSON when piped: {\"webhooks\": [{\"id\", \"url\", \"events\", \"jqlFilter\", \"expirationDate\", \
             \"expiresInDays\"}], \"failures\": {\"count\", \"oldest\", \"newest\", \"byUrl\"} | null, \"warnings\": [...]}; \
             a table on a terminal. Time is jr-mock's virtual clock when the server is a jr-mock. When the app may not \
             read failed deliveries (only Connect apps may), failures is null with a warning saying why. Exit 0.",
        )
        .after_help("Example:\n  jr webhook status")
}

fn run(ctx: &mut Ctx, _: &ArgMatches) -> Result<(), Error> {
    let hooks = api::list_all(ctx)?;
    let now = site::server_now_ms(ctx)?;
    let mut warnings = Vec::new();
    let failures = match api::failed_all(ctx, None) {
        Ok(records) => Some(failures(&records)),
        Err(e) if e.kind() == ErrorKind::Auth && e.status() == Some(403) => {
            warnings.push(format!(
                "failed deliveries unavailable: Jira answered 403 ({}); {}",
                e.message(),
                api::FAILED_403_HINT
            ));
            None
        }
        Err(e) => return Err(e),
    };
    let report = report(&hooks, failures, warnings, now);
    if ctx.out.wants_own_table() {
        ctx.out.own_table(&render(&report, terminal_width()))
    } else {
        ctx.out.value(&report)
    }
}

/// The whole report at `now` (ms since the UNIX epoch).
fn report(hooks: &[Value], failures: Option<Value>, mut warnings: Vec<String>, now: i64) -> Value {
    let webhooks: Vec<Value> = hooks
        .iter()
        .map(|hook| {
            let days = api::expires_ms(hook).map(|expires| {
                let days = (expires - now) as f64 / DAY_MS;
                (days * 10.0).round() / 10.0
            });
            json!({"id": hook["id"], "url": hook["url"], "events": hook["events"],
                   "jqlFilter": hook["jqlFilter"], "expirationDate": hook["expirationDate"],
                   "expiresInDays": days})
        })
        .collect();
    for hook in hooks {
        let Some(expires) = api::expires_ms(hook) else {
            continue;
        };
        let id = &hook["id"];
        if expires <= now {
            warnings.push(format!(
                "webhook {id} has expired: Jira delivers nothing for it; renew it with jr webhook refresh --id {id} (or jr webhook ensure)"
            ));
        } else if expires - now <= EXPIRY_WARNING_MS {
            warnings.push(format!(
                "webhook {id} expires within 7 days; renew it with jr webhook refresh --id {id} (or jr webhook ensure)"
            ));
        }
    }
    if let Some(count) = failures
        .as_ref()
        .and_then(|f| f["count"].as_u64())
        .filter(|c| *c > 0)
    {
        warnings.push(format!(
            "{count} failed deliveries are listed (Jira keeps them 72 hours): see jr webhook get-failed; re-deliver them with jr webhook replay"
        ));
    }
    json!({"webhooks": webhooks, "failures": failures, "warnings": warnings})
}

/// `{"count", "oldest", "newest", "byUrl": {url: count}}` of failed
/// deliveries; `oldest` and `newest` are `failureTime`s (ms), null when none.
fn failures(records: &[Value]) -> Value {
    let times: Vec<i64> = records
        .iter()
        .filter_map(|r| r["failureTime"].as_i64())
        .collect();
    let mut by_url = Map::new();
    for record in records {
        let url = record["url"].as_str().unwrap_or("?").to_owned();
        let count = by_url.get(&url).and_then(Value::as_u64).unwrap_or(0);
        by_url.insert(url, json!(count + 1));
    }
    json!({"count": records.len(), "oldest": times.iter().min(), "newest": times.iter().max(),
           "byUrl": by_url})
}

fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(DEFAULT_WIDTH)
}

/// The report as text for a terminal: a table of webhooks (expired rows
/// marked), then the failures and the warnings, `width` columns wide.
fn render(report: &Value, width: u16) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(["ID", "State", "Expires in (days)", "Events", "JQL", "URL"]);
    let empty = Vec::new();
    for hook in report["webhooks"].as_array().unwrap_or(&empty) {
        let days = hook["expiresInDays"].as_f64();
        let state = match days {
            Some(d) if d <= 0.0 => "EXPIRED",
            Some(d) if d * DAY_MS <= EXPIRY_WARNING_MS as f64 => "expiring",
            Some(_) => "ok",
            None => "?",
        };
        let events: Vec<&str> = hook["events"]
            .as_array()
            .map(|e| e.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        table.add_row([
            Cell::new(&hook["id"]),
            Cell::new(state),
            Cell::new(days.map_or("?".to_owned(), |d| format!("{d:.1}"))),
            Cell::new(events.join(", ")),
            Cell::new(hook["jqlFilter"].as_str().unwrap_or_default()),
            Cell::new(hook["url"].as_str().unwrap_or_default()),
        ]);
    }
    let mut text = format!("{table}\n");
    text.push_str(&match &report["failures"] {
        Value::Null => "Failed deliveries: unavailable\n".to_owned(),
        f if f["count"] == 0 => "Failed deliveries: none\n".to_owned(),
        f => {
            let mut line = format!(
                "Failed deliveries: {} (oldest {}, newest {})\n",
                f["count"],
                time(&f["oldest"]),
                time(&f["newest"])
            );
            for (url, count) in f["byUrl"].as_object().into_iter().flatten() {
                line.push_str(&format!("  {count}  {url}\n"));
            }
            line
        }
    });
    for warning in report["warnings"].as_array().unwrap_or(&empty) {
        text.push_str(&format!(
            "warning: {}\n",
            warning.as_str().unwrap_or_default()
        ));
    }
    text
}

fn time(ms: &Value) -> String {
    ms.as_i64()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or_else(
            || "?".to_owned(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;
    const DAY: i64 = 86_400_000;

    fn sample() -> Value {
        let hooks = [
            json!({"id": 1, "url": "http://127.0.0.1:9/hook", "events": ["jira:issue_created"],
                   "jqlFilter": "project = ABC", "expirationDate": NOW - DAY}),
            json!({"id": 2, "url": "http://127.0.0.1:9/hook", "events": ["comment_created"],
                   "jqlFilter": "project = XYZ", "expirationDate": NOW + 20 * DAY}),
        ];
        let failed =
            [json!({"id": "d1", "url": "http://127.0.0.1:9/hook", "failureTime": NOW - 5})];
        report(&hooks, Some(failures(&failed)), Vec::new(), NOW)
    }

    #[test]
    fn days_are_negative_once_expired_and_warnings_name_the_problems() {
        let report = sample();
        assert_eq!(report["webhooks"][0]["expiresInDays"], json!(-1.0));
        assert_eq!(report["webhooks"][1]["expiresInDays"], json!(20.0));
        assert_eq!(report["failures"]["count"], 1);
        assert_eq!(report["failures"]["byUrl"]["http://127.0.0.1:9/hook"], 1);
        let warnings = report["warnings"].to_string();
        assert!(warnings.contains("webhook 1 has expired"), "{warnings}");
        assert!(warnings.contains("1 failed deliveries"), "{warnings}");
        assert!(!warnings.contains("webhook 2"), "{warnings}");
    }

    #[test]
    fn the_table_marks_expired_rows_and_fits_the_width() {
        let text = render(&sample(), 80);
        let expired = text
            .lines()
            .find(|l| l.contains("EXPIRED"))
            .expect("a marked row");
        assert!(expired.contains(" 1 "), "{text}");
        assert!(text.lines().any(|l| l.contains(" ok ")), "{text}");
        let table = text.lines().filter(|l| !l.starts_with(['F', 'w', ' ']));
        assert!(table.clone().count() >= 6, "{text}");
        assert!(table.into_iter().all(|l| l.chars().count() <= 80), "{text}");
        assert!(text.contains("Failed deliveries: 1"), "{text}");
        assert!(text.contains("warning: webhook 1 has expired"), "{text}");
    }
}
