//! `--jq EXPR`: the jq language through jaq (jaq-core, jaq-std, jaq-json),
//! run over the raw response bytes, which keeps key order and number text
//! exact (a 64-bit ID stays what Jira sent).
//!
//! A filter is compiled before any request is sent, so a typo fails at once.
//! It runs lazily: each result is handed to the caller as it is produced, so
//! `repeat(1)` streams in bounded memory and stops when the caller says so.
//!
//! Beyond jaq's standard library jr defines what jq users expect of `jq`
//! itself: `$ENV`, `$ARGS` and the named variables of `--arg`/`--argjson`;
//! `debug` and `stderr` writing to a diagnostics function the caller gives
//! (jr-core itself never prints); `halt` and `halt_error` ending the run
//! (a bare `halt_error` exits [`HALT_ERROR_EXIT`], not jq's 5, which is jr's
//! "rate limited"); `input`/`inputs` as [`Inputs`] says: jr gives the filter
//! one document, the merged pages, so `inputs` is empty and `input` fails as
//! in jq given one document; with `--stream` each item is an input of its own
//! run, and `input`/`inputs` fail with an error that says so.

use crate::error::{Error, ErrorKind};
use jaq_core::load::lex::{StrPart, Tok, Token};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::native::{Fun, bome, run, v};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use std::cell::Cell;
use std::ops::ControlFlow;

type Data = data::JustLut<Val>;

/// The deepest nesting `--jq` accepts, in an expression (parentheses,
/// brackets, braces) and in the JSON it filters (arrays, objects).
///
/// jaq parses and evaluates recursively, so a deeper document or expression
/// would overflow the stack and abort the process; refusing it gives a clear
/// error instead. A thousand levels is far more than Jira's nested ADF
/// documents and custom-field values use.
pub const MAX_DEPTH: usize = 1_000;

/// The stack a thread that runs a filter needs for [`MAX_DEPTH`] levels
/// (with room to spare in an unoptimised build): 64 MiB, which costs only
/// the address space until it is touched. jr runs its work on such a thread.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// How much of the stack a filter may use before a call of a function it
/// defines fails (24 MiB of [`STACK_BYTES`]; the other 40 MiB are room for
/// the work between two such calls: evaluating a chain of filter
/// parameters `f(n-1)` builds, or walking input 1,000 levels deep). A function that recurses without
/// end (`def f: [f]; f`) ends with a runtime error (exit 4) instead of
/// overflowing the stack; see [`guard_definitions`].
pub const STACK_LIMIT_BYTES: usize = STACK_BYTES - 40 * 1024 * 1024;

/// The native filter put at the start of the body of every function the
/// expression defines: it passes its input through, or fails when the
/// running filter has used more than [`STACK_LIMIT_BYTES`] of stack.
const STACK_GUARD: &str = "jr_stack_guard";

/// The longest a JSON value or string may be inside a runtime error message
/// before it is cut with `…` (characters).
const SHOWN_VALUE_CHARS: usize = 60;

/// A value given to the filter by name: `--arg NAME TEXT` or `--argjson NAME JSON`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// `$NAME` is this string.
    Text(String),
    /// `$NAME` is this JSON document (checked by [`compile_with`]).
    Json(String),
}

/// Where `debug` and `stderr` (and `halt_error`'s message) go: bytes to
/// write as they are.
pub type Diagnostics = fn(&[u8]);

/// What `input` and `inputs` read besides the document being filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inputs {
    /// The filter sees one document (the merged pages): `inputs` yields
    /// nothing and `input` fails with "No more inputs", as in jq given one
    /// document.
    #[default]
    One,
    /// `--stream`: the filter runs once per item, each item its input; a
    /// run cannot read the next items, so `input` and `inputs` fail with an
    /// error naming `--stream` rather than silently yield nothing.
    PerItem,
}

/// A compiled jq filter.
pub struct Filter {
    filter: jaq_core::Filter<Data>,
    /// The expression as given, for error messages.
    expr: String,
    /// `--arg`/`--argjson`, in the order given.
    named: Vec<(String, Named)>,
    diagnostics: Diagnostics,
    inputs: Inputs,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("jq::Filter")
    }
}

/// One result of a filter, as it is produced.
pub struct Output<'v>(&'v Val);

