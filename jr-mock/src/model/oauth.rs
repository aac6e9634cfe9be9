//! OAuth 2.0 (3LO) on the fake's side: authorization codes, access tokens
//! that expire on the virtual clock, and rotating refresh tokens.
//!
//! Source: docs/jira-semantics.md §10.2 (Atlassian's "OAuth 2.0 (3LO)
//! apps" and "Refresh tokens" pages): a code is used once; every refresh
//! returns a new refresh token and the old one stops working; a refused
//! refresh token is `invalid_grant`. Sessions live in memory only: they do not
//! survive a restart of the fake.

use super::apps::{AppCaller, AppKind, Caller, DEFAULT_ACCOUNT_ID};
use super::rng::Rng;

/// Access-token lifetime when none is configured: 3600 s, as Atlassian's.
pub const DEFAULT_TOKEN_LIFETIME_MS: i64 = 3_600_000;

/// The scope that makes the token endpoint return a refresh token.
pub const OFFLINE_ACCESS: &str = "offline_access";

/// Every open OAuth 2.0 session of the fake.
#[derive(Debug, Clone)]
pub struct OAuthSessions {
    /// How long an access token lives, ms of virtual time.
    pub token_lifetime_ms: i64,
    codes: Vec<AuthCode>,
    grants: Vec<Grant>,
}

impl Default for OAuthSessions {
    fn default() -> Self {
        Self {
            token_lifetime_ms: DEFAULT_TOKEN_LIFETIME_MS,
            codes: Vec::new(),
            grants: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
struct AuthCode {
    code: String,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
}

#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    scopes: Vec<String>,
    access_token: String,
    access_expires_ms: i64,
    refresh_token: Option<String>,
}

/// What the token endpoint answers on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSet {
    /// The new access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in_s: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// A new refresh token, when `offline_access` was granted.
    pub refresh_token: Option<String>,
}

/// Why the token endpoint refused (RFC 6749 §5.2 error codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// Unknown, used or mismatched code, or an unknown or rotated refresh token.
    #[error("invalid_grant")]
    InvalidGrant,
}

