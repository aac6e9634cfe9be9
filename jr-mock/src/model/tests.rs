//! Model rules with explicit `now`, and property tests of its invariants.

use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;
use serde_json::json;

use super::apps::{AppCaller, AppKind, Identities};
use super::deliveries::{AttemptResult, Outcome};
use super::failed::FailedRecord;
use super::webhooks::{FIRST_ID, ItemResult, LIFETIME_MS, Registration, WebhookSpec};
use super::*;

const NOW: i64 = 1_700_000_000_000;

fn caller(app: &str, kind: AppKind) -> AppCaller {
    AppCaller {
        app: app.into(),
        kind,
        account_id: (kind == AppKind::OAuth).then(|| "acc".to_owned()),
    }
}

fn model(rules: Rules) -> Model {
    Model::new(Identities::default(), rules, NOW, Some(42)).unwrap()
}

fn registration(url: &str, jqls: &[&str]) -> Registration {
    Registration {
        url: url.into(),
        webhooks: jqls
            .iter()
            .map(|j| WebhookSpec {
                events: vec!["jira:issue_created".into()],
                jql_filter: (*j).into(),
                field_ids_filter: None,
                issue_property_keys_filter: None,
            })
            .collect(),
    }
}

fn event() -> serde_json::Value {
    json!({"webhookEvent": "jira:issue_created", "issue": {"key": "ABC-1",
        "fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Bug"}, "status": {"name": "To Do"}}}})
}

#[test]
fn an_event_queues_one_delivery_per_app_with_timestamp_and_matched_ids() {
    let mut m = model(Rules::default());
    let a = caller("oauth-app", AppKind::OAuth);
    m.register(
        &a,
        registration(
            "http://127.0.0.1:1/h",
            &["project = ABC", "status = 'to do'", "project = X"],
        ),
        NOW,
    )
    .unwrap();
    let ids = m.enqueue_event(&event(), NOW + 5).unwrap();
    assert_eq!(ids.len(), 1);
    let (at, due) = m.deliveries.take_due(NOW + 5).unwrap();
    assert_eq!(at, NOW + 5);
    let body: serde_json::Value = serde_json::from_str(&due[0].body).unwrap();
    assert_eq!(body["timestamp"], NOW + 5);
    assert_eq!(body["matchedWebhookIds"], json!([FIRST_ID, FIRST_ID + 1]));
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "timestamp",
            "webhookEvent",
            "issue_event_type_name",
            "issue",
            "matchedWebhookIds"
        ]
    );
    assert_eq!(body["issue_event_type_name"], "issue_created");
}

#[test]
fn expired_webhooks_deliver_nothing() {
    let mut m = model(Rules::default());
    let a = caller("oauth-app", AppKind::OAuth);
    m.register(
        &a,
        registration("http://127.0.0.1:1/h", &["project = ABC"]),
        NOW,
    )
    .unwrap();
    assert!(
        m.enqueue_event(&event(), NOW + LIFETIME_MS)
            .unwrap()
            .is_empty()
    );
    assert!(m.enqueue_event(&json!({"issue": {}}), NOW).is_err());
}

#[test]
fn a_delivery_failing_six_times_becomes_one_failed_record() {
    let mut m = model(Rules {
        retry_delay_ms: Some(1_000),
        switches: crate::switches::Switches {
            oauth_reads_failed: true,
            ..Default::default()
        },
        ..Rules::default()
    });
    let a = caller("oauth-app", AppKind::OAuth);
    m.register(
        &a,
        registration("http://127.0.0.1:1/h", &["project = ABC"]),
        NOW,
    )
    .unwrap();
    let id = m.enqueue_event(&event(), NOW).unwrap().remove(0);
    let mut outcomes = Vec::new();
    while let Some((at, due)) = m.deliveries.take_due(i64::MAX) {
        for d in due {
            outcomes.push(
                m.finish_attempt(d, at, &AttemptResult::Status(503), Default::default())
                    .outcome,
            );
        }
    }
    assert_eq!(outcomes.len(), 6);
    assert_eq!(outcomes[5], Outcome::Failed);
    let page = m.failed_page(&a, None, 100, NOW + 5_000).unwrap();
    assert_eq!(page.values.len(), 1);
    assert_eq!(page.values[0].id, id);
    assert_eq!(page.values[0].failure_time_ms, NOW + 5_000);
    assert_eq!(m.deliveries.attempts().count(), 6);
}

#[test]
fn only_connect_apps_read_failures_unless_oauth_reads_failed() {
    let mut m = model(Rules::default());
    let oauth = caller("oauth-app", AppKind::OAuth);
    assert!(m.failed_page(&oauth, None, 10, NOW).is_err());
    m.rules.switches.oauth_reads_failed = true;
    assert!(m.failed_page(&oauth, None, 10, NOW).is_ok());
    assert!(
        m.failed_page(
            &caller("com.example.connect-app", AppKind::Connect),
            None,
            10,
            NOW
        )
        .is_ok()
    );
}

#[test]
fn connect_apps_get_the_base_url_rule_and_100_webhooks() {
    let mut m = model(Rules::default());
    let c = caller("com.example.connect-app", AppKind::Connect);
    let out = m
        .register(
            &c,
            registration("https://elsewhere.test/h", &["project = A"]),
            NOW,
        )
        .unwrap();
    assert!(matches!(&out[0], ItemResult::Rejected(e) if e[0].contains("base URL")));
    let many = vec!["project = A"; 101];
    let out = m
        .register(
            &c,
            registration("https://connect-app.example.com/h", &many),
            NOW,
        )
        .unwrap();
    assert_eq!(
        out.iter()
            .filter(|r| matches!(r, ItemResult::Created(_)))
            .count(),
        100
    );
}