impl Output<'_> {
    /// The result as compact JSON text (key order and number text kept).
    pub fn json(&self) -> String {
        self.0.to_string()
    }

    /// The bytes of a string result, without quotes or escapes (what
    /// `jq -r` prints); `None` for any other value.
    pub fn text(&self) -> Option<&[u8]> {
        match self.0 {
            Val::TStr(bytes) | Val::BStr(bytes) => Some(bytes),
            _ => None,
        }
    }
}

/// Definitions jr adds to (or changes in) jaq's standard library.
const JR_DEFS: &str = r#"
def halt_error($exit_code): jr_halt_message, halt($exit_code);
def halt_error: halt_error(8);
def @csv: if type != "array" then error("\(type) (\(tojson)) cannot be csv-formatted, only an array can be")
  else map(
    if type == "string" then "\"" + (split("\"") | join("\"\"")) + "\""
    elif . == null then ""
    elif type == "array" or type == "object" then error("\(type) (\(tojson)) is not valid in a csv row")
    else tojson end
  ) | join(",") end;
def @tsv: if type != "array" then error("\(type) (\(tojson)) cannot be tsv-formatted, only an array can be")
  else map(
    if type == "string" then split("\\") | join("\\\\") | split("\t") | join("\\t")
      | split("\n") | join("\\n") | split("\r") | join("\\r")
    elif . == null then ""
    elif type == "array" or type == "object" then error("\(type) (\(tojson)) is not valid in a tsv row")
    else tojson end
  ) | join("\t") end;
"#;

thread_local! {
    /// The running filter's [`Diagnostics`] (natives are plain functions).
    static DIAGNOSTICS: Cell<Diagnostics> = const { Cell::new(|_| {}) };
    /// The running filter's [`Inputs`].
    static INPUTS: Cell<Inputs> = const { Cell::new(Inputs::One) };
    /// The stack address where the outermost running filter started (0
    /// when none runs on this thread), for [`stack_used`].
    static STACK_BASE: Cell<usize> = const { Cell::new(0) };
}

/// The address of a local of the caller's frame: the stack's current depth.
#[inline(never)]
fn stack_here() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

/// Bytes of stack used since the running filter started (the stack grows
/// downwards on every platform jr is built for).
fn stack_used() -> usize {
    let base = STACK_BASE.with(Cell::get);
    base.saturating_sub(stack_here())
}

/// The error of a function call when [`STACK_LIMIT_BYTES`] are used.
fn recursion_too_deep() -> jaq_core::Error<Val> {
    jaq_core::Error::str(format!(
        "a function defined in the filter recursed too deep (its calls used more than {} MiB of stack); jr stops it rather than overflow",
        STACK_LIMIT_BYTES / (1024 * 1024)
    ))
}

/// `expr` with [`STACK_GUARD`] at the start of the body of every function
/// it defines: `def f(x): BODY;` becomes `def f(x): jr_stack_guard as
/// $__jr_guard | BODY;`, which is the same function (`E as $v | B` runs B
/// on the same input, and reaches as far right as BODY does) that first
/// checks the stack. jaq has no recursion limit of its own, so a function
/// that recurses without end would otherwise abort the process.
///
/// Definitions are found with jaq's own lexer (`def`, a name, optional
/// parameters in parentheses, `:`), so strings and comments are never
/// touched; an expression the lexer refuses is returned unchanged for the
/// parser to report.
pub fn guard_definitions(expr: &str) -> String {
    let Ok(tokens) = jaq_core::load::Lexer::new(expr).lex() else {
        return expr.to_owned();
    };
    let mut bodies = Vec::new();
    body_starts(expr, &tokens, &mut bodies);
    bodies.sort_unstable();
    let mut guarded = String::with_capacity(expr.len() + bodies.len() * 40);
    let mut from = 0;
    for at in bodies {
        guarded.push_str(&expr[from..at]);
        guarded.push_str(&format!(" {STACK_GUARD} as $__jr_guard | "));
        from = at;
    }
    guarded.push_str(&expr[from..]);
    guarded
}

