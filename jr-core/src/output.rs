//! Writing a result to stdout: Jira's bytes unchanged when compact, re-indented
//! (key order kept) when pretty, and `{}` for an empty success body (202, 204).

use std::io::{self, Write};

/// How JSON is laid out on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Indented, for a terminal or `--pretty`.
    Pretty,
    /// The body as received, one document per line, for pipes or `--compact`.
    Compact,
}

/// Writes one result body followed by a newline.
///
/// Compact output is Jira's bytes as they came (trimmed of surrounding white
/// space), so numbers and key order cannot change. Pretty output re-indents
/// with key order preserved. A body that is not JSON is written as it is.
/// Errors: only those of `out` (a closed pipe shows up here).
pub fn write_body(out: &mut impl Write, body: &[u8], style: Style) -> io::Result<()> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return out.write_all(b"{}\n");
    }
    if style == Style::Pretty
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(trimmed)
    {
        serde_json::to_writer_pretty(&mut *out, &value)?;
        return out.write_all(b"\n");
    }
    out.write_all(trimmed)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(body: &[u8], style: Style) -> String {
        let mut out = Vec::new();
        write_body(&mut out, body, style).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_empty_body_prints_an_empty_object() {
        assert_eq!(render(b"", Style::Compact), "{}\n");
        assert_eq!(render(b"  ", Style::Pretty), "{}\n");
    }

    #[test]
    fn compact_output_keeps_jiras_bytes() {
        let body = br#"{"z":1,"id":9007199254740993,"f":1.10}"#;
        assert_eq!(
            render(body, Style::Compact),
            format!("{}\n", std::str::from_utf8(body).unwrap())
        );
    }

    #[test]
    fn pretty_output_keeps_key_order_and_big_ids() {
        let out = render(br#"{"z":1,"a":9007199254740993}"#, Style::Pretty);
        assert_eq!(out, "{\n  \"z\": 1,\n  \"a\": 9007199254740993\n}\n");
    }
}
