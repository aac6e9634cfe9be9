//! The search subset: parser, evaluator, errors, and property tests that
//! results equal a reference evaluation and that page tokens never skip
//! or repeat an issue.

use proptest::prelude::*;

use serde_json::Value;

use super::*;
use crate::model::issues::Actor;

const USERS: [&str; 2] = ["u1", "u2"];
const LABELS: [&str; 3] = ["red", "green", "blue"];
const STATUSES: [&str; 3] = ["To Do", "In Progress", "Done"];
/// The virtual `now` of these tests: 2026-12-01 12:00 UTC, in ms.
const NOW: i64 = 1_796_126_400_000;
const DAY: i64 = 86_400_000;

fn issue(id: u64, project: &str, summary: &str) -> Issue {
    Issue {
        id,
        key: format!("{project}-{}", id - 9999),
        project: project.into(),
        issue_type: "10001".into(),
        summary: summary.into(),
        description: None,
        labels: Vec::new(),
        status: "To Do".into(),
        reporter: Actor {
            account_id: "u1".into(),
            display_name: "U".into(),
            account_type: "atlassian".into(),
        },
        assignee: None,
        created_ms: 1_000 * i64::try_from(id).unwrap_or(0),
        updated_ms: 0,
        other: Default::default(),
        parent: None,
    }
}

fn keys(jql: &str, issues: &[Issue]) -> Vec<String> {
    let search = parse(jql, NOW).unwrap();
    search
        .run(&Seed::default(), issues)
        .iter()
        .map(|i| i.key.clone())
        .collect()
}

fn sample() -> Vec<Issue> {
    let mut a = issue(10000, "ABC", "Fix the Login page");
    a.labels = vec!["red".into()];
    a.assignee = Some("u2".into());
    let mut b = issue(10001, "XYZ", "Write docs");
    b.status = "Done".into();
    b.issue_type = "10002".into();
    let c = issue(10002, "ABC", "login again");
    vec![a, b, c]
}

#[test]
fn clauses_select_by_each_supported_field() {
    let s = sample();
    assert_eq!(keys("project = ABC", &s), ["ABC-1", "ABC-3"]);
    assert_eq!(keys("project = 10001", &s), ["XYZ-2"]);
    assert_eq!(keys("issuetype = Bug", &s), ["XYZ-2"]);
    assert_eq!(keys("status = 'done'", &s), ["XYZ-2"]);
    assert_eq!(
        keys("status IN (\"To Do\", Done)", &s),
        ["ABC-1", "XYZ-2", "ABC-3"]
    );
    assert_eq!(keys("assignee = u2", &s), ["ABC-1"]);
    assert_eq!(keys("assignee IS EMPTY", &s), ["XYZ-2", "ABC-3"]);
    assert_eq!(keys("assignee != u2", &s), Vec::<String>::new());
    assert_eq!(keys("reporter = u1 AND labels IS NOT EMPTY", &s), ["ABC-1"]);
    assert_eq!(keys("labels NOT IN (blue)", &s), ["ABC-1"]);
    assert_eq!(
        keys("key = abc-3 OR issueKey = 10001", &s),
        ["XYZ-2", "ABC-3"]
    );
    assert_eq!(keys("summary ~ LOGIN", &s), ["ABC-1", "ABC-3"]);
    assert_eq!(keys("NOT (summary ~ \"login\") ", &s), ["XYZ-2"]);
    assert_eq!(keys("", &s), ["ABC-1", "XYZ-2", "ABC-3"]);
}

/// Issues created one day apart ending at `NOW`, updated an hour later.
fn dated() -> Vec<Issue> {
    (0..4)
        .map(|n| {
            let mut i = issue(10000 + n, "ABC", "x");
            i.created_ms = NOW - (3 - n as i64) * DAY;
            i.updated_ms = i.created_ms + 3_600_000;
            i
        })
        .collect()
}

