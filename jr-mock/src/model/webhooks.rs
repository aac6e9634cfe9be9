//! Registered dynamic webhooks: registration rules, ownership, offset pages,
//! 30-day expiry, refresh, and which webhooks an event matches.
//!
//! Sources: Jira REST v3 `registerDynamicWebhooks`, `getDynamicWebhooksForApp`,
//! `deleteWebhookById`, `refreshWebhooks`; the rules in
//! docs/jira-semantics.md §2.3, §3–§6. Every time is ms since the UNIX epoch.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::apps::{AppCaller, AppKind, ConnectApp};
use super::clock::MS_PER_DAY;
use crate::jql;

/// A webhook lives this long after registration or refresh.
pub const LIFETIME_MS: i64 = 30 * MS_PER_DAY;
/// An expired webhook stays listed (and refreshable) this long, then is purged.
pub const KEPT_AFTER_EXPIRY_MS: i64 = 90 * MS_PER_DAY;
/// The first ID handed out.
pub const FIRST_ID: i64 = 10_001;
/// The next ID once every ID has been handed out: IDs stay below it, and a
/// registration is then refused rather than wrapping to a negative ID or
/// overwriting another app's webhook.
pub const ID_EXHAUSTED: i64 = i64::MAX;
/// The item error of a registration once IDs are exhausted.
pub const IDS_EXHAUSTED: &str = "jr-mock has no webhook ID left (the last one is 9223372036854775806); reset it or start from a new state file";

/// The 20 event names of the spec's `WebhookDetails.events` enum: one list,
/// jr-core's, shared with `jr webhook trigger`.
pub use jr_core::webhook::events::EVENTS;

/// The request body of `registerDynamicWebhooks` (`WebhookRegistrationDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Where deliveries go.
    pub url: String,
    /// The webhooks to create, answered one result each, in this order.
    pub webhooks: Vec<WebhookSpec>,
}

/// One requested webhook (`WebhookDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSpec {
    /// Event names; each must be one of [`EVENTS`].
    pub events: Vec<String>,
    /// A filter in the webhook JQL subset (see [`crate::jql`]).
    pub jql_filter: String,
    /// For `jira:issue_updated`: only changes to these field IDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ids_filter: Option<Vec<String>>,
    /// For `issue_property_set`/`_deleted`: only these property keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_property_keys_filter: Option<Vec<String>>,
}

/// One registered webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Unique, increasing from [`FIRST_ID`].
    pub id: i64,
    /// The owning app's key.
    pub app: String,
    /// The user an OAuth token acted for; `None` for Connect apps.
    pub account_id: Option<String>,
    /// Where deliveries go.
    pub url: String,
    /// The registered spec (events, JQL text, filters).
    pub spec: WebhookSpec,
    query: jql::Query,
    /// Expiry, ms since the UNIX epoch; deliveries stop at this instant.
    pub expires_at_ms: i64,
}

impl Webhook {
    /// A webhook as it was saved (see `crate::state`), its JQL parsed again.
    /// Errors: the saved filter no longer parses.
    pub fn restore(
        id: i64,
        app: String,
        account_id: Option<String>,
        url: String,
        spec: WebhookSpec,
        expires_at_ms: i64,
    ) -> Result<Self, jql::JqlError> {
        let query = jql::parse(&spec.jql_filter)?;
        Ok(Self {
            id,
            app,
            account_id,
            url,
            spec,
            query,
            expires_at_ms,
        })
    }

    /// Whether it still delivers at `now_ms` (strictly before expiry).
    pub fn is_live(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms
    }

    /// Whether it is still listed at `now_ms` (live, or expired for at most 90 days).
    pub fn is_kept(&self, now_ms: i64) -> bool {
        now_ms <= self.expires_at_ms.saturating_add(KEPT_AFTER_EXPIRY_MS)
    }

