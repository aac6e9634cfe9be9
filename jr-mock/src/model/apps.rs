//! Who may call the fake: OAuth 2.0 apps, Connect apps and plain users.
//!
//! [`Identities`] is also the JSON shape of `jr-mock --config FILE`:
//!
//! ```json
//! {
//!   "oauthApps": [{"clientId": "oauth-app", "clientSecret": "oauth-app-secret",
//!                  "accessTokens": [{"token": "oauth-app-token",
//!                                    "accountId": "5b10ac8d82e05b22cc7d4ef5"}]}],
//!   "connectApps": [{"key": "com.example.connect-app", "sharedSecret": "connect-app-secret",
//!                    "baseUrl": "https://connect-app.example.com",
//!                    "allowLoopbackUrls": true, "clientKey": "jr-mock-client-key"}],
//!   "users": [{"email": "user@example.com", "apiToken": "user-token",
//!              "accountId": "5b10ac8d82e05b22cc7d4ef5"}]
//! }
//! ```
//!
//! Every list may be empty or absent; `accountId`, `allowLoopbackUrls`
//! (default `true`), `clientKey` (default `jr-mock-client-key`), a user's
//! `displayName` (default `jr-mock user`) and `scoped` (default `false`)
//! are optional. App keys (OAuth `clientId`, Connect `key`) must be unique.

use serde::{Deserialize, Serialize};

/// The account that the default user and the default OAuth tokens act as
/// (the example account ID of Jira's spec).
pub const DEFAULT_ACCOUNT_ID: &str = "5b10ac8d82e05b22cc7d4ef5";
const DEFAULT_CLIENT_KEY: &str = "jr-mock-client-key";
/// The display name of a user whose configuration gives none.
pub const DEFAULT_DISPLAY_NAME: &str = "jr-mock user";

/// Every identity the fake knows. `Default` gives the documented defaults:
/// `oauth-app`, `other-app`, `com.example.connect-app` and `user@example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Identities {
    /// OAuth 2.0 (3LO) apps, identified by their static access tokens.
    #[serde(default)]
    pub oauth_apps: Vec<OAuthApp>,
    /// Connect apps, identified by `Authorization: JWT` tokens they sign.
    #[serde(default)]
    pub connect_apps: Vec<ConnectApp>,
    /// Users calling with basic auth (email + API token): never apps.
    #[serde(default)]
    pub users: Vec<User>,
}

/// An OAuth 2.0 app. Its webhooks are limited per app per user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OAuthApp {
    /// The client ID; also the app's key in the fake's records.
    pub client_id: String,
    /// Signs the bearer JWT on deliveries (HS256).
    pub client_secret: String,
    /// Static access tokens; each acts for one user account.
    #[serde(default)]
    pub access_tokens: Vec<AccessToken>,
}

/// One static bearer token of an OAuth 2.0 app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessToken {
    /// The exact token sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// The user the token acts for (limits count per user; `/myself`
    /// answers the user with this account ID, if one is configured).
    #[serde(default = "default_account_id")]
    pub account_id: String,
}

/// A Connect app: JWT (HS256 + qsh) with a shared secret, webhook URLs under its base URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectApp {
    /// The app key; the `iss` claim of its JWTs.
    pub key: String,
    /// The installation's shared secret (HS256 key), both directions.
    pub shared_secret: String,
    /// Webhook URLs must start with this.
    pub base_url: String,
    /// Whether `http://` loopback URLs are accepted outside `base_url`.
    #[serde(default = "yes")]
    pub allow_loopback_urls: bool,
    /// The tenant `clientKey`: the `iss` of the JWT on deliveries to the app.
    #[serde(default = "default_client_key")]
    pub client_key: String,
}

/// A person with an API token: may authenticate, may not use webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// The basic-auth user name.
    pub email: String,
    /// The basic-auth password.
    pub api_token: String,
    /// The user's account ID.
    #[serde(default = "default_account_id")]
    pub account_id: String,
    /// The name `/myself` answers (default `jr-mock user`).
    #[serde(default = "default_display_name")]
    pub display_name: String,
    /// A scoped API token: accepted only through the API gateway prefix
    /// `/ex/jira/{cloudId}`, refused with 401 on the site's own paths
    /// (docs/jira-semantics.md §10.3).
    #[serde(default)]
    pub scoped: bool,
}

fn default_account_id() -> String {
    DEFAULT_ACCOUNT_ID.to_owned()
}

fn default_display_name() -> String {
    DEFAULT_DISPLAY_NAME.to_owned()
}

fn default_client_key() -> String {
    DEFAULT_CLIENT_KEY.to_owned()
}

fn yes() -> bool {
    true
}

/// The two kinds of app that may use dynamic webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    /// An OAuth 2.0 (3LO) app.
    OAuth,
    /// A Connect app.
    Connect,
}

/// An identified app caller: the app's key and, for OAuth, the acting user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppCaller {
    /// OAuth `clientId` or Connect `key`.
    pub app: String,
    /// Which kind of app.
    pub kind: AppKind,
    /// The user an OAuth token acts for; `None` for Connect apps.
    pub account_id: Option<String>,
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A Connect or OAuth 2.0 app.
    App(AppCaller),
    /// A user with basic auth (not an app).
    User {
        /// The user's account ID.
        account_id: String,
        /// The basic-auth user name (the user's email address).
        email: String,
        /// Whether the user authenticated with a scoped API token.
        scoped: bool,
    },
}