#[test]
fn dates_compare_with_absolute_and_relative_values() {
    let s = dated();
    // Created: ABC-1 -3d, ABC-2 -2d, ABC-3 -1d, ABC-4 now (2026-12-01 12:00).
    assert_eq!(keys("created >= -1d", &s), ["ABC-3", "ABC-4"]);
    assert_eq!(keys("created > -1d", &s), ["ABC-4"]);
    assert_eq!(keys("created < \"-2d\"", &s), ["ABC-1"]);
    assert_eq!(keys("created <= -1w", &s), Vec::<String>::new());
    assert_eq!(keys("created > -49h", &s), ["ABC-2", "ABC-3", "ABC-4"]);
    assert_eq!(keys("updated > -30m", &s), ["ABC-4"]);
    assert_eq!(keys("updated > \"-1d 30m\"", &s), ["ABC-3", "ABC-4"]);
    assert_eq!(keys("created = \"2026-12-01 12:00\"", &s), ["ABC-4"]);
    assert_eq!(
        keys("created != \"2026/12/01 12:00\"", &s),
        ["ABC-1", "ABC-2", "ABC-3"]
    );
    assert_eq!(keys("created >= \"2026-11-30\"", &s), ["ABC-3", "ABC-4"]);
    assert_eq!(keys("created < 2026-11-29", &s), ["ABC-1"]);
    assert_eq!(keys("updated > +0m", &s), ["ABC-4"]);
}

#[test]
fn text_searches_the_summary_and_the_description() {
    let mut s = sample();
    s[1].description = Some(serde_json::json!({
        "type": "doc", "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Mentions LOGIN too"}]}]
    }));
    assert_eq!(keys("text ~ login", &s), ["ABC-1", "XYZ-2", "ABC-3"]);
    assert_eq!(keys("summary ~ login", &s), ["ABC-1", "ABC-3"]);
    assert_eq!(keys("text ~ \"docs\"", &s), ["XYZ-2"]);
    assert_eq!(keys("NOT text ~ mentions", &s), ["ABC-1", "ABC-3"]);
}

#[test]
fn order_by_sorts_and_the_default_is_by_id() {
    let s = sample();
    assert_eq!(
        keys("ORDER BY created DESC", &s),
        ["ABC-3", "XYZ-2", "ABC-1"]
    );
    assert_eq!(
        keys("project = ABC ORDER BY key DESC", &s),
        ["ABC-3", "ABC-1"]
    );
    assert_eq!(keys("ORDER BY key", &s), ["ABC-1", "ABC-3", "XYZ-2"]);
    assert_eq!(
        keys("order by updated asc, created desc", &s),
        ["ABC-3", "XYZ-2", "ABC-1"]
    );
}

