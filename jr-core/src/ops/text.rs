//! How the operation table holds its strings without pointers.
//!
//! Every string of the generated table lives in one text blob per generated
//! file (`generated::TEXT`, `bodies::TEXT`), and the table's rows hold byte
//! ranges of it ([`Span`]) instead of `&'static str`s. A row is then plain
//! integers: in a position-independent executable (PIE, so ASLR applies to
//! `jr`'s own image) the loader has nothing to relocate in the table at
//! start-up, and its pages are read only when a command reads them.
//!
//! [`Text`] and [`Texts`] also accept ordinary `'static` strings, for the
//! operations `jr raw` builds at run time.

use super::generated;

/// A byte range of a text blob: `len` bytes from `start`, on `char` boundaries
/// (the generator writes them; a range off a boundary panics when read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// The range `start..start + len` (bytes).
    pub(crate) const fn at(start: u32, len: u32) -> Span {
        Span { start, len }
    }

    /// The text of this range of `blob`.
    pub(crate) fn of(self, blob: &'static str) -> &'static str {
        let start = self.start as usize;
        &blob[start..start + self.len as usize]
    }
}

/// One string of an operation: a range of the table's blob, or a string
/// given at run time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Text {
    /// A range of `generated::TEXT`.
    Table(Span),
    /// A string that is not in the table (`jr raw`).
    Static(&'static str),
}

impl Text {
    /// The range `start..start + len` of the table's blob.
    pub(crate) const fn at(start: u32, len: u32) -> Text {
        Text::Table(Span::at(start, len))
    }

    /// The string.
    pub(crate) fn get(self) -> &'static str {
        match self {
            Text::Table(span) => span.of(generated::TEXT),
            Text::Static(text) => text,
        }
    }
}

/// A list of strings of the table (OAuth scopes, enum values, content types):
/// a range of `generated::LISTS`, each item a range of the blob; or a
/// `'static` slice given at run time.
#[derive(Debug, Clone, Copy)]
pub struct Texts(Items);

#[derive(Debug, Clone, Copy)]
enum Items {
    Table { start: u32, len: u32 },
    Static(&'static [&'static str]),
}

impl Texts {
    /// Items `start..start + len` of `generated::LISTS`.
    pub(crate) const fn at(start: u32, len: u32) -> Texts {
        Texts(Items::Table { start, len })
    }

    /// A list given at run time.
    pub const fn of(items: &'static [&'static str]) -> Texts {
        Texts(Items::Static(items))
    }

    /// The strings, in spec order.
    pub fn iter(self) -> impl Iterator<Item = &'static str> + Clone {
        let (table, given): (&'static [Span], &'static [&'static str]) = match self.0 {
            Items::Table { start, len } => {
                let start = start as usize;
                (&generated::LISTS[start..start + len as usize], &[])
            }
            Items::Static(items) => (&[], items),
        };
        table
            .iter()
            .map(|span| span.of(generated::TEXT))
            .chain(given.iter().copied())
    }

    /// How many strings.
    pub fn len(self) -> usize {
        match self.0 {
            Items::Table { len, .. } => len as usize,
            Items::Static(items) => items.len(),
        }
    }

    /// True when the list has no strings.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The first string, if any.
    pub fn first(self) -> Option<&'static str> {
        self.iter().next()
    }

    /// True when `text` is one of the strings (exact match).
    pub fn contains(self, text: &str) -> bool {
        self.iter().any(|item| item == text)
    }

    /// The strings joined by `separator` (`a, b`).
    pub fn join(self, separator: &str) -> String {
        self.to_vec().join(separator)
    }

    /// The strings as a vector.
    pub fn to_vec(self) -> Vec<&'static str> {
        self.iter().collect()
    }
}

/// Lists are equal when they hold the same strings in the same order.
impl PartialEq for Texts {
    fn eq(&self, other: &Texts) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Texts {}

/// A JSON array of the strings.
impl serde::Serialize for Texts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}