/// Pushes the byte offset in `expr` just after the `:` of each definition
/// among `tokens` (and inside their blocks and string interpolations).
fn body_starts(expr: &str, tokens: &[Token<&str>], found: &mut Vec<usize>) {
    let offset = |text: &str| text.as_ptr() as usize - expr.as_ptr() as usize;
    for (i, token) in tokens.iter().enumerate() {
        match &token.1 {
            Tok::Block(inner) => body_starts(expr, inner, found),
            Tok::Str(parts) => {
                for part in parts {
                    if let StrPart::Term(term) = part {
                        body_starts(expr, std::slice::from_ref(term), found);
                    }
                }
            }
            Tok::Word if token.0 == "def" => {
                let mut rest = tokens[i + 1..].iter();
                let Some(Token(_, Tok::Word)) = rest.next() else {
                    continue;
                };
                let mut next = rest.next();
                if let Some(Token(text, Tok::Block(_))) = next
                    && text.starts_with('(')
                {
                    next = rest.next();
                }
                if let Some(Token(colon, Tok::Sym)) = next
                    && *colon == ":"
                {
                    found.push(offset(colon) + 1);
                }
            }
            _ => {}
        }
    }
}

/// The error of `input` (and, per item, of `inputs`).
fn no_more_inputs() -> jaq_core::Error<Val> {
    jaq_core::Error::str(match INPUTS.with(Cell::get) {
        Inputs::One => "No more inputs: jr gives the filter one document, the merged answer",
        Inputs::PerItem => {
            "input and inputs read nothing with --stream: each item runs the filter on its own; drop --stream to filter the merged answer as one document"
        }
    })
}

fn diagnose(bytes: &[u8]) {
    DIAGNOSTICS.with(|d| d.get()(bytes));
}

/// `v` as jq's `stderr` and `halt_error` print it: a string raw, anything
/// else as compact JSON.
fn raw_or_json(v: &Val) -> Vec<u8> {
    match Output(v).text() {
        Some(text) => text.to_vec(),
        None => v.to_string().into_bytes(),
    }
}

/// The process's environment as a jq object, for `$ENV` and `env`. A
/// variable whose name or value is not UTF-8 is read lossily (U+FFFD), as
/// jq reads it, rather than panicking as `std::env::vars` (and so jaq's own
/// `env`) does.
fn environment() -> Val {
    let lossy = |s: std::ffi::OsString| Val::from(s.to_string_lossy().into_owned());
    Val::obj(
        std::env::vars_os()
            .map(|(k, v)| (lossy(k), lossy(v)))
            .collect(),
    )
}

/// The natives that replace jaq's (which log through the `log` crate, or
/// panic on an environment that is not UTF-8) or that jq has and jaq leaves
/// to its command line.
fn jr_funs() -> impl Iterator<Item = Fun<Data>> {
    let funs: [jaq_core::native::Filter<jaq_core::RunPtr<Data>>; 7] = [
        ("stderr_empty", v(0), |cv| {
            diagnose(&raw_or_json(&cv.1));
            Box::new(std::iter::empty())
        }),
        ("debug_empty", v(0), |cv| {
            diagnose(format!("[\"DEBUG:\",{}]\n", cv.1).as_bytes());
            Box::new(std::iter::empty())
        }),
        ("jr_halt_message", v(0), |cv| {
            let mut message = raw_or_json(&cv.1);
            if Output(&cv.1).text().is_none() {
                message.push(b'\n');
            }
            diagnose(&message);
            Box::new(std::iter::empty())
        }),
        (STACK_GUARD, v(0), |cv| {
            if stack_used() > STACK_LIMIT_BYTES {
                return bome(Err(recursion_too_deep()));
            }
            bome(Ok(cv.1))
        }),
        ("env", v(0), |_| bome(Ok(environment()))),
        ("input", v(0), |_| bome(Err(no_more_inputs()))),
        ("inputs", v(0), |_| match INPUTS.with(Cell::get) {
            Inputs::One => Box::new(std::iter::empty()),
            Inputs::PerItem => bome(Err(no_more_inputs())),
        }),
    ];
    funs.into_iter().map(run::<Data>)
}

/// Compiles `expr` with jq's standard library and no named values.
///
/// Errors: as [`compile_with`].
pub fn compile(expr: &str) -> Result<Filter, Error> {
    compile_with(expr, Vec::new())
}

