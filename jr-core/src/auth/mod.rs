//! How a request proves who sends it: HTTP Basic (email + API token, RFC 7617),
//! a bearer token (RFC 6750: an OAuth 2.0 access token or a personal token), or
//! an Atlassian Connect JWT signed per request (see [`connect`]).

pub mod connect;

use crate::error::Error;
use base64::Engine;
use url::Url;

/// The `JR_AUTH_TYPE` / `--auth-type` values, as in the existing `jr`, plus
/// `none`: send without credentials, on purpose.
pub const AUTH_TYPES: &[&str] = &["basic", "bearer", "oauth2", "connect", "none"];

/// How to give jr credentials; the hint of the error that refuses to send
/// without them, and of the `--dry-run` note.
pub const LOGIN_WAYS: &str = "log in with jr auth login (OAuth 2.0) or save a profile with jr configure; \
or set JR_AUTH_USER and JR_AUTH_TOKEN (API token), JR_AUTH_TOKEN alone (bearer token), \
or JR_CONNECT_KEY and JR_CONNECT_SECRET (Connect app); or pass --auth-user and --auth-token; \
--auth-type none (JR_AUTH_TYPE=none) sends without credentials on purpose";

/// Credentials for one request.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header, asked for with `--auth-type none`
    /// (`JR_AUTH_TYPE=none`): an anonymous call on purpose.
    None,
    /// No credentials were given anywhere (flags, environment, profile).
    /// Nothing is sent: Jira can answer an anonymous call with 200 and empty
    /// data, which a script would take for a real answer. See [`Auth::refuse_missing`].
    Missing,
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
    /// `Authorization: JWT <token>`: a Connect app's HS256 token, made anew for
    /// every request because its `qsh` claim hashes the method, path and query.
    Connect {
        /// The app key of the Connect descriptor (the token's `iss`).
        app_key: String,
        /// The shared secret Jira sent the app at installation.
        shared_secret: String,
    },
}

/// The raw values credentials are built from, each already merged from flags,
/// environment and profile.
#[derive(Default, Clone)]
pub struct AuthParts {
    /// One of [`AUTH_TYPES`], any case; `None` infers it from the values given.
    pub kind: Option<String>,
    /// `JR_AUTH_USER`: the account email (basic).
    pub user: Option<String>,
    /// `JR_AUTH_TOKEN`: the API token (basic) or access token (bearer).
    pub token: Option<String>,
    /// `JR_CONNECT_KEY`: the Connect app key.
    pub app_key: Option<String>,
    /// `JR_CONNECT_SECRET`: the Connect app's shared secret.
    pub shared_secret: Option<String>,
}

impl std::fmt::Debug for Auth {
    // Secrets never reach a log or an error through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Missing => f.write_str("Missing"),
            Auth::Basic { user, .. } => write!(f, "Basic {{ user: {user:?}, token: <redacted> }}"),
            Auth::Bearer { .. } => f.write_str("Bearer { token: <redacted> }"),
            Auth::Connect { app_key, .. } => write!(
                f,
                "Connect {{ app_key: {app_key:?}, shared_secret: <redacted> }}"
            ),
        }
    }
}

