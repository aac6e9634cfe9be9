//! The shape of a hand-written command and of the registry that lists them
//! (`commands::COMMANDS`). An [`Entry`] says where it mounts in the tree and
//! carries its clap builder and its `run`:
//!
//! - [`Entry::TopLevel`]: `jr NAME ...` beside the groups (`configure`, `raw`).
//! - [`Entry::InGroup`]: `jr GROUP NAME ...` inside a generated group.
//! - [`Entry::Extends`]: additions to a generated operation, found by its
//!   operationId: helper flags, a body built from them, work just before
//!   sending, checks of the answer.
//!
//! Nothing here branches on a command's name: the tree, the dispatcher and
//! the operation runner look entries up in the registry.

use crate::args::Invocation;
use crate::context::Ctx;
use clap::{Arg, ArgMatches, Command};
use jr_core::Error;
use jr_core::ops::Operation;

/// Runs a command of its own with its matches (those below its name).
pub type Run = fn(&mut Ctx, &ArgMatches) -> Result<(), Error>;

/// One hand-written piece of `jr`, by where it mounts.
pub enum Entry {
    /// `jr NAME ...`; no group of the operation table may have its name.
    TopLevel(Own),
    /// `jr GROUP NAME ...` inside the generated group GROUP; no operation of
    /// that group may have its name.
    InGroup(&'static str, Own),
    /// Additions to the generated operation with this operationId.
    Extends(&'static str, Extension),
}

/// A command of its own: one file with its clap command and its `run`.
pub struct Own {
    /// The word that calls it; `command()` is named the same.
    pub name: &'static str,
    /// Builds its clap command (cheap: built on every run).
    pub command: fn() -> Command,
    /// Does the work, printing through `ctx.out`.
    pub run: Run,
}

/// What a hand-written module adds to one generated operation. Start from
/// [`Extension::NONE`] and set what you need.
pub struct Extension {
    /// A runnable example invocation for `--help` and the reference, instead
    /// of the generated one.
    pub example: Option<&'static str>,
    /// A second name shown in help (`jr webhook list`).
    pub alias: Option<&'static str>,
    /// Extra flags, shown under "Helper options"; they conflict with `--body`.
    pub args: fn() -> Vec<Arg>,
    /// Stage 1 (no I/O): the body built from the helper flags, `None` when
    /// none were given.
    pub body: fn(&ArgMatches) -> Result<Option<Vec<u8>>, Error>,
    /// Runs after the body is read and before the request is shown
    /// (`--dry-run`) or sent; may send requests of its own through `ctx`
    /// and change the invocation (its body).
    pub before_send: fn(&mut Ctx, &ArgMatches, &mut Invocation) -> Result<(), Error>,
    /// Inspects a successful answer after it is printed; may send requests
    /// of its own through `ctx` (a jr-mock's clock).
    pub check: fn(&mut Ctx, &[u8]) -> Checked,
    /// Adds a hint to an error that this operation is known to cause.
    pub explain: fn(Error) -> Error,
}

impl Extension {
    /// Adds nothing.
    pub const NONE: Extension = Extension {
        example: None,
        alias: None,
        args: Vec::new,
        body: |_| Ok(None),
        before_send: |_, _, _| Ok(()),
        check: |_, _| Checked::NOTHING,
        explain: |error| error,
    };
}

/// What [`Extension::check`] found in a successful answer.
#[derive(Default)]
pub struct Checked {
    /// Reported after the result, and decides the exit code.
    pub error: Option<Error>,
    /// JSON lines for stderr, e.g. `{"warning": ...}`.
    pub warnings: Vec<serde_json::Value>,
}

impl Checked {
    /// Nothing found.
    pub const NOTHING: Checked = Checked {
        error: None,
        warnings: Vec::new(),
    };
}

/// Every hand-written entry, in the order the top-level help lists them.
#[derive(Clone, Copy)]
pub struct Registry(pub &'static [Entry]);

impl Registry {
    /// The commands beside the groups.
    pub fn top_level(self) -> impl Iterator<Item = &'static Own> {
        self.0.iter().filter_map(|entry| match entry {
            Entry::TopLevel(own) => Some(own),
            _ => None,
        })
    }

    /// The top-level command called `name`.
    pub fn find_top_level(self, name: &str) -> Option<&'static Own> {
        self.top_level().find(|own| own.name == name)
    }

    /// The commands mounted inside `group`.
    pub fn in_group(self, group: &str) -> impl Iterator<Item = &'static Own> {
        self.0.iter().filter_map(move |entry| match entry {
            Entry::InGroup(g, own) if *g == group => Some(own),
            _ => None,
        })
    }

    /// The command `name` mounted inside `group`.
    pub fn find_in_group(self, group: &str, name: &str) -> Option<&'static Own> {
        self.in_group(group).find(|own| own.name == name)
    }

    /// The additions to the operation `operation_id`.
    pub fn extension(self, operation_id: &str) -> Option<&'static Extension> {
        self.0.iter().find_map(|entry| match entry {
            Entry::Extends(id, extension) if *id == operation_id => Some(extension),
            _ => None,
        })
    }

    /// The alias `op`'s extension gives its command (`list` for
    /// `get-dynamic-webhooks-for-app`), if any.
    pub fn alias(self, op: &Operation) -> Option<&'static str> {
        self.extension(op.operation_id()).and_then(|e| e.alias)
    }
}
