//! The one execution path for requests, generated or hand-written: the
//! invocation's settings (flags, environment, profile, keychain), an OAuth
//! 2.0 session kept fresh, `--retries`/`--timeout`/`--verbose`/
//! `--max-response-size` on the client, `--record` (every exchange written
//! into a directory, opened before the first request; nothing under
//! `--dry-run`), pages followed up to `--max-pages`, and Ctrl-C ending the
//! work at once with exit 130.
//!
//! Each call blocks on a current-thread tokio runtime made on first use.
//! Tokio catches SIGINT from the first call on: a hand-written command that
//! waits for something else afterwards must wait inside [`Exec::block_on`]
//! so that Ctrl-C still ends it.

use crate::globals::Globals;
use crate::progress::Progress;
use crate::{keychain, session, signals};
use jr_core::Error;
use jr_core::config::{self, Overrides, Settings};
use jr_core::http::{HttpClient, Response};
use jr_core::ops::Pagination;
use jr_core::paginate::{self, Page};
use jr_core::record::Recorder;
use jr_core::request::RequestPlan;
use jr_core::retry::RetryPolicy;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Sends the requests of one invocation.
pub struct Exec {
    overrides: Overrides,
    client: ClientOptions,
    max_pages: usize,
    /// `--limit`: items a listing stops after.
    limit: Option<usize>,
    /// Resolved on first use, and replaced by renewed OAuth 2.0 tokens.
    settings: Option<Settings>,
    runtime: Option<tokio::runtime::Runtime>,
    /// `--record DIR` and `--record-pseudonymise`, until the recorder is
    /// opened into [`ClientOptions::recorder`].
    record: Option<(PathBuf, bool)>,
}

/// What the global flags say about each request.
#[derive(Clone)]
struct ClientOptions {
    timeout: Duration,
    retry: RetryPolicy,
    verbose: bool,
    max_response_bytes: u64,
    recorder: Option<Arc<Recorder>>,
}

impl Exec {
    /// An execution path with the global flags' settings; reads and sends
    /// nothing yet.
    pub fn new(globals: &Globals) -> Exec {
        Exec {
            overrides: globals.overrides.clone(),
            client: ClientOptions {
                timeout: globals.timeout,
                retry: RetryPolicy {
                    max_retries: globals.retries,
                    retry_unsafe: globals.retry_unsafe,
                    ..RetryPolicy::default()
                },
                verbose: globals.verbose,
                max_response_bytes: globals.max_response_bytes,
                recorder: None,
            },
            max_pages: globals.max_pages,
            limit: globals.limit,
            settings: None,
            runtime: None,
            // `--dry-run` sends nothing that could be recorded; any read a
            // dry run still makes is not recorded either.
            record: globals
                .record
                .as_ref()
                .filter(|_| !globals.dry_run)
                .map(|dir| (PathBuf::from(dir), globals.record_pseudonymise)),
        }
    }

    /// Opens the `--record` directory on the first request: created when
    /// missing, checked writable, its key read or made.
    ///
    /// Errors (exit 1): see [`Recorder::open`]; nothing has been sent.
    fn open_recorder(&mut self) -> Result<(), Error> {
        if let Some((dir, pseudonymise)) = &self.record {
            let recorder = Recorder::open(dir, *pseudonymise)?;
            self.client.recorder = Some(Arc::new(recorder));
            self.record = None;
        }
        Ok(())
    }

    /// The first recording that could not be written after its exchange,
    /// if any (see [`jr_core::record`]); asked once, at the end of the run.
    pub fn recording_failure(&self) -> Option<Error> {
        self.client.recorder.as_ref().and_then(|r| r.failure())
    }

    /// The target and credentials: flags, then the environment, then the
    /// profile of the config file, with secrets kept in the OS keychain
    /// filled in. Read once.
    ///
    /// Errors: exit 1 for configuration problems (no base URL, an unreadable
    /// config file, a missing keychain entry); exit 4 for bad flag values.
    pub fn settings(&mut self) -> Result<&Settings, Error> {
        let settings = match self.settings.take() {
            Some(settings) => settings,
            None => resolve(&self.overrides)?,
        };
        Ok(self.settings.insert(settings))
    }

