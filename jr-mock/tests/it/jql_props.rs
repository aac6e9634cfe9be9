//! The webhook JQL subset under property tests: arbitrary text never
//! panics and is either accepted or refused with one of Jira's message
//! shapes; queries generated from the subset's grammar (random keyword
//! case, quoting, spacing, nesting) parse, and match an issue exactly when
//! a small independent reference evaluator says they should.

use jr_mock::jql::{self, JqlErrorKind};
use proptest::prelude::*;
use serde_json::{Value, json};

// ------------------------------------------------------------ messages

/// Whether `m` has the shape of a message Jira puts in a registration
/// item's `errors` for a rejected filter.
fn jira_shaped(m: &str) -> bool {
    let shapes = [
        m.starts_with("Error in the JQL Query: "),
        m.starts_with("The clause ") && m.ends_with(" is unsupported"),
        m.starts_with("Operator ") && m.ends_with(" is unsupported"),
        m.starts_with("The function ") && m.ends_with(" is unsupported"),
        m == "The ORDER BY clause is unsupported",
        m.starts_with("The operator '") && m.ends_with("' does not support multi-value operands"),
        m.starts_with("The JQL filter is empty"),
    ];
    shapes.iter().any(|s| *s)
}

fn jql_soup() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("project"),
        Just("status"),
        Just("issuetype"),
        Just("cf[10014]"),
        Just("issue.property[k].a"),
        Just("watchCount"),
        Just("="),
        Just("!="),
        Just("~"),
        Just(">="),
        Just("in"),
        Just("not"),
        Just("is"),
        Just("was"),
        Just("and"),
        Just("or"),
        Just("&&"),
        Just("("),
        Just(")"),
        Just(","),
        Just("\""),
        Just("'"),
        Just("ABC"),
        Just("empty"),
        Just("fn()"),
        Just("order by"),
        Just("\\"),
        Just("\n"),
    ];
    prop::collection::vec(atom, 0..24).prop_map(|v| v.join(" "))
}

fn check_outcome(s: &str) -> Result<(), TestCaseError> {
    match jql::parse(s) {
        Ok(q) => {
            let _ = q.matches(&issue(&IssueModel::default()));
        }
        Err(e) => {
            prop_assert!(jira_shaped(e.message()), "{s:?} -> {:?}", e.message());
            if e.kind() == JqlErrorKind::Empty {
                prop_assert!(s.trim().is_empty());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_is_accepted_or_refused_with_a_jira_shaped_message(s in "\\PC{0,80}") {
        check_outcome(&s)?;
    }

    #[test]
    fn jql_token_soup_is_accepted_or_refused_with_a_jira_shaped_message(s in jql_soup()) {
        check_outcome(&s)?;
    }
}

// ------------------------------------------------------------ grammar

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Project,
    IssueType,
    Status,
    IssueKey,
    Assignee,
    Reporter,
    EpicLabel,
    TeamProperty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    NotEq,
    In,
    NotIn,
}

/// A value as written; `None` is `EMPTY`.
type Written = Option<&'static str>;

#[derive(Debug, Clone)]
enum Ast {
    Clause(Field, Op, Vec<Written>),
    And(Vec<Ast>),
    Or(Vec<Ast>),
    Not(Box<Ast>),
}

/// How the query text is spelled: keyword case, quoting, spacing.
#[derive(Debug, Clone)]
struct Style {
    upper: Vec<bool>,
    quote: Vec<u8>,
    wide: Vec<bool>,
}

/// Values that exercise case folding and misses, per field.
fn values(f: Field) -> &'static [&'static str] {
    match f {
        Field::Project => &["ABC", "abc", "Alpha", "XYZ"],
        Field::IssueType => &["Bug", "BUG", "Task"],
        Field::Status => &["To Do", "to do", "Done"],
        Field::IssueKey => &["ABC-1", "abc-1", "XYZ-9", "10001"],
        Field::Assignee | Field::Reporter => &["u1", "U1", "u2", "Ann"],
        Field::EpicLabel => &["EPIC-1", "epic-1", "EPIC-2"],
        Field::TeamProperty => &["core", "CORE", "edge"],
    }
}

fn field_name(f: Field, upper: bool) -> &'static str {
    match (f, upper) {
        (Field::Project, false) => "project",
        (Field::Project, true) => "PROJECT",
        (Field::IssueType, false) => "issuetype",
        (Field::IssueType, true) => "issueType",
        (Field::Status, false) => "status",
        (Field::Status, true) => "Status",
        (Field::IssueKey, false) => "issueKey",
        (Field::IssueKey, true) => "ISSUEKEY",
        (Field::Assignee, false) => "assignee",
        (Field::Assignee, true) => "Assignee",
        (Field::Reporter, false) => "reporter",
        (Field::Reporter, true) => "REPORTER",
        (Field::EpicLabel, _) => "cf[10014]",
        (Field::TeamProperty, _) => "issue.property[team].name",
    }
}

