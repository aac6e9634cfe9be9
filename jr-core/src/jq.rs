//! `--jq EXPR`: the jq language through jaq (jaq-core, jaq-std, jaq-json),
//! run over the raw response bytes, which keeps key order and number text
//! exact (a 64-bit ID stays what Jira sent).
//!
//! A filter is compiled before any request is sent, so a typo fails at once.

use crate::error::Error;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;

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

/// A compiled jq filter.
pub struct Filter {
    filter: jaq_core::Filter<Data>,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("jq::Filter")
    }
}

/// Compiles `expr` with jq's standard library.
///
/// Errors: exit 4 naming what the parser expected, or the undefined name.
pub fn compile(expr: &str) -> Result<Filter, Error> {
    let depth = expression_depth(expr);
    if depth > MAX_DEPTH {
        return Err(invalid(
            expr,
            &[format!(
                "it nests {depth} levels of parentheses or brackets; jr accepts at most {MAX_DEPTH}"
            )],
        ));
    }
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let (loader, arena) = (Loader::new(defs), Arena::default());
    let modules = loader
        .load(
            &arena,
            File {
                code: expr,
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
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| {
            let reasons: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, undefined)| undefined)
                .map(|(name, kind)| format!("undefined {} `{name}`", kind.as_str()))
                .collect();
            invalid(expr, &reasons)
        })?;
    Ok(Filter { filter })
}

/// The deepest nesting of `(`, `[` and `{` in `expr`, outside string literals.
fn expression_depth(expr: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
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
            _ => {}
        }
    }
    deepest
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
    /// Runs the filter over one JSON document (an empty body counts as `{}`)
    /// and returns every result as compact JSON text, in order.
    ///
    /// Errors: exit 4 for a jq runtime error (`error("x")`, `.a` on a string)
    /// or input that is not JSON.
    pub fn run(&self, input: &[u8]) -> Result<Vec<String>, Error> {
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
        let value = jaq_json::read::parse_single(input)
            .map_err(|e| Error::validation(format!("--jq input is not JSON: {e}")))?;
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        self.filter
            .id
            .run((ctx, value))
            .map(unwrap_valr)
            .map(|result| {
                result
                    .map(|v| v.to_string())
                    .map_err(|e| Error::validation(format!("--jq failed: {e}")))
            })
            .collect()
    }
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

    fn deep_cases() {
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

    #[test]
    fn a_runtime_error_exits_4() {
        let filter = compile(r#".a | error("boom")"#).unwrap();
        let err = filter.run(br#"{"a":1}"#).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("boom"), "{}", err.message());
    }
}