    /// Runs `work` on the runtime unless SIGINT (Ctrl-C) or SIGTERM comes
    /// first: then the work is dropped where it waits (a request, a retry's
    /// sleep) and the answer is exit 130 or 143 (see [`signals`]).
    ///
    /// Errors: those of `work`; exit 1 when the runtime cannot start.
    pub fn block_on<T>(
        &mut self,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let runtime = match self.runtime.take() {
            Some(runtime) => runtime,
            None => {
                signals::start_watchdog();
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::general(format!("cannot start the async runtime: {e}")))?
            }
        };
        self.runtime
            .insert(runtime)
            .block_on(signals::until_signalled(work))
    }

    /// Runs `work` with a client for the invocation's settings, an OAuth 2.0
    /// access token renewed when it is about to expire, and renewed once more
    /// after a 401 (a 401 means Jira did nothing, so running `work` again is
    /// safe for every method).
    ///
    /// Errors: those of `work` and of the renewal; a 401 gains a hint naming
    /// the likely cause (a Connect secret, an expired token, a scoped token
    /// without `--cloud-id`).
    pub fn with_client<T>(
        &mut self,
        mut work: impl AsyncFnMut(&HttpClient) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let settings = self.settings()?.clone();
        self.open_recorder()?;
        let options = self.client.clone();
        let mut used = None;
        let result = self.block_on(async {
            let fresh = session::fresh(&settings, options.timeout).await?;
            let first = work(&options.client(&fresh)).await;
            match first {
                Err(e) if e.status() == Some(401) && fresh.oauth.is_some() => {
                    let renewed = session::renew(&fresh, options.timeout).await?;
                    let second = work(&options.client(&renewed)).await;
                    used = Some(renewed);
                    second
                }
                result => {
                    used = Some(fresh);
                    result
                }
            }
        });
        if used.is_some() {
            self.settings = used;
        }
        result.map_err(|e| explain_unauthorized(&settings, e))
    }

    /// Sends one request (no paging).
    ///
    /// Errors: as [`Exec::with_client`] and [`HttpClient::send`].
    pub fn send(&mut self, plan: &RequestPlan) -> Result<Response, Error> {
        self.with_client(async |client| client.send(plan).await)
    }

    /// Sends `plan` and follows every page of `style`, up to `--max-pages`;
    /// returns one merged body (see [`paginate::fetch_all`]).
    ///
    /// Errors: as [`Exec::send`], and exit 1 for the paging loop guards.
    pub fn fetch_all(&mut self, plan: &RequestPlan, style: Pagination) -> Result<Vec<u8>, Error> {
        let max_pages = self.max_pages;
        self.with_client(async |client| paginate::fetch_all(client, plan, style, max_pages).await)
    }

    /// [`Exec::fetch_all`] for a listing the user asked for: stops,
    /// successfully, after `--limit` items (see [`paginate::fetch_up_to`]),
    /// and shows its progress on a terminal's stderr when it is slow (see
    /// [`Progress`]).
    ///
    /// Errors: as [`Exec::fetch_all`].
    pub fn fetch_listing(
        &mut self,
        plan: &RequestPlan,
        style: Pagination,
    ) -> Result<Vec<u8>, Error> {
        self.fetch_listing_from(plan, style, None)
    }

    /// [`Exec::fetch_listing`] going on from a `first` page read already
    /// (`jr raw --paginate` reads it to learn the paging style).
    ///
    /// Errors: as [`Exec::fetch_listing`].
    pub fn fetch_listing_from(
        &mut self,
        plan: &RequestPlan,
        style: Pagination,
        first: Option<Page>,
    ) -> Result<Vec<u8>, Error> {
        let (max_pages, limit) = (self.max_pages, self.limit);
        // `--stream` never comes here: its items are its progress.
        let mut progress = Progress::start(true);
        let mut first = first;
        self.with_client(async |client| {
            let walk = paginate::Walk {
                max_pages,
                limit,
                first: first.take(),
            };
            let progress = &mut |pages, items| progress.update(pages, items);
            paginate::merge(client, plan, style, walk, progress).await
        })
    }

    /// `--limit`, if given.
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// Sends `plan` (unless `first`, a page read already, is given) and
    /// hands each page of `style` to `on_page` as it arrives, until the last
    /// page, `--max-pages`, or `Break`.
    ///
    /// Errors: as [`Exec::fetch_all`], and those of `on_page`.
    pub fn for_each_page_from(
        &mut self,
        plan: &RequestPlan,
        style: Pagination,
        first: Option<Page>,
        on_page: &mut dyn FnMut(Page) -> Result<ControlFlow<()>, Error>,
    ) -> Result<(), Error> {
        let max_pages = self.max_pages;
        let mut first = first;
        self.with_client(async |client| {
            paginate::for_each_page_from(client, plan, style, max_pages, first.take(), on_page)
                .await
        })
    }

    /// Sends one request with other settings than the invocation's (a
    /// profile being tested), with the same client options and Ctrl-C, but
    /// no token renewal.
    ///
    /// Errors: those of [`HttpClient::send`].
    pub fn send_as(&mut self, settings: Settings, plan: &RequestPlan) -> Result<Response, Error> {
        self.open_recorder()?;
        let client = self.client.client(&settings);
        self.block_on(async { client.send(plan).await })
    }
}

