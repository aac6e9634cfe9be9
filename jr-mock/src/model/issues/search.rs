//! Issue search (`searchAndReconsileIssuesUsingJql`): the JQL subset the
//! model answers, its evaluation over [`Issue`]s, ordering and page tokens.
//!
//! The text is parsed by the webhook filter's parser ([`crate::jql::parse_raw`])
//! and validated here against a larger subset; the webhook filter keeps its
//! own subset and messages.
//!
//! Supported: fields `project` (key, ID or name), `issuetype`/`type` (name
//! or ID), `status` (name or ID), `assignee`, `reporter` (account IDs),
//! `labels`, `key`/`issueKey`/`id` (key or numeric ID), `summary`, `text`,
//! `created`, `updated`;
//! operators `=`, `!=`, `IN`, `NOT IN`, `IS EMPTY`, `IS NOT EMPTY` (all but
//! `summary`, `text` and the dates), `~` and `!~` (`summary`: case-insensitive
//! substring, `*` ignored), `~` (`text`: the same over the summary, the
//! description's and the comments' ADF text), `=`, `!=`, `>`, `>=`, `<`,
//! `<=`, `IN`, `NOT IN`, `IS [NOT] EMPTY` (`created`, `updated`: against
//! instants, see below; never empty); the functions `currentUser()`,
//! `membersOf()`, `now()`, `startOfDay()`, `endOfDay()` (see
//! [`functions`]); `AND`, `OR`, `NOT`,
//! parentheses; `ORDER BY created|updated|key [ASC|DESC]`, comma-separated.
//! Values compare case-insensitively. As in Jira, `!=` and `NOT IN` never
//! match an issue whose field is empty.
//!
//! Date values, as Jira accepts them: absolute `yyyy-MM-dd`, `yyyy/MM/dd`,
//! `yyyy-MM-dd HH:mm`, `yyyy/MM/dd HH:mm` (UTC: the fake's users all have
//! that time zone), or a period relative to the model's virtual `now`:
//! `-7d`, `-1w`, `-4h`, `-30m`, `"-1w 2d"` (`w`eeks, `d`ays, `h`ours,
//! `m`inutes; a leading `-` goes back, `+` or none forward). Each is an
//! instant in ms; `=` matches only that instant, as in Jira.
//! Without `ORDER BY` results come by issue ID ascending (creation order);
//! ties always fall back to the ID, so the order is total and pages stable.
//!
//! Errors (400 `errorMessages`): Jira's `Field 'x' does not exist or you do
//! not have permission to view it.`, `The operator '<' is not supported by
//! the 'project' field.`, `Unable to find JQL function 'f()'.`, `The
//! function 'f' is not supported by the 'x' field.`, `Not able
//! to sort using field 'x'.`, `Date value 'x' for field 'created' is
//! invalid. Valid formats include: …` and the parser's `Error in the JQL
//! Query: …`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::Issue;
use super::comments::Comment;
use crate::jql::{Operand, Raw, RawClause, Val};
use crate::model::seed::Seed;

/// A validated search: an optional filter and the sort keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    filter: Option<Filter>,
    order: Vec<(SortKey, bool)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// `field IN values` (negated: `NOT IN`); `Empty` in values matches no value.
    In {
        field: SField,
        negated: bool,
        values: Vec<Val>,
    },
    /// `field IS [NOT] EMPTY`.
    Empty {
        field: SField,
        negated: bool,
    },
    /// `summary ~ text` (negated: `!~`), or with `description` also
    /// `text ~ text`; text lower-case, `*` removed.
    Contains {
        negated: bool,
        description: bool,
        text: String,
    },
    /// `created|updated [NOT] IN (instants)`.
    DateIn {
        field: DateField,
        negated: bool,
        at: Vec<i64>,
    },
    /// A clause that holds for every issue or none (`created IS EMPTY`).
    Always(bool),
    /// `created|updated <op> instant`.
    Date {
        field: DateField,
        op: DateOp,
        at_ms: i64,
    },
}

/// A date field of the model (ms since the UNIX epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateField {
    Created,
    Updated,
}

/// A comparison of a date field with an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SField {
    Project,
    IssueType,
    Status,
    Assignee,
    Reporter,
    Labels,
    Key,
}

/// A sort key of `ORDER BY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Created,
    Updated,
    Key,
}