    /// Whether `event` (a Jira event body) triggers this webhook: its name
    /// is registered, the field or property filter passes, and for issue
    /// events (see [`is_issue_event`]) the JQL matches the `issue`. Sprint
    /// and version events are not about an issue and match by name alone.
    pub fn matches(&self, event: &Value) -> bool {
        let Some(name) = event["webhookEvent"].as_str() else {
            return false;
        };
        self.spec.events.iter().any(|e| e == name)
            && self.passes_filters(name, event)
            && (!is_issue_event(name) || self.query.matches(&event["issue"]))
    }

    fn passes_filters(&self, name: &str, event: &Value) -> bool {
        let listed = |filter: &Option<Vec<String>>, candidates: Vec<&str>| match filter {
            Some(f) if !f.is_empty() => candidates.iter().any(|c| f.iter().any(|x| x == c)),
            _ => true,
        };
        match name {
            "jira:issue_updated" => listed(&self.spec.field_ids_filter, changed_fields(event)),
            "issue_property_set" | "issue_property_deleted" => {
                let key = event["property"]["key"].as_str().into_iter().collect();
                listed(&self.spec.issue_property_keys_filter, key)
            }
            _ => true,
        }
    }
}

/// Whether `webhook_event` is about one issue (issue, comment and issue
/// property events), so that the webhook's JQL applies to its `issue`.
pub fn is_issue_event(webhook_event: &str) -> bool {
    webhook_event.starts_with("jira:issue_")
        || webhook_event.starts_with("comment_")
        || webhook_event.starts_with("issue_property_")
}

fn changed_fields(event: &Value) -> Vec<&str> {
    let items = event["changelog"]["items"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    items
        .iter()
        .flat_map(|i| [i["fieldId"].as_str(), i["field"].as_str()])
        .flatten()
        .collect()
}

/// The outcome of one registration item, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemResult {
    /// Registered with this ID (`createdWebhookId`).
    Created(i64),
    /// Refused with these messages (`errors`).
    Rejected(Vec<String>),
}

/// Why a whole registration request is refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The app already has webhooks at another URL ("Only a single URL per app").
    #[error(
        "Only a single URL per app is allowed to be registered. This app already uses {existing}"
    )]
    SecondUrl {
        /// The URL the app's existing webhooks use.
        existing: String,
    },
}

/// The rules that apply to one registering app.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The caller.
    pub caller: &'a AppCaller,
    /// For a Connect app, its configuration (base-URL rule).
    pub connect: Option<&'a ConnectApp>,
    /// Maximum webhooks per Connect app, or per OAuth app per user.
    pub limit: usize,
    /// Whether a second distinct URL is allowed.
    pub allow_second_url: bool,
}

/// One offset page of an app's webhooks (`PageBeanWebhook`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPage {
    /// Index of the first value.
    pub start_at: u64,
    /// The page size asked for.
    pub max_results: u32,
    /// All of the app's listed webhooks.
    pub total: u64,
    /// Whether no value follows this page.
    pub is_last: bool,
    /// The webhooks, by ascending ID.
    pub values: Vec<Webhook>,
}

/// All webhooks of all apps.
#[derive(Debug, Clone)]
pub struct WebhookStore {
    next_id: i64,
    hooks: BTreeMap<i64, Webhook>,
}

impl Default for WebhookStore {
    fn default() -> Self {
        Self {
            next_id: FIRST_ID,
            hooks: BTreeMap::new(),
        }
    }
}