/// Compiles `expr` with jq's standard library, `$ENV`, `$ARGS` and the
/// `named` values as `$NAME`.
///
/// Errors: exit 4 naming what the parser expected, or the undefined name,
/// or an `--argjson` value that is not JSON.
pub fn compile_with(expr: &str, named: Vec<(String, Named)>) -> Result<Filter, Error> {
    let (depth, operators) = expression_shape(expr);
    if depth > MAX_DEPTH {
        return Err(invalid(
            expr,
            &[format!(
                "it nests {depth} levels of parentheses or brackets; jr accepts at most {MAX_DEPTH}"
            )],
        ));
    }
    if operators > MAX_OPERATORS {
        return Err(invalid(
            &shorten_values(expr, 200),
            &[format!(
                "it has {operators} operators; jr accepts at most {MAX_OPERATORS}"
            )],
        ));
    }
    for (name, value) in &named {
        if let Named::Json(text) = value {
            jaq_json::read::parse_single(text.as_bytes()).map_err(|e| {
                Error::validation(format!("--argjson {name}: the value is not JSON: {e}"))
            })?;
        }
    }
    // `JR_DEFS` says 8: a test checks it is `HALT_ERROR_EXIT`.
    let jr_defs = jaq_core::load::parse(JR_DEFS, |p| p.defs()).unwrap_or_default();
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(jr_defs);
    let replaced: Vec<&str> = jr_funs().map(|(name, _, _)| name).collect();
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .filter(|(name, _, _)| !replaced.contains(name))
        .chain(jr_funs());
    let guarded = guard_definitions(expr);
    let (loader, arena) = (Loader::new(defs), Arena::default());
    let modules = loader
        .load(
            &arena,
            File {
                code: guarded.as_str(),
                path: (),
            },
        )
        .map_err(|errors| {
            let reasons: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, error)| load_error(error))
                .collect();
            invalid(expr, &reasons)
        })?;
    let global_names: Vec<String> = ["$ENV".to_owned(), "$ARGS".to_owned()]
        .into_iter()
        .chain(named.iter().map(|(name, _)| format!("${name}")))
        .collect();
    let filter = Compiler::default()
        .with_funs(funs)
        .with_global_vars(global_names.iter().map(String::as_str))
        .compile(modules)
        .map_err(|errors| {
            let reasons: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, undefined)| undefined)
                .map(|(name, kind)| format!("undefined {} `{name}`", kind.as_str()))
                .collect();
            invalid(expr, &reasons)
        })?;
    Ok(Filter {
        filter,
        expr: expr.to_owned(),
        named,
        diagnostics: |_| {},
        inputs: Inputs::One,
    })
}
/// The deepest nesting of `(`, `[` and `{` in `expr`, outside string literals.
#[cfg(test)]
fn expression_depth(expr: &str) -> usize {
    expression_shape(expr).0
}

/// The most operator characters (`|`, `,`, `+`, `=`, `;`, ...) outside string
/// literals a `--jq` expression may have. jaq parses a chain of operators
/// recursively, one level per operator: 10,000 pipes overflowed the stack.
pub const MAX_OPERATORS: usize = 2_000;

/// `(deepest nesting of ( [ {, operator characters)` of `expr`, outside
/// string literals.
fn expression_shape(expr: &str) -> (usize, usize) {
    let (mut depth, mut deepest, mut operators) = (0usize, 0, 0);
    let (mut in_string, mut escaped) = (false, false);
    for c in expr.chars() {
        match (in_string, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') | (false, '"') => in_string = !in_string,
            (false, '(' | '[' | '{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (
                false,
                '|' | ',' | '+' | '-' | '*' | '/' | '%' | '=' | '<' | '>' | ';' | ':' | '?',
            ) => operators += 1,
            _ => {}
        }
    }
    (deepest, operators)
}