/// What a query's functions and relative dates are resolved against.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The model's virtual time, ms since the UNIX epoch.
    pub now_ms: i64,
    /// The caller's account ID (`currentUser()`); `None`: anonymous.
    pub caller: Option<&'a str>,
    /// The site's users (`membersOf()`); `None`: no user is in any group.
    pub seed: Option<&'a Seed>,
}

/// Parses and validates `jql`; blank means every issue. Relative dates
/// (`-7d`) count from `now_ms` (ms since the UNIX epoch, the model's
/// virtual clock); `currentUser()` is anonymous (see [`parse_in`]).
/// Errors: the message Jira puts in `errorMessages` (see the module docs).
pub fn parse(jql: &str, now_ms: i64) -> Result<Search, String> {
    parse_in(
        jql,
        &Env {
            now_ms,
            caller: None,
            seed: None,
        },
    )
}

/// [`parse`] with the functions resolved in `env` (see [`functions`]).
/// Errors: as [`parse`].
pub fn parse_in(jql: &str, env: &Env<'_>) -> Result<Search, String> {
    if jql.trim().is_empty() {
        return Ok(Search {
            filter: None,
            order: Vec::new(),
        });
    }
    let (raw, order) = crate::jql::parse_raw(jql).map_err(|e| e.message().to_owned())?;
    Ok(Search {
        filter: filter(&raw, env)?,
        order: sort_keys(&order)?,
    })
}

fn filter(raw: &Raw, env: &Env<'_>) -> Result<Option<Filter>, String> {
    let all = |parts: &[Raw]| -> Result<Vec<Filter>, String> {
        Ok(parts
            .iter()
            .map(|p| filter(p, env))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect())
    };
    Ok(match raw {
        Raw::OrderBy => None,
        Raw::And(parts) => Some(Filter::And(all(parts)?)),
        Raw::Or(parts) => Some(Filter::Or(all(parts)?)),
        Raw::Not(inner) => filter(inner, env)?.map(|f| Filter::Not(Box::new(f))),
        Raw::Clause(c) => Some(clause(c, env)?),
    })
}

fn clause(c: &RawClause, env: &Env<'_>) -> Result<Filter, String> {
    let written = c.field.written();
    let unsupported = || {
        format!(
            "The operator '{}' is not supported by the '{written}' field.",
            c.op.to_uppercase()
        )
    };
    let date = date_field(&written).filter(|_| c.field.bracket.is_none());
    let resolved = match &c.operand {
        Operand::Function(name, args) => Some(functions::resolve(name, args, env)?),
        _ => None,
    };
    let values = match (&c.operand, &resolved) {
        (_, Some(functions::Resolved::Accounts(accounts))) => {
            let user_field = matches!(
                search_field(&written),
                Some(SField::Assignee | SField::Reporter)
            );
            if !user_field || date.is_some() {
                return Err(function_unsupported(c));
            }
            accounts.clone()
        }
        (_, Some(functions::Resolved::Instant(at))) => {
            let Some(field) = date else {
                return Err(function_unsupported(c));
            };
            return date_function(c, field, *at).ok_or_else(unsupported);
        }
        (Operand::One(v), _) => vec![v.clone()],
        (Operand::List(vs), _) => vs.clone(),
        _ => return Err(unsupported()),
    };
    let plain = |name: &str| c.field.bracket.is_none() && written.eq_ignore_ascii_case(name);
    if let Some(field) = date {
        return date_clause(c, field, &values, env.now_ms).ok_or_else(unsupported)?;
    }
    let description = plain("text");
    if description || plain("summary") {
        let negated = match c.op.as_str() {
            "~" => false,
            "!~" if !description => true,
            _ => return Err(unsupported()),
        };
        return match values.as_slice() {
            [Val::Text(t)] => Ok(Filter::Contains {
                negated,
                description,
                text: t.replace('*', ""),
            }),
            _ => Err(format!(
                "Error in the JQL Query: The operator '{}' needs one text value.",
                c.op
            )),
        };
    }
    let field = search_field(&written).ok_or_else(|| {
        format!("Field '{written}' does not exist or you do not have permission to view it.")
    })?;
    if field == SField::Project
        && let Some(seed) = env.seed
    {
        known_projects(seed, &values)?;
    }
    let list = match c.operand {
        Operand::List(_) => true,
        Operand::Function(..) => c.op.ends_with("in"),
        _ => false,
    };
    match (c.op.as_str(), list) {
        ("=" | "!=", false) | ("in" | "not in", true) => Ok(Filter::In {
            field,
            negated: c.op.starts_with('!') || c.op.starts_with("not"),
            values,
        }),
        ("is" | "is not", false) if values == [Val::Empty] => Ok(Filter::Empty {
            field,
            negated: c.op == "is not",
        }),
        _ => Err(unsupported()),
    }
}

