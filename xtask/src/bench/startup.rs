//! `cargo xtask bench startup`.

/// Runs the benchmark.
pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("`cargo xtask bench startup` is not written yet")
}
