//! Model-based test (proptest-state-machine): random sequences of
//! register, list, refresh, delete, event, clock advance, failed-list and
//! reset calls for three apps go to a real jr-mock over HTTP and to a small
//! reference model written from the semantics page; every answer must
//! agree. `other-app`'s receiver always answers 500, so its deliveries are
//! retried on the virtual clock and end as failure records.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use jr_mock::FakeJira;
use jr_mock::model::clock::format_jira_datetime;
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use serde_json::{Value, json};
use wiremock::MockServer;

const DAY: i64 = 86_400_000;
const FIRST_ID: i64 = 10_001;
const LIFETIME: i64 = 30 * DAY;
const KEPT_AFTER_EXPIRY: i64 = 90 * DAY;
const FAILED_RETENTION: i64 = 3 * DAY;
/// `common::config()`'s fixed retry delay.
const RETRY_DELAY: i64 = 60_000;
const RETRIES: i64 = 5;

/// The apps: key, credentials, the status their receiver answers, limit.
const APPS: [(&str, Auth<'static>, u16, usize); 3] = [
    ("oauth-app", OAUTH, 200, 5),
    ("other-app", OTHER, 500, 5),
    ("com.example.connect-app", Auth::Connect, 204, 100),
];
const FAILING_APP: usize = 1;

/// Filters: the first matches the emitted event, the second does not, the
/// third is refused per item.
const FILTERS: [&str; 3] = ["project = ABC", "project = XYZ", "watchCount = 3"];

#[derive(Debug, Clone)]
enum Step {
    Register { app: usize, filters: Vec<usize> },
    List { app: usize },
    Refresh { app: usize, ids: Vec<i64> },
    Delete { app: usize, ids: Vec<i64> },
    Event,
    Advance(i64),
    Failed { app: usize },
    Reset,
}

#[derive(Debug, Clone)]
struct Hook {
    app: usize,
    matches: bool,
    expires: i64,
}

impl Hook {
    fn kept(&self, now: i64) -> bool {
        now <= self.expires + KEPT_AFTER_EXPIRY
    }
}

/// The reference model, plus what the last step should have answered.
#[derive(Debug, Clone)]
struct Model {
    now: i64,
    next_id: i64,
    hooks: BTreeMap<i64, Hook>,
    /// Start times of the failing app's deliveries (each fails for good
    /// `RETRIES` delays later).
    failing: Vec<i64>,
    /// Register: per item, the created ID or `None` for an error.
    expected_items: Vec<Option<i64>>,
    /// Event: per app with matches, the matched IDs.
    expected_deliveries: Vec<(usize, Vec<i64>)>,
}

impl Model {
    fn own_kept(&self, app: usize) -> impl Iterator<Item = (&i64, &Hook)> {
        self.hooks
            .iter()
            .filter(move |(_, h)| h.app == app && h.kept(self.now))
    }

    fn failure_times(&self) -> Vec<i64> {
        let done = self.failing.iter().map(|t| t + RETRIES * RETRY_DELAY);
        done.filter(|f| *f <= self.now && self.now - f < FAILED_RETENTION)
            .collect()
    }
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            now: START_MS,
            next_id: FIRST_ID,
            hooks: BTreeMap::new(),
            failing: Vec::new(),
            expected_items: Vec::new(),
            expected_deliveries: Vec::new(),
        })
        .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        let app = 0..APPS.len();
        let ids = prop::collection::vec(FIRST_ID - 1..state.next_id + 1, 0..3);
        let filter = prop_oneof![3 => Just(0), 2 => Just(1), 1 => Just(2)];
        let advance =
            prop::sample::select(&[RETRY_DELAY, 3_600_000, DAY, 3 * DAY, 31 * DAY, 100 * DAY][..]);
        prop_oneof![
            5 => (app.clone(), prop::collection::vec(filter, 1..5))
                .prop_map(|(app, filters)| Step::Register { app, filters }),
            3 => app.clone().prop_map(|app| Step::List { app }),
            2 => (app.clone(), ids.clone()).prop_map(|(app, ids)| Step::Refresh { app, ids }),
            1 => (app.clone(), ids).prop_map(|(app, ids)| Step::Delete { app, ids }),
            3 => Just(Step::Event),
            3 => advance.prop_map(Step::Advance),
            2 => app.prop_map(|app| Step::Failed { app }),
            1 => Just(Step::Reset),
        ]
        .boxed()
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        let now = state.now;
        match step {
            Step::Register { app, filters } => {
                let mut used = state.own_kept(*app).count();
                let limit = APPS[*app].3;
                state.expected_items = filters
                    .iter()
                    .map(|f| {
                        if *f == 2 || used >= limit {
                            return None;
                        }
                        used += 1;
                        let id = state.next_id;
                        state.next_id += 1;
                        let hook = Hook {
                            app: *app,
                            matches: *f == 0,
                            expires: now + LIFETIME,
                        };
                        state.hooks.insert(id, hook);
                        Some(id)
                    })
                    .collect();
            }
            Step::Refresh { app, ids } => {
                for id in ids {
                    if let Some(h) = state.hooks.get_mut(id)
                        && h.app == *app
                        && h.kept(now)
                    {
                        h.expires = now + LIFETIME;
                    }
                }
            }
            Step::Delete { app, ids } => {
                state
                    .hooks
                    .retain(|id, h| !(h.app == *app && ids.contains(id)));
            }
            Step::Event => {
                let mut deliveries = Vec::new();
                for app in 0..APPS.len() {
                    let matched: Vec<i64> = state
                        .hooks
                        .iter()
                        .filter(|(_, h)| h.app == app && h.matches && now < h.expires)
                        .map(|(id, _)| *id)
                        .collect();
                    if !matched.is_empty() {
                        if app == FAILING_APP {
                            state.failing.push(now);
                        }
                        deliveries.push((app, matched));
                    }
                }
                state.expected_deliveries = deliveries;
            }
            Step::Advance(ms) => state.now += ms,
            Step::Reset => {
                state.hooks.clear();
                state.next_id = FIRST_ID;
                state.failing.clear();
            }
            Step::List { .. } | Step::Failed { .. } => {}
        }
        state
    }
}