/// A `project` value that names no project of the site (by key, ID or
/// name, case-insensitively) is Jira's 400 `The value 'X' does not exist
/// for the field 'project'.` ([3P], docs/jira-semantics.md §14), not an
/// empty result: a typo in a test's query must not pass unnoticed.
fn known_projects(seed: &Seed, values: &[Val]) -> Result<(), String> {
    for value in values {
        let Val::Text(t) = value else { continue };
        let known = seed
            .projects
            .iter()
            .any(|p| p.key.eq_ignore_ascii_case(t) || p.id == *t || p.name.eq_ignore_ascii_case(t));
        if !known {
            return Err(format!(
                "The value '{t}' does not exist for the field 'project'."
            ));
        }
    }
    Ok(())
}

fn date_field(written: &str) -> Option<DateField> {
    match written.to_ascii_lowercase().as_str() {
        "created" | "createddate" => Some(DateField::Created),
        "updated" | "updateddate" => Some(DateField::Updated),
        _ => None,
    }
}

/// `created|updated <op> value`: `None` for an operator or operand shape
/// the date fields do not take; `Some(Err)` for a value that is no date.
fn date_clause(
    c: &RawClause,
    field: DateField,
    values: &[Val],
    now_ms: i64,
) -> Option<Result<Filter, String>> {
    match (c.op.as_str(), &c.operand) {
        // A created or updated date is never empty.
        ("is" | "is not", Operand::One(Val::Empty)) => {
            return Some(Ok(Filter::Always(c.op == "is not")));
        }
        ("in" | "not in", Operand::List(_)) => {
            let at: Result<Vec<i64>, String> = values
                .iter()
                .map(|v| match v {
                    Val::Text(t) => date_value(t, now_ms).ok_or_else(|| bad_date(c, t)),
                    Val::Empty => Err(bad_date(c, "EMPTY")),
                })
                .collect();
            return Some(at.map(|at| Filter::DateIn {
                field,
                negated: c.op == "not in",
                at,
            }));
        }
        _ => {}
    }
    let op = match c.op.as_str() {
        "=" => DateOp::Eq,
        "!=" => DateOp::Ne,
        ">" => DateOp::Gt,
        ">=" => DateOp::Ge,
        "<" => DateOp::Lt,
        "<=" => DateOp::Le,
        _ => return None,
    };
    let [Val::Text(text)] = values else {
        return None;
    };
    if matches!(c.operand, Operand::List(_)) {
        return None;
    }
    Some(
        date_value(text, now_ms)
            .map(|at_ms| Filter::Date { field, op, at_ms })
            .ok_or_else(|| bad_date(c, text)),
    )
}

fn bad_date(c: &RawClause, text: &str) -> String {
    format!(
        "Date value '{text}' for field '{}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
        c.field.written()
    )
}

/// `created|updated <op> now()` (or another date function's instant
/// `at`): `None` for an operator dates do not take with one value.
fn date_function(c: &RawClause, field: DateField, at_ms: i64) -> Option<Filter> {
    let op = match c.op.as_str() {
        "=" => DateOp::Eq,
        "!=" => DateOp::Ne,
        ">" => DateOp::Gt,
        ">=" => DateOp::Ge,
        "<" => DateOp::Lt,
        "<=" => DateOp::Le,
        _ => return None,
    };
    Some(Filter::Date { field, op, at_ms })
}

/// The 400 for a function on a field it does not apply to ([INF] text).
fn function_unsupported(c: &RawClause) -> String {
    let name = match &c.operand {
        Operand::Function(name, _) => name.as_str(),
        _ => "",
    };
    format!(
        "The function '{name}' is not supported by the '{}' field.",
        c.field.written()
    )
}

/// The instant (ms since the UNIX epoch) a date value names: absolute in
/// UTC, or a period from `now_ms`. `None`: not a date Jira accepts.
fn date_value(text: &str, now_ms: i64) -> Option<i64> {
    let text = text.trim();
    absolute_ms(text).or_else(|| period_ms(text).and_then(|d| now_ms.checked_add(d)))
}

