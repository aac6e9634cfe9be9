//! The one owner of the fake's [`Model`]: every reader and every change
//! goes through a [`Store`], which persists each change to the state file
//! (`--state FILE`, see [`crate::state`]) before the caller goes on, so no
//! responder has to remember to.
//!
//! - [`Store::read`] runs a closure on the model under its lock.
//! - [`Store::write`] and [`Store::try_write`] are for changes a request
//!   waits on. With a state file, the closure changes a copy of the model;
//!   the copy replaces the model only once it is saved (or when its durable
//!   part, see [`state::capture`], did not change). A change that cannot be
//!   saved is therefore not applied: the caller answers 503 and the fake
//!   carries on as before it. A closure that returns `Err` is not applied
//!   either. Without a state file the model is changed in place.
//! - [`Store::write_best_effort`] is for changes no request can refuse: the
//!   delivery engine's clock moves, attempts and outcomes (an attempt that
//!   was sent cannot be unsent). The change is applied in place; a failed
//!   save is reported on stderr and the next successful save catches up.
//!
//! A change that queues webhook deliveries calls [`Store::deliver_queued`]
//! after it is applied: the delivery engine (which registers itself with
//! [`Store::on_queued`]) then runs them on its own runtime, so the request
//! is answered first.
//!
//! The store also keeps the request journal ([`crate::journal`], not part
//! of the model and never persisted) and whether to log each request and
//! delivery attempt on stderr (`jr-mock -v`), and it counts changes (model
//! or journal) on a watch channel ([`Store::subscribe`]), which the
//! inspector's event stream follows: a watch keeps only the latest count,
//! so a slow watcher never makes anything queue up.
//!
//! The lock is never held across an `.await` (every method is synchronous),
//! so a receiver that calls the fake while it handles a delivery never
//! waits for the delivery. Copying the model costs time in proportion to
//! the state, including the attempt log; it happens only with a state file,
//! where each save already writes the whole durable state and fsyncs it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use tokio::sync::watch;

use crate::journal::{Entry, Journal, JournalPage};

use crate::model::Model;
use crate::state::{self, StateError};
use crate::wire::ApiError;

/// Why a change was not saved (and, for [`Store::write`], not applied).
pub type SaveError = StateError;

/// A change that could not be saved is answered 503 with an
/// `ErrorCollection`: it was not applied, so a client retries rather than
/// trusting it.
impl From<SaveError> for ApiError {
    fn from(e: SaveError) -> Self {
        ApiError::Unavailable(format!("jr-mock could not save its state: {e}"))
    }
}

/// The model and where it is saved.
#[derive(Debug)]
pub struct Store {
    model: Mutex<Model>,
    state_file: Option<PathBuf>,
    journal: Mutex<Journal>,
    log: AtomicBool,
    changes: watch::Sender<u64>,
    on_queued: OnceLock<OnQueued>,
}

/// What runs the deliveries a change queued (the delivery engine).
struct OnQueued(Box<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for OnQueued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnQueued")
    }
}

impl Store {
    /// A store over `model`, kept in memory only.
    pub fn in_memory(model: Model) -> Self {
        Self {
            model: Mutex::new(model),
            state_file: None,
            journal: Mutex::default(),
            log: AtomicBool::new(false),
            changes: watch::Sender::new(0),
            on_queued: OnceLock::new(),
        }
    }

    /// A store over `model` saved at `path`: a state already there is
    /// loaded into `model` first (see [`state::restore`]), then the result
    /// is saved, so a file that cannot be written fails at start, not at
    /// the first change. Errors: [`StateError`] (unreadable, invalid or
    /// unwritable file).
    pub fn open(mut model: Model, path: PathBuf) -> Result<Self, StateError> {
        if let Some(saved) = state::load(&path)? {
            state::restore(&mut model, saved, &path)?;
        }
        state::save(&path, &state::capture(&model))?;
        Ok(Self {
            model: Mutex::new(model),
            state_file: Some(path),
            journal: Mutex::default(),
            log: AtomicBool::new(false),
            changes: watch::Sender::new(0),
            on_queued: OnceLock::new(),
        })
    }

    /// Sets what [`Store::deliver_queued`] calls (once; later calls are ignored).
    pub fn on_queued(&self, run: impl Fn() + Send + Sync + 'static) {
        let _ = self.on_queued.set(OnQueued(Box::new(run)));
    }

    /// Asks the delivery engine to run the deliveries due now (a change
    /// queued some); returns at once. Without an engine, nothing happens.
    pub fn deliver_queued(&self) {
        if let Some(run) = self.on_queued.get() {
            (run.0)();
        }
    }

    /// Logs each request and delivery attempt on stderr from now on (`-v`).
    pub fn set_logging(&self, on: bool) {
        self.log.store(on, Ordering::Relaxed);
    }

    /// Whether requests and attempts are logged on stderr.
    pub fn logging(&self) -> bool {
        self.log.load(Ordering::Relaxed)
    }

    /// A receiver of the change count: it is marked changed after every
    /// applied change to the model or the journal (reads do not count).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `entry` to the request journal (its `seq` is assigned there).
    pub fn record_request(&self, entry: Entry) {
        self.journal().record(entry);
        self.changed();
    }