#[test]
fn unsupported_parts_get_jiras_messages() {
    let err = |jql: &str| parse(jql, NOW).unwrap_err();
    assert_eq!(
        err("watchers = u1"),
        "Field 'watchers' does not exist or you do not have permission to view it."
    );
    assert_eq!(
        err("project ~ ABC"),
        "The operator '~' is not supported by the 'project' field."
    );
    assert_eq!(
        err("summary = x"),
        "The operator '=' is not supported by the 'summary' field."
    );
    assert_eq!(
        err("created > -7x"),
        "Date value '-7x' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    );
    assert!(
        err("updated <= \"2026-13-01\"")
            .starts_with("Date value '2026-13-01' for field 'updated' is invalid.")
    );
    assert_eq!(
        err("created ~ -1d"),
        "The operator '~' is not supported by the 'created' field."
    );
    assert_eq!(
        err("created IN (-1x)"),
        "Date value '-1x' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    );
    assert_eq!(
        err("created ~ now()"),
        "The operator '~' is not supported by the 'created' field."
    );
    assert_eq!(
        err("project = currentUser()"),
        "The function 'currentUser' is not supported by the 'project' field."
    );
    assert_eq!(
        err("created > currentUser()"),
        "The function 'currentUser' is not supported by the 'created' field."
    );
    assert!(err("created > startOfDay(soon)").contains("not a valid offset"));
    assert_eq!(
        err("text !~ x"),
        "The operator '!~' is not supported by the 'text' field."
    );
    assert_eq!(
        err("text = x"),
        "The operator '=' is not supported by the 'text' field."
    );
    assert_eq!(
        err("assignee = issueHistory()"),
        "Unable to find JQL function 'issueHistory()'."
    );
    assert_eq!(
        err("ORDER BY priority"),
        "Not able to sort using field 'priority'."
    );
    assert!(err("ORDER BY key sideways").starts_with("Error in the JQL Query: "));
    assert!(err("project = ").starts_with("Error in the JQL Query: "));
    assert!(err("project = (A").starts_with("Error in the JQL Query: "));
}

#[test]
fn page_tokens_round_trip_and_foreign_tokens_are_refused() {
    let t = page_token("project = ABC", 50);
    assert_eq!(token_offset("project = ABC", &t), Ok(50));
    assert!(token_offset("project = XYZ", &t).is_err());
    assert!(token_offset("project = ABC", "50-0000000000000000").is_err());
    assert!(token_offset("project = ABC", "garbage").is_err());
}

/// A generated query from the supported grammar, with its reference meaning.
#[derive(Debug, Clone)]
enum Q {
    Assignee(Option<usize>, bool),
    Label(usize, bool),
    Status(Vec<usize>, bool),
    Summary(usize),
    Text(usize),
    /// `created|updated <op> value`: updated?, operator, days back (relative
    /// or as the absolute date of `NOW` minus that many days).
    Date(bool, usize, i64, bool),
    /// `assignee = currentUser()` (negated: `!=`); the caller is `u1`.
    CurrentUser(bool),
    /// `assignee [NOT] IN membersOf("group")`.
    MembersOf(usize, bool),
    /// `created|updated [NOT] IN ("-Nd", …)`.
    DateIn(bool, Vec<i64>, bool),
    /// `created IS [NOT] EMPTY`.
    DateEmpty(bool),
    /// `created|updated <op> startOfDay(offset)` or `endOfDay(offset)`:
    /// updated?, operator, end?, offset in days.
    DayFunction(bool, usize, bool, i64),
    And(Box<Q>, Box<Q>),
    Or(Box<Q>, Box<Q>),
    Not(Box<Q>),
}

impl Q {
    fn jql(&self) -> String {
        match self {
            Q::Assignee(None, neg) => {
                format!("assignee IS {}EMPTY", if *neg { "NOT " } else { "" })
            }
            Q::Assignee(Some(u), neg) => {
                format!("assignee {} {}", if *neg { "!=" } else { "=" }, USERS[*u])
            }
            Q::Label(l, neg) => format!(
                "labels {} ({})",
                if *neg { "NOT IN" } else { "IN" },
                LABELS[*l]
            ),
            Q::Status(ss, neg) => {
                let list: Vec<String> =
                    ss.iter().map(|s| format!("\"{}\"", STATUSES[*s])).collect();
                format!(
                    "status {} ({})",
                    if *neg { "NOT IN" } else { "IN" },
                    list.join(", ")
                )
            }
            Q::Summary(w) => format!("summary ~ \"{}\"", ["ALPHA", "beta", "ga"][*w]),
            Q::Text(w) => format!("text ~ \"{}\"", ["ALPHA", "beta", "ga"][*w]),
            Q::Date(updated, op, days, absolute) => {
                let value = if *absolute {
                    let t = jiff::Timestamp::from_millisecond(NOW - days * DAY).unwrap();
                    format!("\"{}\"", t.strftime("%Y/%m/%d %H:%M"))
                } else {
                    format!("-{days}d")
                };
                let field = if *updated { "updated" } else { "created" };
                format!("{field} {} {value}", DATE_OPS[*op])
            }
            Q::CurrentUser(neg) => {
                format!("assignee {} currentUser()", if *neg { "!=" } else { "=" })
            }
            Q::MembersOf(g, neg) => format!(
                "assignee {} membersOf(\"{}\")",
                if *neg { "NOT IN" } else { "IN" },
                GROUPS[*g]
            ),
            Q::DateIn(updated, days, neg) => {
                let list: Vec<String> = days.iter().map(|d| format!("\"-{d}d\"")).collect();
                let field = if *updated { "updated" } else { "created" };
                format!(
                    "{field} {} ({})",
                    if *neg { "NOT IN" } else { "IN" },
                    list.join(", ")
                )
            }
            Q::DateEmpty(neg) => format!("created IS {}EMPTY", if *neg { "NOT " } else { "" }),
            Q::DayFunction(updated, op, end, offset) => {
                let field = if *updated { "updated" } else { "created" };
                let f = if *end { "endOfDay" } else { "startOfDay" };
                format!("{field} {} {f}({offset})", DATE_OPS[*op])
            }
            Q::And(a, b) => format!("({}) AND ({})", a.jql(), b.jql()),
            Q::Or(a, b) => format!("({}) OR ({})", a.jql(), b.jql()),
            Q::Not(a) => format!("NOT ({})", a.jql()),
        }
    }

    /// The reference: Jira's meaning written out directly (`comments`:
    /// the one comment of each issue that has one, by issue ID).
    fn holds(&self, i: &Issue, comments: &BTreeMap<u64, Comment>) -> bool {
        match self {
            Q::Assignee(None, neg) => i.assignee.is_some() == *neg,
            Q::Assignee(Some(u), false) => i.assignee.as_deref() == Some(USERS[*u]),
            Q::Assignee(Some(u), true) => i.assignee.as_deref().is_some_and(|a| a != USERS[*u]),
            Q::Label(l, false) => i.labels.iter().any(|x| x == LABELS[*l]),
            Q::Label(l, true) => !i.labels.is_empty() && i.labels.iter().all(|x| x != LABELS[*l]),
            Q::Status(ss, neg) => ss.iter().any(|s| STATUSES[*s] == i.status) != *neg,
            Q::Summary(w) => i
                .summary
                .to_lowercase()
                .contains(["alpha", "beta", "ga"][*w]),
            Q::Text(w) => {
                let word = ["alpha", "beta", "ga"][*w];
                let text = |d: &Option<Value>| {
                    d.as_ref()
                        .map(|d| crate::model::issues::adf_text(d).to_lowercase())
                        .unwrap_or_default()
                };
                let comment = comments
                    .get(&i.id)
                    .map(|c| text(&Some(c.body.clone())))
                    .unwrap_or_default();
                i.summary.to_lowercase().contains(word)
                    || text(&i.description).contains(word)
                    || comment.contains(word)
            }
            Q::CurrentUser(neg) => Q::Assignee(Some(0), *neg).holds(i, comments),
            Q::MembersOf(g, neg) => {
                let members = MEMBERS[*g];
                match i.assignee.as_deref() {
                    None => false,
                    Some(a) => members.contains(&a) != *neg,
                }
            }
            Q::DateIn(updated, days, neg) => {
                let t = if *updated { i.updated_ms } else { i.created_ms };
                days.iter().any(|d| t == NOW - d * DAY) != *neg
            }
            Q::DateEmpty(neg) => *neg,
            Q::DayFunction(updated, op, end, offset) => {
                let t = if *updated { i.updated_ms } else { i.created_ms };
                let start = NOW.div_euclid(DAY) * DAY + offset * DAY;
                let at = if *end { start + DAY - 1 } else { start };
                compare(DATE_OPS[*op], t, at)
            }
            Q::Date(updated, op, days, _) => {
                let t = if *updated { i.updated_ms } else { i.created_ms };
                compare(DATE_OPS[*op], t, NOW - days * DAY)
            }
            Q::And(a, b) => a.holds(i, comments) && b.holds(i, comments),
            Q::Or(a, b) => a.holds(i, comments) || b.holds(i, comments),
            Q::Not(a) => !a.holds(i, comments),
        }
    }
}

/// `t <op> at` for a date operator.
fn compare(op: &str, t: i64, at: i64) -> bool {
    match op {
        "=" => t == at,
        "!=" => t != at,
        ">" => t > at,
        ">=" => t >= at,
        "<" => t < at,
        _ => t <= at,
    }
}

/// The groups of the generated queries and their members (see [`test_seed`]).
const GROUPS: [&str; 4] = ["g1", "g2", "both", "none"];
const MEMBERS: [&[&str]; 4] = [&["u1"], &["u2"], &["u1", "u2"], &[]];

/// The default seed with the users `u1` (groups `g1`, `both`) and `u2`
/// (`g2`, `both`).
fn test_seed() -> Seed {
    let mut seed = Seed::default();
    for (id, groups) in [("u1", ["g1", "both"]), ("u2", ["g2", "both"])] {
        seed.users.push(crate::model::seed::SeedUser {
            account_id: id.into(),
            display_name: id.into(),
            email_address: None,
            groups: groups.map(String::from).into(),
        });
    }
    seed
}

const DATE_OPS: [&str; 6] = ["=", "!=", ">", ">=", "<", "<="];

fn query() -> impl Strategy<Value = Q> {
    let leaf = prop_oneof![
        (proptest::option::of(0..2usize), any::<bool>()).prop_map(|(u, n)| Q::Assignee(u, n)),
        (0..3usize, any::<bool>()).prop_map(|(l, n)| Q::Label(l, n)),
        (proptest::collection::vec(0..3usize, 1..3), any::<bool>())
            .prop_map(|(s, n)| Q::Status(s, n)),
        (0..3usize).prop_map(Q::Summary),
        (0..3usize).prop_map(Q::Text),
        (any::<bool>(), 0..6usize, 0..5i64, any::<bool>())
            .prop_map(|(u, op, days, abs)| Q::Date(u, op, days, abs)),
        any::<bool>().prop_map(Q::CurrentUser),
        (0..4usize, any::<bool>()).prop_map(|(g, n)| Q::MembersOf(g, n)),
        (
            any::<bool>(),
            proptest::collection::vec(0..5i64, 1..3),
            any::<bool>()
        )
            .prop_map(|(u, d, n)| Q::DateIn(u, d, n)),
        any::<bool>().prop_map(Q::DateEmpty),
        (any::<bool>(), 0..6usize, any::<bool>(), -4..2i64)
            .prop_map(|(u, op, end, off)| Q::DayFunction(u, op, end, off)),
    ];
    leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Q::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Q::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Q::Not(Box::new(a))),
        ]
    })
}