fn absolute_ms(text: &str) -> Option<i64> {
    let text = text.replace('/', "-");
    let dt = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", &text)
        .or_else(|_| {
            jiff::civil::Date::strptime("%Y-%m-%d", &text)
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .ok()?;
    let zoned = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

/// A period such as `-1w 2d` in ms (negative: back in time).
pub(super) fn period_ms(text: &str) -> Option<i64> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut total: i64 = 0;
    let mut parts = 0;
    for part in rest.split_whitespace() {
        let unit_ms: i64 = match part.chars().last()?.to_ascii_lowercase() {
            'w' => 7 * 86_400_000,
            'd' => 86_400_000,
            'h' => 3_600_000,
            'm' => 60_000,
            _ => return None,
        };
        let digits = &part[..part.len() - 1];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit_ms)?)?;
        parts += 1;
    }
    (parts > 0).then_some(sign * total)
}

fn search_field(written: &str) -> Option<SField> {
    Some(match written.to_ascii_lowercase().as_str() {
        "project" => SField::Project,
        "issuetype" | "type" => SField::IssueType,
        "status" => SField::Status,
        "assignee" => SField::Assignee,
        "reporter" => SField::Reporter,
        "labels" => SField::Labels,
        "key" | "issuekey" | "issue" | "id" => SField::Key,
        _ => return None,
    })
}

fn sort_keys(words: &[String]) -> Result<Vec<(SortKey, bool)>, String> {
    let mut keys = Vec::new();
    if words.is_empty() {
        return Ok(keys);
    }
    for part in words.split(|w| w == ",") {
        let (name, dir) = match part {
            [name] => (name, "asc"),
            [name, dir] => (name, dir.as_str()),
            _ => {
                return Err(format!(
                    "Error in the JQL Query: Expecting a field name and an optional ASC or DESC in the ORDER BY clause, got '{}'.",
                    part.join(" ")
                ));
            }
        };
        let key = match name.to_ascii_lowercase().as_str() {
            "created" => SortKey::Created,
            "updated" => SortKey::Updated,
            "key" | "issuekey" | "id" => SortKey::Key,
            _ => return Err(format!("Not able to sort using field '{name}'.")),
        };
        let descending = match dir.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(format!(
                    "Error in the JQL Query: Expecting either 'ASC' or 'DESC' but got '{dir}'."
                ));
            }
        };
        keys.push((key, descending));
    }
    Ok(keys)
}

/// Jira's 400 for a query without a restriction where one is required
/// (`search/jql` and `search/approximate-count`; [3P], docs/jira-semantics.md §14).
pub const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

impl Search {
    /// Whether the query restricts the issues (not blank, not only `ORDER BY`).
    pub fn is_bounded(&self) -> bool {
        fn restricts(f: &Filter) -> bool {
            match f {
                Filter::And(parts) | Filter::Or(parts) => parts.iter().any(restricts),
                Filter::Not(inner) => restricts(inner),
                _ => true,
            }
        }
        self.filter.as_ref().is_some_and(restricts)
    }

    /// Whether `issue` satisfies the filter (`seed` names projects, types
    /// and statuses; `text ~` does not look at comments).
    pub fn matches(&self, seed: &Seed, issue: &Issue) -> bool {
        self.matches_in(
            &Corpus {
                seed,
                comments: None,
            },
            issue,
        )
    }

    /// [`Search::matches`] with `text ~` also over the comments of `corpus`.
    pub fn matches_in(&self, corpus: &Corpus<'_>, issue: &Issue) -> bool {
        self.filter.as_ref().is_none_or(|f| eval(f, corpus, issue))
    }

