//! How a request proves who sends it: HTTP Basic (email + API token, RFC 7617)
//! or a bearer token (RFC 6750: an OAuth 2.0 access token or a personal token).

use crate::error::Error;
use base64::Engine;

/// The `JR_AUTH_TYPE` / `--auth-type` values, as in the existing `jr`.
pub const AUTH_TYPES: &[&str] = &["basic", "bearer", "oauth2", "connect"];

/// Credentials for one request.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// `Authorization: Basic base64(user:token)`: an Atlassian account email and API token.
    Basic {
        /// The Atlassian account email.
        user: String,
        /// The API token.
        token: String,
    },
    /// `Authorization: Bearer <token>`: an OAuth 2.0 access token or a personal token.
    Bearer {
        /// The access token.
        token: String,
    },
}

impl std::fmt::Debug for Auth {
    // Secrets never reach a log or an error through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic {{ user: {user:?}, token: <redacted> }}"),
            Auth::Bearer { .. } => f.write_str("Bearer { token: <redacted> }"),
        }
    }
}

impl Auth {
    /// Builds credentials from an auth type (one of [`AUTH_TYPES`], or `None`
    /// to infer it: user and token give basic, a token alone gives bearer).
    ///
    /// Errors (exit 1): an unknown type, a type whose required values are
    /// missing, or `connect`, which this build cannot sign yet.
    pub fn from_parts(
        auth_type: Option<&str>,
        user: Option<String>,
        token: Option<String>,
    ) -> Result<Auth, Error> {
        for (what, value) in [("JR_AUTH_USER", &user), ("JR_AUTH_TOKEN", &token)] {
            if value
                .as_deref()
                .is_some_and(|v| v.chars().any(char::is_control))
            {
                return Err(Error::general(format!(
                    "{what} contains a control character (a newline?), which cannot go in an HTTP header"
                ))
                .with_hint("copy the value again without the line break"));
            }
        }
        let auth_type = auth_type.map(str::to_ascii_lowercase);
        match (auth_type.as_deref(), user, token) {
            (None, None, None) => Ok(Auth::None),
            (None, Some(user), Some(token)) | (Some("basic"), Some(user), Some(token)) => {
                Ok(Auth::Basic { user, token })
            }
            (None, None, Some(token))
            | (Some("bearer"), _, Some(token))
            | (Some("oauth2"), _, Some(token)) => Ok(Auth::Bearer { token }),
            (Some("basic"), _, _) => Err(missing("basic", "JR_AUTH_USER and JR_AUTH_TOKEN")),
            (Some(kind @ ("bearer" | "oauth2")), _, None) => Err(missing(kind, "JR_AUTH_TOKEN")),
            (None, Some(_), None) => Err(missing("basic", "JR_AUTH_TOKEN")),
            (Some("connect"), _, _) => Err(Error::general(
                "auth type `connect` (Connect JWT signing) is not supported by this build of jr",
            )
            .with_hint("use JR_AUTH_TYPE=bearer with an OAuth 2.0 app's access token")),
            (Some(other), _, _) => Err(Error::general(format!(
                "unknown auth type `{other}`; expected one of: {}",
                AUTH_TYPES.join(", ")
            ))),
        }
    }

    /// The `Authorization` header value, or `None` for [`Auth::None`].
    pub fn header_value(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Basic { user, token } => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"));
                Some(format!("Basic {encoded}"))
            }
            Auth::Bearer { token } => Some(format!("Bearer {token}")),
        }
    }

    /// The header value with the secret replaced, for `--dry-run` output.
    pub fn redacted_header_value(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Basic { .. } => Some("Basic <redacted>".to_owned()),
            Auth::Bearer { .. } => Some("Bearer <redacted>".to_owned()),
        }
    }

    /// True when the request carries a person's credentials (basic auth).
    pub fn is_user(&self) -> bool {
        matches!(self, Auth::Basic { .. })
    }
}

fn missing(kind: &str, what: &str) -> Error {
    Error::general(format!("auth type `{kind}` needs {what}"))
        .with_hint("set them in the environment, with --auth-user/--auth-token, or in a profile")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn basic_header_is_base64_of_user_colon_token() {
        let auth = Auth::from_parts(Some("basic"), s("user@example.com"), s("user-token"));
        assert_eq!(
            auth.ok().and_then(|a| a.header_value()).as_deref(),
            Some("Basic dXNlckBleGFtcGxlLmNvbTp1c2VyLXRva2Vu")
        );
    }

    #[test]
    fn a_token_alone_means_bearer() {
        let auth = Auth::from_parts(None, None, s("oauth-app-token")).ok();
        assert_eq!(
            auth,
            Some(Auth::Bearer {
                token: "oauth-app-token".into()
            })
        );
    }

    #[test]
    fn missing_values_and_unknown_types_are_config_errors() {
        for (kind, user, token) in [
            (Some("basic"), None, s("t")),
            (Some("bearer"), s("u"), None),
            (Some("kerberos"), None, s("t")),
        ] {
            let err = Auth::from_parts(kind, user, token).err();
            assert_eq!(err.map(|e| e.exit_code()), Some(1), "{kind:?}");
        }
    }

    #[test]
    fn a_token_with_a_line_break_is_refused_by_name() {
        let err = Auth::from_parts(Some("bearer"), None, s("abc\n")).unwrap_err();
        assert!(err.message().contains("JR_AUTH_TOKEN"), "{}", err.message());
        assert!(
            Auth::from_parts(Some("BEARER"), None, s("t")).is_ok(),
            "case-insensitive"
        );
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let auth = Auth::Basic {
            user: "u".into(),
            token: "s3cret".into(),
        };
        assert!(!format!("{auth:?}").contains("s3cret"));
    }
}
