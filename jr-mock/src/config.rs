//! How a fake Jira is configured: [`MockConfig`] (embedding, and what the
//! binary's flags build) and the file of `jr-mock --config FILE`
//! ([`ConfigFile`]).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::faults::FaultRule;
use crate::model::Rules;
use crate::model::apps::Identities;
use crate::switches::Switches;

/// Delivery timeout when none is configured.
pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How a fake Jira behaves. `Default` is Jira's behaviour with the default
/// identities, the clock starting at the real time.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Fixed delay between delivery attempts, in ms of virtual time; `None`
    /// draws 5–15 minutes uniformly for each retry.
    pub retry_delay_ms: Option<u64>,
    /// Overrides both webhook limits (Connect: 100 per app; OAuth: 5 per app per user).
    pub webhook_limit: Option<usize>,
    /// The switches at start (all off by default); `POST /_mock/switches`
    /// changes them at run time. See [`crate::switches`].
    pub switches: Switches,
    /// Bound on each delivery attempt (connect + response headers).
    pub delivery_timeout: Duration,
    /// Deliver to hosts other than loopback (`127.0.0.1`, `localhost`, `[::1]`).
    /// Off by default, so a test can never reach the network: an attempt to
    /// another host fails like a refused connection, and says why.
    pub external_deliveries: bool,
    /// Start of the virtual clock, ms since the UNIX epoch; `None` = the real time.
    pub start_ms: Option<i64>,
    /// Seed for delivery IDs and random retry delays; `None` = random.
    pub seed: Option<u64>,
    /// Who may call.
    pub identities: Identities,
    /// The site's users and projects (`jr-mock --seed FILE`; see
    /// [`crate::model::seed`]); the default seed has projects ABC and XYZ.
    pub site: crate::model::seed::Seed,
    /// Lifetime of access tokens issued by `/oauth/token`, ms of virtual
    /// time; `None` = 3600 s, as Atlassian's.
    pub token_lifetime_ms: Option<i64>,
    /// Where the state lives across restarts (`--state FILE`): loaded at
    /// start when it exists, saved atomically after every change. See
    /// [`crate::state`] for the format. `None` keeps everything in memory.
    pub state_file: Option<PathBuf>,
    /// Fault rules active from the start (see [`crate::faults`]); the
    /// control API adds and clears them later.
    pub faults: Vec<FaultRule>,
    /// The site's cloud ID (`/_edge/tenant_info`, the gateway prefix
    /// `/ex/jira/{cloudId}`); [`crate::model::DEFAULT_CLOUD_ID`] by default.
    pub cloud_id: String,
    /// Print one line per request and per delivery attempt on stderr
    /// (`jr-mock -v`).
    pub log: bool,
    /// The largest request body accepted, in bytes (`--max-body-size`,
    /// default 25 MB): a larger one is refused unread (400 with an
    /// `ErrorCollection` on the webhook paths, 413 elsewhere).
    pub max_body_size: usize,
    /// From a request's first byte to the end of its head
    /// (`--header-timeout-ms`, default 10 s); the connection is closed after.
    pub header_timeout: Duration,
    /// How long a connection may stay open with no request in progress
    /// (`--idle-timeout-ms`, default 60 s).
    pub idle_timeout: Duration,
    /// A directory of recordings whose `GET` answers of users, projects
    /// and issues replace [`MockConfig::site`] and give the starting issues
    /// (`--seed-from DIR`; see [`crate::model::seed_from`]); `None` = none.
    pub seed_from: Option<PathBuf>,
    /// A directory of recordings to answer from (`--fixtures DIR`, the
    /// config file's `"fixtures"`; see [`crate::fixtures`]); `None` = none.
    pub fixtures: Option<PathBuf>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            retry_delay_ms: None,
            webhook_limit: None,
            switches: Switches::default(),
            delivery_timeout: DEFAULT_DELIVERY_TIMEOUT,
            external_deliveries: false,
            start_ms: None,
            seed: None,
            identities: Identities::default(),
            site: crate::model::seed::Seed::default(),
            token_lifetime_ms: None,
            state_file: None,
            faults: Vec::new(),
            cloud_id: crate::model::DEFAULT_CLOUD_ID.to_owned(),
            log: false,
            max_body_size: crate::front::DEFAULT_MAX_BODY,
            header_timeout: crate::front::watch::DEFAULT_HEADER_TIMEOUT,
            idle_timeout: crate::front::watch::DEFAULT_IDLE_TIMEOUT,
            fixtures: None,
            seed_from: None,
        }
    }
}

