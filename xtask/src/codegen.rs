//! Code generation from the spec (being written).
pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("codegen: not yet written")
}
