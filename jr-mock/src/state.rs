//! `--state FILE`: the fake's durable state, loaded at start and saved
//! after every change, atomically.
//!
//! Saving writes the whole state to `.<name>.tmp` in the file's directory,
//! fsyncs it, renames it over the file and fsyncs the directory, so the
//! file is always either the previous or the new state, never a torn mix,
//! and a change is on disk before the request that made it is answered:
//! a killed fake loses no acknowledged registration. Deliveries in flight
//! and the attempt log are not kept (a restarted fake has none pending).
//!
//! The format, version 1 (JSON; times in ms since the UNIX epoch):
//!
//! ```json
//! {
//!   "version": 1,
//!   "nowMs": 1700000000000,
//!   "nextWebhookId": 10003,
//!   "webhooks": [{"id": 10001, "app": "oauth-app", "accountId": "5b10…",
//!                 "url": "https://h.test/x", "events": ["jira:issue_created"],
//!                 "jqlFilter": "project = ABC", "fieldIdsFilter": ["summary"],
//!                 "expiresAtMs": 1702592000000}],
//!   "failed": [{"app": "oauth-app", "id": "<delivery id>", "body": "{…}",
//!               "url": "https://h.test/x", "failureTimeMs": 1700000300000}],
//!   "issues": {"issues": {"10000": {"id": 10000, "key": "ABC-1", "project": "ABC", …}},
//!              "nextId": 10001, "lastNumber": {"ABC": 1}, "nextChangelogId": 10000}
//! }
//! ```
//!
//! `accountId`, `fieldIdsFilter` and `issuePropertyKeysFilter` are
//! optional, and so is `issues` (a file from before issues were modelled
//! has none; see [`crate::model::issues::IssueStore`]). The seed (users and
//! projects) is not saved: it comes from `--seed` or the default at every
//! start, and a saved issue whose project the seed lacks is refused. A file of another version is refused rather than guessed at.
//! On load the clock moves to `nowMs` if that is later than the configured
//! start (time never goes backwards), and the JQL filters are parsed again.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Model;
use crate::model::failed::{FailedRecord, FailedStore};
use crate::model::issues::IssueStore;
use crate::model::webhooks::{Webhook, WebhookSpec, WebhookStore};

/// The version this build writes and reads.
pub const STATE_VERSION: u32 = 1;

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading, writing, syncing or renaming failed.
    #[error("state file {path}: {source}")]
    Io {
        /// The file (or its temporary sibling).
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a state file of this version.
    #[error("state file {path} is not valid: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The saved state (format version [`STATE_VERSION`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedState {
    /// The format version.
    pub version: u32,
    /// The virtual time when saved, ms since the UNIX epoch.
    pub now_ms: i64,
    /// The ID the next registration gets.
    pub next_webhook_id: i64,
    /// Every kept webhook, by ascending ID.
    pub webhooks: Vec<SavedWebhook>,
    /// Every kept failed delivery.
    pub failed: Vec<SavedFailure>,
    /// The issues and the counters for new ones.
    #[serde(default)]
    pub issues: IssueStore,
}

/// One saved webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedWebhook {
    /// The webhook ID.
    pub id: i64,
    /// The owning app's key.
    pub app: String,
    /// The user an OAuth token acted for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Where deliveries go.
    pub url: String,
    /// Events, JQL and filters, as registered.
    #[serde(flatten)]
    pub spec: WebhookSpec,
    /// Expiry, ms since the UNIX epoch.
    pub expires_at_ms: i64,
}

/// One saved failed delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavedFailure {
    /// The app the delivery was for.
    pub app: String,
    /// The delivery ID.
    pub id: String,
    /// The payload as sent.
    pub body: String,
    /// The destination.
    pub url: String,
    /// Time of the last failed attempt, ms since the UNIX epoch.
    pub failure_time_ms: i64,
}

/// The durable part of `m`.
pub fn capture(m: &Model) -> SavedState {
    SavedState {
        version: STATE_VERSION,
        now_ms: m.now_ms(),
        next_webhook_id: m.webhooks.next_id(),
        webhooks: m
            .webhooks
            .all()
            .map(|h| SavedWebhook {
                id: h.id,
                app: h.app.clone(),
                account_id: h.account_id.clone(),
                url: h.url.clone(),
                spec: h.spec.clone(),
                expires_at_ms: h.expires_at_ms,
            })
            .collect(),
        failed: m
            .failed
            .all()
            .iter()
            .map(|r| SavedFailure {
                app: r.app.clone(),
                id: r.id.clone(),
                body: r.body.clone(),
                url: r.url.clone(),
                failure_time_ms: r.failure_time_ms,
            })
            .collect(),
        issues: m.issues.clone(),
    }
}

