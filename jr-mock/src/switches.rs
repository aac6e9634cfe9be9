//! The switches: on/off departures from jr-mock's default behaviour, one
//! type for every way to set them.
//!
//! [`Switches`] is written once and read from three places, all through
//! this type:
//! - the command line: each field is a flag (`--duplicate-deliveries`, …;
//!   the binary flattens [`Switches`] into its arguments), which can only
//!   turn a switch on;
//! - the configuration: [`crate::MockConfig::switches`], and the
//!   `"switches"` object of `jr-mock --config FILE` (see [`crate::config`]);
//! - the control API: `GET /_mock/switches` answers [`Switches`] as JSON,
//!   `POST /_mock/switches` applies a partial object with [`Switches::apply`].
//!
//! The JSON is camelCase, every field a boolean, every field optional
//! (default `false`): `{"duplicateDeliveries": false, "allowSecondUrl":
//! false, "oauthReadsFailed": false, "lenientAuth": false,
//! "degradeFailingUrls": false}`. An unknown name or a value that is
//! not a boolean is refused. Switches are read at each request or delivery,
//! so a change applies from the next one on.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every switch; `Default` is Jira's behaviour (all off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Switches {
    /// Fault: send every delivered webhook twice with the same identifier,
    /// as Jira's at-least-once delivery may (default: exactly once).
    #[arg(long)]
    pub duplicate_deliveries: bool,
    /// Let an app register webhooks at a second, different URL (by default
    /// that is a 400: "Only a single URL per app is allowed").
    #[arg(long)]
    pub allow_second_url: bool,
    /// Let an OAuth 2.0 app read its own failed deliveries on GET
    /// /rest/api/3/webhook/failed (by default only Connect apps may, as the
    /// spec says; OAuth apps get 403).
    #[arg(long)]
    pub oauth_reads_failed: bool,
    /// Hides client bugs; for quick manual pokes only. Accepts OAuth 2.0 and
    /// scoped tokens on the site URL too, any cloud ID under /ex/jira/, and
    /// no credentials outside /rest/api/3/webhook* (whose callers are still
    /// identified: an unknown token or bad JWT gets 401, a user 403).
    #[arg(long)]
    pub lenient_auth: bool,
    /// Jira's degradation: once deliveries to a URL have failed for 30
    /// minutes (virtual time) without a success, each delivery to it gets a
    /// single attempt, no retries (off by default). Deliveries to one URL
    /// then run in due order, one at a time.
    #[arg(long)]
    pub degrade_failing_urls: bool,
}

/// Why switch changes were refused (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid switches: {0}")]
pub struct SwitchError(String);

impl Switches {
    /// Applies `changes`, a JSON object naming some switches
    /// (`{"duplicateDeliveries": true}`): those take the given value, the
    /// others keep theirs. Errors: [`SwitchError`] when `changes` is not an
    /// object, names an unknown switch or gives a non-boolean (nothing
    /// changes then).
    pub fn apply(&mut self, changes: &Value) -> Result<(), SwitchError> {
        let Some(changes) = changes.as_object() else {
            return Err(SwitchError("expected a JSON object of booleans".into()));
        };
        let mut merged = match serde_json::to_value(*self) {
            Ok(Value::Object(m)) => m,
            _ => return Err(SwitchError("cannot read the current switches".into())),
        };
        merged.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
        *self = serde_json::from_value(Value::Object(merged))
            .map_err(|e| SwitchError(e.to_string()))?;
        Ok(())
    }

    /// The switches that are on, as changes for [`Switches::apply`]: how
    /// command-line flags (which can only turn a switch on) are laid over
    /// the configuration.
    pub fn turned_on(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut m)) => {
                m.retain(|_, v| v == &Value::Bool(true));
                Value::Object(m)
            }
            _ => Value::Object(Default::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_name_some_switches_and_keep_the_others() {
        let mut s = Switches {
            allow_second_url: true,
            ..Switches::default()
        };
        s.apply(&json!({"duplicateDeliveries": true})).unwrap();
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            json!({"duplicateDeliveries": true, "allowSecondUrl": true,
                "oauthReadsFailed": false, "lenientAuth": false, "degradeFailingUrls": false})
        );
        for bad in [
            json!({"nope": true}),
            json!({"duplicateDeliveries": 1}),
            json!([true]),
        ] {
            assert!(s.apply(&bad).is_err(), "{bad}");
        }
        assert!(s.duplicate_deliveries && s.allow_second_url && !s.oauth_reads_failed);
    }

    #[test]
    fn flags_only_turn_switches_on() {
        let flags = Switches {
            lenient_auth: true,
            ..Switches::default()
        };
        let mut from_file = Switches {
            duplicate_deliveries: true,
            ..Switches::default()
        };
        from_file.apply(&flags.turned_on()).unwrap();
        assert!(from_file.duplicate_deliveries && from_file.lenient_auth);
        assert!(!from_file.allow_second_url);
    }
}
