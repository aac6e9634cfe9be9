//! The Jira endpoints: one wiremock responder per operation, named after its
//! operationId, translating HTTP to one [`crate::model`] call and back.
//!
//! Each responder identifies the caller ([`auth`]), reads the query or body
//! ([`crate::wire`]), calls one model method with the virtual `now`, and maps the
//! result to Jira's JSON or an `ErrorCollection` ([`crate::wire`]). The paths also
//! answer under the OAuth gateway prefix `/ex/jira/<cloudId>` and with a
//! trailing slash.

pub mod auth;

mod delete;
mod failed;
mod list;
mod not_found;
pub mod oauth;
mod refresh;
mod register;

use std::sync::Arc;

use wiremock::matchers::{any, method, path_regex};
use wiremock::{Match, Mock, MockServer, Request, Respond};

use crate::faults::{Delayed, FaultStore};
use crate::model::apps::{Caller, Identities};
use crate::store::Store;

pub use delete::DeleteWebhookById;
pub use failed::GetFailedWebhooks;
pub use list::GetDynamicWebhooksForApp;
pub use not_found::NotFound;
pub use refresh::RefreshWebhooks;
pub use register::RegisterDynamicWebhooks;

/// Priority of the fake's own mocks (wiremock: lower wins; tests mounting
/// with the default 5 or less take precedence).
pub const PRIORITY: u8 = 10;
/// Priority of the catch-all 404.
pub const CATCH_ALL_PRIORITY: u8 = u8::MAX;

const WEBHOOK: &str = r"^(/ex/jira/[^/]+)?/rest/api/3/webhook/?$";
const FAILED: &str = r"^(/ex/jira/[^/]+)?/rest/api/3/webhook/failed/?$";
const REFRESH: &str = r"^(/ex/jira/[^/]+)?/rest/api/3/webhook/refresh/?$";

/// What every responder shares: the store (the model, see
/// [`crate::store`]), the server's own base URL (the fallback for links)
/// and the fault rules (for latency).
#[derive(Clone)]
pub struct Ctx {
    pub(crate) store: Arc<Store>,
    pub(crate) base_url: String,
    pub(crate) faults: Arc<FaultStore>,
}

impl Ctx {
    /// `r`, delayed by the latency fault rules.
    pub(crate) fn delayed<R: Respond>(&self, r: R) -> Delayed<R> {
        Delayed::new(r, self.faults.clone())
    }
}

/// Mounts the five webhook operations, the OAuth 2.0 endpoints ([`oauth`])
/// and the catch-all 404 on `server`.
pub(crate) async fn mount(server: &MockServer, ctx: &Ctx) {
    let c = || ctx.clone();
    mount_one(
        server,
        "POST",
        WEBHOOK,
        "registerDynamicWebhooks",
        ctx.delayed(RegisterDynamicWebhooks(c())),
    )
    .await;
    mount_one(
        server,
        "GET",
        WEBHOOK,
        "getDynamicWebhooksForApp",
        ctx.delayed(GetDynamicWebhooksForApp(c())),
    )
    .await;
    mount_one(
        server,
        "DELETE",
        WEBHOOK,
        "deleteWebhookById",
        ctx.delayed(DeleteWebhookById(c())),
    )
    .await;
    mount_one(
        server,
        "GET",
        FAILED,
        "getFailedWebhooks",
        ctx.delayed(GetFailedWebhooks(c())),
    )
    .await;
    mount_one(
        server,
        "PUT",
        REFRESH,
        "refreshWebhooks",
        ctx.delayed(RefreshWebhooks(c())),
    )
    .await;
    mount_one(
        server,
        "GET",
        r"^/authorize/?$",
        "oauthAuthorize",
        oauth::Authorize(c()),
    )
    .await;
    mount_one(
        server,
        "POST",
        r"^/oauth/token/?$",
        "oauthToken",
        oauth::Token(c()),
    )
    .await;
    mount_one(
        server,
        "GET",
        r"^/oauth/token/accessible-resources/?$",
        "oauthAccessibleResources",
        oauth::AccessibleResources(c()),
    )
    .await;
    mount_one(
        server,
        "GET",
        r"^/_edge/tenant_info/?$",
        "tenantInfo",
        oauth::TenantInfo(c()),
    )
    .await;
    Mock::given(any())
        .respond_with(NotFound)
        .with_priority(CATCH_ALL_PRIORITY)
        .named("notFound")
        .mount(server)
        .await;
}

/// Mounts one responder for `verb` on paths matching `path`, named `name`
/// (the operationId), at [`PRIORITY`].
async fn mount_one(
    server: &MockServer,
    verb: &str,
    path: &str,
    name: &str,
    r: impl Respond + 'static,
) {
    Mock::given(method(verb))
        .and(path_regex(path))
        .respond_with(r)
        .with_priority(PRIORITY)
        .named(name)
        .mount(server)
        .await;
}

/// Matches requests made by one app (by its credentials), so a test can
/// inject faults for that app only. See [`app_caller`].
#[derive(Debug, Clone)]
pub struct AppCallerMatcher {
    app: String,
    identities: Identities,
}

impl AppCallerMatcher {
    /// Matches `app` identified among `identities` (use the fake's own).
    pub fn new(app: &str, identities: Identities) -> Self {
        Self {
            app: app.to_owned(),
            identities,
        }
    }
}

/// Matches requests whose credentials identify `app` among the default
/// identities (`oauth-app`, `other-app`, `com.example.connect-app`).
pub fn app_caller(app: &str) -> AppCallerMatcher {
    AppCallerMatcher::new(app, Identities::default())
}

impl Match for AppCallerMatcher {
    fn matches(&self, request: &Request) -> bool {
        matches!(auth::identify(request, &self.identities), Ok(Caller::App(a)) if a.app == self.app)
    }
}