    /// The issues that match, in the search's order.
    pub fn run<'i>(
        &self,
        seed: &Seed,
        issues: impl IntoIterator<Item = &'i Issue>,
    ) -> Vec<&'i Issue> {
        let corpus = Corpus {
            seed,
            comments: None,
        };
        self.run_in(&corpus, issues)
    }

    /// [`Search::run`] with `text ~` also over the comments of `corpus`.
    pub fn run_in<'i>(
        &self,
        corpus: &Corpus<'_>,
        issues: impl IntoIterator<Item = &'i Issue>,
    ) -> Vec<&'i Issue> {
        let mut found: Vec<&Issue> = issues
            .into_iter()
            .filter(|i| self.matches_in(corpus, i))
            .collect();
        found.sort_by(|a, b| self.compare(a, b));
        found
    }

    fn compare(&self, a: &Issue, b: &Issue) -> Ordering {
        self.order
            .iter()
            .map(|(key, descending)| {
                let o = match key {
                    SortKey::Created => a.created_ms.cmp(&b.created_ms),
                    SortKey::Updated => a.updated_ms.cmp(&b.updated_ms),
                    SortKey::Key => key_parts(a).cmp(&key_parts(b)),
                };
                if *descending { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.id.cmp(&b.id))
    }
}

/// `ABC-12` as `("ABC", 12)`, so keys sort by project then number.
fn key_parts(issue: &Issue) -> (&str, u64) {
    let number = issue
        .key
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0);
    (issue.project.as_str(), number)
}

/// What a search looks at besides the issues: the seed (names of
/// projects, types, statuses) and, for `text ~`, the comments.
#[derive(Debug, Clone, Copy)]
pub struct Corpus<'a> {
    /// Users and projects.
    pub seed: &'a Seed,
    /// Every comment, by ID; `None`: `text ~` ignores comments.
    pub comments: Option<&'a BTreeMap<u64, Comment>>,
}

impl Corpus<'_> {
    /// Whether a comment on `issue` contains `text` (lower case).
    fn comment_contains(&self, issue: &Issue, text: &str) -> bool {
        self.comments.into_iter().flat_map(|c| c.values()).any(|c| {
            c.issue_id == issue.id && super::adf_text(&c.body).to_lowercase().contains(text)
        })
    }
}

fn date_of(field: DateField, issue: &Issue) -> i64 {
    match field {
        DateField::Created => issue.created_ms,
        DateField::Updated => issue.updated_ms,
    }
}

fn eval(f: &Filter, corpus: &Corpus<'_>, issue: &Issue) -> bool {
    let seed = corpus.seed;
    match f {
        Filter::And(parts) => parts.iter().all(|p| eval(p, corpus, issue)),
        Filter::Or(parts) => parts.iter().any(|p| eval(p, corpus, issue)),
        Filter::Not(inner) => !eval(inner, corpus, issue),
        Filter::Always(holds) => *holds,
        Filter::Contains {
            negated,
            description,
            text,
        } => {
            let in_description = *description
                && issue
                    .description
                    .as_ref()
                    .is_some_and(|d| super::adf_text(d).to_lowercase().contains(text.as_str()));
            let in_comments = *description && corpus.comment_contains(issue, text);
            let in_summary = issue.summary.to_lowercase().contains(text.as_str());
            (in_description || in_comments || in_summary) != *negated
        }
        Filter::DateIn { field, negated, at } => at.contains(&date_of(*field, issue)) != *negated,
        Filter::Date { field, op, at_ms } => {
            let t = date_of(*field, issue);
            match op {
                DateOp::Eq => t == *at_ms,
                DateOp::Ne => t != *at_ms,
                DateOp::Gt => t > *at_ms,
                DateOp::Ge => t >= *at_ms,
                DateOp::Lt => t < *at_ms,
                DateOp::Le => t <= *at_ms,
            }
        }
        Filter::Empty { field, negated } => values_of(*field, seed, issue).is_empty() != *negated,
        Filter::In {
            field,
            negated,
            values,
        } => {
            let have = values_of(*field, seed, issue);
            let hit = have.iter().any(|h| values.contains(&Val::Text(h.clone())));
            if *negated {
                !have.is_empty() && !hit
            } else {
                hit || (have.is_empty() && values.contains(&Val::Empty))
            }
        }
    }
}

/// Every lower-case name the field's value answers to (empty: no value).
fn values_of(field: SField, seed: &Seed, issue: &Issue) -> Vec<String> {
    let project = seed.project(&issue.project);
    let mut out: Vec<String> = match field {
        SField::Project => {
            let mut v = vec![issue.project.clone()];
            v.extend(project.iter().flat_map(|p| [p.id.clone(), p.name.clone()]));
            v
        }
        SField::IssueType => {
            let t = project.and_then(|p| p.issue_type(Some(&issue.issue_type), None));
            std::iter::once(issue.issue_type.clone())
                .chain(t.map(|t| t.name.clone()))
                .collect()
        }
        SField::Status => {
            let s = project.and_then(|p| p.workflow.status(&issue.status));
            std::iter::once(issue.status.clone())
                .chain(s.map(|s| s.id.clone()))
                .collect()
        }
        SField::Assignee => issue.assignee.iter().cloned().collect(),
        SField::Reporter => vec![issue.reporter.account_id.clone()],
        SField::Labels => issue.labels.clone(),
        SField::Key => vec![issue.key.clone(), issue.id.to_string()],
    };
    out.iter_mut().for_each(|s| *s = s.to_lowercase());
    out
}

