//! OAuth 2.0 (3LO) against Atlassian's authorization server and API gateway:
//! the authorize URL, the code exchange, token refresh and site discovery.
//!
//! Source: docs/jira-semantics.md §10.2, from Atlassian's "OAuth 2.0
//! (3LO) apps", "Refresh tokens" and "Making calls to the API" pages;
//! RFC 6749 §4.1 (authorization code grant) and §6 (refresh).

use crate::error::{Error, ErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

/// Atlassian's authorization server; `--auth-url` / `JR_OAUTH_AUTH_URL` replace it.
pub const DEFAULT_AUTH_URL: &str = "https://auth.atlassian.com";

/// Scopes asked for when none are given: read issues, manage webhooks, and a
/// refresh token.
pub const DEFAULT_SCOPES: &[&str] = &["read:jira-work", "manage:jira-webhook", "offline_access"];

/// Refresh this long before the access token expires, so a request never
/// leaves with a token that dies on the way: 60 s.
pub const REFRESH_MARGIN_MS: i64 = 60_000;

/// The token endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenSet {
    /// The access token, sent as `Authorization: Bearer`.
    pub access_token: String,
    /// A new refresh token (rotating: the old one stops working); present
    /// when `offline_access` was granted.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Lifetime of the access token in seconds (typically 3600).
    #[serde(default)]
    pub expires_in: i64,
    /// Granted scopes, space-separated.
    #[serde(default)]
    pub scope: String,
}

impl TokenSet {
    /// When the access token expires: ms since the UNIX epoch, given `now_ms`.
    pub fn expires_at_ms(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(self.expires_in.saturating_mul(1000))
    }
}

/// One site an access token may reach (`accessible-resources`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Site {
    /// The cloud ID: requests go to `{gateway}/ex/jira/{id}`.
    pub id: String,
    /// The site's name (`your-domain`).
    #[serde(default)]
    pub name: String,
    /// The site's URL (`https://your-domain.atlassian.net`).
    #[serde(default)]
    pub url: String,
}

/// The URL a person opens to approve the app: `{auth_url}/authorize` with
/// `audience=api.atlassian.com`, `client_id`, `scope` (space-separated),
/// `redirect_uri`, `state`, `response_type=code` and `prompt=consent`.
/// Errors (exit 1): `auth_url` is not a URL.
pub fn authorize_url(
    auth_url: &str,
    client_id: &str,
    scopes: &[String],
    redirect_uri: &str,
    state: &str,
) -> Result<Url, Error> {
    let mut url = endpoint(auth_url, "authorize")?;
    url.query_pairs_mut()
        .append_pair("audience", "api.atlassian.com")
        .append_pair("client_id", client_id)
        .append_pair("scope", &scopes.join(" "))
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .append_pair("response_type", "code")
        .append_pair("prompt", "consent");
    Ok(url)
}

/// A random `state` value: 128 bits as hex (RFC 6749 §10.12).
/// Errors (exit 1): the operating system has no random source.
pub fn random_state() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::general(format!("no random source for the OAuth state: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Client credentials of an OAuth 2.0 app and where its authorization server is.
#[derive(Clone)]
pub struct OAuthClient {
    /// The authorization server, e.g. [`DEFAULT_AUTH_URL`].
    pub auth_url: String,
    /// The app's client ID.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OAuthClient {{ auth_url: {:?}, client_id: {:?}, client_secret: <redacted> }}",
            self.auth_url, self.client_id
        )
    }
}

impl OAuthClient {
    /// Exchanges an authorization `code` for tokens (`grant_type=authorization_code`).
    /// Errors: exit 2 when the server refuses the code or the client; exit 1
    /// when it cannot be reached.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenSet, Error> {
        let body = json!({
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
        });
        self.token_request(http, &body).await
    }

    /// Trades `refresh_token` for new tokens (`grant_type=refresh_token`); the
    /// old refresh token stops working. Errors: exit 2 with a "log in again"
    /// hint when it is refused (`invalid_grant`: reused, expired or revoked).
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        refresh_token: &str,
    ) -> Result<TokenSet, Error> {
        let body = json!({
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": refresh_token,
        });
        self.token_request(http, &body).await
    }

    async fn token_request(&self, http: &reqwest::Client, body: &Value) -> Result<TokenSet, Error> {
        let url = endpoint(&self.auth_url, "oauth/token")?;
        let answer = exchange(http.post(url.clone()).json(body), &url).await?;
        let (status, bytes) = (answer.status, answer.body);
        if (300..400).contains(&status) {
            let to = answer.location.as_deref().map(crate::redact::url);
            return Err(Error::general(format!(
                "the token endpoint {url} answered a redirect (HTTP {status} to {}); jr does not follow it, because that would send the client secret and tokens there",
                to.as_deref().unwrap_or("nowhere")
            ))
            .with_hint("point --auth-url (JR_OAUTH_AUTH_URL) at the authorization server itself"));
        }
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map_err(|e| {
                Error::general(format!(
                    "the token endpoint {url} answered without a token: {e}"
                ))
            });
        }
        if status >= 500 {
            return Err(Error::new(
                ErrorKind::Server,
                format!("the authorization server {url} failed: HTTP {status}"),
            )
            .with_hint("try again later"));
        }
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = answer["error"].as_str().unwrap_or("unknown_error");
        let description = answer["error_description"].as_str().unwrap_or_default();
        // The status is the authorization server's, not Jira's: it stays in the
        // message, so no Jira-specific hint for a 401 or 403 is added on top.
        let message = format!(
            "the authorization server {url} refused the request: HTTP {status}, {code} {description}"
        );
        Err(Error::new(ErrorKind::Auth, message.trim_end().to_owned())
            .with_hint(match (code, body["grant_type"].as_str()) {
                ("invalid_grant", Some("authorization_code")) => "the authorization code was used already or expired: run jr auth login again",
                ("invalid_grant", _) => "the refresh token was used already, expired or was revoked: log in again with jr auth login",
                ("invalid_client", _) => "check the client ID and secret of the app in the Atlassian developer console",
                _ => "check the app's settings in the Atlassian developer console and --auth-url",
            }))
    }
}