impl WebhookStore {
    /// Registers `reg` for `owner` at `now_ms`; one result per item, in order.
    ///
    /// Per-item errors: an event outside [`EVENTS`], empty or unsupported JQL,
    /// a URL that is not https (http is allowed on loopback) or outside a
    /// Connect app's base URL, the webhook limit.
    /// Errors: [`RegisterError::SecondUrl`] when the app already uses another URL.
    pub fn register(
        &mut self,
        owner: &Owner<'_>,
        reg: Registration,
        now_ms: i64,
    ) -> Result<Vec<ItemResult>, RegisterError> {
        self.purge(now_ms);
        if !owner.allow_second_url
            && let Some(existing) = self.foreign_url(&owner.caller.app, &reg.url)
        {
            return Err(RegisterError::SecondUrl { existing });
        }
        let url_errors = url_errors(&reg.url, owner.connect);
        let mut used = self.count_for_limit(owner.caller);
        let results = reg.webhooks.into_iter().map(|spec| {
            let mut errors = event_errors(&spec.events);
            errors.extend(url_errors.iter().cloned());
            let query =
                jql::parse(&spec.jql_filter).map_err(|e| errors.push(e.message().to_owned()));
            match query {
                Ok(_) if errors.is_empty() && self.next_id == ID_EXHAUSTED => {
                    ItemResult::Rejected(vec![IDS_EXHAUSTED.to_owned()])
                }
                Ok(q) if errors.is_empty() && used < owner.limit => {
                    used += 1;
                    ItemResult::Created(self.insert(owner.caller, &reg.url, spec, q, now_ms))
                }
                Ok(_) if errors.is_empty() => ItemResult::Rejected(vec![limit_message(owner)]),
                _ => ItemResult::Rejected(errors),
            }
        });
        Ok(results.collect())
    }

    fn insert(
        &mut self,
        caller: &AppCaller,
        url: &str,
        spec: WebhookSpec,
        query: jql::Query,
        now_ms: i64,
    ) -> i64 {
        let id = self.next_id;
        self.next_id = id.saturating_add(1);
        let hook = Webhook {
            id,
            app: caller.app.clone(),
            account_id: caller.account_id.clone(),
            url: url.to_owned(),
            spec,
            query,
            expires_at_ms: now_ms.saturating_add(LIFETIME_MS),
        };
        self.hooks.insert(id, hook);
        id
    }

    fn foreign_url(&self, app: &str, url: &str) -> Option<String> {
        self.hooks
            .values()
            .find(|h| h.app == app && h.url != url)
            .map(|h| h.url.clone())
    }

    /// Webhooks counting against `caller`'s limit. Expired webhooks that
    /// are still listed count too: they stay registered and can be
    /// refreshed (Jira's behaviour here is undocumented).
    fn count_for_limit(&self, caller: &AppCaller) -> usize {
        let same_owner = |h: &&Webhook| match caller.kind {
            AppKind::Connect => h.app == caller.app,
            AppKind::OAuth => h.app == caller.app && h.account_id == caller.account_id,
        };
        self.hooks.values().filter(same_owner).count()
    }

    /// The page of `app`'s listed webhooks starting at index `start_at`.
    pub fn list(&self, app: &str, start_at: u64, max_results: u32, now_ms: i64) -> WebhookPage {
        let own: Vec<&Webhook> = self.owned(app, now_ms).collect();
        let total = own.len() as u64;
        let values: Vec<Webhook> = own
            .into_iter()
            .skip(usize::try_from(start_at).unwrap_or(usize::MAX))
            .take(max_results as usize)
            .cloned()
            .collect();
        let is_last = start_at.saturating_add(values.len() as u64) >= total;
        WebhookPage {
            start_at,
            max_results,
            total,
            is_last,
            values,
        }
    }