/// `Some(depth)` when `value` nests deeper than [`MAX_DEPTH`], found without
/// recursion (an explicit stack) and without walking further than needed.
fn deeper_than_limit(value: &Val) -> Option<usize> {
    let mut stack: Vec<(&Val, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Some(depth);
        }
        match value {
            Val::Arr(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Val::Obj(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    None
}

fn load_error(error: jaq_core::load::Error<&str>) -> Vec<String> {
    use jaq_core::load::Error as Load;
    match error {
        Load::Io(errors) => errors.into_iter().map(|(_, e)| e).collect(),
        Load::Lex(errors) => errors
            .into_iter()
            .map(|(expect, at)| format!("expected {} at `{}`", expect.as_str(), snippet(at)))
            .collect(),
        Load::Parse(errors) => errors
            .into_iter()
            .map(|(expect, at)| format!("expected {} at `{}`", expect.as_str(), snippet(at)))
            .collect(),
    }
}

fn snippet(at: &str) -> String {
    match at.char_indices().nth(20) {
        Some((end, _)) => format!("{}…", &at[..end]),
        None if at.is_empty() => "the end".to_owned(),
        None => at.to_owned(),
    }
}

fn invalid(expr: &str, reasons: &[String]) -> Error {
    Error::validation(format!(
        "invalid --jq expression `{expr}`: {}",
        reasons.join("; ")
    ))
    .with_hint("jq syntax: https://jqlang.org/manual/ (jr runs it with jaq)")
}

impl Filter {
    /// The filter with `debug`, `stderr` and `halt_error` writing to `diagnostics`.
    pub fn with_diagnostics(mut self, diagnostics: Diagnostics) -> Filter {
        self.diagnostics = diagnostics;
        self
    }

    /// The filter with `input` and `inputs` as `inputs` says (default
    /// [`Inputs::One`]).
    pub fn with_inputs(mut self, inputs: Inputs) -> Filter {
        self.inputs = inputs;
        self
    }

    /// The global variables in the order the compiler was given their
    /// names: `$ENV`, `$ARGS`, then the named values.
    fn globals(&self) -> Vec<Val> {
        let named = self.named.iter().map(|(name, value)| {
            let value = match value {
                Named::Text(text) => Val::from(text.clone()),
                Named::Json(text) => {
                    jaq_json::read::parse_single(text.as_bytes()).unwrap_or_default()
                }
            };
            (Val::from(name.clone()), value)
        });
        let named: Vec<(Val, Val)> = named.collect();
        let args = Val::obj(
            [
                (
                    Val::from("positional".to_owned()),
                    Val::from_iter(std::iter::empty()),
                ),
                (
                    Val::from("named".to_owned()),
                    Val::obj(named.iter().cloned().collect()),
                ),
            ]
            .into_iter()
            .collect(),
        );
        [environment(), args]
            .into_iter()
            .chain(named.into_iter().map(|(_, value)| value))
            .collect()
    }

    /// Runs the filter over one JSON document (an empty body counts as `{}`)
    /// and hands each result to `on_result` as it is produced, until the
    /// filter ends, `on_result` says `Break`, or the filter halts.
    ///
    /// Errors: exit 4 for a jq runtime error (`error("x")`, `.a` on a
    /// string), naming the expression and the failing value in short, or
    /// input that is not JSON; exit 1 for input nested deeper than
    /// [`MAX_DEPTH`]; [`ErrorKind::Halted`] for `halt_error`; those of
    /// `on_result`. `halt` ends the run without an error.
    pub fn each(
        &self,
        input: &[u8],
        on_result: &mut dyn FnMut(Output<'_>) -> Result<ControlFlow<()>, Error>,
    ) -> Result<(), Error> {
        let value = parse_input(input)?;
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new(self.globals()));
        let previous = DIAGNOSTICS.with(|d| d.replace(self.diagnostics));
        let previous_inputs = INPUTS.with(|i| i.replace(self.inputs));
        // The outermost run on this thread sets where the stack starts.
        let outermost = STACK_BASE.with(|b| b.get() == 0);
        if outermost {
            STACK_BASE.with(|b| b.set(stack_here()));
        }
        let outcome = self.filter.id.run((ctx, value)).try_for_each(|result| {
            let value = match result {
                Ok(value) => value,
                Err(exn) => return Err(self.stopped(exn)),
            };
            if let Some(depth) = deeper_than_limit(&value) {
                // Dropping it would recurse as deep again: the process ends
                // soon, so its memory is left to the OS.
                std::mem::forget(value);
                return Err(Some(Error::general(format!(
                    "--jq `{}` produced a value nested {depth}+ levels deep; jr's jq accepts at most {MAX_DEPTH}",
                    shorten_values(&self.expr, 200)
                ))));
            }
            match on_result(Output(&value)) {
                Ok(ControlFlow::Continue(())) => Ok(()),
                Ok(ControlFlow::Break(())) => Err(None),
                Err(e) => Err(Some(e)),
            }
        });
        DIAGNOSTICS.with(|d| d.set(previous));
        INPUTS.with(|i| i.set(previous_inputs));
        if outermost {
            STACK_BASE.with(|b| b.set(0));
        }
        match outcome {
            Ok(()) | Err(None) => Ok(()),
            Err(Some(error)) => Err(error),
        }
    }

    /// Every result as compact JSON text, in order (tests and small inputs).
    ///
    /// Errors: as [`Filter::each`].
    pub fn run(&self, input: &[u8]) -> Result<Vec<String>, Error> {
        let mut results = Vec::new();
        self.each(input, &mut |output| {
            results.push(output.json());
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(results)
    }

    /// What ends the run early: `None` for `halt` (success), else the error.
    fn stopped(&self, exn: jaq_core::Exn<'_, Val>) -> Option<Error> {
        match exn.get_err() {
            Ok(error) => Some(
                Error::validation(format!(
                    "--jq `{}` failed: {}",
                    shorten_values(&self.expr, 200),
                    runtime_message(error)
                ))
                .with_hint("jq syntax: https://jqlang.org/manual/ (jr runs it with jaq)"),
            ),
            Err(exn) => match exn.get_halt() {
                Ok(0) => None,
                // jq's exit code is the OS's: the low byte.
                Ok(code) => Some(Error::new(
                    ErrorKind::Halted((code & 0xff) as u8),
                    format!("--jq halted with exit code {code}"),
                )),
                Err(_) => Some(Error::general("--jq stopped unexpectedly")),
            },
        }
    }
}

/// Checks and parses the input document of a filter.
fn parse_input(input: &[u8]) -> Result<Val, Error> {
    let input = input.trim_ascii();
    let input = if input.is_empty() { b"{}" } else { input };
    match crate::json_scan::scan(input) {
        Ok(shape) if shape.max_depth > MAX_DEPTH => {
            return Err(Error::general(format!(
                "--jq input nests {} levels deep; jr's jq accepts at most {MAX_DEPTH}",
                shape.max_depth
            ))
            .with_hint("run without --jq to get the document as it is"));
        }
        Ok(_) => {}
        Err(invalid) => {
            return Err(Error::validation(format!(
                "--jq input is not JSON (at byte {})",
                invalid.at
            )));
        }
    }
    jaq_json::read::parse_single(input)
        .map_err(|e| Error::validation(format!("--jq input is not JSON: {e}")))
}

/// A runtime error as a short line: `error("text")` gives its text; a type
/// or index error names the failing value, cut to a few dozen characters.
fn runtime_message(error: jaq_core::Error<Val>) -> String {
    let value = error.into_val();
    let text = match Output(&value).text() {
        Some(text) => String::from_utf8_lossy(text).into_owned(),
        None => value.to_string(),
    };
    shorten_values(&text, SHOWN_VALUE_CHARS)
}

/// `text` with every JSON string, array or object in it longer than `limit`
/// characters cut to `limit` characters and `…` (then its closing bracket).
fn shorten_values(text: &str, limit: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len().min(4 * limit));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let end = match c {
            '"' | '{' | '[' => value_end(&chars, i),
            _ => None,
        };
        match end {
            Some(end) if end - i > limit => {
                out.extend(&chars[i..i + limit]);
                out.push('…');
                out.push(match c {
                    '{' => '}',
                    '[' => ']',
                    _ => '"',
                });
                i = end;
            }
            Some(end) => {
                out.extend(&chars[i..end]);
                i = end;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The index just past the JSON string, array or object starting at `start`,
/// if it is closed.
fn value_end(chars: &[char], start: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &c) in chars.iter().enumerate().skip(start) {
        match (in_string, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => {
                in_string = false;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            (false, '"') => in_string = true,
            (false, '{' | '[') => depth += 1,
            (false, '}' | ']') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_keeps_big_ids_and_float_digits() {
        let filter = compile(".values[] | {id, f}").unwrap();
        let out = filter
            .run(br#"{"values":[{"f":0.10000000000000000555,"id":9007199254740993},{"id":2,"f":1.10}]}"#)
            .unwrap();
        assert_eq!(
            out,
            [
                r#"{"id":9007199254740993,"f":0.10000000000000000555}"#,
                r#"{"id":2,"f":1.10}"#
            ]
        );
    }

    #[test]
    fn a_syntax_error_is_a_validation_error_naming_the_expression() {
        let err = compile(".values[").unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains(".values["), "{}", err.message());
        let err = compile("nosuchfunction").unwrap_err();
        assert!(err.message().contains("undefined"), "{}", err.message());
    }

    /// Issue 12: input nested about 25,000 deep, or an expression with 5,000
    /// nested parentheses, overflowed the stack (SIGABRT, no JSON error).
    #[test]
    fn too_deep_input_or_expression_is_refused_and_the_limit_itself_works() {
        // jr runs on a thread with jr's stack (see `STACK_BYTES`), not on
        // the test harness's 2 MiB one.
        std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn(deep_cases)
            .unwrap()
            .join()
            .unwrap();
    }

    /// Issue 12: a function that recursed without end (`def f: [f]; f`)
    /// overflowed jaq's stack (SIGABRT, exit 134). It is a runtime error
    /// now, as deep but finite recursion through a filter parameter is;
    /// recursion in tail position still runs in constant stack.
    #[test]
    fn endless_recursion_in_a_defined_function_is_an_error_not_an_abort() {
        std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn(|| {
                for endless in [
                    "def f: [f]; f",
                    "def f(n): if n == 0 then 0 else f(n-1)+1 end; f(1000000)",
                    "def a: def b: {x: b}; b; a",
                    "\"\\(def h: [h]; h)\"",
                ] {
                    let err = compile(endless).unwrap().run(b"null").unwrap_err();
                    assert_eq!(err.exit_code(), 4, "{endless}");
                    assert!(
                        err.message().contains("recursed too deep"),
                        "{}",
                        err.message()
                    );
                }
                let counted = "def f: if . < 200000 then .+1|f else . end; 0|f";
                assert_eq!(compile(counted).unwrap().run(b"null").unwrap(), ["200000"]);
                let finite = "def f($n): if $n == 0 then 0 else f($n-1)+1 end; f(100)";
                assert_eq!(compile(finite).unwrap().run(b"null").unwrap(), ["100"]);
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn definitions_get_the_guard_and_nothing_else_is_touched() {
        let guarded = guard_definitions(
            r#"def f(x; $y): x; "def s: 1;" | {def: 1} | # def c: 2;
.def | [def g: 3; g]"#,
        );
        assert_eq!(guarded.matches(STACK_GUARD).count(), 2, "{guarded}");
        assert!(
            guarded.starts_with("def f(x; $y): jr_stack_guard as $__jr_guard |  x;"),
            "{guarded}"
        );
        assert!(
            guarded.contains(r#""def s: 1;""#) && guarded.contains("# def c: 2;"),
            "{guarded}"
        );
        assert!(
            guarded.contains("[def g: jr_stack_guard as $__jr_guard |  3; g]"),
            "{guarded}"
        );
        assert_eq!(
            guard_definitions(".a | (."),
            ".a | (.",
            "unlexable: unchanged"
        );
    }

    fn deep_cases() {
        // Issue 12 review: a chain of 50,000 pipes, and a value a filter
        // builds 100,000 levels deep, still aborted with a stack overflow.
        let chain = format!(".{}", "|.".repeat(50_000));
        let err = compile(&chain).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message().contains("at most 2000"),
            "{}",
            &err.message()[..200.min(err.message().len())]
        );
        let built = compile("reduce range(100000) as $i (.; [.])").unwrap();
        let err = built.run(b"1").unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message().contains("nested 1001+ levels"),
            "{}",
            err.message()
        );
        let fine = compile("reduce range(999) as $i (.; [.]) | flatten").unwrap();
        assert_eq!(fine.run(b"1").unwrap(), ["[1]"]);
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let filter = compile("[paths] | length").unwrap();
        let err = filter.run(nested(25_000).as_bytes()).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.message().contains("1000"), "{}", err.message());
        let at_limit = compile(".")
            .unwrap()
            .run(nested(MAX_DEPTH).as_bytes())
            .unwrap();
        assert_eq!(at_limit, [nested(MAX_DEPTH)]);
        let parens = format!("{}.{}", "(".repeat(5_000), ")".repeat(5_000));
        let err = compile(&parens).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("5000 levels"), "{}", err.message());
        let deepest = format!("{}.{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(compile(&deepest).unwrap().run(b"7").unwrap(), ["7"]);
        assert_eq!(expression_depth(r#"[ "(((" , ("\"(") ]"#), 2);
    }

    fn texts(expr: &str, input: &[u8]) -> Result<Vec<String>, Error> {
        let mut results = Vec::new();
        compile(expr)?.each(input, &mut |out| {
            results.push(match out.text() {
                Some(text) => format!("raw:{}", String::from_utf8_lossy(text)),
                None => out.json(),
            });
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(results)
    }

    #[test]
    fn string_results_offer_their_raw_text_and_formats_work() {
        assert_eq!(
            texts(r#".a, .n, ([.a, "x,y"] | @csv), ([1, "a b"] | @sh), (.a | @base64), ("a b" | @uri), ([1,"t"] | @tsv)"#, br#"{"a":"q\"x","n":1}"#).unwrap(),
            ["raw:q\"x", "1", "raw:\"q\"\"x\",\"x,y\"", "raw:1 'a b'", "raw:cSJ4", "raw:a%20b", "raw:1\tt"]
        );
    }

    #[test]
    fn env_args_and_named_values_are_variables() {
        let named = vec![
            ("who".to_owned(), Named::Text("ann".to_owned())),
            (
                "n".to_owned(),
                Named::Json(r#"{"id":9007199254740993}"#.to_owned()),
            ),
        ];
        let filter = compile_with(
            "[$who, $n.id, $ARGS.named.who, ($ENV | type), (env | type)]",
            named,
        )
        .unwrap();
        assert_eq!(
            filter.run(b"null").unwrap(),
            [r#"["ann",9007199254740993,"ann","object","object"]"#]
        );
        let err =
            compile_with(".", vec![("x".to_owned(), Named::Json("{".to_owned()))]).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("--argjson x"), "{}", err.message());
        assert!(compile("$nope").is_err());
    }

    #[test]
    fn results_come_one_at_a_time_and_the_caller_can_stop() {
        let mut seen = 0;
        compile("repeat(1)")
            .unwrap()
            .each(b"null", &mut |_| {
                seen += 1;
                Ok(if seen == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            })
            .unwrap();
        assert_eq!(seen, 3);
    }

    thread_local! {
        static SEEN: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn keep(bytes: &[u8]) {
        SEEN.with(|seen| seen.borrow_mut().extend_from_slice(bytes));
    }

    #[test]
    fn debug_stderr_and_halts_behave_as_in_jq() {
        let filter = compile(r#"(1 | debug), ("s" | stderr), ({} | debug("m"))"#)
            .unwrap()
            .with_diagnostics(keep);
        assert_eq!(filter.run(b"null").unwrap(), ["1", "\"s\"", "{}"]);
        assert_eq!(
            SEEN.with(|s| s.take()),
            b"[\"DEBUG:\",1]\ns[\"DEBUG:\",\"m\"]\n"
        );
        assert_eq!(JR_DEFS.matches("halt_error(8)").count(), 1);
        assert_eq!(crate::error::HALT_ERROR_EXIT, 8);
        assert_eq!(compile("1, halt, 2").unwrap().run(b"null").unwrap(), ["1"]);
        let err = compile(r#""bye\n" | halt_error"#)
            .unwrap()
            .with_diagnostics(keep)
            .run(b"null")
            .unwrap_err();
        assert_eq!(
            (err.exit_code(), err.is_quiet()),
            (crate::error::HALT_ERROR_EXIT, true)
        );
        assert_eq!(SEEN.with(|s| s.take()), b"bye\n");
        let err = compile(r#"{"a":1} | halt_error(3)"#)
            .unwrap()
            .with_diagnostics(keep)
            .run(b"null")
            .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert_eq!(SEEN.with(|s| s.take()), b"{\"a\":1}\n");
        assert_eq!(compile("[inputs]").unwrap().run(b"1").unwrap(), ["[]"]);
        assert!(compile("input").unwrap().run(b"1").is_err());
        assert!(
            compile("first(inputs)")
                .unwrap()
                .run(b"1")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn per_item_input_and_inputs_fail_naming_stream() {
        for expr in ["[inputs]", "input", "., input"] {
            let filter = compile(expr).unwrap().with_inputs(Inputs::PerItem);
            let err = filter.run(b"1").unwrap_err();
            assert_eq!(err.exit_code(), 4, "{expr}");
            assert!(err.message().contains("--stream"), "{}", err.message());
        }
        // The mode is the filter's own: another filter on the thread is not affected.
        assert_eq!(compile("[inputs]").unwrap().run(b"1").unwrap(), ["[]"]);
    }

    #[test]
    fn a_runtime_error_shows_the_expression_and_a_short_value() {
        let big = format!(
            r#"{{"values":[{}]}}"#,
            vec![r#"{"id":"10000"}"#; 200].join(",")
        );
        let err = compile(".values | ascii_downcase")
            .unwrap()
            .run(big.as_bytes())
            .unwrap_err();
        let message = err.message();
        assert!(
            message.starts_with("--jq `.values | ascii_downcase` failed: "),
            "{message}"
        );
        assert!(message.contains('…') && message.len() < 200, "{message}");
    }

    #[test]
    fn a_runtime_error_exits_4() {
        let filter = compile(r#".a | error("boom")"#).unwrap();
        let err = filter.run(br#"{"a":1}"#).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("boom"), "{}", err.message());
    }
}