    /// A page of the request journal: entries after `after`, at most `limit`.
    pub fn requests(&self, after: Option<u64>, limit: Option<usize>) -> JournalPage {
        self.journal().page(after, limit)
    }

    /// Empties the request journal (reset).
    pub fn clear_requests(&self) {
        self.journal().clear();
        self.changed();
    }

    /// The sequence number of the newest journal entry (0 before any).
    pub fn last_request_seq(&self) -> u64 {
        self.journal().last_seq()
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `look` on the model and returns what it returns.
    pub fn read<T>(&self, look: impl FnOnce(&Model) -> T) -> T {
        look(&self.lock())
    }

    /// Runs `change` on the model with the virtual time (ms since the UNIX
    /// epoch), then saves; all or nothing (see the module docs).
    /// Errors: [`SaveError`], the change is not applied.
    pub fn write<T>(&self, change: impl FnOnce(&mut Model, i64) -> T) -> Result<T, SaveError> {
        self.try_write(|m, now| Ok::<T, SaveError>(change(m, now)))
    }

    /// [`Store::write`] for a change that may refuse: when `change` returns
    /// `Err`, nothing it did is applied (with a state file) and nothing is
    /// saved. Errors: `change`'s, or the [`SaveError`] converted to `E`.
    pub fn try_write<T, E: From<SaveError>>(
        &self,
        change: impl FnOnce(&mut Model, i64) -> Result<T, E>,
    ) -> Result<T, E> {
        let out = self.try_write_unannounced(change)?;
        self.changed();
        Ok(out)
    }

    fn try_write_unannounced<T, E: From<SaveError>>(
        &self,
        change: impl FnOnce(&mut Model, i64) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut model = self.lock();
        let now = model.now_ms();
        let Some(path) = &self.state_file else {
            return change(&mut model, now);
        };
        let mut next = model.clone();
        let out = change(&mut next, now)?;
        let durable = state::capture(&next);
        if durable != state::capture(&model) {
            state::save(path, &durable)?;
        }
        *model = next;
        Ok(out)
    }

    /// Runs `change` on the model in place with the virtual time, then
    /// saves when the durable part changed; a failed save is reported on
    /// stderr (see the module docs for who may use this).
    pub fn write_best_effort<T>(&self, change: impl FnOnce(&mut Model, i64) -> T) -> T {
        let out = self.write_best_effort_unannounced(change);
        self.changed();
        out
    }

    fn write_best_effort_unannounced<T>(&self, change: impl FnOnce(&mut Model, i64) -> T) -> T {
        let mut model = self.lock();
        let now = model.now_ms();
        let Some(path) = &self.state_file else {
            return change(&mut model, now);
        };
        let before = state::capture(&model);
        let out = change(&mut model, now);
        let durable = state::capture(&model);
        if durable != before
            && let Err(e) = state::save(path, &durable)
        {
            eprintln!("jr-mock: cannot save the state: {e}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rules;
    use crate::model::apps::{AppCaller, AppKind, Identities};
    use crate::model::webhooks::Registration;

    fn model() -> Model {
        Model::new(Identities::default(), Rules::default(), 1_000, Some(1)).unwrap()
    }

    fn register(m: &mut Model, now: i64) -> usize {
        let caller = AppCaller {
            app: "oauth-app".into(),
            kind: AppKind::OAuth,
            account_id: Some("acc".into()),
        };
        let reg: Registration = serde_json::from_value(serde_json::json!({
            "url": "https://h.test/x",
            "webhooks": [{"events": ["jira:issue_updated"], "jqlFilter": "project = A"}]}))
        .unwrap();
        m.register(&caller, reg, now).unwrap().len()
    }

    fn count(store: &Store) -> usize {
        store.read(|m| m.webhooks.all().count())
    }

    #[test]
    fn a_change_that_cannot_be_saved_is_not_applied() {
        let dir = std::env::temp_dir().join(format!("jr-mock-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let store = Store::open(model(), path.clone()).unwrap();
        store.write(register).unwrap();
        assert_eq!(count(&store), 1);
        let refused = store.try_write(|m, now| {
            register(m, now);
            Err::<(), _>(StateError::Invalid {
                path: path.clone(),
                message: "refused".into(),
            })
        });
        assert!(refused.is_err());
        assert_eq!(count(&store), 1, "a change that refuses is not applied");

        // A directory where the temporary file goes: every save fails, even as root.
        let blocker = dir.join(".state.json.tmp");
        std::fs::create_dir_all(&blocker).unwrap();
        assert!(store.write(register).is_err());
        assert_eq!(count(&store), 1, "the refused change is not applied");
        let saved = state::load(&path).unwrap().unwrap();
        assert_eq!(saved.webhooks.len(), 1);

        store.write_best_effort(register);
        assert_eq!(count(&store), 2, "a best-effort change stays in memory");

        std::fs::remove_dir(&blocker).unwrap();
        store.write(register).unwrap();
        assert_eq!(state::load(&path).unwrap().unwrap().webhooks.len(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
