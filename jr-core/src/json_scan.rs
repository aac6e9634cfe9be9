//! One pass over JSON text without recursion: whether it is one valid JSON
//! document (RFC 8259) and how deeply it nests.
//!
//! serde_json and jaq parse recursively: serde_json refuses documents nested
//! deeper than 128 levels and jaq overflows the stack at a few tens of
//! thousands. This scanner keeps an explicit stack of one byte per open
//! container, so its memory is bounded by the input's size whatever its shape,
//! and callers can refuse a too-deep document with a clear error instead of
//! aborting.

/// What a scan found in a valid document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The deepest nesting of arrays and objects (0 for a scalar).
    pub max_depth: usize,
}

/// Why a text is not one JSON document: the byte offset where it went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    /// Byte offset of the first byte that does not fit the grammar.
    pub at: usize,
}

/// What the scanner expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (document start, after `[`, `,` in an array, or `:`).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// A key or `}` (just after `{`).
    KeyOrClose,
    /// A key (after `,` in an object).
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the container's closing bracket, or the end at depth 0.
    CommaOrClose,
}

/// Scans `text` as one JSON document (surrounding white space allowed).
///
/// Errors: [`Invalid`] with the offset of the first byte that breaks the
/// grammar (also for an empty text or trailing bytes).
pub fn scan(text: &[u8]) -> Result<Shape, Invalid> {
    let mut stack: Vec<u8> = Vec::new();
    let mut expect = Expect::Value;
    let mut max_depth = 0;
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let fail = Err(Invalid { at: i });
        match (expect, byte) {
            (Expect::Value | Expect::ValueOrClose, b'[' | b'{') => {
                stack.push(byte);
                max_depth = max_depth.max(stack.len());
                expect = if byte == b'[' {
                    Expect::ValueOrClose
                } else {
                    Expect::KeyOrClose
                };
                i += 1;
            }
            (Expect::ValueOrClose, b']')
            | (Expect::KeyOrClose, b'}')
            | (Expect::CommaOrClose, b']' | b'}') => {
                let open = if byte == b']' { b'[' } else { b'{' };
                if stack.pop() != Some(open) {
                    return fail;
                }
                expect = Expect::CommaOrClose;
                i += 1;
            }
            (Expect::CommaOrClose, b',') if !stack.is_empty() => {
                expect = if stack.last() == Some(&b'[') {
                    Expect::Value
                } else {
                    Expect::Key
                };
                i += 1;
            }
            (Expect::Colon, b':') => {
                expect = Expect::Value;
                i += 1;
            }
            (Expect::Key | Expect::KeyOrClose, b'"') => {
                i = string_end(text, i).ok_or(Invalid { at: i })?;
                expect = Expect::Colon;
            }
            (Expect::Value | Expect::ValueOrClose, _) => {
                i = scalar_end(text, i).ok_or(Invalid { at: i })?;
                expect = Expect::CommaOrClose;
            }
            _ => return fail,
        }
        if stack.is_empty() && expect == Expect::CommaOrClose {
            return match text[i..].iter().position(|b| !b.is_ascii_whitespace()) {
                None => Ok(Shape { max_depth }),
                Some(n) => Err(Invalid { at: i + n }),
            };
        }
    }
    Err(Invalid { at: text.len() })
}

/// The offset just past a string starting at `start`, checking escapes,
/// control characters and UTF-8.
fn string_end(text: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut begin = i;
    while i < text.len() {
        match text[i] {
            b'"' => {
                std::str::from_utf8(&text[begin..i]).ok()?;
                return Some(i + 1);
            }
            b'\\' => {
                std::str::from_utf8(&text[begin..i]).ok()?;
                match *text.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = text.get(i + 2..i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
                begin = i;
            }
            0x00..=0x1f => return None,
            _ => i += 1,
        }
    }
    None
}

/// The offset just past a string, number or literal starting at `start`.
fn scalar_end(text: &[u8], start: usize) -> Option<usize> {
    let rest = &text[start..];
    for literal in [&b"true"[..], b"false", b"null"] {
        if rest.starts_with(literal) {
            return Some(start + literal.len());
        }
    }
    if rest.first() == Some(&b'"') {
        return string_end(text, start);
    }
    number_end(text, start)
}

/// The offset just past a number (`-? int frac? exp?`) starting at `start`.
fn number_end(text: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let from = i;
        while text.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let mut i = start;
    if text.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match text.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i)?,
        _ => return None,
    };
    if text.get(i) == Some(&b'.') {
        i = digits(i + 1)?;
    }
    if matches!(text.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(text.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(i)?;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_documents_and_their_depth() {
        let cases: [(&str, usize); 8] = [
            ("1", 0),
            (" \"a\\u00e9\\n\" ", 0),
            ("[]", 1),
            ("{\"a\":[1,{\"b\":null}],\"c\":-0.5e+3}", 3),
            ("[true,false,null]", 1),
            ("{}", 1),
            ("[[[]]]", 3),
            ("\"é\"", 0),
        ];
        for (text, depth) in cases {
            assert_eq!(
                scan(text.as_bytes()),
                Ok(Shape { max_depth: depth }),
                "{text}"
            );
        }
    }

    #[test]
    fn invalid_documents_name_the_offset() {
        let cases: [(&[u8], usize); 11] = [
            (b"", 0),
            (b"[1,]", 3),
            (b"{\"a\" 1}", 5),
            (b"[1 2]", 3),
            (b"{1:2}", 1),
            (b"01", 1),
            (b"[}", 1),
            (b"\"a", 0),
            (b"1 2", 2),
            (b"\"\\x\"", 0),
            (b"\"\xff\"", 0),
        ];
        for (text, at) in cases {
            assert_eq!(
                scan(text),
                Err(Invalid { at }),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn a_hundred_thousand_levels_scan_without_recursion() {
        let depth = 100_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(scan(text.as_bytes()), Ok(Shape { max_depth: depth }));
    }

    proptest! {
        /// The scanner agrees with serde_json on every document serde_json can
        /// nest (it refuses beyond 128 levels).
        #[test]
        fn agrees_with_serde_json(text in "[\\[\\]{}\",:0-9a-z .eE+\\-\\\\]{0,24}") {
            let ours = scan(text.as_bytes()).is_ok();
            let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
            prop_assert_eq!(ours, theirs, "{:?}", text);
        }
    }
}