impl MockConfig {
    /// The model's rules this configuration asks for.
    pub(crate) fn rules(&self) -> Rules {
        Rules {
            retry_delay_ms: self.retry_delay_ms,
            webhook_limit: self.webhook_limit,
            switches: self.switches,
        }
    }
}

/// The file of `jr-mock --config FILE`: the JSON of [`Identities`] (see
/// [`crate::model::apps`]) plus an optional `"switches"` object, the JSON
/// of [`Switches`] (`{"duplicateDeliveries": true}`; absent switches are
/// off), an optional `"cloudId"` string (letters, digits and `-`), and an
/// optional `"fixtures"` string: a directory of recordings, relative to the
/// config file's directory (see [`crate::fixtures`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Who may call (replaces the default identities).
    pub identities: Identities,
    /// The switches the file turns on.
    pub switches: Switches,
    /// The site's cloud ID, when the file sets one.
    pub cloud_id: Option<String>,
    /// The fixtures directory as written in the file (relative to the
    /// file's directory), when it names one.
    pub fixtures: Option<PathBuf>,
}

impl ConfigFile {
    /// Reads the file's text. Errors: not JSON, an unknown key, a bad
    /// identity or switch (the message names it).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut switches = Switches::default();
        if let Some(changes) = value.as_object_mut().and_then(|m| m.remove("switches")) {
            switches.apply(&changes).map_err(|e| e.to_string())?;
        }
        let cloud_id = match value.as_object_mut().and_then(|m| m.remove("cloudId")) {
            None => None,
            Some(Value::String(id)) if valid_cloud_id(&id) => Some(id),
            Some(other) => {
                return Err(format!(
                    "cloudId must be a string of letters, digits and '-', not {other}"
                ));
            }
        };
        let fixtures = match value.as_object_mut().and_then(|m| m.remove("fixtures")) {
            None => None,
            Some(Value::String(dir)) if !dir.is_empty() => Some(PathBuf::from(dir)),
            Some(other) => {
                return Err(format!(
                    "fixtures must be the path of a directory of recordings, not {other}"
                ));
            }
        };
        let identities = serde_json::from_value(value).map_err(|e| e.to_string())?;
        Ok(Self {
            identities,
            switches,
            cloud_id,
            fixtures,
        })
    }
}

/// Whether `id` can be a cloud ID: not empty, letters, digits and `-`
/// (it is one path segment of `/ex/jira/{cloudId}`).
pub fn valid_cloud_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_holds_identities_and_optional_switches() {
        let file =
            ConfigFile::parse(r#"{"users": [], "switches": {"allowSecondUrl": true}}"#).unwrap();
        assert!(file.identities.users.is_empty());
        assert!(file.switches.allow_second_url && !file.switches.duplicate_deliveries);
        let plain = ConfigFile::parse(r#"{"users": []}"#).unwrap();
        assert_eq!(plain.switches, Switches::default());
        assert!(ConfigFile::parse(r#"{"switches": {"nope": true}}"#).is_err());
        assert!(ConfigFile::parse(r#"{"nope": []}"#).is_err());
        let site = ConfigFile::parse(r#"{"cloudId": "c-1"}"#).unwrap();
        assert_eq!(site.cloud_id.as_deref(), Some("c-1"));
        assert!(ConfigFile::parse(r#"{"cloudId": "a/b"}"#).is_err());
        let recorded = ConfigFile::parse(r#"{"fixtures": "recorded"}"#).unwrap();
        assert_eq!(recorded.fixtures, Some(PathBuf::from("recorded")));
        assert!(ConfigFile::parse(r#"{"fixtures": 1}"#).is_err());
    }
}
