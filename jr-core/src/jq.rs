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

    #[test]
    fn a_runtime_error_exits_4() {
        let filter = compile(r#".a | error("boom")"#).unwrap();
        let err = filter.run(br#"{"a":1}"#).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message().contains("boom"), "{}", err.message());
    }
}
