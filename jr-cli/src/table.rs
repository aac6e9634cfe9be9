//! `--output table`: a JSON result as rows and columns (comfy-table).
//!
//! The rows are a list answer's items: the array itself, or an object's
//! `values` (else its first array of objects: `issues`, `webhooks`, ...),
//! or the one object. The columns are `--columns` (dotted JSON paths such as
//! `fields.summary`), else those of [`PREFERRED`] that some row has, else the
//! first row's first keys. Cells: dates (a column named `...Date`, `...Time`,
//! `created`, `updated`) in local time, `expirationDate` as "in N days",
//! arrays joined with commas, objects by their `name` or as compact JSON.
//! On a terminal long cells are cut with `…` to fit the width; in a pipe
//! nothing is cut.

use comfy_table::{ContentArrangement, Table, presets};
use jiff::tz::TimeZone;
use serde_json::Value;

/// Columns shown by default, in this order, when some row has them.
const PREFERRED: &[&str] = &[
    "id",
    "key",
    "name",
    "displayName",
    "fields.summary",
    "summary",
    "fields.status.name",
    "url",
    "events",
    "jqlFilter",
    "expirationDate",
    "failureTime",
    "created",
    "updated",
    "fields.created",
    "fields.updated",
    "accountId",
];
/// At most this many columns when none are preferred (the first row's keys).
const FALLBACK_COLUMNS: usize = 6;
/// The narrowest a cut cell gets, in characters.
const MIN_CELL: usize = 8;
const DAY_MS: i64 = 86_400_000;

/// How to lay a table out.
pub struct Layout<'a> {
    /// `--columns`, or `None` for the choice per shape.
    pub columns: Option<&'a [String]>,
    /// The terminal's width: cells are cut to fit. `None` in a pipe.
    pub width: Option<u16>,
    /// Now, in ms since the UNIX epoch (for "in N days").
    pub now_ms: i64,
    /// The zone dates are shown in (the system's).
    pub zone: TimeZone,
}

/// The rows of `value` as a table, ending in a newline.
pub fn render(value: &Value, layout: &Layout) -> String {
    let rows = rows(value);
    let columns: Vec<String> = match layout.columns {
        Some(given) => given.to_vec(),
        None => default_columns(&rows),
    };
    let budget = layout.width.map(|width| {
        let width = usize::from(width);
        let per = width.saturating_sub(3 * columns.len() + 1) / columns.len().max(1);
        per.max(MIN_CELL)
    });
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(columns.iter().map(|c| c.as_str()));
    for row in &rows {
        table.add_row(columns.iter().map(|column| {
            let text = cell(lookup(row, column), column, layout);
            match budget {
                Some(limit) => cut(&text.replace('\n', " "), limit),
                None => text,
            }
        }));
    }
    format!("{table}\n")
}

/// The items a table shows, one per row.
fn rows(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(fields) => {
            let list = fields.get("values").filter(|v| v.is_array()).or_else(|| {
                fields.values().find(|v| {
                    v.as_array()
                        .is_some_and(|a| a.first().is_some_and(Value::is_object))
                })
            });
            match list {
                Some(Value::Array(items)) => items.iter().collect(),
                _ => vec![value],
            }
        }
        other => vec![other],
    }
}

fn default_columns(rows: &[&Value]) -> Vec<String> {
    if !rows.iter().any(|row| row.is_object()) {
        return vec![".".to_owned()];
    }
    let preferred: Vec<String> = PREFERRED
        .iter()
        .filter(|path| {
            rows.iter()
                .any(|row| lookup(row, path).is_some_and(|v| !v.is_null()))
        })
        .map(|path| (*path).to_owned())
        .collect();
    if !preferred.is_empty() {
        return preferred;
    }
    rows.iter()
        .find_map(|row| row.as_object())
        .map(|first| first.keys().take(FALLBACK_COLUMNS).cloned().collect())
        .unwrap_or_default()
}

