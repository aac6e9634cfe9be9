//! The one way out to stdout, for every command: a result in the chosen
//! form (`--output json`: compact, pretty, coloured; `ndjson`: one item per
//! line; `table`) through `--jq`, NDJSON lines for `--stream`, and plain
//! text (help, shell snippets).
//!
//! `--jq` results are written as the filter produces them (flushed one by
//! one: a filter may take long between two), so an endless filter streams
//! in bounded memory; a string result prints raw unless `--jq-json`. Ctrl-C
//! between two results ends the run with exit 130 or 143 (see `signals`).
//! NDJSON items and `--stream` lines of one answer or page are buffered and
//! flushed together.
//!
//! A closed pipe (`jr ... | head -1`) is not a failure: the reader has what
//! it wanted, so writing stops quietly and later writes are skipped. Any
//! other write error is exit 1. Ctrl-C during a request is the execution
//! path's concern (`exec.rs`, a layer above); what was written before it is
//! complete lines, flushed when the sink is finished or dropped.

use crate::globals::{Globals, OutputFormat};
use crate::{signals, table};
use jr_core::output::{self, Style};
use jr_core::{Error, jq};
use serde_json::value::RawValue;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::sync::Arc;

/// Room for a page of `--stream` lines before they are written out.
const BUFFER_BYTES: usize = 64 * 1024;
/// A table's width on a terminal that does not say (`COLUMNS` unset).
const DEFAULT_WIDTH: u16 = 120;

/// Where results go: stdout in `jr`, a `Vec<u8>` in tests.
pub struct Sink<'a> {
    out: BufWriter<&'a mut dyn Write>,
    style: Style,
    colour: bool,
    jq: Option<Arc<jq::Filter>>,
    /// `--jq` string results print raw (no `--jq-json`).
    raw_strings: bool,
    format: OutputFormat,
    columns: Option<Vec<String>>,
    /// stdout is a terminal: flush each result, cut table cells.
    terminal: bool,
    /// The reader went away; nothing more is written.
    closed: bool,
}

