//! The fake's state and Jira's rules over it, free of HTTP and wall time.
//!
//! Every rule takes the current time explicitly as `now_ms` (ms since the
//! UNIX epoch), so tests and property tests drive it directly. The HTTP
//! layer ([`crate::api`], [`crate::control`]) reads [`Model::now_ms`] and
//! passes it in.

pub mod apps;
pub mod clock;
pub mod deliveries;
pub mod failed;
pub mod issues;
pub mod oauth;
pub mod rng;
pub mod seed;
pub mod seed_from;
pub mod webhooks;

use serde_json::{Map, Value};

use crate::switches::Switches;

use apps::{AppCaller, AppKind, Identities};
use clock::{Clock, ClockError};
use deliveries::{AttemptRecord, AttemptResult, Delivery, DeliveryBook, Flow, Outcome};
use failed::{FailedPage, FailedRecord, FailedStore};
use issues::{Actor, Issue, IssueError, IssueStore, Site};
use rng::Rng;
use seed::Seed;
use webhooks::{ItemResult, Owner, RegisterError, Registration, WebhookPage, WebhookStore};

/// Webhooks per Connect app (Jira's documented limit).
pub const CONNECT_LIMIT: usize = 100;
/// Webhooks per OAuth 2.0 app per user (Jira's documented limit).
pub const OAUTH_LIMIT: usize = 5;
/// The cloud ID of the fake's one site when none is configured: what
/// `/_edge/tenant_info` and `/oauth/token/accessible-resources` name, and
/// the only `{cloudId}` the gateway prefix `/ex/jira/{cloudId}` accepts.
pub const DEFAULT_CLOUD_ID: &str = "a436116f-02ce-4520-8fbb-7301462a1674";
/// Bounds of the random retry delay when none is configured: 5–15 minutes, in ms.
pub const RETRY_DELAY_RANGE_MS: (u64, u64) = (5 * 60_000, 15 * 60_000);

/// The configurable parts of Jira's behaviour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// Fixed delay between attempts in ms; `None` draws 5–15 minutes each time.
    pub retry_delay_ms: Option<u64>,
    /// Overrides both limits ([`CONNECT_LIMIT`], [`OAUTH_LIMIT`]).
    pub webhook_limit: Option<usize>,
    /// The on/off departures from Jira's behaviour (see [`crate::switches`]):
    /// `oauth_reads_failed` lets OAuth apps read `getFailedWebhooks`
    /// (by default they get 403, as the spec's text says),
    /// `allow_second_url` lets an app register at a second URL,
    /// `duplicate_deliveries` sends every delivered (2xx) attempt once more,
    /// identical (same `X-Atlassian-Webhook-Identifier`).
    pub switches: Switches,
}

/// Why `getFailedWebhooks` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FailedError {
    /// An OAuth app called it (unless `oauth_reads_failed` is set).
    #[error("The caller is not a Connect app")]
    NotConnect,
}

/// Why an event cannot be emitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The event is not a JSON object with a string `webhookEvent`.
    #[error("an event must be a JSON object with a string \"webhookEvent\"")]
    Malformed,
    /// `webhookEvent` is none of the 20 names of the spec's
    /// `WebhookDetails.events` enum ([`webhooks::EVENTS`]); no webhook could
    /// ever match it.
    #[error("unknown webhookEvent {0:?}: expected one of {list}", list = webhooks::EVENTS.join(", "))]
    UnknownEvent(String),
    /// An issue, comment or property event lacks the object Jira always sends with it.
    #[error("a {event} event must carry a JSON object \"{field}\"{also}")]
    MissingField {
        /// The event name.
        event: String,
        /// The missing field (`issue`, `comment`, `property`).
        field: &'static str,
        /// Extra requirement, e.g. ` with a string "key"`.
        also: &'static str,
    },
}

