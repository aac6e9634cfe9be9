//! The search subset: parser, evaluator, errors, and property tests that
//! results equal a reference evaluation and that page tokens never skip
//! or repeat an issue.

use proptest::prelude::*;

use super::*;
use crate::model::issues::Actor;

const USERS: [&str; 2] = ["u1", "u2"];
const LABELS: [&str; 3] = ["red", "green", "blue"];
const STATUSES: [&str; 3] = ["To Do", "In Progress", "Done"];

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
    }
}

fn keys(jql: &str, issues: &[Issue]) -> Vec<String> {
    let search = parse(jql).unwrap();
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
    let err = |jql: &str| parse(jql).unwrap_err();
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
        err("created > -7d"),
        "Field 'created' does not exist or you do not have permission to view it."
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
            Q::And(a, b) => a.holds(i) && b.holds(i),
            Q::Or(a, b) => a.holds(i) || b.holds(i),
            Q::Not(a) => !a.holds(i),
        }
    }
}

fn query() -> impl Strategy<Value = Q> {
    let leaf = prop_oneof![
        (proptest::option::of(0..2usize), any::<bool>()).prop_map(|(u, n)| Q::Assignee(u, n)),
        (0..3usize, any::<bool>()).prop_map(|(l, n)| Q::Label(l, n)),
        (proptest::collection::vec(0..3usize, 1..3), any::<bool>())
            .prop_map(|(s, n)| Q::Status(s, n)),
        (0..3usize).prop_map(Q::Summary),
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
    );
    proptest::collection::vec(one, 0..12).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(n, (assignee, labels, status, summary, created))| {
                let mut i = issue(10000 + n as u64, "ABC", summary);
                i.assignee = assignee.map(|u| USERS[u].to_owned());
                i.labels = labels.into_iter().map(|l| LABELS[l].to_owned()).collect();
                i.status = STATUSES[status].to_owned();
                i.created_ms = created;
                i
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn search_equals_the_reference_evaluation(issues in issues(), q in query()) {
        let jql = format!("{} ORDER BY created DESC", q.jql());
        let search = parse(&jql).map_err(TestCaseError::fail)?;
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
        let all: Vec<u64> = parse(jql).unwrap().run(&seed, &issues).iter().map(|i| i.id).collect();
        let mut seen: Vec<u64> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..=issues.len() {
            let p = page(&seed, &issues, jql, token.as_deref(), size).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert!(p.issues.len() <= size);
            seen.extend(p.issues.iter().map(|i| i.id));
            token = p.next_page_token;
            if token.is_none() { break; }
        }
        prop_assert!(token.is_none(), "paging did not end");
        prop_assert_eq!(seen, all);
    }
}