impl<'a> Sink<'a> {
    /// A sink with the output flags of `globals`.
    pub fn new(out: &'a mut dyn Write, globals: &Globals) -> Sink<'a> {
        Sink {
            out: BufWriter::with_capacity(BUFFER_BYTES, out),
            style: globals.style,
            colour: globals.colour,
            jq: globals.jq.clone(),
            raw_strings: !globals.jq_json,
            format: globals.output,
            columns: globals.columns.clone(),
            terminal: globals.terminal,
            closed: false,
        }
    }

    /// A sink for text only, before any flag is read (help and version).
    pub fn plain(out: &'a mut dyn Write) -> Sink<'a> {
        Sink::new(out, &Globals::default())
    }

    /// Prints one result in the chosen form (see the module doc), and
    /// flushes. An empty body prints `{}`; Jira's bytes are kept as they
    /// are (see [`output::write_json`]).
    ///
    /// Errors: exit 4 for a `--jq` runtime error; the filter's `halt_error`;
    /// exit 130 on Ctrl-C between results; exit 1 when stdout fails other
    /// than by being closed.
    pub fn json(&mut self, body: &[u8]) -> Result<(), Error> {
        let (style, colour) = (self.style, self.colour);
        // A closed pipe (`Break`) ends quietly; so does the flush after it.
        let _ = match self.format {
            OutputFormat::Json => self.each_result(body, style, colour)?,
            OutputFormat::Ndjson => self.items(body)?,
            OutputFormat::Table => self.table(body)?,
        };
        self.flush().map(|_| ())
    }

    /// Prints a result built by jr (see [`Sink::json`]).
    pub fn value(&mut self, value: &serde_json::Value) -> Result<(), Error> {
        self.json(value.to_string().as_bytes())
    }

    /// Writes one document (or each of its `--jq` results) as compact lines,
    /// not yet flushed: the `--stream` form. `Break` when the reader has gone.
    ///
    /// Errors: as [`Sink::json`].
    pub fn line(&mut self, json: &[u8]) -> Result<ControlFlow<()>, Error> {
        self.each_result(json, Style::Compact, false)
    }

    /// Writes each element of an array as one compact line; any other
    /// document as one line (pages are split by the paging walk, which
    /// knows the operation's paging style). `Break` when the reader has gone.
    ///
    /// Errors: as [`Sink::line`].
    pub fn items(&mut self, body: &[u8]) -> Result<ControlFlow<()>, Error> {
        for item in list_items(body) {
            if self.line(item.as_bytes())?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Writes out what is buffered. `Break` when the reader has gone.
    ///
    /// Errors: exit 1 when stdout fails other than by being closed.
    pub fn flush(&mut self) -> Result<ControlFlow<()>, Error> {
        if self.closed {
            return Ok(ControlFlow::Break(()));
        }
        let flushed = self.out.flush();
        self.outcome(flushed)
    }

    /// Prints text as it is (help, a shell snippet) and flushes.
    ///
    /// Errors: exit 4 when `--jq` or an `--output` other than json was
    /// given (text cannot be filtered or laid out); exit 1 when stdout fails
    /// other than by being closed.
    pub fn text(&mut self, text: &str) -> Result<(), Error> {
        if self.jq.is_some() || self.format != OutputFormat::Json {
            return Err(Error::validation(
                "this command prints text, not JSON: --jq and --output do not apply to it",
            ));
        }
        self.write_text(text)
    }

    /// Writes an answer that is not JSON (an image, an attachment, text)
    /// exactly as Jira sent it, and flushes. `content_type` names it in
    /// the errors.
    ///
    /// Errors: exit 4 when stdout is a terminal (bytes that are not text
    /// would garble it: the hint names `--output-file PATH` and a
    /// redirect), and when `--jq` or an `--output` other than json was
    /// given (they read JSON); exit 1 when stdout fails other than by
    /// being closed.
    pub fn bytes(&mut self, bytes: &[u8], content_type: &str) -> Result<(), Error> {
        let refusal = if self.jq.is_some() || self.format != OutputFormat::Json {
            Some("--jq and --output read JSON")
        } else if self.terminal {
            Some("jr does not write it to a terminal")
        } else {
            None
        };
        if let Some(reason) = refusal {
            return Err(Error::validation(format!(
                "Jira answered with {content_type} ({} bytes), not JSON: {reason}",
                bytes.len()
            ))
            .with_hint("write it to a file with --output-file PATH, or redirect stdout (> FILE)"));
        }
        self.unchanged(bytes)
    }

    /// Writes `bytes` as they are, wherever stdout is (`--output-file -`
    /// asks for exactly that), and flushes.
    ///
    /// Errors: exit 1 when stdout fails other than by being closed.
    pub fn unchanged(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        let written = self.out.write_all(bytes);
        let _ = self.outcome(written)?;
        self.flush().map(|_| ())
    }

    /// Prints a table laid out by the command itself (`jr webhook status`).
    ///
    /// Errors: as [`Sink::text`] without the refusal.
    pub fn own_table(&mut self, text: &str) -> Result<(), Error> {
        self.write_text(text)
    }

    /// True when a command's own table is wanted: `--output table`, or a
    /// terminal with no `--jq`, `--output` or `--compact` saying otherwise.
    pub fn wants_own_table(&self) -> bool {
        self.format == OutputFormat::Table
            || (self.terminal
                && self.style == Style::Pretty
                && self.jq.is_none()
                && self.format == OutputFormat::Json)
    }

    fn write_text(&mut self, text: &str) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        let written = self.out.write_all(text.as_bytes());
        let _ = self.outcome(written)?;
        self.flush().map(|_| ())
    }

    fn each_result(
        &mut self,
        body: &[u8],
        style: Style,
        colour: bool,
    ) -> Result<ControlFlow<()>, Error> {
        if self.closed {
            return Ok(ControlFlow::Break(()));
        }
        let Some(filter) = self.jq.clone() else {
            let written = output::write_json(&mut self.out, body, style, colour);
            return self.outcome(written);
        };
        let raw = self.raw_strings;
        let out = &mut self.out;
        let mut closed = false;
        filter.each(body, &mut |result| {
            signals::check()?;
            let mut written = match result.text().filter(|_| raw) {
                Some(text) => out.write_all(text).and_then(|()| out.write_all(b"\n")),
                None => output::write_json(out, result.json().as_bytes(), style, colour),
            };
            // A filter may take long between two results (or never give
            // another): each goes out as it comes, on a pipe too.
            if written.is_ok() {
                written = out.flush();
            }
            match written {
                Ok(()) => Ok(ControlFlow::Continue(())),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    closed = true;
                    Ok(ControlFlow::Break(()))
                }
                Err(e) => Err(Error::general(format!("cannot write the result: {e}"))),
            }
        })?;
        if closed {
            self.closed = true;
            return Ok(ControlFlow::Break(()));
        }
        Ok(ControlFlow::Continue(()))
    }

    /// `--output table`: the result (or its `--jq` results, as one list) as
    /// a table; a result that is not JSON is written as it is.
    fn table(&mut self, body: &[u8]) -> Result<ControlFlow<()>, Error> {
        let value = match &self.jq {
            Some(filter) => {
                let mut results = Vec::new();
                filter.each(body, &mut |result| {
                    signals::check()?;
                    results.push(serde_json::from_str(&result.json()).unwrap_or_default());
                    Ok(ControlFlow::Continue(()))
                })?;
                match results.len() {
                    1 => results.remove(0),
                    _ => serde_json::Value::Array(results),
                }
            }
            None => match serde_json::from_slice(body.trim_ascii()) {
                Ok(value) => value,
                Err(_) if body.trim_ascii().is_empty() => serde_json::json!({}),
                Err(_) => {
                    let written = output::write_json(&mut self.out, body, Style::Compact, false);
                    return self.outcome(written);
                }
            },
        };
        let layout = table::Layout {
            columns: self.columns.as_deref(),
            width: self.terminal.then(terminal_width),
            now_ms: jiff::Timestamp::now().as_millisecond(),
            zone: jiff::tz::TimeZone::system(),
        };
        let text = table::render(&value, &layout);
        let written = self.out.write_all(text.as_bytes());
        self.outcome(written)
    }

    fn outcome(&mut self, result: std::io::Result<()>) -> Result<ControlFlow<()>, Error> {
        match result {
            Ok(()) => Ok(ControlFlow::Continue(())),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(ControlFlow::Break(()))
            }
            Err(e) => Err(Error::general(format!("cannot write the result: {e}"))),
        }
    }
}

/// An array's elements as raw JSON texts; any other document (an object,
/// a scalar, text that is not JSON) is its own one item.
fn list_items(body: &[u8]) -> Vec<String> {
    let trimmed = body.trim_ascii();
    if trimmed.starts_with(b"[")
        && let Ok(items) = serde_json::from_slice::<Vec<Box<RawValue>>>(trimmed)
    {
        return items.into_iter().map(|i| i.get().to_owned()).collect();
    }
    vec![String::from_utf8_lossy(body).into_owned()]
}

/// The terminal's width: `COLUMNS`, else what the terminal says, else 120.
fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(width, _)| width.0))
        .unwrap_or(DEFAULT_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globals(jq: Option<&str>, style: Style) -> Globals {
        Globals {
            style,
            jq: jq.map(|e| Arc::new(jq::compile(e).expect("compiles"))),
            ..Globals::default()
        }
    }

    #[test]
    fn a_result_keeps_jiras_bytes_and_goes_through_jq() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, &globals(None, Style::Compact));
        sink.json(br#"{"id": 10000000000000001, "b":1.10}"#)
            .expect("writes");
        sink.json(b"").expect("writes");
        drop(sink);
        assert_eq!(out, b"{\"id\": 10000000000000001, \"b\":1.10}\n{}\n");
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, &globals(Some(".a[]"), Style::Pretty));
        sink.json(br#"{"a":[1,{"x":2}]}"#).expect("writes");
        drop(sink);
        assert_eq!(String::from_utf8_lossy(&out), "1\n{\n  \"x\": 2\n}\n");
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, &globals(Some(".a[]"), Style::Compact));
        sink.json(br#"{"a":["x y",2]}"#).expect("writes");
        drop(sink);
        assert_eq!(String::from_utf8_lossy(&out), "x y\n2\n");
        let mut out = Vec::new();
        let mut sink = Sink::new(
            &mut out,
            &Globals {
                jq_json: true,
                ..globals(Some(".a[]"), Style::Compact)
            },
        );
        sink.json(br#"{"a":["x y",2]}"#).expect("writes");
        drop(sink);
        assert_eq!(String::from_utf8_lossy(&out), "\"x y\"\n2\n");
    }

    #[test]
    fn ndjson_prints_the_items_of_a_list() {
        let mut out = Vec::new();
        let ndjson = Globals {
            output: OutputFormat::Ndjson,
            ..globals(None, Style::Pretty)
        };
        let mut sink = Sink::new(&mut out, &ndjson);
        sink.json(br#"[1,{"a": 2}]"#).expect("writes");
        sink.json(br#"{"values":[{"id":3}]}"#).expect("writes");
        drop(sink);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "1\n{\"a\": 2}\n{\"values\":[{\"id\":3}]}\n"
        );
    }

    #[test]
    fn text_refuses_jq_and_output_forms() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, &globals(Some("."), Style::Compact));
        assert_eq!(sink.text("x").expect_err("refused").exit_code(), 4);
    }

    #[test]
    fn stream_lines_are_compact_and_wait_for_a_flush() {
        let mut out = Vec::new();
        let mut sink = Sink::new(&mut out, &globals(Some(".id"), Style::Pretty));
        assert!(sink.line(br#"{"id": 1}"#).expect("writes").is_continue());
        assert!(sink.line(br#"{"id": 2}"#).expect("writes").is_continue());
        assert!(sink.flush().expect("flushes").is_continue());
        drop(sink);
        assert_eq!(out, b"1\n2\n");
    }

    /// A writer whose reader has gone, as stdout is after `| head -1`.
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_stops_quietly() {
        let mut closed = Closed;
        let mut sink = Sink::new(&mut closed, &globals(None, Style::Compact));
        assert!(sink.json(b"{}").is_ok());
        assert!(sink.line(b"{}").expect("quiet").is_break());
        assert!(sink.text("help").is_ok());
    }
}