    fn owned<'a>(&'a self, app: &'a str, now_ms: i64) -> impl Iterator<Item = &'a Webhook> + 'a {
        self.hooks
            .values()
            .filter(move |h| h.app == app && h.is_kept(now_ms))
    }

    /// Deletes those of `ids` that `app` owns; others are ignored.
    /// Returns how many were deleted.
    pub fn delete(&mut self, app: &str, ids: &[i64]) -> usize {
        let before = self.hooks.len();
        for id in ids {
            if self.hooks.get(id).is_some_and(|h| h.app == app) {
                self.hooks.remove(id);
            }
        }
        before - self.hooks.len()
    }

    /// Extends those of `ids` that `app` owns (and that are still listed) to
    /// `now_ms` + 30 days; others are ignored. Returns the new expiry, which
    /// is the answer even when nothing was refreshed.
    pub fn refresh(&mut self, app: &str, ids: &[i64], now_ms: i64) -> i64 {
        self.purge(now_ms);
        let expiry = now_ms.saturating_add(LIFETIME_MS);
        for id in ids {
            if let Some(h) = self.hooks.get_mut(id).filter(|h| h.app == app) {
                h.expires_at_ms = expiry;
            }
        }
        expiry
    }

    /// Drops webhooks expired for more than 90 days at `now_ms`.
    pub fn purge(&mut self, now_ms: i64) {
        self.hooks.retain(|_, h| h.is_kept(now_ms));
    }

    /// The live webhooks that `event` triggers, grouped by (app, URL) in the
    /// order of their lowest ID; IDs ascend within a group.
    pub fn matching(&self, event: &Value, now_ms: i64) -> Vec<MatchGroup> {
        let mut groups: Vec<MatchGroup> = Vec::new();
        let hits = self
            .hooks
            .values()
            .filter(|h| h.is_live(now_ms) && h.matches(event));
        for h in hits {
            match groups.iter_mut().find(|g| g.app == h.app && g.url == h.url) {
                Some(g) => g.webhook_ids.push(h.id),
                None => groups.push(MatchGroup {
                    app: h.app.clone(),
                    url: h.url.clone(),
                    webhook_ids: vec![h.id],
                }),
            }
        }
        groups
    }

    /// Every stored webhook, by ascending ID (for inspection).
    pub fn all(&self) -> impl Iterator<Item = &Webhook> {
        self.hooks.values()
    }

    /// The ID the next registered webhook gets.
    pub fn next_id(&self) -> i64 {
        self.next_id
    }

    /// A store holding `hooks`, handing out IDs from `next_id` on (raised
    /// above every held ID, so IDs stay unique whatever was saved; at
    /// [`ID_EXHAUSTED`] no ID is left and registrations are refused).
    pub fn restore(next_id: i64, hooks: Vec<Webhook>) -> Self {
        let highest = hooks
            .iter()
            .map(|h| h.id.saturating_add(1))
            .max()
            .unwrap_or(FIRST_ID);
        Self {
            next_id: next_id.max(highest).max(FIRST_ID),
            hooks: hooks.into_iter().map(|h| (h.id, h)).collect(),
        }
    }
}

/// The webhooks of one app (at one URL) that an event matched: one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchGroup {
    /// The owning app.
    pub app: String,
    /// The delivery URL.
    pub url: String,
    /// The matched IDs (`matchedWebhookIds`), ascending.
    pub webhook_ids: Vec<i64>,
}

fn event_errors(events: &[String]) -> Vec<String> {
    if events.is_empty() {
        return vec!["At least one event must be specified".to_owned()];
    }
    events
        .iter()
        .filter(|e| !EVENTS.contains(&e.as_str()))
        .map(|e| format!("The event {e} is not supported"))
        .collect()
}

fn limit_message(owner: &Owner<'_>) -> String {
    let per = match owner.caller.kind {
        AppKind::Connect => "per Connect app",
        AppKind::OAuth => "per OAuth 2.0 app per user",
    };
    format!(
        "jr-mock: webhook limit reached ({} webhooks {per})",
        owner.limit
    )
}