/// jr-mock plus the three receivers, driven from a runtime of its own.
struct Sut {
    rt: tokio::runtime::Runtime,
    jira: Option<FakeJira>,
    receivers: Vec<MockServer>,
    client: reqwest::Client,
}

impl Sut {
    fn call(&self, verb: &str, path: &str, app: usize, body: Option<Value>) -> (u16, Value) {
        let jira = self.jira.as_ref().unwrap();
        let url = format!("{}{path}", jira.base_url());
        let auth = APPS[app].1;
        self.rt
            .block_on(send_with(&self.client, verb, &url, auth, body.as_ref()))
    }

    fn control(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.jira.as_ref().unwrap().base_url());
        let (status, answer) = self.rt.block_on(send_with(
            &self.client,
            "POST",
            &url,
            Auth::None,
            Some(&body),
        ));
        assert_eq!(status, 200, "{answer}");
        answer
    }
}

struct JrMockOverHttp;

impl StateMachineTest for JrMockOverHttp {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(_: &Model) -> Sut {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (jira, receivers) = rt.block_on(async {
            let mut receivers = Vec::new();
            for (_, _, status, _) in APPS {
                receivers.push(receiver(status).await);
            }
            (fake().await, receivers)
        });
        let client = rt.block_on(async { client() });
        Sut {
            rt,
            jira: Some(jira),
            receivers,
            client,
        }
    }

    fn apply(sut: Sut, model: &Model, step: Step) -> Sut {
        let now = model.now;
        match step {
            Step::Register { app, filters } => {
                let webhooks: Vec<Value> = filters
                    .iter()
                    .map(|f| json!({"events": ["jira:issue_created"], "jqlFilter": FILTERS[*f]}))
                    .collect();
                let url = format!("{}/hook", sut.receivers[app].uri());
                let body = json!({"url": url, "webhooks": webhooks});
                let (status, answer) = sut.call("POST", "/rest/api/3/webhook", app, Some(body));
                assert_eq!(status, 200, "{answer}");
                let got: Vec<Option<i64>> = answer["webhookRegistrationResult"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["createdWebhookId"].as_i64())
                    .collect();
                assert_eq!(got, model.expected_items, "{answer}");
            }
            Step::List { app } => {
                let (status, page) =
                    sut.call("GET", "/rest/api/3/webhook?maxResults=1000", app, None);
                assert_eq!(status, 200);
                let got: Vec<(i64, String)> = page["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| {
                        let date = v["expirationDate"].as_str().unwrap().to_owned();
                        (v["id"].as_i64().unwrap(), date)
                    })
                    .collect();
                let want: Vec<(i64, String)> = model
                    .own_kept(app)
                    .map(|(id, h)| (*id, format_jira_datetime(h.expires)))
                    .collect();
                assert_eq!(got, want);
                assert_eq!(page["total"], json!(want.len()));
            }
            Step::Refresh { app, ids } => {
                let body = json!({"webhookIds": ids});
                let (status, answer) =
                    sut.call("PUT", "/rest/api/3/webhook/refresh", app, Some(body));
                assert_eq!(status, 200);
                let want = format_jira_datetime(now + LIFETIME);
                assert_eq!(answer, json!({"expirationDate": want}));
            }
            Step::Delete { app, ids } => {
                let body = json!({"webhookIds": ids});
                let (status, _) = sut.call("DELETE", "/rest/api/3/webhook", app, Some(body));
                assert_eq!(status, 202);
            }
            Step::Event => {
                let report = sut.control("/_mock/events", event("ABC"));
                assert_eq!(report["timestamp"], now);
                let mut got: Vec<(usize, Vec<i64>)> = report["deliveries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        let app = APPS.iter().position(|a| d["app"] == a.0).unwrap();
                        let ids = d["webhookIds"].as_array().unwrap().iter();
                        (app, ids.map(|i| i.as_i64().unwrap()).collect())
                    })
                    .collect();
                got.sort();
                assert_eq!(got, model.expected_deliveries);
            }
            Step::Advance(ms) => {
                let answer = sut.control("/_mock/clock", json!({"advanceMs": ms}));
                assert_eq!(answer, json!({"nowMs": now}));
            }
            Step::Failed { app } => {
                let (status, page) = sut.call(
                    "GET",
                    "/rest/api/3/webhook/failed?maxResults=1000",
                    app,
                    None,
                );
                assert_eq!(status, 200);
                let got: Vec<i64> = page["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["failureTime"].as_i64().unwrap())
                    .collect();
                let want = if app == FAILING_APP {
                    model.failure_times()
                } else {
                    Vec::new()
                };
                assert_eq!(got, want);
            }
            Step::Reset => {
                let answer = sut.control("/_mock/reset", json!({}));
                assert_eq!(answer, json!({"nowMs": now}));
            }
        }
        sut
    }

    fn teardown(mut sut: Sut, _: Model) {
        drop(sut.jira.take());
        let receivers = std::mem::take(&mut sut.receivers);
        sut.rt.block_on(async move { drop(receivers) });
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 40,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn jr_mock_answers_like_the_reference_model(sequential 1..40 => JrMockOverHttp);
}
