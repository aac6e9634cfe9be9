//! `GET /rest/api/3/myself` (`getCurrentUser`): the calling user or app
//! user, on the spec example's shape (avatars, time zone, locale…), with
//! the identity fields of the caller:
//! - a user (API token): its configured `accountId`, `displayName` and
//!   `emailAddress`, `accountType: "atlassian"`;
//! - an OAuth 2.0 app: the user its token acts for (the configured user with
//!   that account ID when there is one, else `displayName` `jr-mock user`
//!   and no email);
//! - a Connect app: its app user, `accountType: "app"`, `accountId`
//!   `connect-app:<key>` (jr-mock's own form), `displayName` = the key, no
//!   email.
//!
//! An anonymous request (possible only with `lenientAuth`) gets Jira's 401.

use crate::wire::Reply;
use serde_json::{Map, Value};

use super::{EXAMPLE_SITE, Operation};
use crate::api::auth::NOT_AUTHENTICATED;
use crate::model::Model;
use crate::model::apps::{AppKind, Caller, DEFAULT_DISPLAY_NAME};
use crate::wire::not_authenticated;

/// The identity fields `/myself` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// `accountId`.
    pub account_id: String,
    /// `accountType`: `atlassian` or `app`.
    pub account_type: &'static str,
    /// `displayName`.
    pub display_name: String,
    /// `emailAddress`, when known.
    pub email: Option<String>,
}

/// Who `caller` is, by `model`'s identities.
pub fn me(caller: &Caller, model: &Model) -> Me {
    let user_by_account = |id: &str| model.identities.users.iter().find(|u| u.account_id == id);
    match caller {
        Caller::User {
            account_id, email, ..
        } => Me {
            account_id: account_id.clone(),
            account_type: "atlassian",
            display_name: model
                .identities
                .users
                .iter()
                .find(|u| &u.email == email)
                .map_or_else(
                    || DEFAULT_DISPLAY_NAME.to_owned(),
                    |u| u.display_name.clone(),
                ),
            email: Some(email.clone()),
        },
        Caller::App(app) if app.kind == AppKind::Connect => Me {
            account_id: format!("connect-app:{}", app.app),
            account_type: "app",
            display_name: app.app.clone(),
            email: None,
        },
        Caller::App(app) => {
            let account_id = app.account_id.clone().unwrap_or_default();
            let user = user_by_account(&account_id);
            Me {
                display_name: user.map_or_else(
                    || DEFAULT_DISPLAY_NAME.to_owned(),
                    |u| u.display_name.clone(),
                ),
                email: user.map(|u| u.email.clone()),
                account_id,
                account_type: "atlassian",
            }
        }
    }
}

/// The answer to `op` (`getCurrentUser`) for `caller`; `base` replaces the
/// example site in links.
pub fn answer(op: &Operation, caller: Option<&Caller>, model: &Model, base: &str) -> Reply {
    let Some(caller) = caller else {
        return not_authenticated(NOT_AUTHENTICATED);
    };
    let me = me(caller, model);
    let example = op.body.unwrap_or("{}").replace(EXAMPLE_SITE, base);
    let mut body = match serde_json::from_str::<Value>(&example) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    body.insert(
        "self".into(),
        format!("{base}/rest/api/3/user?accountId={}", me.account_id).into(),
    );
    body.insert("accountId".into(), me.account_id.into());
    body.insert("accountType".into(), me.account_type.into());
    body.insert("displayName".into(), me.display_name.into());
    match me.email {
        Some(email) => body.insert("emailAddress".into(), email.into()),
        None => body.remove("emailAddress"),
    };
    Reply::new(op.status).set_body_json(Value::Object(body))
}