/// The messages for a webhook URL that breaks the URL rules: https only
/// (http allowed on 127.0.0.1, localhost, `[::1]`); a Connect app's URLs must
/// start with its base URL, except loopback http URLs when allowed.
pub fn url_errors(url: &str, connect: Option<&ConnectApp>) -> Vec<String> {
    let Ok(parsed) = url::Url::parse(url) else {
        return vec![format!("The webhook URL {url} is not a valid URL")];
    };
    let loopback_http = parsed.scheme() == "http" && is_loopback(&parsed);
    let mut errors = Vec::new();
    if parsed.scheme() != "https" && !loopback_http {
        errors.push(format!(
            "The webhook URL {url} must use https (http is accepted only on 127.0.0.1, localhost and [::1])"
        ));
    }
    if let Some(app) = connect {
        let exempt = loopback_http && app.allow_loopback_urls;
        if !exempt && !under_base(url, &app.base_url) {
            errors.push(format!(
                "The webhook URL must use the same base URL as the Connect app ({})",
                app.base_url
            ));
        }
    }
    errors
}

/// True for 127.0.0.0/8, ::1 and `localhost`.
pub(crate) fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn under_base(url: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    match url.strip_prefix(base) {
        Some(rest) => rest.is_empty() || rest.starts_with(['/', '?', '#']),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;

    fn oauth(app: &str, account: &str) -> AppCaller {
        AppCaller {
            app: app.into(),
            kind: AppKind::OAuth,
            account_id: Some(account.into()),
        }
    }

    fn owner(caller: &AppCaller) -> Owner<'_> {
        Owner {
            caller,
            connect: None,
            limit: 5,
            allow_second_url: false,
        }
    }

    fn spec(events: &[&str], jql: &str) -> WebhookSpec {
        WebhookSpec {
            events: events.iter().map(|s| s.to_string()).collect(),
            jql_filter: jql.into(),
            field_ids_filter: None,
            issue_property_keys_filter: None,
        }
    }

    fn reg(url: &str, specs: Vec<WebhookSpec>) -> Registration {
        Registration {
            url: url.into(),
            webhooks: specs,
        }
    }

    #[test]
    fn registration_answers_each_item_in_order() {
        let mut store = WebhookStore::default();
        let app = oauth("a", "u");
        let out = store
            .register(
                &owner(&app),
                reg(
                    "https://hooks.test/jira",
                    vec![
                        spec(&["jira:issue_created"], "project = ABC"),
                        spec(&["jira:issue_updated"], "project is not EMPTY"),
                        spec(&["comment_created"], "watchCount = 3"),
                        spec(&["jira:nope"], "project = ABC"),
                        spec(&["jira:issue_created"], ""),
                    ],
                ),
                NOW,
            )
            .unwrap();
        assert_eq!(out[0], ItemResult::Created(FIRST_ID));
        assert_eq!(
            out[1],
            ItemResult::Rejected(vec!["Operator is not is unsupported".into()])
        );
        assert_eq!(
            out[2],
            ItemResult::Rejected(vec!["The clause watchCount is unsupported".into()])
        );
        assert!(matches!(&out[3], ItemResult::Rejected(e) if e[0].contains("jira:nope")));
        assert!(matches!(&out[4], ItemResult::Rejected(e) if e[0].contains("empty")));
    }

    #[test]
    fn oauth_limit_counts_per_user_and_rejects_extra_items() {
        let mut store = WebhookStore::default();
        let (u1, u2) = (oauth("a", "u1"), oauth("a", "u2"));
        let six = vec![spec(&["jira:issue_created"], "project = A"); 6];
        let out = store
            .register(&owner(&u1), reg("https://h.test/x", six.clone()), NOW)
            .unwrap();
        assert_eq!(
            out.iter()
                .filter(|r| matches!(r, ItemResult::Created(_)))
                .count(),
            5
        );
        assert!(matches!(&out[5], ItemResult::Rejected(e) if e[0].contains("limit")));
        let out = store
            .register(&owner(&u2), reg("https://h.test/x", six), NOW)
            .unwrap();
        assert_eq!(
            out.iter()
                .filter(|r| matches!(r, ItemResult::Created(_)))
                .count(),
            5
        );
    }

    #[test]
    fn a_second_url_for_one_app_is_refused_unless_allowed() {
        let mut store = WebhookStore::default();
        let app = oauth("a", "u");
        let one = || vec![spec(&["jira:issue_created"], "project = A")];
        store
            .register(&owner(&app), reg("https://a.test/hook", one()), NOW)
            .unwrap();
        let err = store.register(&owner(&app), reg("https://b.test/hook", one()), NOW);
        assert!(matches!(err, Err(RegisterError::SecondUrl { .. })));
        let lenient = Owner {
            allow_second_url: true,
            ..owner(&app)
        };
        assert!(
            store
                .register(&lenient, reg("https://b.test/hook", one()), NOW)
                .is_ok()
        );
    }

    #[test]
    fn url_rules_cover_scheme_loopback_and_connect_base() {
        assert!(url_errors("https://x.test/h", None).is_empty());
        assert!(url_errors("http://127.0.0.1:9/h", None).is_empty());
        assert!(url_errors("http://localhost/h", None).is_empty());
        assert!(url_errors("http://[::1]:80/h", None).is_empty());
        assert_eq!(url_errors("http://x.test/h", None).len(), 1);
        assert_eq!(url_errors("not a url", None).len(), 1);
        let mut app = crate::model::apps::Identities::default()
            .connect_apps
            .remove(0);
        assert!(url_errors("https://connect-app.example.com/hook", Some(&app)).is_empty());
        assert_eq!(
            url_errors("https://connect-app.example.com.evil/x", Some(&app)).len(),
            1
        );
        assert!(url_errors("http://127.0.0.1:1/h", Some(&app)).is_empty());
        app.allow_loopback_urls = false;
        assert_eq!(url_errors("http://127.0.0.1:1/h", Some(&app)).len(), 1);
    }

    #[test]
    fn webhooks_expire_after_30_days_stay_listed_90_more_and_refresh_revives() {
        let mut store = WebhookStore::default();
        let app = oauth("a", "u");
        let s = vec![spec(&["jira:issue_created"], "project = ABC")];
        store
            .register(&owner(&app), reg("https://h.test/x", s), NOW)
            .unwrap();
        let event = json!({"webhookEvent": "jira:issue_created",
            "issue": {"key": "ABC-1", "fields": {"project": {"key": "ABC"}}}});
        assert_eq!(store.matching(&event, NOW).len(), 1);
        let later = NOW + LIFETIME_MS;
        assert!(store.matching(&event, later).is_empty());
        assert_eq!(store.list("a", 0, 100, later).total, 1);
        assert_eq!(store.refresh("a", &[FIRST_ID], later), later + LIFETIME_MS);
        assert_eq!(store.matching(&event, later).len(), 1);
        let gone = later + LIFETIME_MS + KEPT_AFTER_EXPIRY_MS + 1;
        assert_eq!(store.list("a", 0, 100, gone).total, 0);
    }

    #[test]
    fn matching_groups_one_delivery_per_app_and_url() {
        let mut store = WebhookStore::default();
        let (a, b) = (oauth("a", "u"), oauth("b", "u"));
        let two = vec![
            spec(&["jira:issue_created"], "project = ABC"),
            spec(
                &["jira:issue_created", "jira:issue_updated"],
                "status = 'To Do'",
            ),
        ];
        store
            .register(&owner(&a), reg("https://a.test/x", two.clone()), NOW)
            .unwrap();
        store
            .register(&owner(&b), reg("https://b.test/x", two), NOW)
            .unwrap();
        let event = json!({"webhookEvent": "jira:issue_created", "issue": {"key": "ABC-1",
            "fields": {"project": {"key": "ABC"}, "status": {"name": "To Do"}}}});
        let groups = store.matching(&event, NOW);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].webhook_ids, vec![FIRST_ID, FIRST_ID + 1]);
        assert_eq!(groups[1].app, "b");
    }

    #[test]
    fn field_and_property_filters_narrow_their_events() {
        let mut store = WebhookStore::default();
        let a = oauth("a", "u");
        let mut s = spec(
            &["jira:issue_updated", "issue_property_set"],
            "project = ABC",
        );
        s.field_ids_filter = Some(vec!["summary".into()]);
        s.issue_property_keys_filter = Some(vec!["k".into()]);
        store
            .register(&owner(&a), reg("https://a.test/x", vec![s]), NOW)
            .unwrap();
        let issue = json!({"key": "ABC-1", "fields": {"project": {"key": "ABC"}}});
        let upd = |field: &str| {
            json!({"webhookEvent": "jira:issue_updated", "issue": issue,
            "changelog": {"items": [{"field": field, "fieldId": field}]}})
        };
        assert_eq!(store.matching(&upd("summary"), NOW).len(), 1);
        assert!(store.matching(&upd("status"), NOW).is_empty());
        let prop = |key: &str| {
            json!({"webhookEvent": "issue_property_set", "issue": issue,
            "property": {"key": key}})
        };
        assert_eq!(store.matching(&prop("k"), NOW).len(), 1);
        assert!(store.matching(&prop("other"), NOW).is_empty());
    }

    #[test]
    fn delete_and_refresh_ignore_foreign_and_unknown_ids() {
        let mut store = WebhookStore::default();
        let (a, b) = (oauth("a", "u"), oauth("b", "u"));
        let s = vec![spec(&["jira:issue_created"], "project = A")];
        store
            .register(&owner(&a), reg("https://a.test/x", s), NOW)
            .unwrap();
        assert_eq!(store.delete("b", &[FIRST_ID, 999]), 0);
        store.refresh("b", &[FIRST_ID], NOW + 1000);
        let hook = store.list("a", 0, 10, NOW).values.remove(0);
        assert_eq!(hook.expires_at_ms, NOW + LIFETIME_MS);
        let _ = &b;
        assert_eq!(store.delete("a", &[FIRST_ID]), 1);
    }

    #[test]
    fn offset_pages_report_total_and_is_last() {
        let mut store = WebhookStore::default();
        let a = oauth("a", "u");
        let s = vec![spec(&["jira:issue_created"], "project = A"); 3];
        store
            .register(&owner(&a), reg("https://a.test/x", s), NOW)
            .unwrap();
        let p = store.list("a", 0, 2, NOW);
        assert_eq!((p.values.len(), p.total, p.is_last), (2, 3, false));
        let p = store.list("a", 2, 2, NOW);
        assert_eq!((p.values.len(), p.is_last), (1, true));
        assert!(store.list("a", u64::MAX, 2, NOW).is_last);
    }

    #[test]
    fn ids_never_wrap_past_i64_max_nor_overwrite_a_webhook() {
        let app = oauth("oauth-app", "u");
        let owner = owner(&app);
        let other = Webhook::restore(
            FIRST_ID,
            "other-app".into(),
            None,
            "https://h.test/x".into(),
            spec(&["jira:issue_created"], "project = A"),
            LIFETIME_MS,
        )
        .unwrap();
        let mut store = WebhookStore::restore(ID_EXHAUSTED - 1, vec![other]);
        let reg = |n: usize| {
            reg(
                "https://h.test/x",
                vec![spec(&["jira:issue_created"], "project = A"); n],
            )
        };
        let out = store.register(&owner, reg(2), 0).unwrap();
        assert_eq!(out[0], ItemResult::Created(ID_EXHAUSTED - 1));
        assert_eq!(out[1], ItemResult::Rejected(vec![IDS_EXHAUSTED.to_owned()]));
        let out = store.register(&owner, reg(1), 0).unwrap();
        assert_eq!(out[0], ItemResult::Rejected(vec![IDS_EXHAUSTED.to_owned()]));
        assert_eq!(store.all().count(), 2);
        assert_eq!(
            store.all().next().map(|h| h.app.as_str()),
            Some("other-app")
        );
        let at_max = WebhookStore::restore(0, store.all().cloned().collect());
        assert_eq!(at_max.next_id(), ID_EXHAUSTED);
    }
}
