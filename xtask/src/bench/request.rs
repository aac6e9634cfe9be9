//! `cargo xtask bench request`.

/// Runs the benchmark.
pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("`cargo xtask bench request` is not written yet")
}