impl OAuthSessions {
    /// Issues a one-time authorization code for `client_id`, bound to `redirect_uri`.
    pub fn issue_code(
        &mut self,
        rng: &mut Rng,
        client_id: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
    ) -> String {
        let code = random_token(rng, "code");
        self.codes.push(AuthCode {
            code: code.clone(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
        });
        code
    }

    /// Exchanges a code (once) for tokens. Errors: [`OAuthError::InvalidGrant`]
    /// when the code is unknown, used, or issued to another client or redirect URI.
    pub fn exchange_code(
        &mut self,
        rng: &mut Rng,
        client_id: &str,
        code: &str,
        redirect_uri: &str,
        now_ms: i64,
    ) -> Result<TokenSet, OAuthError> {
        let position = self
            .codes
            .iter()
            .position(|c| c.code == code)
            .ok_or(OAuthError::InvalidGrant)?;
        // A code is spent by any attempt, right or wrong, as RFC 6749 §4.1.2 advises.
        let issued = self.codes.remove(position);
        if issued.client_id != client_id || issued.redirect_uri != redirect_uri {
            return Err(OAuthError::InvalidGrant);
        }
        Ok(self.grant(rng, client_id, issued.scopes, now_ms))
    }

    /// Rotates `refresh_token`: new access and refresh tokens, the old refresh
    /// token dead. Errors: [`OAuthError::InvalidGrant`] for an unknown or
    /// already rotated token, or one of another client.
    pub fn refresh(
        &mut self,
        rng: &mut Rng,
        client_id: &str,
        refresh_token: &str,
        now_ms: i64,
    ) -> Result<TokenSet, OAuthError> {
        let position = self
            .grants
            .iter()
            .position(|g| g.refresh_token.as_deref() == Some(refresh_token))
            .ok_or(OAuthError::InvalidGrant)?;
        if self.grants[position].client_id != client_id {
            return Err(OAuthError::InvalidGrant);
        }
        let old = self.grants.remove(position);
        Ok(self.grant(rng, client_id, old.scopes, now_ms))
    }

    /// The app an issued access token acts for, while it has not expired.
    pub fn caller(&self, access_token: &str, now_ms: i64) -> Option<Caller> {
        let grant = self
            .grants
            .iter()
            .find(|g| g.access_token == access_token && now_ms < g.access_expires_ms)?;
        Some(Caller::App(AppCaller {
            app: grant.client_id.clone(),
            kind: AppKind::OAuth,
            account_id: Some(DEFAULT_ACCOUNT_ID.to_owned()),
        }))
    }

    /// The scopes of a live access token.
    pub fn scopes(&self, access_token: &str, now_ms: i64) -> Option<&[String]> {
        self.grants
            .iter()
            .find(|g| g.access_token == access_token && now_ms < g.access_expires_ms)
            .map(|g| g.scopes.as_slice())
    }

    fn grant(
        &mut self,
        rng: &mut Rng,
        client_id: &str,
        scopes: Vec<String>,
        now_ms: i64,
    ) -> TokenSet {
        let refresh_token = scopes
            .iter()
            .any(|s| s == OFFLINE_ACCESS)
            .then(|| random_token(rng, "refresh"));
        let set = TokenSet {
            access_token: random_token(rng, "access"),
            expires_in_s: self.token_lifetime_ms / 1000,
            scope: scopes.join(" "),
            refresh_token: refresh_token.clone(),
        };
        self.grants.push(Grant {
            client_id: client_id.to_owned(),
            scopes,
            access_token: set.access_token.clone(),
            access_expires_ms: now_ms.saturating_add(self.token_lifetime_ms),
            refresh_token,
        });
        set
    }
}

fn random_token(rng: &mut Rng, kind: &str) -> String {
    format!(
        "jr-mock-{kind}-{:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes() -> Vec<String> {
        vec!["manage:jira-webhook".into(), OFFLINE_ACCESS.into()]
    }

    #[test]
    fn a_code_is_spent_once_and_a_refresh_token_rotates() {
        let (mut s, mut rng) = (OAuthSessions::default(), Rng::new(Some(1)));
        let code = s.issue_code(&mut rng, "oauth-app", "http://127.0.0.1:1/cb", scopes());
        let first = s
            .exchange_code(&mut rng, "oauth-app", &code, "http://127.0.0.1:1/cb", 0)
            .unwrap();
        assert_eq!(first.expires_in_s, 3600);
        assert_eq!(
            s.exchange_code(&mut rng, "oauth-app", &code, "http://127.0.0.1:1/cb", 0),
            Err(OAuthError::InvalidGrant),
            "used twice"
        );
        let old = first.refresh_token.unwrap();
        let second = s.refresh(&mut rng, "oauth-app", &old, 10).unwrap();
        assert_ne!(second.refresh_token.as_deref(), Some(old.as_str()));
        assert_eq!(
            s.refresh(&mut rng, "oauth-app", &old, 20),
            Err(OAuthError::InvalidGrant)
        );
        assert!(
            s.caller(&first.access_token, 10).is_none(),
            "the rotated grant is gone"
        );
        assert!(s.caller(&second.access_token, 10).is_some());
    }

    #[test]
    fn access_tokens_expire_on_the_virtual_clock() {
        let (mut s, mut rng) = (OAuthSessions::default(), Rng::new(Some(2)));
        let code = s.issue_code(&mut rng, "oauth-app", "u", vec![]);
        let set = s
            .exchange_code(&mut rng, "oauth-app", &code, "u", 1_000)
            .unwrap();
        assert_eq!(
            set.refresh_token, None,
            "no offline_access, no refresh token"
        );
        assert!(
            s.caller(&set.access_token, 1_000 + DEFAULT_TOKEN_LIFETIME_MS - 1)
                .is_some()
        );
        assert!(
            s.caller(&set.access_token, 1_000 + DEFAULT_TOKEN_LIFETIME_MS)
                .is_none()
        );
    }

    #[test]
    fn a_code_is_bound_to_its_client_and_redirect_uri() {
        let (mut s, mut rng) = (OAuthSessions::default(), Rng::new(Some(3)));
        let code = s.issue_code(&mut rng, "oauth-app", "u", vec![]);
        assert_eq!(
            s.exchange_code(&mut rng, "other-app", &code, "u", 0),
            Err(OAuthError::InvalidGrant)
        );
    }
}
