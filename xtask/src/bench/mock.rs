//! `cargo xtask bench mock`.

/// Runs the benchmark.
pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("`cargo xtask bench mock` is not written yet")
}