/// One page of results: the issues and the token of the next page (none
/// on the last page).
#[derive(Debug)]
pub struct Page<'i> {
    /// The page's issues, in order.
    pub issues: Vec<&'i Issue>,
    /// The token for the next page; `None` on the last.
    pub next_page_token: Option<String>,
}

/// Why a page is refused (each a 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// The JQL's message (an `errorMessages` entry).
    Jql(String),
    /// The token's message (`errors.nextPageToken`, as the catalog's paging).
    Token(String),
}

/// What a page asks: the query, where to start and how many.
#[derive(Debug, Clone, Copy)]
pub struct PageAsk<'a> {
    /// The JQL text.
    pub jql: &'a str,
    /// The token of the page (none: the first page).
    pub token: Option<&'a str>,
    /// At most this many issues (at least 1 is served).
    pub max_results: usize,
    /// The model's virtual time, ms since the UNIX epoch (for `-7d`).
    pub now_ms: i64,
    /// The caller's account ID (`currentUser()`); `None`: anonymous.
    pub caller: Option<&'a str>,
    /// The comments `text ~` looks at; `None`: none.
    pub comments: Option<&'a BTreeMap<u64, Comment>>,
}

/// The page of the search `ask.jql` that starts at `ask.token` (the first
/// page without one), at most `ask.max_results` issues (at least 1).
/// Errors: [`PageError`].
pub fn page<'i>(
    seed: &Seed,
    issues: impl IntoIterator<Item = &'i Issue>,
    ask: PageAsk<'_>,
) -> Result<Page<'i>, PageError> {
    let PageAsk {
        jql,
        token,
        max_results,
        now_ms,
        caller,
        comments,
    } = ask;
    let env = Env {
        now_ms,
        caller,
        seed: Some(seed),
    };
    let search = parse_in(jql, &env).map_err(PageError::Jql)?;
    // The spec: "this parameter requires a bounded query" (`jql` of
    // `searchAndReconsileIssuesUsingJql`); Jira answers [`UNBOUNDED`].
    if !search.is_bounded() {
        return Err(PageError::Jql(UNBOUNDED.to_owned()));
    }
    let offset = token
        .map_or(Ok(0), |t| token_offset(jql, t))
        .map_err(PageError::Token)?;
    let found = search.run_in(&Corpus { seed, comments }, issues);
    let size = max_results.max(1);
    let end = offset.saturating_add(size).min(found.len());
    let issues = found.get(offset..end).unwrap_or_default().to_vec();
    let next_page_token = (end < found.len()).then(|| page_token(jql, end));
    Ok(Page {
        issues,
        next_page_token,
    })
}

/// A page token: the offset of the page's first issue, bound to the query
/// so a token from another query, or one the fake never issued, is refused.
/// Shape: `<offset>-<16 hex digits>` (opaque to callers).
pub fn page_token(jql: &str, offset: usize) -> String {
    format!("{offset}-{:016x}", token_check(jql, offset))
}

/// The offset a token from [`page_token`] for this `jql` stands for.
/// Errors: Jira's text for a token the fake did not issue for this query.
pub fn token_offset(jql: &str, token: &str) -> Result<usize, String> {
    let bad = || format!("The page token '{token}' is not valid.");
    let (offset, _) = token.split_once('-').ok_or_else(bad)?;
    let offset: usize = offset.parse().map_err(|_| bad())?;
    if page_token(jql, offset) == token {
        Ok(offset)
    } else {
        Err(bad())
    }
}

/// FNV-1a over a fixed salt, the query and the offset: not a secret, just
/// enough that tokens are not guessable by accident.
fn token_check(jql: &str, offset: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"jr-mock page\0"
        .iter()
        .chain(jql.as_bytes())
        .chain(&offset.to_le_bytes())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

mod functions;

#[cfg(test)]
mod tests;