/// Why a set of identities cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentitiesError {
    /// Two apps share one key.
    #[error("app key {0:?} is used by more than one app")]
    DuplicateApp(String),
    /// Two apps or users share one bearer token.
    #[error("access token {0:?} is used more than once")]
    DuplicateToken(String),
}

impl Default for Identities {
    fn default() -> Self {
        Self {
            oauth_apps: vec![
                oauth_app("oauth-app", "oauth-app-secret", "oauth-app-token"),
                oauth_app("other-app", "other-app-secret", "other-app-token"),
            ],
            connect_apps: vec![ConnectApp {
                key: "com.example.connect-app".into(),
                shared_secret: "connect-app-secret".into(),
                base_url: "https://connect-app.example.com".into(),
                allow_loopback_urls: true,
                client_key: default_client_key(),
            }],
            users: vec![User {
                email: "user@example.com".into(),
                api_token: "user-token".into(),
                account_id: default_account_id(),
                display_name: default_display_name(),
                scoped: false,
            }],
        }
    }
}

fn oauth_app(id: &str, secret: &str, token: &str) -> OAuthApp {
    OAuthApp {
        client_id: id.into(),
        client_secret: secret.into(),
        access_tokens: vec![AccessToken {
            token: token.into(),
            account_id: default_account_id(),
        }],
    }
}

impl Identities {
    /// Checks that app keys and tokens are unique.
    /// Errors: [`IdentitiesError`] naming the first duplicate.
    pub fn validate(&self) -> Result<(), IdentitiesError> {
        let mut keys = std::collections::HashSet::new();
        let oauth = self.oauth_apps.iter().map(|a| &a.client_id);
        for key in oauth.chain(self.connect_apps.iter().map(|a| &a.key)) {
            if !keys.insert(key) {
                return Err(IdentitiesError::DuplicateApp(key.clone()));
            }
        }
        let mut tokens = std::collections::HashSet::new();
        for t in self.oauth_apps.iter().flat_map(|a| &a.access_tokens) {
            if !tokens.insert(&t.token) {
                return Err(IdentitiesError::DuplicateToken(t.token.clone()));
            }
        }
        Ok(())
    }

    /// The OAuth app holding `token`, as a caller.
    pub fn by_bearer(&self, token: &str) -> Option<Caller> {
        self.oauth_apps.iter().find_map(|app| {
            let t = app.access_tokens.iter().find(|t| t.token == token)?;
            Some(Caller::App(AppCaller {
                app: app.client_id.clone(),
                kind: AppKind::OAuth,
                account_id: Some(t.account_id.clone()),
            }))
        })
    }

    /// The user with these basic-auth credentials, as a caller.
    pub fn by_basic(&self, email: &str, api_token: &str) -> Option<Caller> {
        let user = self
            .users
            .iter()
            .find(|u| u.email == email && u.api_token == api_token)?;
        Some(Caller::User {
            account_id: user.account_id.clone(),
            email: user.email.clone(),
            scoped: user.scoped,
        })
    }

    /// The Connect app with key `key` (the JWT `iss`).
    pub fn connect_app(&self, key: &str) -> Option<&ConnectApp> {
        self.connect_apps.iter().find(|a| a.key == key)
    }

    /// The OAuth app with client ID `client_id`.
    pub fn oauth_app(&self, client_id: &str) -> Option<&OAuthApp> {
        self.oauth_apps.iter().find(|a| a.client_id == client_id)
    }

    /// The caller a Connect app key stands for.
    pub fn connect_caller(&self, key: &str) -> Option<Caller> {
        self.connect_app(key).map(|a| {
            Caller::App(AppCaller {
                app: a.key.clone(),
                kind: AppKind::Connect,
                account_id: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_identify_each_documented_caller() {
        let ids = Identities::default();
        assert!(ids.validate().is_ok());
        let Some(Caller::App(app)) = ids.by_bearer("oauth-app-token") else {
            panic!("oauth-app-token should be an app");
        };
        assert_eq!((app.app.as_str(), app.kind), ("oauth-app", AppKind::OAuth));
        assert!(ids.by_bearer("nope").is_none());
        assert!(matches!(
            ids.by_basic("user@example.com", "user-token"),
            Some(Caller::User { .. })
        ));
        assert!(ids.by_basic("user@example.com", "bad").is_none());
        assert!(ids.connect_caller("com.example.connect-app").is_some());
    }

    #[test]
    fn config_json_round_trips_and_fills_defaults() {
        let json = r#"{"connectApps":[{"key":"k","sharedSecret":"s","baseUrl":"https://k.test"}]}"#;
        let ids: Identities = serde_json::from_str(json).unwrap();
        assert!(ids.oauth_apps.is_empty());
        assert!(ids.connect_apps[0].allow_loopback_urls);
        assert_eq!(ids.connect_apps[0].client_key, DEFAULT_CLIENT_KEY);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let mut ids = Identities::default();
        ids.connect_apps[0].key = "oauth-app".into();
        assert_eq!(
            ids.validate(),
            Err(IdentitiesError::DuplicateApp("oauth-app".into()))
        );
    }
}
