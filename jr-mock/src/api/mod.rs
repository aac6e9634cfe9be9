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

use wiremock::{Match, Request};

use crate::model::apps::{Caller, Identities};
use crate::routes::{Path, Route};
use crate::store::Store;

pub use delete::DeleteWebhookById;
pub use failed::GetFailedWebhooks;
pub use list::GetDynamicWebhooksForApp;
pub use not_found::NotFound;
pub use refresh::RefreshWebhooks;
pub use register::RegisterDynamicWebhooks;

/// Priority of the fake's own mocks (wiremock: lower wins; tests mounting
/// with the default 5 or less take precedence).
pub const PRIORITY: u8 = crate::routes::PRIORITY;

/// The webhook paths; each also answers under the gateway prefix
/// `/ex/jira/<cloudId>` and with a trailing slash.
pub const WEBHOOK: &str = "/rest/api/3/webhook";
/// `getFailedWebhooks`' path.
pub const FAILED: &str = "/rest/api/3/webhook/failed";
/// `refreshWebhooks`' path.
pub const REFRESH: &str = "/rest/api/3/webhook/refresh";

/// What every responder shares: the store (the model, see
/// [`crate::store`]), the server's own base URL (the fallback for links)
/// and the fault rules.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) store: Arc<Store>,
    pub(crate) base_url: String,
}

/// The five webhook operations and the OAuth 2.0 endpoints ([`oauth`]),
/// each with its method, path and operationId, in the order they are
/// tried (see [`crate::routes`]).
pub(crate) fn routes(ctx: &Ctx) -> Vec<Route> {
    let c = || ctx.clone();
    vec![
        Route::new(
            "POST",
            Path::Api(WEBHOOK),
            "registerDynamicWebhooks",
            RegisterDynamicWebhooks(c()),
        ),
        Route::new(
            "GET",
            Path::Api(WEBHOOK),
            "getDynamicWebhooksForApp",
            GetDynamicWebhooksForApp(c()),
        ),
        Route::new(
            "DELETE",
            Path::Api(WEBHOOK),
            "deleteWebhookById",
            DeleteWebhookById(c()),
        ),
        Route::new(
            "GET",
            Path::Api(FAILED),
            "getFailedWebhooks",
            GetFailedWebhooks(c()),
        ),
        Route::new(
            "PUT",
            Path::Api(REFRESH),
            "refreshWebhooks",
            RefreshWebhooks(c()),
        ),
        Route::new(
            "GET",
            Path::Site("/authorize"),
            "oauthAuthorize",
            oauth::Authorize(c()),
        ),
        Route::new(
            "POST",
            Path::Site("/oauth/token"),
            "oauthToken",
            oauth::Token(c()),
        ),
        Route::new(
            "GET",
            Path::Site("/oauth/token/accessible-resources"),
            "oauthAccessibleResources",
            oauth::AccessibleResources(c()),
        ),
        Route::new(
            "GET",
            Path::Site("/_edge/tenant_info"),
            "tenantInfo",
            oauth::TenantInfo(c()),
        ),
    ]
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
