//! The fake's OAuth 2.0 (3LO) side over HTTP: bad requests to `/authorize`
//! and `/oauth/token` get RFC 6749 errors, `accessible-resources` needs a
//! live issued token, `tenant_info` answers anyone, and a scoped API token
//! works only under the gateway prefix.

use crate::common;

use common::*;
use jr_mock::{FakeJira, Identities};
use serde_json::{Value, json};

async fn get(url: &str, bearer: Option<&str>) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token(jira: &FakeJira, body: Value) -> (u16, Value) {
    let response = client()
        .post(format!("{}/oauth/token", jira.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn should_refuse_bad_authorize_and_token_requests_with_oauth_errors() {
    let jira = fake().await;
    let base = jira.base_url();
    let (status, body) = get(
        &format!(
            "{base}/authorize?client_id=nope&redirect_uri=http://127.0.0.1:1/cb&response_type=code"
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_client"))
    );
    let (status, body) = get(&format!("{base}/authorize?client_id=oauth-app&redirect_uri=http://127.0.0.1:1/cb&response_type=token"), None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("unsupported_response_type"))
    );
    // Issue 12: a redirect to javascript:, data: or file: is refused, never sent.
    for target in [
        "javascript:alert(document.cookie)",
        "data:text/html,x",
        "file:///etc/passwd",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let (status, body) = get(
            &format!("{base}/authorize?client_id=oauth-app&redirect_uri={encoded}&response_type=code&state=s"),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].clone()),
            (400, json!("invalid_request")),
            "{target}"
        );
    }

    let creds = json!({"client_id": "oauth-app", "client_secret": "oauth-app-secret"});
    let with = |extra: Value| {
        let mut body = creds.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let (status, body) = token(&jira, with(json!({"grant_type": "password"}))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("unsupported_grant_type"))
    );
    let (status, body) = token(
        &jira,
        with(json!({"grant_type": "authorization_code", "code": "nope", "redirect_uri": "x"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].clone()),
        (403, json!("invalid_grant"))
    );
    let (status, body) = token(&jira, json!({"grant_type": "refresh_token", "client_id": "oauth-app", "client_secret": "bad", "refresh_token": "x"})).await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("invalid_client"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn should_issue_tokens_that_reach_the_site_until_they_expire() {
    let jira = fake().await;
    let base = jira.base_url();
    let (status, _) = get(&format!("{base}/authorize?client_id=oauth-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&response_type=code&state=s&scope=manage%3Ajira-webhook"), None).await;
    assert_eq!(status, 302);
    let location = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base}/authorize?client_id=oauth-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb&response_type=code&state=s2&scope=manage%3Ajira-webhook"))
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let location = url::Url::parse(&location).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert!(location.as_str().contains("state=s2"), "{location}");
    let (status, set) = token(&jira, json!({"grant_type": "authorization_code", "client_id": "oauth-app",
        "client_secret": "oauth-app-secret", "code": code, "redirect_uri": "http://127.0.0.1:1/cb"})).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["refresh_token"], Value::Null, "no offline_access asked");
    let access = set["access_token"].as_str().unwrap().to_owned();

    let (status, sites) = get(
        &format!("{base}/oauth/token/accessible-resources"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 200);
    let cloud_id = sites[0]["id"].as_str().unwrap().to_owned();
    let (_, tenant) = get(&format!("{base}/_edge/tenant_info"), None).await;
    assert_eq!(tenant["cloudId"], json!(cloud_id));
    let (status, _) = get(
        &format!("{base}/ex/jira/{cloud_id}/rest/api/3/webhook"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 200);

    jira.advance_ms(3_600_000).await.unwrap();
    let (status, _) = get(
        &format!("{base}/ex/jira/{cloud_id}/rest/api/3/webhook"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 401, "expired on the virtual clock");
    let (status, _) = get(
        &format!("{base}/oauth/token/accessible-resources"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn should_accept_a_scoped_api_token_only_through_the_gateway() {
    let mut identities = Identities::default();
    identities.users[0].scoped = true;
    let jira = FakeJira::start_with(jr_mock::MockConfig {
        identities,
        ..config()
    })
    .await;
    let base = jira.base_url();
    let call = |url: String| async move {
        client()
            .get(url)
            .basic_auth("user@example.com", Some("user-token"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(call(format!("{base}/rest/api/3/webhook")).await, 401);
    // Through the gateway the token is accepted; a person still is not an app.
    assert_eq!(
        call(format!(
            "{base}/ex/jira/a436116f-02ce-4520-8fbb-7301462a1674/rest/api/3/webhook"
        ))
        .await,
        403
    );
}