/// Checks that `event` names one of the 20 events of the spec's enum and
/// carries what Jira sends with an event of its kind:
/// `issue` for issue, comment and property events, `comment` for comment
/// events, `property` with a string `key` for property events.
/// Errors: [`EventError`].
pub fn check_event(event: &Value) -> Result<&Map<String, Value>, EventError> {
    let Some((fields, name)) = event
        .as_object()
        .and_then(|m| Some((m, m.get("webhookEvent")?.as_str()?)))
    else {
        return Err(EventError::Malformed);
    };
    if !webhooks::EVENTS.contains(&name) {
        return Err(EventError::UnknownEvent(name.to_owned()));
    }
    let missing = |field, also| EventError::MissingField {
        event: name.to_owned(),
        field,
        also,
    };
    let has_object = |field: &str| fields.get(field).is_some_and(Value::is_object);
    if webhooks::is_issue_event(name) && !has_object("issue") {
        return Err(missing("issue", ""));
    }
    if name.starts_with("comment_") && !has_object("comment") {
        return Err(missing("comment", ""));
    }
    if name.starts_with("issue_property_") && !event["property"]["key"].is_string() {
        return Err(missing("property", " with a string \"key\""));
    }
    Ok(fields)
}

/// Jira's `issue_event_type_name` for an event that has one.
pub fn issue_event_type_name(webhook_event: &str) -> Option<&'static str> {
    Some(match webhook_event {
        "jira:issue_created" => "issue_created",
        "jira:issue_updated" => "issue_updated",
        "jira:issue_deleted" => "issue_deleted",
        "comment_created" => "issue_commented",
        "comment_updated" => "issue_comment_edited",
        "comment_deleted" => "issue_comment_deleted",
        _ => return None,
    })
}

/// The whole state of one fake Jira.
#[derive(Debug, Clone)]
pub struct Model {
    /// Who may call.
    pub identities: Identities,
    /// Configured behaviour.
    pub rules: Rules,
    /// The virtual clock.
    pub clock: Clock,
    /// Registered webhooks.
    pub webhooks: WebhookStore,
    /// Failed deliveries.
    pub failed: FailedStore,
    /// Pending deliveries and the attempt log.
    pub deliveries: DeliveryBook,
    /// OAuth 2.0 (3LO) codes and tokens issued by the fake's authorization server.
    pub oauth: oauth::OAuthSessions,
    /// The site's cloud ID ([`DEFAULT_CLOUD_ID`] unless configured).
    pub cloud_id: String,
    /// The site's users and projects ([`Seed::default`] unless `--seed`).
    pub seed: Seed,
    /// The issues (see [`issues`]).
    pub issues: IssueStore,
    /// The site's base URL for `self` links in events (`http://127.0.0.1:PORT`).
    pub site_url: String,
    rng: Rng,
}

impl Model {
    /// A fresh model at `start_ms`; `seed` fixes delivery IDs and random delays.
    /// Errors: [`ClockError`] when `start_ms` is out of range.
    pub fn new(
        identities: Identities,
        rules: Rules,
        start_ms: i64,
        seed: Option<u64>,
    ) -> Result<Self, ClockError> {
        Ok(Self {
            identities,
            rules,
            clock: Clock::new(start_ms)?,
            webhooks: WebhookStore::default(),
            failed: FailedStore::default(),
            deliveries: DeliveryBook::default(),
            oauth: oauth::OAuthSessions::default(),
            cloud_id: DEFAULT_CLOUD_ID.to_owned(),
            seed: Seed::default(),
            issues: IssueStore::default(),
            site_url: "http://localhost".to_owned(),
            rng: Rng::new(seed),
        })
    }

    /// The OAuth 2.0 sessions with the random source their tokens are drawn from.
    pub fn oauth_parts(&mut self) -> (&mut oauth::OAuthSessions, &mut Rng) {
        (&mut self.oauth, &mut self.rng)
    }

