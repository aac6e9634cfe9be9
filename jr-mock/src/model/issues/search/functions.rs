//! The JQL functions the search answers, resolved when the query is
//! parsed, against the caller, the seed and the virtual clock:
//!
//! | function | fields | value |
//! |---|---|---|
//! | `currentUser()` | `assignee`, `reporter` | the caller's account ID (matches nothing for an anonymous caller) |
//! | `membersOf("group")` | `assignee`, `reporter` (with `IN`/`NOT IN`) | the account IDs of the seed's users in the group |
//! | `now()` | `created`, `updated` | the virtual `now` |
//! | `startOfDay([offset])`, `endOfDay([offset])` | `created`, `updated` | 00:00:00.000 / 23:59:59.999 UTC of today, moved by `offset` (`-1`, `+2d`, `-1w`: days unless a unit `d`, `w`, `h`, `m` is given) |
//!
//! The fake's users all have the UTC time zone, so days are UTC days.

use super::{Env, period_ms};
use crate::jql::Val;

/// A function's value: accounts (lower-case) or an instant (ms since the UNIX epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Resolved {
    /// Account IDs, lower case (may be none).
    Accounts(Vec<Val>),
    /// An instant.
    Instant(i64),
}

const DAY_MS: i64 = 86_400_000;

/// The value of `name(args)` in `env`.
/// Errors: Jira's `Unable to find JQL function 'f()'.` for an unknown
/// function, and a message for bad arguments.
pub(super) fn resolve(name: &str, args: &[Val], env: &Env<'_>) -> Result<Resolved, String> {
    let arg = || match args {
        [] => Ok(None),
        [Val::Text(t)] => Ok(Some(t.as_str())),
        _ => Err(format!(
            "Error in the JQL Query: The function '{name}' takes at most one argument."
        )),
    };
    match name.to_ascii_lowercase().as_str() {
        "currentuser" if args.is_empty() => Ok(Resolved::Accounts(
            env.caller
                .map(|c| Val::Text(c.to_lowercase()))
                .into_iter()
                .collect(),
        )),
        "membersof" => {
            let Some(group) = arg()? else {
                return Err(
                    "Error in the JQL Query: The function 'membersOf' needs a group name.".into(),
                );
            };
            let users = env.seed.map(|s| s.users.as_slice()).unwrap_or_default();
            Ok(Resolved::Accounts(
                users
                    .iter()
                    .filter(|u| u.groups.iter().any(|g| g.eq_ignore_ascii_case(group)))
                    .map(|u| Val::Text(u.account_id.to_lowercase()))
                    .collect(),
            ))
        }
        "now" if args.is_empty() => Ok(Resolved::Instant(env.now_ms)),
        "startofday" | "endofday" => {
            let offset = match arg()? {
                None => 0,
                Some(text) => offset_ms(text).ok_or_else(|| {
                    format!("Error in the JQL Query: '{text}' is not a valid offset for '{name}'.")
                })?,
            };
            let start = env.now_ms.div_euclid(DAY_MS) * DAY_MS + offset;
            let end = name.eq_ignore_ascii_case("endofday");
            Ok(Resolved::Instant(if end {
                start + DAY_MS - 1
            } else {
                start
            }))
        }
        _ => Err(format!("Unable to find JQL function '{name}()'.")),
    }
}

/// `-1`, `+2d`, `-1w` in ms: a bare number counts days.
fn offset_ms(text: &str) -> Option<i64> {
    let bare = text.trim_start_matches(['-', '+']);
    if !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_digit()) {
        return period_ms(&format!("{text}d"));
    }
    period_ms(text)
}