fn clause() -> impl Strategy<Value = Ast> {
    let field = prop_oneof![
        Just(Field::Project),
        Just(Field::IssueType),
        Just(Field::Status),
        Just(Field::IssueKey),
        Just(Field::Assignee),
        Just(Field::Reporter),
        Just(Field::EpicLabel),
        Just(Field::TeamProperty),
    ];
    let op = prop_oneof![Just(Op::Eq), Just(Op::NotEq), Just(Op::In), Just(Op::NotIn)];
    (field, op).prop_flat_map(|(f, op)| {
        let value = prop_oneof![
            4 => prop::sample::select(values(f)).prop_map(Some),
            1 => Just(None),
        ];
        let count = if matches!(op, Op::In | Op::NotIn) {
            1..4
        } else {
            1..2
        };
        prop::collection::vec(value, count).prop_map(move |vs| Ast::Clause(f, op, vs))
    })
}

fn ast() -> impl Strategy<Value = Ast> {
    clause().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Ast::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Ast::Or),
            inner.prop_map(|a| Ast::Not(Box::new(a))),
        ]
    })
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop::collection::vec(any::<bool>(), 64),
        prop::collection::vec(0u8..3, 64),
        prop::collection::vec(any::<bool>(), 64),
    )
        .prop_map(|(upper, quote, wide)| Style { upper, quote, wide })
}

struct Renderer<'a> {
    style: &'a Style,
    n: usize,
}

impl Renderer<'_> {
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        self.n += 1;
        from[self.n % from.len()]
    }

    fn upper(&mut self) -> bool {
        let style = self.style;
        self.pick(&style.upper)
    }

    fn quote(&mut self) -> u8 {
        let style = self.style;
        self.pick(&style.quote)
    }

    fn wide(&mut self) -> bool {
        let style = self.style;
        self.pick(&style.wide)
    }

    fn kw(&mut self, lower: &str) -> String {
        if self.upper() {
            lower.to_uppercase()
        } else {
            lower.to_owned()
        }
    }

    fn gap(&mut self) -> &'static str {
        if self.wide() { "  " } else { " " }
    }

    fn value(&mut self, v: Written) -> String {
        let Some(v) = v else {
            return self.kw("empty");
        };
        let bare = v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        match self.quote() {
            0 if bare => v.to_owned(),
            1 => format!("'{v}'"),
            _ => format!("\"{v}\""),
        }
    }

    fn render(&mut self, a: &Ast) -> String {
        match a {
            Ast::Clause(f, op, vs) => {
                let upper = self.upper();
                let name = field_name(*f, upper);
                let (g1, g2) = (self.gap(), self.gap());
                match op {
                    Op::Eq => format!("{name}{g1}={g2}{}", self.value(vs[0])),
                    Op::NotEq => format!("{name}{g1}!={g2}{}", self.value(vs[0])),
                    Op::In | Op::NotIn => {
                        let list: Vec<String> = vs.iter().map(|v| self.value(*v)).collect();
                        let kw = if *op == Op::In {
                            self.kw("in")
                        } else {
                            format!("{} {}", self.kw("not"), self.kw("in"))
                        };
                        format!("{name}{g1}{kw}{g2}({})", list.join(", "))
                    }
                }
            }
            Ast::And(parts) => self.join(parts, "and"),
            Ast::Or(parts) => self.join(parts, "or"),
            Ast::Not(inner) => {
                let kw = self.kw("not");
                format!("{kw} ({})", self.render(inner))
            }
        }
    }

    fn join(&mut self, parts: &[Ast], kw: &str) -> String {
        let rendered: Vec<String> = parts
            .iter()
            .map(|p| format!("({})", self.render(p)))
            .collect();
        let sep = format!(" {} ", self.kw(kw));
        rendered.join(&sep)
    }
}

// ------------------------------------------------------------ reference

/// An issue as plain data; `None` = the field is empty.
#[derive(Debug, Clone)]
struct IssueModel {
    project: &'static str,
    issue_type: &'static str,
    status: &'static str,
    assignee: Option<&'static str>,
    reporter: Option<&'static str>,
    epic_label: Option<&'static str>,
    team: Option<&'static str>,
}