/// Generated issues and, by issue ID, the one comment some have (comment
/// IDs equal their issue's ID).
fn issues() -> impl Strategy<Value = (Vec<Issue>, BTreeMap<u64, Comment>)> {
    let one = (
        proptest::option::of(0..2usize),
        proptest::collection::vec(0..3usize, 0..3),
        0..3usize,
        proptest::sample::select(vec!["Alpha beta", "gamma", "BETA", "nothing"]),
        0..5i64,
        0..5i64,
        proptest::option::of(proptest::sample::select(vec!["gamma ray", "Alpha", "none"])),
        proptest::option::of(proptest::sample::select(vec!["beta test", "x"])),
    );
    proptest::collection::vec(one, 0..12).prop_map(|specs| {
        let mut comments = BTreeMap::new();
        let issues = specs
            .into_iter()
            .enumerate()
            .map(
                |(
                    n,
                    (assignee, labels, status, summary, created, updated, description, comment),
                )| {
                    let mut i = issue(10000 + n as u64, "ABC", summary);
                    i.assignee = assignee.map(|u| USERS[u].to_owned());
                    i.labels = labels.into_iter().map(|l| LABELS[l].to_owned()).collect();
                    i.status = STATUSES[status].to_owned();
                    // Whole days back from `NOW`, so `=` on a date can hit.
                    i.created_ms = NOW - created * DAY;
                    i.updated_ms = NOW - updated * DAY;
                    i.description = description.map(adf);
                    if let Some(text) = comment {
                        comments.insert(
                            i.id,
                            Comment {
                                id: i.id,
                                issue_id: i.id,
                                author: i.reporter.clone(),
                                update_author: i.reporter.clone(),
                                body: adf(text),
                                created_ms: NOW,
                                updated_ms: NOW,
                                visibility: None,
                            },
                        );
                    }
                    i
                },
            )
            .collect();
        (issues, comments)
    })
}

