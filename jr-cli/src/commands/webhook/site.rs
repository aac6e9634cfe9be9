//! What the webhook commands share beside the REST API: the client for
//! requests without Jira's credentials, the jr-mock behind the configured
//! site (if it is one), and the time that webhook expiry is measured
//! against: jr-mock's virtual clock when the server is a jr-mock, so that
//! its time and jr's warnings agree, else this machine's clock.

use crate::context::Ctx;
use jr_core::Error;
use jr_core::webhook::mock_site::MockSite;
use jr_core::webhook::outbound::Outbound;

/// A webhook this close to its `expirationDate` gets a warning (the list,
/// `status`): 7 days, in ms.
pub const EXPIRY_WARNING_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// A client for requests that carry no Jira credentials, with `--timeout`.
///
/// Errors (exit 1): the TLS set-up fails.
pub fn outbound(ctx: &Ctx) -> Result<Outbound, Error> {
    Outbound::new(ctx.globals.timeout)
}

/// The jr-mock answering at the configured site base URL (`--base-url`,
/// `JR_BASE_URL`, the profile's `base_url`, also when API calls go through
/// the gateway with `--cloud-id`); `None` for a real site or no site.
///
/// Errors: those of the settings (exit 1), Ctrl-C (exit 130).
pub fn mock(ctx: &mut Ctx) -> Result<Option<MockSite>, Error> {
    let Some(site) = ctx.settings()?.site_url.clone() else {
        return Ok(None);
    };
    let outbound = outbound(ctx)?;
    ctx.exec
        .block_on(async { Ok(MockSite::detect(&outbound, &site).await) })
}

/// Now, in ms since the UNIX epoch: `mock`'s virtual clock when there is
/// one, else this machine's clock.
///
/// Errors: jr-mock's clock cannot be read (exit 1), Ctrl-C (exit 130).
pub fn now_ms(ctx: &mut Ctx, mock: Option<&MockSite>) -> Result<i64, Error> {
    match mock {
        Some(mock) => ctx.exec.block_on(mock.now_ms()),
        None => Ok(jiff::Timestamp::now().as_millisecond()),
    }
}

/// Now by the server's clock: [`mock`] then [`now_ms`].
///
/// Errors: as theirs.
pub fn server_now_ms(ctx: &mut Ctx) -> Result<i64, Error> {
    let mock = mock(ctx)?;
    now_ms(ctx, mock.as_ref())
}