impl ClientOptions {
    fn client(&self, settings: &Settings) -> HttpClient {
        let mut client = HttpClient::new(settings.clone(), self.timeout)
            .with_retry(self.retry.clone())
            .with_max_response_bytes(self.max_response_bytes);
        if let Some(recorder) = &self.recorder {
            client = client.with_recorder(Arc::clone(recorder));
        }
        if self.verbose {
            // stderr is line-buffered per call; each event is one line.
            client.with_events(Arc::new(|event| {
                let _ = writeln!(std::io::stderr(), "{event}");
            }))
        } else {
            client
        }
    }
}

/// Reads the environment and the config file, and the chosen profile's
/// secrets from the OS keychain when it keeps them there.
///
/// A config file that is missing or not valid fails the run only when a
/// profile is needed (see [`config::resolve_for_run`]); a file that is not
/// valid is named in a warning on stderr.
fn resolve(overrides: &Overrides) -> Result<Settings, Error> {
    let env = |name: &str| std::env::var(name).ok();
    let mut loaded = config::load_config_for_run(&env);
    if let Some(warning) = &loaded.warning {
        let _ = writeln!(std::io::stderr(), "{warning}");
    }
    if let Some(profile) = config::chosen_profile(overrides, &env, &loaded.file) {
        keychain::fill_in(&keychain::OsKeychain, &mut loaded.file, &profile)?;
    }
    config::resolve_for_run(overrides, &env, &loaded)
}

/// A 401 to basic auth on a site URL may be a scoped API token, which only
/// works through the API gateway: say so, naming `--cloud-id`.
fn explain_unauthorized(settings: &Settings, error: Error) -> Error {
    if error.status() != Some(401) {
        return error;
    }
    let hint = match &settings.auth {
        jr_core::auth::Auth::Connect { .. } => Some(
            "check the Connect app key and shared secret: JR_CONNECT_KEY and JR_CONNECT_SECRET, or the profile's app_key and shared_secret".to_owned(),
        ),
        // OAuth 2.0 tokens work only through the API gateway, never on the site URL.
        jr_core::auth::Auth::Bearer { .. } if settings.cloud_id.is_none() => Some(
            "an OAuth 2.0 access token works only through the API gateway: add --cloud-id (JR_CLOUD_ID) with the site's cloud ID (from https://your-domain.atlassian.net/_edge/tenant_info); jr keeps --base-url as the site".to_owned(),
        ),
        jr_core::auth::Auth::Bearer { .. } if settings.oauth.is_none() => Some(
            "the access token is unknown or expired: get a new one, or use jr auth login so jr renews it".to_owned(),
        ),
        _ => jr_core::config::scoped_token_hint(settings),
    };
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}
