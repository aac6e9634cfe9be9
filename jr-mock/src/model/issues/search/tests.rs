//! The search subset: parser, evaluator, errors, and property tests that
//! results equal a reference evaluation and that page tokens never skip
//! or repeat an issue.

use proptest::prelude::*;

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
        err("created IN (-1d)"),
        "The operator 'IN' is not supported by the 'created' field."
    );
    assert_eq!(
        err("text !~ x"),
        "The operator '!~' is not supported by the 'text' field."
    );
    assert_eq!(
        err("text = x"),
        "The operator '=' is not supported by the 'text' field."
    );
    assert_eq!(
        err("assignee = currentUser()"),
        "Unable to find JQL function 'currentUser()'."
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
            Q::And(a, b) => format!("({}) AND ({})", a.jql(), b.jql()),
            Q::Or(a, b) => format!("({}) OR ({})", a.jql(), b.jql()),
            Q::Not(a) => format!("NOT ({})", a.jql()),
        }
    }

    /// The reference: Jira's meaning written out directly.
    fn holds(&self, i: &Issue) -> bool {
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
                let description = i
                    .description
                    .as_ref()
                    .map(|d| crate::model::issues::adf_text(d).to_lowercase())
                    .unwrap_or_default();
                i.summary.to_lowercase().contains(word) || description.contains(word)
            }
            Q::Date(updated, op, days, _) => {
                let t = if *updated { i.updated_ms } else { i.created_ms };
                let at = NOW - days * DAY;
                match DATE_OPS[*op] {
                    "=" => t == at,
                    "!=" => t != at,
                    ">" => t > at,
                    ">=" => t >= at,
                    "<" => t < at,
                    _ => t <= at,
                }
            }
            Q::And(a, b) => a.holds(i) && b.holds(i),
            Q::Or(a, b) => a.holds(i) || b.holds(i),
            Q::Not(a) => !a.holds(i),
        }
    }
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
    ];
    leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Q::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Q::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Q::Not(Box::new(a))),
        ]
    })
}

fn issues() -> impl Strategy<Value = Vec<Issue>> {
    let one = (
        proptest::option::of(0..2usize),
        proptest::collection::vec(0..3usize, 0..3),
        0..3usize,
        proptest::sample::select(vec!["Alpha beta", "gamma", "BETA", "nothing"]),
        0..5i64,
        0..5i64,
        proptest::option::of(proptest::sample::select(vec!["gamma ray", "Alpha", "none"])),
    );
    proptest::collection::vec(one, 0..12).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(
                |(n, (assignee, labels, status, summary, created, updated, description))| {
                    let mut i = issue(10000 + n as u64, "ABC", summary);
                    i.assignee = assignee.map(|u| USERS[u].to_owned());
                    i.labels = labels.into_iter().map(|l| LABELS[l].to_owned()).collect();
                    i.status = STATUSES[status].to_owned();
                    // Whole days back from `NOW`, so `=` on a date can hit.
                    i.created_ms = NOW - created * DAY;
                    i.updated_ms = NOW - updated * DAY;
                    i.description = description.map(|t| serde_json::json!({
                    "type": "doc", "version": 1,
                    "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]}]
                }));
                    i
                },
            )
            .collect()
    })
}

proptest! {
    #[test]
    fn search_equals_the_reference_evaluation(issues in issues(), q in query()) {
        let jql = format!("{} ORDER BY created DESC", q.jql());
        let search = parse(&jql, NOW).map_err(TestCaseError::fail)?;
        let got: Vec<u64> = search.run(&Seed::default(), &issues).iter().map(|i| i.id).collect();
        let mut want: Vec<&Issue> = issues.iter().filter(|i| q.holds(i)).collect();
        want.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(a.id.cmp(&b.id)));
        let want: Vec<u64> = want.iter().map(|i| i.id).collect();
        prop_assert_eq!(got, want, "{}", jql);
    }

    #[test]
    fn walking_page_tokens_never_skips_or_repeats(issues in issues(), size in 1..5usize) {
        let jql = "ORDER BY created DESC";
        let seed = Seed::default();
        let all: Vec<u64> = parse(jql, NOW).unwrap().run(&seed, &issues).iter().map(|i| i.id).collect();
        let mut seen: Vec<u64> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..=issues.len() {
            let p = page(&seed, &issues, PageAsk { jql, token: token.as_deref(), max_results: size, now_ms: NOW }).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert!(p.issues.len() <= size);
            seen.extend(p.issues.iter().map(|i| i.id));
            token = p.next_page_token;
            if token.is_none() { break; }
        }
        prop_assert!(token.is_none(), "paging did not end");
        prop_assert_eq!(seen, all);
    }
}