fn adf(text: &str) -> Value {
    serde_json::json!({"type": "doc", "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

proptest! {
    #[test]
    fn search_equals_the_reference_evaluation((issues, comments) in issues(), q in query()) {
        let jql = format!("{} ORDER BY created DESC", q.jql());
        let seed = test_seed();
        let env = Env { now_ms: NOW, caller: Some("u1"), seed: Some(&seed) };
        let search = parse_in(&jql, &env).map_err(TestCaseError::fail)?;
        let corpus = Corpus { seed: &seed, comments: Some(&comments) };
        let got: Vec<u64> = search.run_in(&corpus, &issues).iter().map(|i| i.id).collect();
        let mut want: Vec<&Issue> = issues.iter().filter(|i| q.holds(i, &comments)).collect();
        want.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
        let want: Vec<u64> = want.iter().map(|i| i.id).collect();
        prop_assert_eq!(got, want, "{}", jql);
    }

    #[test]
    fn walking_page_tokens_never_skips_or_repeats((issues, _) in issues(), size in 1..5usize) {
        // Bounded, as search/jql requires, and true of every issue.
        let jql = "key IS NOT EMPTY ORDER BY created DESC";
        let seed = Seed::default();
        let all: Vec<u64> = parse(jql, NOW).unwrap().run(&seed, &issues).iter().map(|i| i.id).collect();
        let mut seen: Vec<u64> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..=issues.len() {
            let p = page(&seed, &issues, PageAsk { jql, token: token.as_deref(), max_results: size, now_ms: NOW, caller: None, comments: None }).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert!(p.issues.len() <= size);
            seen.extend(p.issues.iter().map(|i| i.id));
            token = p.next_page_token;
            if token.is_none() { break; }
        }
        prop_assert!(token.is_none(), "paging did not end");
        prop_assert_eq!(seen, all);
    }
}

#[test]
fn functions_resolve_against_the_caller_the_groups_and_the_clock() {
    let seed = test_seed();
    let env = Env {
        now_ms: NOW,
        caller: Some("u2"),
        seed: Some(&seed),
    };
    let mut mine = issue(10000, "ABC", "a");
    mine.assignee = Some("u2".into());
    let mut theirs = issue(10001, "ABC", "b");
    theirs.assignee = Some("u1".into());
    theirs.created_ms = NOW - DAY;
    let both = [mine, theirs];
    let ids = |jql: &str, env: &Env<'_>| -> Vec<u64> {
        parse_in(jql, env)
            .unwrap()
            .run(&seed, &both)
            .iter()
            .map(|i| i.id)
            .collect()
    };
    assert_eq!(ids("assignee = currentUser()", &env), [10000]);
    assert_eq!(ids("assignee in membersOf(g1)", &env), [10001]);
    assert_eq!(ids("assignee in membersOf(\"BOTH\")", &env), [10000, 10001]);
    assert_eq!(
        ids("created >= startOfDay()", &env),
        Vec::<u64>::new(),
        "created in 1970 and a day ago"
    );
    assert_eq!(ids("created >= startOfDay(-1)", &env), [10001]);
    assert_eq!(ids("created <= endOfDay(-1d)", &env), [10000, 10001]);
    assert_eq!(ids("created < now()", &env), [10000, 10001]);
    let anonymous = Env {
        caller: None,
        ..env
    };
    assert_eq!(
        ids("assignee = currentUser()", &anonymous),
        Vec::<u64>::new(),
        "an anonymous caller is no one"
    );
}

/// The spec: search/jql "requires a bounded query"; an `ORDER BY` alone or
/// a blank query is Jira's 400, a restricted one pages.
#[test]
fn search_refuses_an_unbounded_query() {
    let seed = Seed::default();
    let issues = vec![issue(10000, "ABC", "a")];
    for jql in ["", "ORDER BY key DESC", "  "] {
        let ask = PageAsk {
            jql,
            token: None,
            max_results: 10,
            now_ms: NOW,
            caller: None,
            comments: None,
        };
        match page(&seed, &issues, ask) {
            Err(PageError::Jql(message)) => assert_eq!(message, UNBOUNDED, "{jql:?}"),
            other => panic!("{jql:?}: {other:?}"),
        }
    }
}

/// A project the site does not have is Jira's 400, not an empty result (a
/// new user's review: `project = NOPE` answered `{"issues": []}`); a known
/// project matches by key, ID or name, in any case.
#[test]
fn an_unknown_project_is_refused_by_name() {
    let seed = test_seed();
    let env = Env {
        now_ms: NOW,
        caller: None,
        seed: Some(&seed),
    };
    let err = parse_in("project = NOPE", &env).unwrap_err();
    // jr-mock's JQL parser reads values in lower case; Jira echoes them as written.
    assert_eq!(
        err,
        "The value 'nope' does not exist for the field 'project'."
    );
    let err = parse_in("project in (ABC, Nope2) ORDER BY key", &env).unwrap_err();
    assert!(err.contains("'nope2'"), "{err}");
    let project = &seed.projects[0];
    for known in [project.key.to_lowercase(), project.id.clone()] {
        assert!(
            parse_in(&format!("project = \"{known}\""), &env).is_ok(),
            "{known}"
        );
    }
}
