//! `jr __man DIR` (hidden): writes a man page for `jr`, every group and every
//! command into DIR with clap_mangen, from the full command tree.
//!
//! `cargo xtask man` runs it: xtask must not depend on jr-core (so that a
//! broken generated table can always be regenerated), and the tree exists
//! only inside `jr`, so `jr` renders its own pages.

use crate::context::Ctx;
use crate::entry::{Entry, Own};
use clap::{Arg, ArgMatches, Command};
use jr_core::Error;

/// `jr __man DIR` (hidden).
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

const NAME: &str = "__man";

fn command() -> Command {
    Command::new(NAME)
        .hide(true)
        .about("Write man pages for every command into DIR (used by cargo xtask man)")
        .arg(Arg::new("dir").value_name("DIR").required(true))
}

/// Writes the pages; prints `{"dir", "pages"}`.
///
/// Errors: exit 1 when DIR cannot be created or written.
fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let dir = matches.get_one::<String>("dir").map_or(".", String::as_str);
    let fail = |e: std::io::Error| Error::general(format!("cannot write man pages to {dir}: {e}"));
    std::fs::create_dir_all(dir).map_err(fail)?;
    clap_mangen::generate_to(ctx.full_tree(), dir).map_err(fail)?;
    let pages = std::fs::read_dir(dir).map_err(fail)?.count();
    ctx.out
        .value(&serde_json::json!({ "dir": dir, "pages": pages }))
}