/// The sites `access_token` can reach: `GET {api_url}/oauth/token/accessible-resources`.
/// Errors: exit 2 when the token is refused, exit 1 when the gateway cannot be reached.
pub async fn accessible_resources(
    http: &reqwest::Client,
    api_url: &str,
    access_token: &str,
) -> Result<Vec<Site>, Error> {
    let url = endpoint(api_url, "oauth/token/accessible-resources")?;
    let request = http
        .get(url.clone())
        .bearer_auth(access_token)
        .header("Accept", "application/json");
    let answer = exchange(request, &url).await?;
    let (status, bytes) = (answer.status, answer.body);
    if !(200..300).contains(&status) {
        return Err(Error::new(
            ErrorKind::from_status(status),
            format!("{url} answered {status} to the new access token"),
        )
        .with_status(status));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::general(format!("{url} did not answer a list of sites: {e}")))
}

/// Picks the site to use: the only one, or the one whose name, URL or cloud
/// ID is `wanted`. Errors (exit 4): no site, or several and none chosen or
/// matched; the message lists the names.
pub fn choose_site(sites: Vec<Site>, wanted: Option<&str>) -> Result<Site, Error> {
    let names = || {
        sites
            .iter()
            .map(|s| format!("{} ({})", s.name, s.url))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matches = |site: &Site, wanted: &str| {
        let host = site
            .url
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        site.name.eq_ignore_ascii_case(wanted)
            || site.id == wanted
            || site.url.trim_end_matches('/') == wanted.trim_end_matches('/')
            || host.trim_end_matches('/').eq_ignore_ascii_case(wanted)
    };
    match (wanted, sites.len()) {
        (None, 1) => sites.into_iter().next().ok_or_else(no_site),
        (_, 0) => Err(no_site()),
        (None, _) => Err(
            Error::validation(format!("the app reaches several sites: {}", names()))
                .with_hint("choose one with --site NAME"),
        ),
        (Some(wanted), _) => {
            let listed = names();
            sites
                .into_iter()
                .find(|site| matches(site, wanted))
                .ok_or_else(|| {
                    Error::validation(format!(
                        "no site named `{wanted}`; the app reaches: {listed}"
                    ))
                })
        }
    }
}

fn no_site() -> Error {
    Error::validation("the access token reaches no Jira site")
        .with_hint("grant the app access to a site when approving it")
}

fn endpoint(base: &str, path: &str) -> Result<Url, Error> {
    let text = format!("{}/{path}", base.trim_end_matches('/'));
    Url::parse(&text).map_err(|e| {
        let shown = crate::redact::url(base);
        Error::general(format!("`{shown}` is not a valid URL: {e}"))
            .with_hint("check --auth-url (JR_OAUTH_AUTH_URL) or --api-url (JR_API_GATEWAY_URL)")
    })
}

/// The most of an authorization server's answer jr reads: 1 MiB. A token
/// answer is a few kilobytes; anything larger is refused, not buffered.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// An authorization server's answer: status, `Location` and body.
struct Answer {
    status: u16,
    location: Option<String>,
    body: Vec<u8>,
}

/// Sends `request` and reads the answer, at most [`MAX_ANSWER_BYTES`].
/// Errors (exit 1): `url` cannot be reached, the body cannot be read, or it
/// is larger than the limit.
async fn exchange(request: reqwest::RequestBuilder, url: &Url) -> Result<Answer, Error> {
    let mut response = request
        .send()
        .await
        .map_err(|e| unreachable_error(url, &e))?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable_error(url, &e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(Error::general(format!(
                "{url} answered more than {MAX_ANSWER_BYTES} bytes; jr reads at most that from an authorization server"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        location,
        body,
    })
}

fn unreachable_error(url: &Url, error: &reqwest::Error) -> Error {
    Error::general(format!("cannot reach {url}: {error}"))
        .with_hint("check --auth-url / --api-url and the network")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> Site {
        Site {
            id: format!("{name}-id"),
            name: name.into(),
            url: format!("https://{name}.atlassian.net"),
        }
    }

    #[test]
    fn the_authorize_url_carries_every_parameter_atlassian_needs() {
        let scopes: Vec<String> = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
        let url = authorize_url(
            DEFAULT_AUTH_URL,
            "cid",
            &scopes,
            "http://127.0.0.1:8765/callback",
            "s1",
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://auth.atlassian.com/authorize?audience=api.atlassian.com&client_id=cid&scope=read%3Ajira-work+manage%3Ajira-webhook+offline_access&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state=s1&response_type=code&prompt=consent"
        );
    }

    #[test]
    fn a_site_is_chosen_by_name_url_or_id_and_never_guessed() {
        assert_eq!(choose_site(vec![site("a")], None).unwrap().name, "a");
        let two = || vec![site("a"), site("b")];
        let err = choose_site(two(), None).unwrap_err();
        assert!(
            err.message().contains("a (https://a.atlassian.net)"),
            "{}",
            err.message()
        );
        assert_eq!(err.exit_code(), 4);
        for wanted in ["b", "https://b.atlassian.net/", "b.atlassian.net", "b-id"] {
            assert_eq!(
                choose_site(two(), Some(wanted)).unwrap().name,
                "b",
                "{wanted}"
            );
        }
        assert!(choose_site(two(), Some("c")).is_err());
        assert!(choose_site(vec![], None).is_err());
    }

    #[test]
    fn states_are_random_and_128_bits() {
        let (a, b) = (random_state().unwrap(), random_state().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn the_client_secret_never_shows_in_debug_output() {
        let client = OAuthClient {
            auth_url: DEFAULT_AUTH_URL.into(),
            client_id: "cid".into(),
            client_secret: "s3cret".into(),
        };
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn token_endpoint_failures_are_classed_by_status() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(501))
            .mount(&server)
            .await;
        let client = OAuthClient {
            auth_url: server.uri(),
            client_id: "c".into(),
            client_secret: "s".into(),
        };
        let http = crate::http::build_client(std::time::Duration::from_secs(5)).unwrap();
        let err = client.refresh(&http, "r").await.unwrap_err();
        assert_eq!(err.exit_code(), 7, "{}", err.message());
        let err = client
            .exchange_code(&http, "code", "http://127.0.0.1:1/cb")
            .await
            .unwrap_err();
        assert!(err.message().contains("HTTP 501"), "{}", err.message());
    }

    /// Issue 12: a 307 from the token endpoint made jr re-send the client
    /// secret and the refresh token to the new host, even over plain http.
    #[tokio::test]
    async fn a_redirect_from_the_token_endpoint_is_an_error_and_nothing_is_resent() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any, matchers::path};
        let elsewhere = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .expect(0)
            .mount(&elsewhere)
            .await;
        let server = MockServer::start().await;
        let target = format!("{}/steal?code=c1", elsewhere.uri());
        Mock::given(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(307).insert_header("Location", target.as_str()))
            .mount(&server)
            .await;
        let client = OAuthClient {
            auth_url: server.uri(),
            client_id: "c".into(),
            client_secret: "s".into(),
        };
        let http = crate::http::build_client(std::time::Duration::from_secs(5)).unwrap();
        let err = client.refresh(&http, "r").await.unwrap_err();
        assert_eq!(err.exit_code(), 1, "{}", err.message());
        assert!(err.message().contains("HTTP 307"), "{}", err.message());
        assert!(
            err.message().contains("code=<redacted>"),
            "{}",
            err.message()
        );
        assert!(!err.hint().unwrap_or_default().contains("log in again"));
        elsewhere.verify().await;
    }

    /// Issue 12: the token endpoint's answer had no size limit.
    #[tokio::test]
    async fn a_huge_token_answer_is_refused() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(
                ResponseTemplate::new(200).set_body_bytes(vec![b' '; MAX_ANSWER_BYTES + 1]),
            )
            .mount(&server)
            .await;
        let client = OAuthClient {
            auth_url: server.uri(),
            client_id: "c".into(),
            client_secret: "s".into(),
        };
        let http = crate::http::build_client(std::time::Duration::from_secs(5)).unwrap();
        let err = client.refresh(&http, "r").await.unwrap_err();
        assert!(err.message().contains("at most"), "{}", err.message());
    }
}