    /// The virtual time, ms since the UNIX epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Forgets webhooks, failures, issues, pending deliveries and the log;
    /// keeps the identities, the seed, the rules and the clock. IDs start
    /// again at 10001 (webhooks) and 10000 (issues).
    pub fn reset(&mut self) {
        self.webhooks = WebhookStore::default();
        self.issues = IssueStore::default();
        self.failed = FailedStore::default();
        self.deliveries = self.deliveries.next_epoch();
    }

    /// The webhook limit for an app of `kind`.
    pub fn limit(&self, kind: AppKind) -> usize {
        self.rules.webhook_limit.unwrap_or(match kind {
            AppKind::Connect => CONNECT_LIMIT,
            AppKind::OAuth => OAUTH_LIMIT,
        })
    }

    /// `registerDynamicWebhooks` for `caller` at `now_ms`.
    /// Errors: [`RegisterError`] (400) for a second URL.
    pub fn register(
        &mut self,
        caller: &AppCaller,
        reg: Registration,
        now_ms: i64,
    ) -> Result<Vec<ItemResult>, RegisterError> {
        let owner = Owner {
            caller,
            connect: self.identities.connect_app(&caller.app),
            limit: self.limit(caller.kind),
            allow_second_url: self.rules.switches.allow_second_url,
        };
        self.webhooks.register(&owner, reg, now_ms)
    }

    /// `getDynamicWebhooksForApp`: a page of the caller's own webhooks.
    pub fn list(
        &self,
        caller: &AppCaller,
        start_at: u64,
        max_results: u32,
        now_ms: i64,
    ) -> WebhookPage {
        self.webhooks
            .list(&caller.app, start_at, max_results, now_ms)
    }

    /// `deleteWebhookById`: deletes the caller's own webhooks among `ids`.
    pub fn delete(&mut self, caller: &AppCaller, ids: &[i64]) -> usize {
        self.webhooks.delete(&caller.app, ids)
    }

    /// `refreshWebhooks`: extends the caller's own webhooks among `ids`; returns the new expiry.
    pub fn refresh(&mut self, caller: &AppCaller, ids: &[i64], now_ms: i64) -> i64 {
        self.webhooks.refresh(&caller.app, ids, now_ms)
    }

    /// `getFailedWebhooks`: a page of the caller's own failures.
    /// Errors: [`FailedError::NotConnect`] for OAuth apps unless `oauth_reads_failed`.
    pub fn failed_page(
        &self,
        caller: &AppCaller,
        after: Option<i64>,
        max_results: usize,
        now_ms: i64,
    ) -> Result<FailedPage, FailedError> {
        if !self.rules.switches.oauth_reads_failed && caller.kind != AppKind::Connect {
            return Err(FailedError::NotConnect);
        }
        Ok(self.failed.page(&caller.app, after, max_results, now_ms))
    }

    /// Matches `event` against live webhooks at `now_ms` and queues one
    /// delivery per app (and URL), first attempt due at `now_ms`. The payload
    /// is `{"timestamp": now_ms, "webhookEvent", "issue_event_type_name"
    /// (added for issue and comment events when absent), …the event's other
    /// fields…, "matchedWebhookIds": […]}`.
    /// Returns the new deliveries' IDs.
    /// Errors: [`EventError`] (see [`check_event`]).
    pub fn enqueue_event(&mut self, event: &Value, now_ms: i64) -> Result<Vec<String>, EventError> {
        self.enqueue_in_flow(event, Flow::Primary, now_ms)
    }

    /// [`Model::enqueue_event`] with the deliveries sent in `flow`.
    fn enqueue_in_flow(
        &mut self,
        event: &Value,
        flow: Flow,
        now_ms: i64,
    ) -> Result<Vec<String>, EventError> {
        let fields = check_event(event)?;
        let seen = self.issues.with_properties(event);
        let groups = self
            .webhooks
            .matching(seen.as_ref().unwrap_or(event), now_ms);
        let ids = groups.into_iter().map(|g| {
            let id = self.rng.uuid();
            let body = payload(fields, now_ms, &g.webhook_ids);
            let seq =
                self.deliveries
                    .enqueue(id.clone(), g.app, g.url, g.webhook_ids, body, now_ms);
            self.deliveries.set_flow(seq, flow);
            id
        });
        Ok(ids.collect())
    }