/// Puts `saved` into `m`: webhooks, failures, and the clock if later.
/// Errors: [`StateError::Invalid`] for a filter that no longer parses or a
/// time out of range (`path` names the file).
pub fn restore(m: &mut Model, saved: SavedState, path: &Path) -> Result<(), StateError> {
    let invalid = |message: String| StateError::Invalid {
        path: path.to_owned(),
        message,
    };
    let hooks = saved
        .webhooks
        .into_iter()
        .map(|h| {
            let id = h.id;
            Webhook::restore(h.id, h.app, h.account_id, h.url, h.spec, h.expires_at_ms)
                .map_err(|e| invalid(format!("webhook {id}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let failed = saved
        .failed
        .into_iter()
        .map(|f| FailedRecord {
            app: f.app,
            id: f.id,
            body: f.body,
            url: f.url,
            failure_time_ms: f.failure_time_ms,
        })
        .collect();
    let orphan = saved
        .issues
        .issues
        .values()
        .find(|i| m.seed.project(&i.project).is_none());
    if let Some(issue) = orphan {
        return Err(invalid(format!(
            "issue {} is in project {}, which the seed does not have",
            issue.key, issue.project
        )));
    }
    m.clock
        .catch_up(saved.now_ms)
        .map_err(|e| invalid(e.to_string()))?;
    m.webhooks = WebhookStore::restore(saved.next_webhook_id, hooks);
    m.failed = FailedStore::restore(failed);
    m.issues = saved.issues;
    Ok(())
}

/// Reads the state at `path`; `None` when there is no such file.
/// Errors: [`StateError`] for an unreadable file, bad JSON or another version.
pub fn load(path: &Path) -> Result<Option<SavedState>, StateError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let invalid = |message: String| StateError::Invalid {
        path: path.to_owned(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(STATE_VERSION) => {}
        other => {
            return Err(invalid(format!(
                "version {other:?}; this jr-mock reads version {STATE_VERSION}"
            )));
        }
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| invalid(e.to_string()))
}

/// Writes `state` to `path` atomically (temporary file, fsync, rename,
/// fsync of the directory). Errors: [`StateError::Io`]; the file then
/// still holds the previous state and no temporary file is left.
pub fn save(path: &Path, state: &SavedState) -> Result<(), StateError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| StateError::Io { path: p, source }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp"));
    // Never write an empty file over a good one if serialising fails.
    let bytes = serde_json::to_vec(state).map_err(|e| StateError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    if let Err(e) = write_synced(&tmp, &bytes).and_then(|()| fs::rename(&tmp, path)) {
        // A full disk leaves a partial temporary file: never leave it behind.
        let _ = fs::remove_file(&tmp);
        return Err(StateError::Io {
            path: path.to_owned(),
            source: e,
        });
    }
    sync_dir(&dir).map_err(io(&dir))
}

/// Writes `bytes` to a new file at `path` and syncs it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    // Directories cannot be opened for syncing here; the rename is still atomic.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rules;
    use crate::model::apps::{AppCaller, AppKind, Identities};
    use crate::model::webhooks::Registration;

    fn model() -> Model {
        Model::new(Identities::default(), Rules::default(), 1_000, Some(1)).unwrap()
    }

    #[test]
    fn a_saved_state_loads_back_into_an_equal_model() {
        let mut m = model();
        let caller = AppCaller {
            app: "oauth-app".into(),
            kind: AppKind::OAuth,
            account_id: Some("acc".into()),
        };
        let reg: Registration = serde_json::from_value(serde_json::json!({
            "url": "https://h.test/x",
            "webhooks": [{"events": ["jira:issue_updated"], "jqlFilter": "project = A",
                          "fieldIdsFilter": ["summary"]}]}))
        .unwrap();
        m.register(&caller, reg, 1_000).unwrap();
        m.clock.advance(500).unwrap();
        let dir = std::env::temp_dir().join(format!("jr-mock-state-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");

        save(&path, &capture(&m)).unwrap();
        let loaded = load(&path).unwrap().unwrap();
        let mut fresh = model();
        restore(&mut fresh, loaded, &path).unwrap();

        assert_eq!(capture(&fresh), capture(&m));
        assert_eq!(fresh.webhooks.next_id(), m.webhooks.next_id());
        assert!(!dir.join(".state.json.tmp").exists());
        fs::write(&path, r#"{"version": 2}"#).unwrap();
        assert!(matches!(load(&path), Err(StateError::Invalid { .. })));
        assert!(load(&dir.join("absent.json")).unwrap().is_none());
        fs::remove_dir_all(&dir).unwrap();
    }
}
