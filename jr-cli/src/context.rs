//! What every command runs with: the global flags, the one output sink,
//! stderr for diagnostics, and the one execution path for requests.
//! Hand-written commands use it instead of calling jr-core piece by piece,
//! so they get the same session, retries, paging, output and Ctrl-C.

use crate::exec::Exec;
use crate::globals::Globals;
use crate::sink::Sink;
use jr_core::Error;
use jr_core::config::Settings;
use jr_core::http::Response;
use jr_core::ops::Pagination;
use jr_core::paginate::Page;
use jr_core::request::RequestPlan;
use std::io::Write;
use std::ops::ControlFlow;

/// The context of one invocation.
pub struct Ctx<'a> {
    pub globals: Globals,
    /// stdout: results only.
    pub out: Sink<'a>,
    /// stderr: one JSON object per line (warnings, progress).
    pub err: &'a mut dyn Write,
    /// Sends requests (see [`Exec`]).
    pub exec: Exec,
    /// Builds the command tree: with `None` every group (for the commands
    /// that render documentation of it: man and reference pages, schema),
    /// with `Some(group)` only that group, and with a command as well only
    /// that one of the group's operations in full.
    tree: &'a dyn Fn(Option<&str>, Option<&str>) -> clap::Command,
}

impl<'a> Ctx<'a> {
    /// A context writing results to `stdout` and diagnostics to `stderr`.
    pub fn new(
        globals: Globals,
        stdout: &'a mut dyn Write,
        stderr: &'a mut dyn Write,
        tree: &'a dyn Fn(Option<&str>, Option<&str>) -> clap::Command,
    ) -> Ctx<'a> {
        Ctx {
            out: Sink::new(stdout, &globals),
            exec: Exec::new(&globals),
            err: stderr,
            globals,
            tree,
        }
    }

    /// The invocation's target and credentials (see [`Exec::settings`]).
    pub fn settings(&mut self) -> Result<&Settings, Error> {
        self.exec.settings()
    }

    /// Sends one request (see [`Exec::send`]).
    pub fn send(&mut self, plan: &RequestPlan) -> Result<Response, Error> {
        self.exec.send(plan)
    }

    /// Sends `plan` following every page of `style` and returns the merged
    /// body (see [`Exec::fetch_all`]).
    pub fn fetch_all(&mut self, plan: &RequestPlan, style: Pagination) -> Result<Vec<u8>, Error> {
        self.exec.fetch_all(plan, style)
    }

    /// [`Ctx::fetch_all`] for the listing the user asked for: stops after
    /// `--limit` items (see [`Exec::fetch_listing`]).
    pub fn fetch_listing(
        &mut self,
        plan: &RequestPlan,
        style: Pagination,
    ) -> Result<Vec<u8>, Error> {
        self.exec.fetch_listing(plan, style)
    }

    /// `--stream`: every item of every page of `style` as one compact line
    /// (through `--jq`), written as each page arrives; memory stays one page.
    /// A closed stdout, or `--limit` items, ends the walk quietly.
    ///
    /// Errors: those of [`Exec::for_each_page`] and of the sink.
    pub fn stream_items(&mut self, plan: &RequestPlan, style: Pagination) -> Result<(), Error> {
        self.stream_items_from(plan, style, None)
    }

    /// [`Ctx::stream_items`] going on from a `first` page read already.
    ///
    /// Errors: as [`Ctx::stream_items`].
    pub fn stream_items_from(
        &mut self,
        plan: &RequestPlan,
        style: Pagination,
        first: Option<Page>,
    ) -> Result<(), Error> {
        let out = &mut self.out;
        let mut left = self.exec.limit().unwrap_or(usize::MAX);
        self.exec
            .for_each_page_from(plan, style, first, &mut |page| {
                for item in page.items() {
                    if left == 0 || out.line(item.get().as_bytes())?.is_break() {
                        let _ = out.flush()?;
                        return Ok(ControlFlow::Break(()));
                    }
                    left -= 1;
                }
                if left == 0 {
                    let _ = out.flush()?;
                    return Ok(ControlFlow::Break(()));
                }
                out.flush()
            })
    }

    /// Writes one diagnostic line (a JSON object) on stderr; a failing
    /// stderr is ignored, as there is nowhere left to say so.
    pub fn warn(&mut self, line: &serde_json::Value) {
        let _ = writeln!(self.err, "{line}");
    }

    /// The whole command tree (see [`Ctx::new`]).
    pub fn full_tree(&self) -> clap::Command {
        (self.tree)(None, None)
    }

    /// The root command with only `group` built: its hand-written commands,
    /// and its operations with their helper flags, all of them in full, or
    /// with `command` named only that one (the rest as stubs), so that
    /// `jr schema GROUP COMMAND` does not grow with the group.
    pub fn group_tree(&self, group: &str, command: Option<&str>) -> clap::Command {
        (self.tree)(Some(group), command)
    }
}
