//! The one way out to stdout, for every command: a result in the chosen
//! style (compact, pretty, coloured) through `--jq`, NDJSON lines for
//! `--stream`, and plain text (help, shell snippets).
//!
//! A closed pipe (`jr ... | head -1`) is not a failure: the reader has what
//! it wanted, so writing stops quietly and later writes are skipped. Any
//! other write error is exit 1. Ctrl-C is the execution path's concern
//! (`exec.rs`, a layer above); what was written before it is complete
//! lines, flushed when the sink is finished or dropped.

use crate::globals::Globals;
use jr_core::output::{self, Style};
use jr_core::{Error, jq};
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::sync::Arc;

/// Room for a page of `--stream` lines before they are written out.
const BUFFER_BYTES: usize = 64 * 1024;

/// Where results go: stdout in `jr`, a `Vec<u8>` in tests.
pub struct Sink<'a> {
    out: BufWriter<&'a mut dyn Write>,
    style: Style,
    colour: bool,
    jq: Option<Arc<jq::Filter>>,
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
            closed: false,
        }
    }

    /// A sink for text only, before any flag is read (help and version).
    pub fn plain(out: &'a mut dyn Write) -> Sink<'a> {
        Sink::new(out, &Globals::default())
    }

    /// Prints one result, or each of its `--jq` results, in the chosen style,
    /// and flushes. An empty body prints `{}`; Jira's bytes are kept as they
    /// are (see [`output::write_json`]).
    ///
    /// Errors: exit 4 for a `--jq` runtime error; exit 1 when stdout fails
    /// other than by being closed.
    pub fn json(&mut self, body: &[u8]) -> Result<(), Error> {
        let (style, colour) = (self.style, self.colour);
        // A closed pipe (`Break`) ends quietly; so does the flush after it.
        let _ = self.each_result(body, style, colour)?;
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
    /// Errors: exit 1 when stdout fails other than by being closed.
    pub fn text(&mut self, text: &str) -> Result<(), Error> {
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
        let written = match &self.jq {
            Some(filter) => filter.run(body)?.iter().try_for_each(|result| {
                output::write_json(&mut self.out, result.as_bytes(), style, colour)
            }),
            None => output::write_json(&mut self.out, body, style, colour),
        };
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
