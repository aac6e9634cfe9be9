//! The short sentence a person at a terminal reads before an error's JSON
//! line (docs/architecture.md §3): printed by `main` only when stderr is a
//! terminal; scripts keep parsing the JSON line, which always follows.

use jr_core::{Error, ErrorKind};

/// `jr: <what happened> (<class>, exit N). <hint>` on one line.
pub fn sentence(error: &Error) -> String {
    let class = match error.kind() {
        ErrorKind::General => "failed",
        ErrorKind::Auth => "not allowed",
        ErrorKind::NotFound => "not found",
        ErrorKind::Validation => "invalid request",
        ErrorKind::RateLimited => "rate limited",
        ErrorKind::Conflict => "conflict",
        ErrorKind::Server => "Jira server error",
        ErrorKind::Interrupted => "interrupted",
        _ => "stopped",
    };
    let message = error.message().trim_end_matches('.');
    let mut sentence = format!("jr: {message} ({class}, exit {}).", error.exit_code());
    if let Some(hint) = error.hint() {
        let hint = hint.trim_end_matches('.');
        let mut letters = hint.chars();
        let capital: String = letters
            .next()
            .map(|c| c.to_uppercase().chain(letters).collect())
            .unwrap_or_default();
        sentence.push_str(&format!(" {capital}."));
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_names_the_class_the_exit_code_and_the_hint() {
        let error =
            Error::new(ErrorKind::NotFound, "Issue does not exist").with_hint("check the key");
        assert_eq!(
            sentence(&error),
            "jr: Issue does not exist (not found, exit 3). Check the key."
        );
        assert_eq!(
            sentence(&Error::validation("bad flag.")),
            "jr: bad flag (invalid request, exit 4)."
        );
    }
}