impl Default for IssueModel {
    fn default() -> Self {
        Self {
            project: "ABC",
            issue_type: "Bug",
            status: "To Do",
            assignee: None,
            reporter: Some("u1"),
            epic_label: Some("EPIC-1"),
            team: Some("core"),
        }
    }
}

fn issue_model() -> impl Strategy<Value = IssueModel> {
    (
        prop::sample::select(&["ABC", "XYZ"][..]),
        prop::sample::select(&["Bug", "Task"][..]),
        prop::sample::select(&["To Do", "Done"][..]),
        prop::option::of(prop::sample::select(&["u1", "u2"][..])),
        prop::option::of(prop::sample::select(&["u1", "u2"][..])),
        prop::option::of(prop::sample::select(&["EPIC-1", "EPIC-2"][..])),
        prop::option::of(prop::sample::select(&["core", "edge"][..])),
    )
        .prop_map(
            |(project, issue_type, status, assignee, reporter, epic_label, team)| IssueModel {
                project,
                issue_type,
                status,
                assignee,
                reporter,
                epic_label,
                team,
            },
        )
}

/// The issue as Jira's REST API shows it.
fn issue(m: &IssueModel) -> Value {
    let user = |u: Option<&str>| match u {
        Some(id) => json!({"accountId": id, "displayName": if id == "u1" { "Ann" } else { "Bob" }}),
        None => Value::Null,
    };
    let name = if m.project == "ABC" {
        "Alpha"
    } else {
        "Xylophone"
    };
    let key = format!("{}-{}", m.project, if m.project == "ABC" { 1 } else { 9 });
    let mut props = serde_json::Map::new();
    if let Some(t) = m.team {
        props.insert("team".into(), json!({"name": t}));
    }
    json!({"id": "10001", "key": key, "fields": {
        "project": {"key": m.project, "name": name},
        "issuetype": {"name": m.issue_type},
        "status": {"name": m.status},
        "assignee": user(m.assignee),
        "reporter": user(m.reporter),
        "customfield_10014": m.epic_label},
        "properties": props})
}

/// The lower-cased names the issue's `f` answers to; empty when unset.
fn names(m: &IssueModel, f: Field) -> Vec<String> {
    let user = |u: Option<&str>| match u {
        Some("u1") => vec!["u1", "ann"],
        Some(_) => vec!["u2", "bob"],
        None => vec![],
    };
    let v: Vec<&str> = match f {
        Field::Project if m.project == "ABC" => vec!["abc", "alpha"],
        Field::Project => vec!["xyz", "xylophone"],
        Field::IssueType => vec![m.issue_type],
        Field::Status => vec![m.status],
        Field::IssueKey if m.project == "ABC" => vec!["abc-1", "10001"],
        Field::IssueKey => vec!["xyz-9", "10001"],
        Field::Assignee => user(m.assignee),
        Field::Reporter => user(m.reporter),
        Field::EpicLabel => m.epic_label.into_iter().collect(),
        Field::TeamProperty => m.team.into_iter().collect(),
    };
    v.into_iter().map(str::to_lowercase).collect()
}

/// JQL's meaning: `=`/`IN` hold when a listed value names the field (or
/// `EMPTY` is listed and the field is empty); `!=`/`NOT IN` hold when the
/// field is set and no listed value names it (an empty field matches
/// neither, as in Jira).
fn reference(a: &Ast, m: &IssueModel) -> bool {
    match a {
        Ast::And(parts) => parts.iter().all(|p| reference(p, m)),
        Ast::Or(parts) => parts.iter().any(|p| reference(p, m)),
        Ast::Not(inner) => !reference(inner, m),
        Ast::Clause(f, op, vs) => {
            let have = names(m, *f);
            let named = vs
                .iter()
                .flatten()
                .any(|v| have.contains(&v.to_lowercase()));
            let empty_listed = vs.iter().any(Option::is_none);
            match op {
                Op::Eq | Op::In => named || (have.is_empty() && empty_listed),
                Op::NotEq | Op::NotIn => !have.is_empty() && !named,
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_queries_parse_and_match_like_the_reference(
        a in ast(),
        s in style(),
        m in issue_model(),
    ) {
        let text = Renderer { style: &s, n: 0 }.render(&a);
        let query = jql::parse(&text);
        prop_assert!(query.is_ok(), "{text:?}: {:?}", query.err());
        let got = query.unwrap().matches(&issue(&m));
        prop_assert_eq!(got, reference(&a, &m), "{} on {:?}", text, m);
    }
}
