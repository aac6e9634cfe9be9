//! `cargo xtask man [--out DIR]`: man pages for `jr`, every group and every
//! command (clap_mangen), written by `jr __man DIR`; default `target/man`.

use crate::jr;
use crate::workspace;
use anyhow::{Context, Result, bail};

pub fn main(args: &[String]) -> Result<()> {
    let out = match args {
        [] => workspace::root().join("target/man"),
        [flag, dir] if flag == "--out" => dir.into(),
        _ => bail!("usage: cargo xtask man [--out DIR]"),
    };
    let binary = jr::build()?;
    let dir = out.to_str().context("the output directory is not UTF-8")?;
    let summary = jr::run(&binary, &["__man", dir])?;
    eprintln!("man: {}", summary.trim());
    Ok(())
}
