//! Concurrency: bounded clients for three apps register, list, refresh and
//! delete at once (each also aims deletes and refreshes at other apps'
//! IDs); afterwards every invariant holds: IDs are unique, each app lists
//! exactly its acknowledged, undeleted webhooks, never another app's, and
//! never more than its limit.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use common::*;
use jr_mock::model::{CONNECT_LIMIT, OAUTH_LIMIT};
use serde_json::json;

const CLIENTS_PER_APP: u64 = 3;
const REQUESTS_PER_CLIENT: usize = 30;
const APPS: [(&str, Auth<'static>); 3] = [
    ("oauth-app", OAUTH),
    ("other-app", OTHER),
    ("com.example.connect-app", Auth::Connect),
];

/// What the clients saw acknowledged, per app.
#[derive(Default)]
struct Ledger {
    created: HashMap<&'static str, Vec<i64>>,
    deleted: HashMap<&'static str, BTreeSet<i64>>,
    listed: HashMap<&'static str, BTreeSet<i64>>,
    all_created: Vec<i64>,
}

/// xorshift: a deterministic choice of operations per client.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

async fn client(
    base: String,
    app: &'static str,
    auth: Auth<'static>,
    seed: u64,
    ledger: Arc<Mutex<Ledger>>,
) {
    let mut rng = seed;
    let url = |p: &str| format!("{base}{p}");
    let http = common::client();
    let send = |verb: &'static str, url: String, body: Option<serde_json::Value>| {
        let http = http.clone();
        async move { send_with(&http, verb, &url, auth, body.as_ref()).await }
    };
    for _ in 0..REQUESTS_PER_CLIENT {
        let known: Vec<i64> = ledger.lock().unwrap().all_created.clone();
        let pick = |r: u64| known.get(r as usize % known.len().max(1)).copied();
        match next(&mut rng) % 4 {
            0 => {
                let hooks =
                    vec![json!({"events": ["jira:issue_created"], "jqlFilter": "project = A"}); 2];
                let body = json!({"url": "http://127.0.0.1:9/hook", "webhooks": hooks});
                let (status, answer) = send("POST", url("/rest/api/3/webhook"), Some(body)).await;
                assert_eq!(status, 200, "{answer}");
                let ids = created_ids(&answer);
                let mut l = ledger.lock().unwrap();
                l.created.entry(app).or_default().extend(&ids);
                l.all_created.extend(&ids);
            }
            1 => {
                let (status, page) =
                    send("GET", url("/rest/api/3/webhook?maxResults=1000"), None).await;
                assert_eq!(status, 200, "{page}");
                let ids = page["values"].as_array().unwrap().iter();
                let ids: Vec<i64> = ids.map(|v| v["id"].as_i64().unwrap()).collect();
                ledger
                    .lock()
                    .unwrap()
                    .listed
                    .entry(app)
                    .or_default()
                    .extend(ids);
            }
            2 => {
                let ids: Vec<i64> = [pick(next(&mut rng)), pick(next(&mut rng))]
                    .into_iter()
                    .flatten()
                    .collect();
                let body = json!({"webhookIds": ids});
                let (status, _) = send("PUT", url("/rest/api/3/webhook/refresh"), Some(body)).await;
                assert_eq!(status, 200);
            }
            _ => {
                let ids: Vec<i64> = pick(next(&mut rng)).into_iter().collect();
                let body = json!({"webhookIds": ids});
                let (status, _) = send("DELETE", url("/rest/api/3/webhook"), Some(body)).await;
                assert_eq!(status, 202);
                let mut l = ledger.lock().unwrap();
                let own: Vec<i64> = ids
                    .into_iter()
                    .filter(|id| l.created.get(app).is_some_and(|c| c.contains(id)))
                    .collect();
                l.deleted.entry(app).or_default().extend(own);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_never_break_an_invariant() {
    invariants_hold(fake().await).await;
}

/// The same, answered by the front door without wiremock (the binary's
/// mode), where requests really run in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_never_break_an_invariant_without_wiremock() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    invariants_hold(jr_mock::FakeJira::serve(config(), listener).await.unwrap()).await;
}

async fn invariants_hold(jira: jr_mock::FakeJira) {
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    let tasks: Vec<_> = APPS
        .iter()
        .enumerate()
        .flat_map(|(a, (app, auth))| {
            (0..CLIENTS_PER_APP).map(move |c| (a as u64 * 10 + c + 1, *app, *auth))
        })
        .map(|(seed, app, auth)| {
            let seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            tokio::spawn(client(jira.base_url(), app, auth, seed, ledger.clone()))
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }

    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    let unique: BTreeSet<i64> = ledger.all_created.iter().copied().collect();
    assert_eq!(unique.len(), ledger.all_created.len(), "IDs are unique");
    assert!(!unique.is_empty());
    for (app, auth) in APPS {
        let (status, page) = call(
            &jira,
            "GET",
            "/rest/api/3/webhook?maxResults=1000",
            auth,
            None,
        )
        .await;
        assert_eq!(status, 200);
        let listed: BTreeSet<i64> = page["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_i64().unwrap())
            .collect();
        let created: BTreeSet<i64> = ledger
            .created
            .get(app)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        let deleted = ledger.deleted.get(app).cloned().unwrap_or_default();
        let expected: BTreeSet<i64> = created.difference(&deleted).copied().collect();
        assert_eq!(listed, expected, "{app}: acknowledged and not deleted");
        let seen = ledger.listed.get(app).cloned().unwrap_or_default();
        assert!(
            seen.is_subset(&created),
            "{app} only ever sees its own webhooks"
        );
        let limit = if app.contains("connect") {
            CONNECT_LIMIT
        } else {
            OAUTH_LIMIT
        };
        assert!(listed.len() <= limit, "{app}: {} > {limit}", listed.len());
        assert_eq!(page["total"], json!(listed.len()));
    }
}
