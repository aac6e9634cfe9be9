//! One text blob per generated file, and the byte ranges that point into it
//! (jr-core's `ops::text`): the generated tables then hold integers only, so
//! a position-independent `jr` has nothing to relocate in them at start-up.
//!
//! Each distinct string is stored once, in the order first asked for: the
//! renderer asks for the texts start-up reads (group names, commands,
//! summaries) first, so they share a few pages at the front of the blob.

use super::render::lit;
use std::collections::HashMap;

/// The strings of one generated file, deduplicated, with their offsets.
#[derive(Debug, Default)]
pub struct Blob {
    /// The distinct strings, in blob order.
    parts: Vec<String>,
    /// Each distinct string's range: (start, length), in bytes.
    at: HashMap<String, (u32, u32)>,
    /// The blob's length so far, in bytes.
    len: u32,
    /// Lists of strings (items of `LISTS`), each item a range of the blob.
    items: Vec<(u32, u32)>,
    /// Each distinct list's range of `items`: (start, count).
    lists: HashMap<Vec<String>, (u32, u32)>,
}

impl Blob {
    /// The range of `text` in the blob, adding it if it is new.
    pub fn span(&mut self, text: &str) -> (u32, u32) {
        if let Some(&span) = self.at.get(text) {
            return span;
        }
        let len = u32::try_from(text.len()).expect("a string under 4 GiB");
        let span = (self.len, len);
        self.len = self.len.checked_add(len).expect("a blob under 4 GiB");
        self.parts.push(text.to_owned());
        self.at.insert(text.to_owned(), span);
        span
    }

    /// The range of `items` in the lists table, adding it if it is new.
    pub fn list(&mut self, items: &[String]) -> (u32, u32) {
        if let Some(&range) = self.lists.get(items) {
            return range;
        }
        let spans: Vec<(u32, u32)> = items.iter().map(|item| self.span(item)).collect();
        let range = (self.items.len() as u32, spans.len() as u32);
        self.items.extend(spans);
        self.lists.insert(items.to_vec(), range);
        range
    }

    /// `Text::at(start, len)` for `text`.
    pub fn text(&mut self, text: &str) -> String {
        let (start, len) = self.span(text);
        format!("Text::at({start}, {len})")
    }

    /// `Span::at(start, len)` for `text`.
    pub fn raw_span(&mut self, text: &str) -> String {
        let (start, len) = self.span(text);
        format!("Span::at({start}, {len})")
    }

    /// `Texts::at(start, len)` for `items`.
    pub fn texts(&mut self, items: &[String]) -> String {
        let (start, len) = self.list(items);
        format!("Texts::at({start}, {len})")
    }

    /// `pub static LISTS: &[Span] = &[...];`, eight items a line.
    pub fn render_lists(&self) -> String {
        let mut out = String::from("pub static LISTS: &[Span] = &[\n");
        for chunk in self.items.chunks(8) {
            let line: Vec<String> = chunk
                .iter()
                .map(|(start, len)| format!("Span::at({start}, {len}),"))
                .collect();
            out.push_str(&format!("    {}\n", line.join(" ")));
        }
        out.push_str("];\n");
        out
    }

    /// `pub static TEXT: &str = concat!(...);`, one string a line.
    pub fn render_text(&self) -> String {
        let mut out = String::from("pub static TEXT: &str = concat!(\n");
        for part in &self.parts {
            out.push_str(&format!("    {},\n", lit(part)));
        }
        out.push_str(");\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_stored_once_and_ranges_follow_each_other() {
        let mut blob = Blob::default();
        assert_eq!(blob.span("group"), (0, 5));
        assert_eq!(blob.span("é"), (5, 2));
        assert_eq!(blob.span("group"), (0, 5));
        assert_eq!(blob.span(""), (7, 0));
        assert_eq!(
            blob.render_text(),
            "pub static TEXT: &str = concat!(\n    \"group\",\n    \"é\",\n    \"\",\n);\n"
        );
    }

    #[test]
    fn a_list_is_stored_once_and_its_items_point_into_the_blob() {
        let mut blob = Blob::default();
        let ab = ["a".to_owned(), "b".to_owned()];
        assert_eq!(blob.list(&ab), (0, 2));
        assert_eq!(blob.list(&["b".to_owned()]), (2, 1));
        assert_eq!(blob.list(&ab), (0, 2));
        assert_eq!(
            blob.render_lists(),
            "pub static LISTS: &[Span] = &[\n    Span::at(0, 1), Span::at(1, 1), Span::at(1, 1),\n];\n"
        );
    }
}
