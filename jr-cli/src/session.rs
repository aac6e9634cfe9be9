//! Keeping an OAuth 2.0 profile's access token alive: renewed before it
//! expires, or once after a 401, with the rotated refresh token written back
//! to the profile atomically before the new access token is used, so a crash
//! never leaves a profile whose only refresh token is already spent.

use crate::keychain;
use jr_core::config::{self, OAuthSession, Settings};
use jr_core::oauth::{REFRESH_MARGIN_MS, TokenSet};
use jr_core::{Error, auth::Auth, http};
use std::time::Duration;

/// `settings` with an access token that is valid for at least a minute more:
/// unchanged unless it is an OAuth 2.0 profile's token about to expire.
/// Errors: as [`renew`].
pub async fn fresh(settings: &Settings, timeout: Duration) -> Result<Settings, Error> {
    match &settings.oauth {
        Some(session) if expiring(session, now_ms()) => renew(settings, timeout).await,
        _ => Ok(settings.clone()),
    }
}

/// Renews the access token of `settings`' OAuth 2.0 session now and stores the
/// new tokens in its profile.
///
/// Several `jr` processes may find the same token expired at once; the config
/// file's lock makes them take turns, and one that finds the profile already
/// renewed by another uses those tokens instead of spending the (now rotated)
/// refresh token again.
/// Errors: exit 2 when the refresh token is refused (the message says to log
/// in again); exit 1 when the config file cannot be locked or written or the
/// authorization server cannot be reached.
pub async fn renew(settings: &Settings, timeout: Duration) -> Result<Settings, Error> {
    let Some(session) = &settings.oauth else {
        return Ok(settings.clone());
    };
    let path = config::config_path(&|k| std::env::var(k).ok())
        .ok_or_else(|| Error::general("cannot find the config file to store the new tokens"))?;
    let _turn = config::lock_config(&path)?;
    if let Some(stored) = renewed_elsewhere(session)? {
        return Ok(with_tokens(settings, stored.0, stored.1, stored.2));
    }
    let client = http::build_client(timeout)?;
    let tokens = session
        .client
        .refresh(&client, &session.refresh_token)
        .await
        .map_err(|e| {
            let hint = format!(
                "the refresh token of profile `{}` was refused: log in again with jr auth login -p {}",
                session.profile, session.profile
            );
            e.with_hint(hint)
        })?;
    let expires_at = tokens.expires_at_ms(now_ms());
    store(session, &tokens, expires_at)?;
    let refresh_token = tokens
        .refresh_token
        .clone()
        .unwrap_or_else(|| session.refresh_token.clone());
    Ok(with_tokens(
        settings,
        tokens.access_token,
        refresh_token,
        Some(expires_at),
    ))
}

fn with_tokens(
    settings: &Settings,
    access_token: String,
    refresh_token: String,
    expires_at_ms: Option<i64>,
) -> Settings {
    let mut renewed = settings.clone();
    renewed.auth = Auth::Bearer {
        token: access_token,
    };
    if let Some(session) = &settings.oauth {
        renewed.oauth = Some(OAuthSession {
            refresh_token,
            expires_at_ms,
            ..session.clone()
        });
    }
    renewed
}

/// The profile's stored tokens when another process rotated them since this
/// one read the file: `(access, refresh, expires_at)`.
fn renewed_elsewhere(
    session: &OAuthSession,
) -> Result<Option<(String, String, Option<i64>)>, Error> {
    let env = |k: &str| std::env::var(k).ok();
    let mut file = config::load_config(&env)?;
    keychain::fill_in(&keychain::OsKeychain, &mut file, &session.profile)?;
    let Some(auth) = file.profiles.get(&session.profile).map(|p| &p.auth) else {
        return Ok(None);
    };
    match (&auth.token, &auth.refresh_token) {
        (Some(access), Some(refresh)) if *refresh != session.refresh_token => {
            Ok(Some((access.clone(), refresh.clone(), auth.expires_at)))
        }
        _ => Ok(None),
    }
}

fn expiring(session: &OAuthSession, now_ms: i64) -> bool {
    session
        .expires_at_ms
        .is_some_and(|at| at - REFRESH_MARGIN_MS <= now_ms)
}

/// Writes the new tokens into the profile, re-reading the file first so that
/// changes made since this command started are kept.
fn store(session: &OAuthSession, tokens: &TokenSet, expires_at: i64) -> Result<(), Error> {
    let path = config::config_path(&|k| std::env::var(k).ok())
        .ok_or_else(|| Error::general("cannot find the config file to store the new tokens"))?;
    let mut file = config::load_config(&|k| std::env::var(k).ok())?;
    let profile = file.profiles.entry(session.profile.clone()).or_default();
    profile.auth.token = Some(tokens.access_token.clone());
    if let Some(refresh) = &tokens.refresh_token {
        profile.auth.refresh_token = Some(refresh.clone());
    }
    profile.auth.expires_at = Some(expires_at);
    keychain::write_back(&keychain::OsKeychain, &session.profile, &mut profile.auth)?;
    config::save_config(&path, &file)
}

/// Milliseconds since the UNIX epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jr_core::oauth::OAuthClient;

    fn session(expires_at_ms: Option<i64>) -> OAuthSession {
        OAuthSession {
            profile: "p".into(),
            client: OAuthClient {
                auth_url: "http://127.0.0.1:9".into(),
                client_id: "c".into(),
                client_secret: "s".into(),
            },
            refresh_token: "r".into(),
            expires_at_ms,
        }
    }

    #[test]
    fn a_token_is_renewed_within_a_minute_of_expiry_only() {
        let now = 1_000_000;
        assert!(expiring(&session(Some(now + 59_000)), now));
        assert!(expiring(&session(Some(now - 1)), now));
        assert!(!expiring(&session(Some(now + 61_000)), now));
        assert!(
            !expiring(&session(None), now),
            "unknown expiry: wait for a 401"
        );
    }
}
