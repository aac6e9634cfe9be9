//! Writing a result to stdout without changing what Jira sent: compact output
//! is Jira's bytes (made one line if they were not), pretty output re-indents
//! those bytes token by token, so key order and number text never change (a
//! 64-bit ID or `1.10` stays as it is), optionally coloured. An empty success
//! body (202, 204) is `{}`.

use std::io::{self, Write};

/// How JSON is laid out on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Indented by two spaces, for a terminal or `--pretty`.
    Pretty,
    /// One document per line, for pipes or `--compact`.
    Compact,
}

/// The ANSI colours of pretty output (close to jq's): keys bold blue, strings
/// green, numbers cyan, `true`/`false` yellow, `null` dimmed.
struct Palette {
    key: anstyle::Style,
    string: anstyle::Style,
    number: anstyle::Style,
    boolean: anstyle::Style,
    null: anstyle::Style,
}

const PALETTE: Palette = Palette {
    key: anstyle::AnsiColor::Blue.on_default().bold(),
    string: anstyle::AnsiColor::Green.on_default(),
    number: anstyle::AnsiColor::Cyan.on_default(),
    boolean: anstyle::AnsiColor::Yellow.on_default(),
    null: anstyle::Style::new().dimmed(),
};

/// Writes one result body followed by a newline, without colour.
///
/// Errors: only those of `out` (a closed pipe shows up here).
pub fn write_body(out: &mut impl Write, body: &[u8], style: Style) -> io::Result<()> {
    write_json(out, body, style, false)
}

/// Writes one JSON document followed by a newline.
///
/// Compact output is the bytes as they came (trimmed of surrounding white
/// space; white space between tokens removed only when the document spans
/// several lines). Pretty output is re-indented by two spaces with `colour`
/// adding ANSI styles. A body that is not JSON is written as it is.
///
/// The text is written as it is laid out, through a small buffer: memory
/// stays bounded by the body's size whatever its shape (a deeply nested
/// answer's pretty form can be far larger than the answer itself). The
/// document is checked without recursion ([`crate::json_scan`]), so any depth
/// is laid out.
/// Nothing is flushed: `out` is the caller's to flush.
/// Errors: only those of `out` (a closed pipe shows up here).
pub fn write_json(out: &mut impl Write, body: &[u8], style: Style, colour: bool) -> io::Result<()> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return out.write_all(b"{}\n");
    }
    let is_json = crate::json_scan::scan(trimmed).is_ok();
    let as_it_came = !is_json || (style == Style::Compact && !trimmed.contains(&b'\n'));
    if as_it_came {
        out.write_all(trimmed)?;
        return out.write_all(b"\n");
    }
    // Token by token through a buffer of its own, handed on without a
    // flush: flushing is the caller's (a flush per document cost a write
    // call per line of `--output ndjson`, 200,000 for 200,000 items).
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    let indent = (style == Style::Pretty).then_some("  ");
    let palette = (style == Style::Pretty && colour).then_some(&PALETTE);
    relayout(&mut buffered, trimmed, indent, palette)?;
    buffered.write_all(b"\n")?;
    buffered
        .into_inner()
        .map(|_| ())
        .map_err(io::IntoInnerError::into_error)
}