// ---------------------------------------------------------------- properties

const APPS: [(&str, AppKind); 3] = [
    ("oauth-app", AppKind::OAuth),
    ("other-app", AppKind::OAuth),
    ("com.example.connect-app", AppKind::Connect),
];

#[derive(Debug, Clone)]
enum Op {
    Register { app: usize, valid: Vec<bool> },
    Delete { app: usize, ids: Vec<i64> },
    Refresh { app: usize, ids: Vec<i64> },
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let app = 0..APPS.len();
    let ids = prop::collection::vec(FIRST_ID - 2..FIRST_ID + 40, 0..6);
    prop_oneof![
        (app.clone(), prop::collection::vec(any::<bool>(), 0..5))
            .prop_map(|(app, valid)| Op::Register { app, valid }),
        (app.clone(), ids.clone()).prop_map(|(app, ids)| Op::Delete { app, ids }),
        (app, ids).prop_map(|(app, ids)| Op::Refresh { app, ids }),
        (0..40 * clock::MS_PER_DAY).prop_map(Op::Advance),
    ]
}

fn snapshot(m: &Model) -> BTreeMap<i64, (String, i64)> {
    m.webhooks
        .all()
        .map(|h| (h.id, (h.app.clone(), h.expires_at_ms)))
        .collect()
}

fn others(s: &BTreeMap<i64, (String, i64)>, app: &str) -> Vec<(i64, (String, i64))> {
    s.iter()
        .filter(|(_, (a, _))| a != app)
        .map(|(k, v)| (*k, v.clone()))
        .collect()
}

fn apply(
    m: &mut Model,
    op: &Op,
    now: &mut i64,
    seen: &mut HashSet<i64>,
) -> Result<(), TestCaseError> {
    match op {
        Op::Register { app, valid } => {
            let (name, kind) = APPS[*app];
            let url = if kind == AppKind::Connect {
                "https://connect-app.example.com/h"
            } else {
                "https://x.test/h"
            };
            let jqls: Vec<&str> = valid
                .iter()
                .map(|v| if *v { "project = A" } else { "priority = 1" })
                .collect();
            m.webhooks.purge(*now);
            let before = others(&snapshot(m), name);
            let out = m
                .register(&caller(name, kind), registration(url, &jqls), *now)
                .unwrap();
            for r in out {
                if let ItemResult::Created(id) = r {
                    prop_assert!(seen.insert(id), "ID {} handed out twice", id);
                }
            }
            prop_assert_eq!(before, others(&snapshot(m), name));
        }
        Op::Delete { app, ids } => {
            let (name, kind) = APPS[*app];
            let before = others(&snapshot(m), name);
            m.delete(&caller(name, kind), ids);
            prop_assert_eq!(before, others(&snapshot(m), name));
        }
        Op::Refresh { app, ids } => {
            let (name, kind) = APPS[*app];
            m.webhooks.purge(*now);
            let before = others(&snapshot(m), name);
            m.refresh(&caller(name, kind), ids, *now);
            prop_assert_eq!(before, others(&snapshot(m), name));
        }
        Op::Advance(ms) => *now += ms,
    }
    Ok(())
}

fn check_lists(m: &Model, now: i64) -> Result<(), TestCaseError> {
    for (name, kind) in APPS {
        let page = m.list(&caller(name, kind), 0, u32::MAX, now);
        prop_assert!(
            page.values.iter().all(|h| h.app == name),
            "{} saw a foreign webhook",
            name
        );
        let stored = m
            .webhooks
            .all()
            .filter(|h| h.app == name && h.is_kept(now))
            .count();
        prop_assert_eq!(page.total as usize, stored);
    }
    Ok(())
}

proptest! {
    #[test]
    fn apps_never_see_refresh_or_delete_each_others_webhooks_and_ids_are_unique(ops in prop::collection::vec(op(), 1..40)) {
        let mut m = model(Rules { webhook_limit: Some(1_000), ..Rules::default() });
        let (mut now, mut seen) = (NOW, HashSet::new());
        for op in &ops {
            apply(&mut m, op, &mut now, &mut seen)?;
            check_lists(&m, now)?;
        }
    }

    #[test]
    fn failed_pages_never_split_ties_skip_or_repeat(
        recs in prop::collection::vec((0..2usize, 0..12i64), 0..60),
        max_results in 1..12usize,
        after in prop::option::of(-1..12i64),
    ) {
        let mut store = failed::FailedStore::default();
        for (i, (app, t)) in recs.iter().enumerate() {
            let record = FailedRecord { app: ["a", "b"][*app].into(), id: format!("{i:03}"), body: "{}".into(), url: "u".into(), failure_time_ms: *t };
            store.add(record, 0);
        }
        let mut expected: Vec<(i64, String)> = store.all().iter()
            .filter(|r| r.app == "a" && after.is_none_or(|a| r.failure_time_ms > a))
            .map(|r| (r.failure_time_ms, r.id.clone())).collect();
        expected.sort();
        let (mut got, mut cursor, mut last_page_end) = (Vec::new(), after, None::<i64>);
        for _ in 0..=recs.len() + 1 {
            let page = store.page("a", cursor, max_results, 20);
            let Some(next) = page.next_after else { break };
            let first = page.values[0].failure_time_ms;
            prop_assert!(last_page_end.is_none_or(|end| end < first), "tie split across pages");
            prop_assert!(page.values.len() >= max_results.min(expected.len() - got.len()));
            got.extend(page.values.iter().map(|r| (r.failure_time_ms, r.id.clone())));
            last_page_end = Some(next);
            cursor = Some(next);
        }
        prop_assert_eq!(got, expected);
    }
}