    /// `createIssue` by `actor` at `now_ms`; enqueues `jira:issue_created`
    /// for every matching webhook (see [`issues`]). Returns the new issue
    /// and how many deliveries were queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn create_issue(
        &mut self,
        actor: &Actor,
        fields: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(Issue, usize), IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (issue, events) = self.issues.create(site, actor, fields, now_ms)?;
        Ok((issue, self.enqueue_all(&events, now_ms)))
    }

    /// `createIssues`: creates each element of `issueUpdates` that Jira
    /// would accept; enqueues `jira:issue_created` for each. Returns the
    /// per-element results and how many deliveries were queued.
    pub fn create_issues(
        &mut self,
        actor: &Actor,
        elements: &[Value],
        now_ms: i64,
    ) -> (Vec<Result<Issue, IssueError>>, usize) {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (results, events) = self.issues.create_many(site, actor, elements, now_ms);
        (results, self.enqueue_all(&events, now_ms))
    }

    /// `editIssue`: sets `edits.0` (`fields`) of the issue `key_or_id` and
    /// applies `edits.1` (`update`); enqueues `jira:issue_updated` when
    /// something changed. Returns the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn edit_issue(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        edits: (&Map<String, Value>, &Map<String, Value>),
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let events = self
            .issues
            .edit_with(site, actor, key_or_id, edits.0, edits.1, now_ms)?;
        Ok(self.enqueue_all(&events, now_ms))
    }

    /// `doTransition`: moves the issue along `transition_id`, setting
    /// `edits` (`fields`, `update`); enqueues `jira:issue_updated`.
    /// Returns the deliveries queued. Errors: [`IssueError`], nothing changed.
    pub fn transition_issue(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        transition_id: &str,
        edits: (&Map<String, Value>, &Map<String, Value>),
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let events =
            self.issues
                .transition_with(site, actor, key_or_id, transition_id, edits, now_ms)?;
        Ok(self.enqueue_all(&events, now_ms))
    }

    /// `deleteIssue`: removes the issue (and, with `delete_subtasks`, its
    /// subtasks); enqueues `jira:issue_deleted` for each, and the comments'
    /// `comment_deleted` as the `Secondary` flow. Returns the deliveries
    /// queued. Errors: [`IssueError`], nothing changed.
    pub fn delete_issue(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        delete_subtasks: bool,
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (events, cascade) = self
            .issues
            .delete_with(site, actor, key_or_id, delete_subtasks)?;
        let queued = self.enqueue_all(&events, now_ms);
        Ok(queued + self.enqueue_all_in(&cascade, Flow::Secondary, now_ms))
    }

    /// `assignIssue`: assigns the issue to `account` (`None`: unassigned;
    /// `"-1"`: the project's lead, its default assignee); enqueues
    /// `jira:issue_updated` (`issue_assigned`) when it changed. Returns the
    /// deliveries queued. Errors: [`IssueError`] (an unknown account:
    /// `errors.assignee`), nothing changed.
    pub fn assign_issue(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        account: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let lead = self
            .issues
            .find(key_or_id)
            .and_then(|i| self.seed.project(&i.project))
            .map(|p| p.lead.clone());
        let assignee = match account {
            None => Value::Null,
            Some("-1") => serde_json::json!({ "accountId": lead }),
            Some(a) => serde_json::json!({ "accountId": a }),
        };
        let fields = Map::from_iter([("assignee".to_owned(), assignee)]);
        self.edit_issue(actor, key_or_id, (&fields, &Map::new()), now_ms)
    }

    /// `addComment`: adds `given.0` (ADF) with the visibility `given.1`
    /// to the issue; enqueues
    /// `comment_created` and `jira:issue_updated` (see [`issues::comments`]).
    /// Returns the comment and the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn add_comment(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        given: (Option<&Value>, Option<issues::comments::Visibility>),
        now_ms: i64,
    ) -> Result<(issues::comments::Comment, usize), IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (comment, events) = self
            .issues
            .add_comment_with(site, actor, key_or_id, given, now_ms)?;
        Ok((comment, self.enqueue_all(&events, now_ms)))
    }

    /// `updateComment`: replaces the body of the comment `at.1` on the
    /// issue `at.0` (and its visibility, when given); enqueues
    /// `comment_updated`. Returns the comment and the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn update_comment(
        &mut self,
        actor: &Actor,
        at: (&str, &str),
        given: (Option<&Value>, Option<issues::comments::Visibility>),
        now_ms: i64,
    ) -> Result<(issues::comments::Comment, usize), IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (comment, events) = self
            .issues
            .update_comment_with(site, actor, at, given, now_ms)?;
        Ok((comment, self.enqueue_all(&events, now_ms)))
    }

    /// `deleteComment`: removes the comment; enqueues `comment_deleted`.
    /// Returns the deliveries queued. Errors: [`IssueError`], nothing changed.
    pub fn delete_comment(
        &mut self,
        key_or_id: &str,
        comment_id: &str,
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let events = self.issues.delete_comment(site, key_or_id, comment_id)?;
        Ok(self.enqueue_all(&events, now_ms))
    }

    /// `setIssueProperty`: stores `value` (`chars` characters of JSON
    /// text) under `key` on the issue; enqueues `issue_property_set`.
    /// Returns whether it was created and the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn set_issue_property(
        &mut self,
        key_or_id: &str,
        key: &str,
        value: &Value,
        chars: usize,
        now_ms: i64,
    ) -> Result<(issues::properties::SetOutcome, usize), IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (outcome, events) = self
            .issues
            .set_property(site, key_or_id, key, value, chars)?;
        Ok((outcome, self.enqueue_all(&events, now_ms)))
    }

    /// `deleteIssueProperty`: removes `key` from the issue; enqueues
    /// `issue_property_deleted`. Returns the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn delete_issue_property(
        &mut self,
        key_or_id: &str,
        key: &str,
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let events = self.issues.delete_property(site, key_or_id, key)?;
        Ok(self.enqueue_all(&events, now_ms))
    }

    /// `addWorklog`: logs work on the issue; enqueues `jira:issue_updated`
    /// (`issue_work_logged`; `worklog_created` matches no dynamic webhook,
    /// see [`issues::worklogs`]). Returns the worklog and the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn add_worklog(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        body: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(issues::worklogs::Worklog, usize), IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (worklog, events) = self
            .issues
            .add_worklog(site, actor, key_or_id, body, now_ms)?;
        Ok((worklog, self.enqueue_all(&events, now_ms)))
    }

    /// `updateWorklog`: as [`Model::add_worklog`] for a change
    /// (`issue_worklog_updated`).
    /// Errors: [`IssueError`], nothing changed.
    pub fn update_worklog(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        worklog_id: &str,
        body: &Map<String, Value>,
        now_ms: i64,
    ) -> Result<(issues::worklogs::Worklog, usize), IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let (worklog, events) = self
            .issues
            .update_worklog(site, actor, key_or_id, worklog_id, body, now_ms)?;
        Ok((worklog, self.enqueue_all(&events, now_ms)))
    }

    /// `deleteWorklog`: removes the worklog; enqueues `jira:issue_updated`
    /// (`issue_worklog_deleted`). Returns the deliveries queued.
    /// Errors: [`IssueError`], nothing changed.
    pub fn delete_worklog(
        &mut self,
        actor: &Actor,
        key_or_id: &str,
        worklog_id: &str,
        now_ms: i64,
    ) -> Result<usize, IssueError> {
        let site = Site {
            seed: &self.seed,
            base: &self.site_url,
        };
        let events = self
            .issues
            .delete_worklog(site, actor, key_or_id, worklog_id, now_ms)?;
        Ok(self.enqueue_all(&events, now_ms))
    }

    /// Enqueues each of the model's own events (well formed, see
    /// [`check_event`]; `worklog_*`, which no dynamic webhook can
    /// register, queue nothing); returns the deliveries queued.
    fn enqueue_all(&mut self, events: &[Value], now_ms: i64) -> usize {
        self.enqueue_all_in(events, Flow::Primary, now_ms)
    }

    /// [`Model::enqueue_all`] in `flow`.
    fn enqueue_all_in(&mut self, events: &[Value], flow: Flow, now_ms: i64) -> usize {
        events
            .iter()
            .map(|e| {
                self.enqueue_in_flow(e, flow, now_ms)
                    .map_or(0, |ids| ids.len())
            })
            .sum()
    }

    /// The delay before the next retry, ms.
    pub fn retry_delay_ms(&mut self) -> i64 {
        let (lo, hi) = RETRY_DELAY_RANGE_MS;
        let d = match self.rules.retry_delay_ms {
            Some(d) => d,
            None => self.rng.in_range(lo, hi),
        };
        i64::try_from(d).unwrap_or(i64::MAX)
    }

    /// Records the `result` of an attempt at `at_ms`: reschedules, records a
    /// failure after the last retry, logs the attempt. Returns the log entry.
    pub fn finish_attempt(
        &mut self,
        delivery: Delivery,
        at_ms: i64,
        result: &AttemptResult,
        headers: Map<String, Value>,
    ) -> AttemptRecord {
        let attempt = delivery.attempts + 1;
        let delay = self.retry_delay_ms();
        let degrade = self.rules.switches.degrade_failing_urls;
        let decision = self
            .deliveries
            .decide(delivery.clone(), result, at_ms, delay, degrade);
        if decision.outcome == Outcome::Failed {
            let record = FailedRecord {
                app: delivery.app.clone(),
                id: delivery.id.clone(),
                body: delivery.body.clone(),
                url: delivery.url.clone(),
                failure_time_ms: at_ms,
            };
            self.failed.add(record, at_ms);
        }
        let entry = deliveries::record(&delivery, attempt, at_ms, result, decision, headers);
        self.deliveries.log(entry.clone());
        entry
    }

    /// Logs the duplicate of a delivered attempt (see
    /// [`Switches::duplicate_deliveries`]): `delivery` as it was for that
    /// attempt. A duplicate is never retried nor recorded as failed.
    pub fn log_duplicate(
        &mut self,
        delivery: &Delivery,
        at_ms: i64,
        result: &AttemptResult,
        headers: Map<String, Value>,
    ) -> AttemptRecord {
        let outcome = if result.is_success() {
            Outcome::Delivered
        } else {
            Outcome::Rejected
        };
        let decision = deliveries::Decision {
            outcome,
            next_attempt_ms: None,
        };
        let attempt = delivery.attempts + 1;
        let mut entry = deliveries::record(delivery, attempt, at_ms, result, decision, headers);
        entry.duplicate = true;
        self.deliveries.log(entry.clone());
        entry
    }
}

fn payload(event: &Map<String, Value>, now_ms: i64, ids: &[i64]) -> String {
    let mut m = Map::new();
    m.insert("timestamp".into(), now_ms.into());
    for (k, v) in event {
        if k != "timestamp" && k != "matchedWebhookIds" {
            m.insert(k.clone(), v.clone());
        }
        let type_name = issue_event_type_name(v.as_str().unwrap_or_default());
        if k == "webhookEvent"
            && !event.contains_key("issue_event_type_name")
            && let Some(t) = type_name
        {
            m.insert("issue_event_type_name".into(), t.into());
        }
    }
    m.insert("matchedWebhookIds".into(), ids.into());
    Value::Object(m).to_string()
}

#[cfg(test)]
mod tests;