/// Re-lays out valid JSON token by token into `out`: `indent` of `None` is
/// compact. Token text (strings, numbers, literals) is copied byte for byte.
fn relayout(
    out: &mut impl Write,
    json: &[u8],
    indent: Option<&str>,
    palette: Option<&Palette>,
) -> io::Result<()> {
    let mut depth = 0usize;
    let newline = |out: &mut dyn Write, depth: usize| -> io::Result<()> {
        if let Some(unit) = indent {
            out.write_all(b"\n")?;
            for _ in 0..depth {
                out.write_all(unit.as_bytes())?;
            }
        }
        Ok(())
    };
    let styled = |out: &mut dyn Write, style: Option<anstyle::Style>, token: &[u8]| match style {
        Some(style) => {
            write!(out, "{}", style.render())?;
            out.write_all(token)?;
            write!(out, "{}", style.render_reset())
        }
        None => out.write_all(token),
    };
    let mut i = 0;
    while i < json.len() {
        let byte = json[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                let end = string_end(json, i);
                let is_key = next_token(json, end).map(|j| json[j]) == Some(b':');
                let style = palette.map(|p| if is_key { p.key } else { p.string });
                styled(out, style, &json[i..end])?;
                i = end;
            }
            b'{' | b'[' => {
                let close = if byte == b'{' { b'}' } else { b']' };
                match next_token(json, i + 1) {
                    Some(j) if json[j] == close => {
                        out.write_all(&[byte, close])?;
                        i = j + 1;
                    }
                    _ => {
                        out.write_all(&[byte])?;
                        depth += 1;
                        newline(out, depth)?;
                        i += 1;
                    }
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(out, depth)?;
                out.write_all(&[byte])?;
                i += 1;
            }
            b',' => {
                out.write_all(b",")?;
                newline(out, depth)?;
                i += 1;
            }
            b':' => {
                out.write_all(if indent.is_some() { b": " } else { b":" })?;
                i += 1;
            }
            _ => {
                let end = json[i..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map_or(json.len(), |n| i + n);
                let token = &json[i..end];
                let style = palette.map(|p| match token[0] {
                    b't' | b'f' => p.boolean,
                    b'n' => p.null,
                    _ => p.number,
                });
                styled(out, style, token)?;
                i = end;
            }
        }
    }
    Ok(())
}

/// The index just past the string starting at `start` (its closing quote).
fn string_end(json: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    json.len()
}

/// The index of the next byte at or after `from` that is not white space.
fn next_token(json: &[u8], from: usize) -> Option<usize> {
    json[from.min(json.len())..]
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .map(|n| from + n)
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
    fn compact_output_of_a_multi_line_document_is_one_line() {
        let body = b"{\n  \"a\": [1, 2],\n  \"s\": \"x y\"\n}";
        assert_eq!(
            render(body, Style::Compact),
            "{\"a\":[1,2],\"s\":\"x y\"}\n"
        );
    }

    #[test]
    fn pretty_output_keeps_key_order_big_ids_and_float_digits() {
        let out = render(
            br#"{"z":1,"a":9007199254740993,"f":0.10000000000000000555,"e":{},"l":[],"s":"a\"b,c:{"}"#,
            Style::Pretty,
        );
        assert_eq!(
            out,
            "{\n  \"z\": 1,\n  \"a\": 9007199254740993,\n  \"f\": 0.10000000000000000555,\n  \"e\": {},\n  \"l\": [],\n  \"s\": \"a\\\"b,c:{\"\n}\n"
        );
    }

    #[test]
    fn pretty_output_nests_arrays_of_objects() {
        let out = render(br#"[{"a":[1,{"b":null}]},true]"#, Style::Pretty);
        assert_eq!(
            out,
            "[\n  {\n    \"a\": [\n      1,\n      {\n        \"b\": null\n      }\n    ]\n  },\n  true\n]\n"
        );
    }

    #[test]
    fn colour_wraps_tokens_without_changing_them() {
        let mut out = Vec::new();
        write_json(&mut out, br#"{"id":10001,"ok":true}"#, Style::Pretty, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\u{1b}["), "{text:?}");
        let mut plain = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find('\u{1b}') {
            plain.push_str(&rest[..at]);
            let end = rest[at..].find('m').map_or(rest.len(), |m| at + m + 1);
            rest = &rest[end..];
        }
        plain.push_str(rest);
        assert_eq!(plain, "{\n  \"id\": 10001,\n  \"ok\": true\n}\n");
    }

    /// Issue 12: 20,000 nested arrays (40 KB) once took 792 MB to pretty-print,
    /// because the whole re-indented text was built in memory first. Written
    /// through, the writer sees the text in pieces no larger than the buffer.
    #[test]
    fn deep_nesting_is_laid_out_through_a_bounded_buffer() {
        struct Largest(usize, usize);
        impl Write for Largest {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0 = self.0.max(buf.len());
                self.1 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let depth = 3_000;
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let mut sink = Largest(0, 0);
        write_json(&mut sink, body.as_bytes(), Style::Pretty, false).unwrap();
        assert!(sink.0 <= 64 * 1024, "a write of {} bytes", sink.0);
        // Indents of 2k spaces after each opening bracket at depth k and
        // 2(k - 1) before each closing one, newlines, brackets, a final newline.
        let inner = depth - 1;
        assert_eq!(sink.1, 2 * inner * inner + 2 * inner + 2 * depth + 1);
        let compact = render(
            format!("{}\n{}", "[".repeat(200), "]".repeat(200)).as_bytes(),
            Style::Compact,
        );
        assert_eq!(compact, format!("{}{}\n", "[".repeat(200), "]".repeat(200)));
    }

    #[test]
    fn a_body_that_is_not_json_is_written_as_it_is() {
        assert_eq!(render(b"plain text", Style::Pretty), "plain text\n");
    }
}