impl Auth {
    /// Builds credentials from an auth type (one of [`AUTH_TYPES`], or `None`
    /// to infer it: user and token give basic, a token alone gives bearer, an
    /// app key and shared secret give connect).
    ///
    /// Nothing given at all is [`Auth::Missing`]; type `none` is [`Auth::None`]
    /// whatever else is given.
    ///
    /// Errors (exit 1): an unknown type, a type whose required values are
    /// missing, or a value with a control character (it cannot go in a header).
    pub fn from_parts(parts: AuthParts) -> Result<Auth, Error> {
        for (what, value) in [
            ("JR_AUTH_USER", &parts.user),
            ("JR_AUTH_TOKEN", &parts.token),
            ("JR_CONNECT_KEY", &parts.app_key),
        ] {
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
        let AuthParts {
            kind,
            user,
            token,
            app_key,
            shared_secret,
        } = parts;
        let kind = kind.map(|k| k.to_ascii_lowercase());
        let kind = kind.as_deref().or(match (&app_key, &shared_secret) {
            (Some(_), Some(_)) if token.is_none() => Some("connect"),
            _ => None,
        });
        match (kind, user, token) {
            (Some("none"), _, _) => Ok(Auth::None),
            (Some("connect"), _, _) => match (app_key, shared_secret) {
                (Some(app_key), Some(shared_secret)) => Ok(Auth::Connect {
                    app_key,
                    shared_secret,
                }),
                _ => Err(missing("connect", "JR_CONNECT_KEY and JR_CONNECT_SECRET")),
            },
            (None, None, None) => Ok(Auth::Missing),
            (None, Some(user), Some(token)) | (Some("basic"), Some(user), Some(token)) => {
                Ok(Auth::Basic { user, token })
            }
            (None, None, Some(token))
            | (Some("bearer"), _, Some(token))
            | (Some("oauth2"), _, Some(token)) => Ok(Auth::Bearer { token }),
            (Some("basic"), _, _) => Err(missing("basic", "JR_AUTH_USER and JR_AUTH_TOKEN")),
            (Some(kind @ ("bearer" | "oauth2")), _, None) => Err(missing(kind, "JR_AUTH_TOKEN")),
            (None, Some(_), None) => Err(missing("basic", "JR_AUTH_TOKEN")),
            (Some(other), _, _) => Err(Error::general(format!(
                "unknown auth type `{other}`; expected one of: {}",
                AUTH_TYPES.join(", ")
            ))),
        }
    }

    /// The `Authorization` header value for one request, or `None` for
    /// [`Auth::None`]. `base` is the configured base URL: a Connect token's
    /// `qsh` covers the path below it. Connect tokens are issued at the
    /// current time and live 180 s.
    pub fn header_value(&self, method: &str, url: &Url, base: &Url) -> Option<String> {
        let now_s = jiff::Timestamp::now().as_second();
        self.header_value_at(method, url, base, now_s)
    }

    /// [`Auth::header_value`] with the clock given: `now_s` is seconds since the UNIX epoch.
    pub fn header_value_at(
        &self,
        method: &str,
        url: &Url,
        base: &Url,
        now_s: i64,
    ) -> Option<String> {
        match self {
            Auth::Connect {
                app_key,
                shared_secret,
            } => {
                let token =
                    connect::request_token(app_key, shared_secret, method, url, base.path(), now_s);
                Some(format!("JWT {token}"))
            }
            Auth::None | Auth::Missing => None,
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
            Auth::None | Auth::Missing => None,
            Auth::Basic { .. } => Some("Basic <redacted>".to_owned()),
            Auth::Bearer { .. } => Some("Bearer <redacted>".to_owned()),
            Auth::Connect { .. } => Some("JWT <redacted>".to_owned()),
        }
    }

    /// Refuses to send without credentials unless that was asked for.
    /// Errors (exit 2) for [`Auth::Missing`], naming the ways to log in.
    pub fn refuse_missing(&self) -> Result<(), Error> {
        match self {
            Auth::Missing => Err(Error::new(
                crate::ErrorKind::Auth,
                "no credentials are set, so jr sent nothing (an anonymous call can answer with empty data)",
            )
            .with_hint(LOGIN_WAYS)),
            _ => Ok(()),
        }
    }

    /// The note `--dry-run` prints on stderr when the request it shows has no
    /// `Authorization` because none was given (a real run would be refused).
    pub fn dry_run_note(&self) -> Option<String> {
        matches!(self, Auth::Missing).then(|| {
            format!(
                "note: no credentials are set: the request is shown without Authorization, \
                 and a real run would stop with exit 2; {LOGIN_WAYS}"
            )
        })
    }

    /// True when the request carries credentials (anything but
    /// [`Auth::None`] and [`Auth::Missing`]).
    pub fn has_credentials(&self) -> bool {
        !matches!(self, Auth::None | Auth::Missing)
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

    fn parts(kind: Option<&str>, user: Option<String>, token: Option<String>) -> AuthParts {
        AuthParts {
            kind: kind.map(str::to_owned),
            user,
            token,
            ..AuthParts::default()
        }
    }

    fn site() -> Url {
        Url::parse("https://your-domain.atlassian.net").unwrap()
    }

    #[test]
    fn basic_header_is_base64_of_user_colon_token() {
        let auth = Auth::from_parts(parts(Some("basic"), s("user@example.com"), s("user-token")));
        assert_eq!(
            auth.ok()
                .and_then(|a| a.header_value("GET", &site(), &site()))
                .as_deref(),
            Some("Basic dXNlckBleGFtcGxlLmNvbTp1c2VyLXRva2Vu")
        );
    }

    #[test]
    fn a_token_alone_means_bearer() {
        let auth = Auth::from_parts(parts(None, None, s("oauth-app-token"))).ok();
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
            let err = Auth::from_parts(parts(kind, user, token)).err();
            assert_eq!(err.map(|e| e.exit_code()), Some(1), "{kind:?}");
        }
    }

    #[test]
    fn a_token_with_a_line_break_is_refused_by_name() {
        let err = Auth::from_parts(parts(Some("bearer"), None, s("abc\n"))).unwrap_err();
        assert!(err.message().contains("JR_AUTH_TOKEN"), "{}", err.message());
        assert!(
            Auth::from_parts(parts(Some("BEARER"), None, s("t"))).is_ok(),
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

    #[test]
    fn connect_needs_key_and_secret_and_signs_each_request() {
        let connect = |key: Option<String>, secret: Option<String>| {
            Auth::from_parts(AuthParts {
                kind: s("connect"),
                app_key: key,
                shared_secret: secret,
                ..AuthParts::default()
            })
        };
        let err = connect(s("com.example.app"), None).unwrap_err();
        assert!(
            err.message().contains("JR_CONNECT_SECRET"),
            "{}",
            err.message()
        );
        let auth = connect(s("com.example.my-app"), s("test-shared-secret")).unwrap();
        let url = Url::parse("https://x.atlassian.net/rest/api/3/webhook").unwrap();
        let base = Url::parse("https://x.atlassian.net").unwrap();
        let header = auth.header_value_at("GET", &url, &base, 1_700_000_000);
        // The reference token of docs/jira-semantics.md §10.1.
        assert!(
            header.as_deref().is_some_and(|h| h
                .starts_with("JWT eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.")
                && h.ends_with(".h8tX4w5HLL17q9s1lqn5Wam7XTENwiq33CR6DLAXOSQ")),
            "{header:?}"
        );
        assert_eq!(
            auth.redacted_header_value().as_deref(),
            Some("JWT <redacted>")
        );
        assert!(!format!("{auth:?}").contains("test-shared-secret"));
    }

    #[test]
    fn nothing_given_is_missing_and_refused_while_none_is_anonymous_on_purpose() {
        let missing = Auth::from_parts(AuthParts::default()).unwrap();
        assert_eq!(missing, Auth::Missing);
        let err = missing.refuse_missing().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        for way in [
            "jr auth login",
            "jr configure",
            "JR_AUTH_TOKEN",
            "JR_CONNECT_KEY",
            "--auth-type none",
        ] {
            assert!(err.hint().unwrap_or_default().contains(way), "{way}");
        }
        assert!(missing.dry_run_note().is_some());
        assert_eq!(missing.header_value("GET", &site(), &site()), None);
        for kind in ["none", "NONE"] {
            let none = Auth::from_parts(parts(Some(kind), None, s("ignored"))).unwrap();
            assert_eq!(none, Auth::None);
            assert!(none.refuse_missing().is_ok());
            assert_eq!(none.dry_run_note(), None);
            assert!(!none.has_credentials());
        }
    }

    #[test]
    fn a_connect_key_and_secret_alone_infer_connect() {
        let auth = Auth::from_parts(AuthParts {
            app_key: s("k"),
            shared_secret: s("s"),
            ..AuthParts::default()
        });
        assert!(matches!(auth, Ok(Auth::Connect { .. })));
    }
}
