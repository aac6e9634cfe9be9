//! The demo (being written).
pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("demo: not yet written")
}