/// The value at a dotted path (`fields.status.name`, `values.0`); `.` is
/// the row itself.
fn lookup<'v>(row: &'v Value, path: &str) -> Option<&'v Value> {
    if path == "." {
        return Some(row);
    }
    path.trim_start_matches('.')
        .split('.')
        .try_fold(row, |value, step| match value {
            Value::Object(fields) => fields.get(step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

fn cell(value: Option<&Value>, column: &str, layout: &Layout) -> String {
    let name = column.rsplit('.').next().unwrap_or(column);
    let Some(value) = value else {
        return String::new();
    };
    if let Some(ms) = timestamp_ms(value).filter(|_| is_date_column(name)) {
        if name == "expirationDate" {
            return in_days(ms - layout.now_ms);
        }
        if let Ok(time) = jiff::Timestamp::from_millisecond(ms) {
            return time
                .to_zoned(layout.zone.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string();
        }
    }
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| cell(Some(item), "", layout))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(fields) => match fields.get("name").or_else(|| fields.get("value")) {
            Some(Value::String(name)) => name.clone(),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

fn is_date_column(name: &str) -> bool {
    name.ends_with("Date")
        || name.ends_with("Time")
        || matches!(name, "created" | "updated" | "resolutiondate" | "duedate")
}

/// A date as Jira writes it: ms since the epoch, or an ISO 8601 text
/// (`2024-01-02T10:00:00.000+0000` included).
fn timestamp_ms(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().filter(|ms| *ms > 100_000_000_000),
        Value::String(text) => {
            let parsed = text.parse::<jiff::Timestamp>().ok().or_else(|| {
                jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", text)
                    .ok()
                    .and_then(|t| t.to_timestamp().ok())
            });
            parsed.map(|t| t.as_millisecond())
        }
        _ => None,
    }
}

/// An expiry `left_ms` from now, to the nearest day or hour: "in 12 days",
/// "in 5 hours", "expired 2 days ago".
fn in_days(left_ms: i64) -> String {
    let days = (left_ms.abs() + DAY_MS / 2) / DAY_MS;
    match left_ms {
        ms if ms <= 0 && -ms >= DAY_MS => format!("expired {days} days ago"),
        ms if ms <= 0 => "expired".to_owned(),
        ms if ms < DAY_MS => format!("in {} hours", (ms + 1_800_000) / 3_600_000),
        _ => format!("in {days} days"),
    }
}

/// `text` cut to `limit` characters, the last being `…`.
fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let kept: String = text.chars().take(limit.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;

    fn layout(columns: Option<&[String]>, width: Option<u16>) -> Layout<'_> {
        Layout {
            columns,
            width,
            now_ms: NOW,
            zone: TimeZone::UTC,
        }
    }

    #[test]
    fn a_webhook_list_shows_id_url_events_jql_and_expiry() {
        let page = json!({"startAt": 0, "values": [
            {"id": 10, "url": "https://a.example/h", "events": ["jira:issue_created", "comment_created"],
             "jqlFilter": "project = A", "expirationDate": NOW + 20 * DAY_MS + 5}]});
        let text = render(&page, &layout(None, None));
        let header = text.lines().nth(1).expect("a header");
        for column in ["id", "url", "events", "jqlFilter", "expirationDate"] {
            assert!(header.contains(column), "{text}");
        }
        assert!(
            text.contains("jira:issue_created, comment_created"),
            "{text}"
        );
        assert!(text.contains("in 20 days"), "{text}");
    }

    #[test]
    fn columns_pick_paths_and_dates_are_local_times() {
        let issues = json!({"issues": [{"key": "A-1", "fields": {"summary": "Fix it", "created": "2024-01-02T10:00:00.000+0000", "status": {"name": "Done"}}}]});
        let columns = vec![
            "key".to_owned(),
            "fields.created".to_owned(),
            "fields.status".to_owned(),
        ];
        let text = render(&issues, &layout(Some(&columns), None));
        assert!(
            text.contains("A-1") && text.contains("2024-01-02 10:00") && text.contains("Done"),
            "{text}"
        );
        let text = render(&issues, &layout(None, None));
        assert!(
            text.contains("fields.summary") && text.contains("Fix it"),
            "{text}"
        );
    }

    #[test]
    fn long_cells_are_cut_on_a_terminal_only() {
        let long = "x".repeat(300);
        let rows = json!([{"id": 1, "summary": long}]);
        let cut_text = render(&rows, &layout(None, Some(60)));
        assert!(
            cut_text.contains('…') && cut_text.lines().all(|l| l.chars().count() <= 60),
            "{cut_text}"
        );
        let whole = render(&rows, &layout(None, None));
        assert!(whole.contains(&long) && !whole.contains('…'));
    }

    #[test]
    fn scalars_and_expiry_words() {
        assert!(render(&json!(["a", "b"]), &layout(None, None)).contains("│ b"));
        assert_eq!(in_days(-3 * DAY_MS), "expired 3 days ago");
        assert_eq!(in_days(2 * 3_600_000), "in 2 hours");
    }
}
