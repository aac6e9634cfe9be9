//! The issue rules: Jira's 400s and 404s, changelogs, and a property test
//! that every change fires exactly the documented events.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

const NOW: i64 = 1_700_000_000_000;

fn actor() -> Actor {
    Actor {
        account_id: "5b10ac8d82e05b22cc7d4ef5".into(),
        display_name: "jr-mock user".into(),
        account_type: "atlassian".into(),
    }
}

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

fn create(
    store: &mut IssueStore,
    seed: &Seed,
    project: &str,
    summary: &str,
) -> Result<(Issue, Vec<Value>), IssueError> {
    let site = Site {
        seed,
        base: "http://h",
    };
    let f = fields(
        json!({"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": summary}),
    );
    store.create(site, &actor(), &f, NOW)
}

#[test]
fn create_numbers_keys_per_project_and_fires_issue_created_in_get_shape() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    let (a, events) = create(&mut store, &seed, "ABC", "First").unwrap();
    let (b, _) = create(&mut store, &seed, "XYZ", "Other").unwrap();
    let (c, _) = create(&mut store, &seed, "ABC", "Second").unwrap();
    assert_eq!((a.key.as_str(), a.id), ("ABC-1", 10000));
    assert_eq!(
        (b.key.as_str(), c.key.as_str(), c.id),
        ("XYZ-1", "ABC-2", 10002)
    );
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["webhookEvent"], "jira:issue_created");
    assert_eq!(e["issue_event_type_name"], "issue_created");
    assert_eq!(e["user"]["accountId"], "5b10ac8d82e05b22cc7d4ef5");
    assert_eq!(e["issue"]["key"], "ABC-1");
    assert_eq!(e["issue"]["fields"]["project"]["key"], "ABC");
    assert_eq!(e["issue"]["fields"]["status"]["name"], "To Do");
    assert_eq!(e["issue"]["fields"]["issuetype"]["name"], "Task");
    assert_eq!(
        e["issue"]["fields"]["created"],
        "2023-11-14T22:13:20.000+0000"
    );
}

#[test]
fn create_names_every_missing_or_invalid_field_with_jiras_text() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let Err(IssueError::Fields(errors)) = store.create(site, &actor(), &Map::new(), NOW) else {
        panic!("an empty create is refused");
    };
    assert_eq!(errors["project"], "Specify a valid project ID or key");
    assert_eq!(errors["issuetype"], "Specify an issue type");
    assert_eq!(
        errors["summary"],
        "You must specify a summary of the issue."
    );
    let bad_type =
        fields(json!({"project": {"id": "10000"}, "issuetype": {"name": "Epic"}, "summary": "s"}));
    let Err(IssueError::Fields(errors)) = store.create(site, &actor(), &bad_type, NOW) else {
        panic!("an unknown issue type is refused");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors["issuetype"], "Specify a valid issue type");
    let unknown = fields(
        json!({"project": {"key": "ABC"}, "issuetype": {"id": "10001"}, "summary": "s", "colour": "red"}),
    );
    let Err(IssueError::Fields(errors)) = store.create(site, &actor(), &unknown, NOW) else {
        panic!("an unknown field is refused");
    };
    assert_eq!(
        errors["colour"],
        "Field 'colour' cannot be set. It is not on the appropriate screen, or unknown."
    );
    assert!(store.issues.is_empty(), "nothing was created");
    assert_eq!(store.next_id, FIRST_ISSUE_ID);
}

#[test]
fn edit_fires_one_changelog_item_per_changed_field() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "Old").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let change =
        fields(json!({"summary": "New", "description": adf("Hello"), "labels": ["a", "b"]}));
    let events = store
        .edit(site, &actor(), "abc-1", &change, NOW + 5)
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["issue_event_type_name"], "issue_updated");
    let items = events[0]["changelog"]["items"].as_array().unwrap();
    let by_field = |f: &str| items.iter().find(|i| i["fieldId"] == f).cloned().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(by_field("summary")["fromString"], "Old");
    assert_eq!(by_field("summary")["toString"], "New");
    assert_eq!(by_field("description")["toString"], "Hello");
    assert_eq!(by_field("labels")["toString"], "a b");
    assert_eq!(store.find("ABC-1").unwrap().updated_ms, NOW + 5);
    // The same values again change nothing and fire nothing.
    assert!(
        store
            .edit(site, &actor(), "ABC-1", &change, NOW + 6)
            .unwrap()
            .is_empty()
    );
    let assign = fields(json!({"assignee": {"accountId": "5b10ac8d82e05b22cc7d4ef5"}}));
    let events = store
        .edit(site, &actor(), "10000", &assign, NOW + 7)
        .unwrap();
    assert_eq!(events[0]["issue_event_type_name"], "issue_assigned");
    assert_eq!(
        events[0]["changelog"]["items"][0]["toString"],
        "jr-mock user"
    );
    let nobody = fields(json!({"assignee": {"accountId": "nobody"}}));
    assert!(matches!(
        store.edit(site, &actor(), "ABC-1", &nobody, NOW),
        Err(IssueError::Fields(_))
    ));
    assert_eq!(
        store.edit(site, &actor(), "ABC-9", &change, NOW),
        Err(IssueError::NotFound)
    );
}

#[test]
fn only_the_workflows_transitions_move_an_issue() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "s").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let ids: Vec<_> = store
        .transitions(&seed, "ABC-1")
        .unwrap()
        .iter()
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(ids, ["21", "31"]);
    assert_eq!(
        store.transition(site, &actor(), "ABC-1", "11", NOW),
        Err(IssueError::Message(
            "Transition id '11' is not valid for this issue.".into()
        ))
    );
    let events = store
        .transition(site, &actor(), "ABC-1", "21", NOW)
        .unwrap();
    assert_eq!(events[0]["issue_event_type_name"], "issue_generic");
    let item = &events[0]["changelog"]["items"][0];
    assert_eq!(
        (item["from"].as_str(), item["fromString"].as_str()),
        (Some("1"), Some("To Do"))
    );
    assert_eq!(
        (item["to"].as_str(), item["toString"].as_str()),
        (Some("3"), Some("In Progress"))
    );
    assert_eq!(store.find("ABC-1").unwrap().status, "In Progress");
}

#[test]
fn delete_fires_issue_deleted_and_the_key_is_never_reused() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "s").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let (events, cascade) = store.delete(site, &actor(), "ABC-1").unwrap();
    assert!(cascade.is_empty(), "no comments, no cascade");
    assert_eq!(events[0]["webhookEvent"], "jira:issue_deleted");
    assert_eq!(events[0]["issue"]["key"], "ABC-1");
    assert_eq!(
        store.delete(site, &actor(), "ABC-1"),
        Err(IssueError::NotFound)
    );
    let (again, _) = create(&mut store, &seed, "ABC", "t").unwrap();
    assert_eq!(again.key, "ABC-2");
}

#[test]
fn the_fields_parameter_selects_and_excludes() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    let (issue, _) = create(&mut store, &seed, "ABC", "s").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let keys = |asked: &[&str]| {
        let mut v = render(site, &issue);
        select_fields(
            &mut v,
            &asked.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        );
        v["fields"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&["summary,status"]), ["summary", "status"]);
    assert!(keys(&["*all", "-labels"]).len() > 5);
    assert!(!keys(&["*all,-labels"]).contains(&"labels".to_owned()));
    assert_eq!(
        keys(&[]).len(),
        render(site, &issue)["fields"].as_object().unwrap().len()
    );
}

#[test]
fn update_operations_change_labels_in_order_and_a_field_in_both_is_refused() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "Old").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let none = Map::new();
    let set = fields(json!({"labels": [{"set": ["a", "b"]}], "summary": [{"set": "New"}]}));
    let events = store
        .edit_with(site, &actor(), "ABC-1", &none, &set, NOW + 1)
        .unwrap();
    let items = events[0]["changelog"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let ops = fields(json!({"labels": [{"add": "c"}, {"remove": "a"}, {"add": "c"}]}));
    let events = store
        .edit_with(site, &actor(), "ABC-1", &none, &ops, NOW + 2)
        .unwrap();
    assert_eq!(store.find("ABC-1").unwrap().labels, ["b", "c"]);
    let item = &events[0]["changelog"]["items"][0];
    assert_eq!(
        (&item["fromString"], &item["toString"]),
        (&json!("a b"), &json!("b c"))
    );
    let both = store.edit_with(
        site,
        &actor(),
        "ABC-1",
        &fields(json!({"labels": []})),
        &ops,
        NOW,
    );
    assert_eq!(
        both,
        Err(field_error("labels", &update::both_message("labels")))
    );
    let bad = fields(json!({"summary": [{"remove": "x"}]}));
    assert!(matches!(
        store.edit_with(site, &actor(), "ABC-1", &none, &bad, NOW),
        Err(IssueError::Fields(e)) if e["summary"].contains("does not support operation 'remove'")
    ));
    assert_eq!(
        store.find("ABC-1").unwrap().updated_ms,
        NOW + 2,
        "refusals change nothing"
    );
}

#[test]
fn a_transition_with_fields_and_update_fires_one_event_with_every_change() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "s").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let f = fields(json!({"summary": "Done now"}));
    let u = fields(json!({"labels": [{"add": "shipped"}]}));
    let events = store
        .transition_with(site, &actor(), "ABC-1", "31", (&f, &u), NOW + 3)
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["issue_event_type_name"], "issue_generic");
    let mut changed: Vec<&str> = events[0]["changelog"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["fieldId"].as_str())
        .collect();
    changed.sort_unstable();
    assert_eq!(changed, ["labels", "status", "summary"]);
    let issue = store.find("ABC-1").unwrap();
    assert_eq!(
        (issue.status.as_str(), issue.summary.as_str()),
        ("Done", "Done now")
    );
    let bad = fields(json!({"colour": "red"}));
    assert!(
        store
            .transition_with(site, &actor(), "ABC-1", "21", (&bad, &Map::new()), NOW)
            .is_err()
    );
    assert_eq!(
        store.find("ABC-1").unwrap().status,
        "Done",
        "a refused transition does not move"
    );
}

/// One generated change.
#[derive(Debug, Clone)]
enum Change {
    Create(bool, String),
    Edit(usize, String, Vec<String>),
    /// `update.labels`: add the first, remove the second.
    Update(usize, String, String),
    /// A transition that also adds a label.
    TransitionWith(usize, u8, String),
    SetProperty(usize, String),
    /// Log this many minutes (0: refused).
    AddWorklog(usize, u8),
    DeleteWorklog(usize),
    DeleteProperty(usize, String),
    Transition(usize, u8),
    Delete(usize),
    /// A subtask of the issue.
    CreateSubtask(usize),
    /// Delete with `deleteSubtasks=true`.
    DeleteWithSubtasks(usize),
    Comment(usize),
    DeleteComment(usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<bool>(), "[a-z ]{0,6}").prop_map(|(p, s)| Change::Create(p, s)),
        (
            0usize..6,
            "[a-z]{1,4}",
            proptest::collection::vec("[a-z]{1,3}", 0..3)
        )
            .prop_map(|(i, s, l)| Change::Edit(i, s, l)),
        (0usize..6, 0u8..5).prop_map(|(i, t)| Change::Transition(i, t)),
        (0usize..6, "[a-c]{1}", "[a-c ]{1}").prop_map(|(i, a, r)| Change::Update(i, a, r)),
        (0usize..6, 0u8..5, "[a-c]{1}").prop_map(|(i, t, l)| Change::TransitionWith(i, t, l)),
        (0usize..6, "[ab]").prop_map(|(i, k)| Change::SetProperty(i, k)),
        (0usize..6, 0u8..3).prop_map(|(i, m)| Change::AddWorklog(i, m)),
        (0usize..6).prop_map(Change::DeleteWorklog),
        (0usize..6, "[ab]").prop_map(|(i, k)| Change::DeleteProperty(i, k)),
        (0usize..6).prop_map(Change::Delete),
        (0usize..6).prop_map(Change::CreateSubtask),
        (0usize..6).prop_map(Change::DeleteWithSubtasks),
        (0usize..6).prop_map(Change::Comment),
        (0usize..6).prop_map(Change::DeleteComment),
    ]
}

proptest! {
    /// Every accepted change fires exactly its documented events (of the
    /// right names and type names, in order, carrying the issue and, for
    /// comment events, the comment; an edit that changes nothing fires
    /// none; deleting an issue adds one `comment_deleted` per comment),
    /// every refused one fires none, and the changelog names exactly the
    /// fields that differ.
    #[test]
    fn every_change_fires_exactly_the_documented_events(changes in proptest::collection::vec(change(), 1..25)) {
        let seed = Seed::default();
        let site = Site { seed: &seed, base: "http://h" };
        let mut store = IssueStore::default();
        let key = |i: usize| format!("ABC-{}", i + 1);
        for c in changes {
            let before = store.clone();
            let issue_events = |name, type_name| vec![(name, Some(type_name))];
            let (result, expect) = match &c {
                Change::Create(abc, summary) => {
                    let f = fields(json!({"project": {"key": if *abc {"ABC"} else {"XYZ"}},
                        "issuetype": {"name": "Bug"}, "summary": summary}));
                    let ok = !summary.trim().is_empty();
                    (store.create(site, &actor(), &f, NOW).map(|(_, e)| e), ok.then(|| issue_events("jira:issue_created", "issue_created")))
                }
                Change::Edit(i, summary, labels) => {
                    let f = fields(json!({"summary": summary, "labels": labels}));
                    let existing = before.find(&key(*i));
                    let changed = existing.is_some_and(|x| x.summary != *summary || x.labels != *labels);
                    (store.edit(site, &actor(), &key(*i), &f, NOW), changed.then(|| issue_events("jira:issue_updated", "issue_updated")))
                }
                Change::Transition(i, t) => {
                    let id = ["11", "21", "31", "99", ""][usize::from(*t)];
                    let ok = before.transitions(&seed, &key(*i)).is_ok_and(|ts| ts.iter().any(|x| x.id == id));
                    (store.transition(site, &actor(), &key(*i), id, NOW), ok.then(|| issue_events("jira:issue_updated", "issue_generic")))
                }
                Change::Update(i, add, remove) => {
                    let u = fields(json!({"labels": [{"add": add}, {"remove": remove}]}));
                    let existing = before.find(&key(*i));
                    let valid = !remove.contains(' ');
                    let changed = existing.is_some_and(|x| {
                        let mut l = x.labels.clone();
                        if !l.contains(add) { l.push(add.clone()); }
                        l.retain(|x| x != remove);
                        l != x.labels
                    });
                    let fired = store.edit_with(site, &actor(), &key(*i), &Map::new(), &u, NOW);
                    let expect = (valid && changed).then(|| issue_events("jira:issue_updated", "issue_updated"));
                    (fired, expect)
                }
                Change::TransitionWith(i, t, label) => {
                    let id = ["11", "21", "31", "99", ""][usize::from(*t)];
                    let ok = before.transitions(&seed, &key(*i)).is_ok_and(|ts| ts.iter().any(|x| x.id == id));
                    let u = fields(json!({"labels": [{"add": label}]}));
                    let fired = store.transition_with(site, &actor(), &key(*i), id, (&Map::new(), &u), NOW);
                    (fired, ok.then(|| issue_events("jira:issue_updated", "issue_generic")))
                }
                Change::SetProperty(i, k) => {
                    let ok = before.find(&key(*i)).is_some();
                    let fired = store.set_property(site, &key(*i), k, &json!({"n": 1}), 7).map(|(_, e)| e);
                    (fired, ok.then(|| vec![("issue_property_set", None)]))
                }
                Change::AddWorklog(i, minutes) => {
                    let ok = *minutes > 0 && before.find(&key(*i)).is_some();
                    let body = fields(json!({"timeSpent": format!("{minutes}m"), "started": "2021-01-17T12:34:00.000+0000"}));
                    let fired = store.add_worklog(site, &actor(), &key(*i), &body, NOW).map(|(_, e)| e);
                    (fired, ok.then(|| vec![("worklog_created", None), ("jira:issue_updated", Some("issue_work_logged"))]))
                }
                Change::DeleteWorklog(i) => {
                    let oldest = before.worklogs_of(&key(*i)).ok().and_then(|w| w.first().map(|w| w.id.to_string()));
                    let id = oldest.clone().unwrap_or_else(|| "1".into());
                    let fired = store.delete_worklog(site, &actor(), &key(*i), &id, NOW);
                    (fired, oldest.map(|_| vec![("worklog_deleted", None), ("jira:issue_updated", Some("issue_worklog_deleted"))]))
                }
                Change::DeleteProperty(i, k) => {
                    let ok = before.property(&key(*i), k).is_ok();
                    let fired = store.delete_property(site, &key(*i), k);
                    (fired, ok.then(|| vec![("issue_property_deleted", None)]))
                }
                Change::Delete(i) | Change::DeleteWithSubtasks(i) => {
                    let with = matches!(c, Change::DeleteWithSubtasks(_));
                    let found = before.find(&key(*i));
                    let children: Vec<String> = found.map(|x| before.subtasks_of(x.id).map(|s| s.key.clone()).collect()).unwrap_or_default();
                    let gone = std::iter::once(key(*i)).chain(children.iter().cloned());
                    let comments: usize = gone.map(|k| before.comments_of(&k).map_or(0, |c| c.len())).sum();
                    let expect = (found.is_some() && (with || children.is_empty())).then(|| {
                        let mut e = std::iter::repeat_n(("jira:issue_deleted", Some("issue_deleted")), 1 + children.len()).collect::<Vec<_>>();
                        e.extend(std::iter::repeat_n(("comment_deleted", None), comments));
                        e
                    });
                    let fired = store.delete_with(site, &actor(), &key(*i), with).map(|(mut p, s)| { p.extend(s); p });
                    (fired, expect)
                }
                Change::CreateSubtask(i) => {
                    let ok = before.find(&key(*i)).is_some_and(|p| p.parent.is_none() && p.project == "ABC");
                    let f = fields(json!({"project": {"key": "ABC"}, "issuetype": {"name": "Subtask"},
                        "summary": "sub", "parent": {"key": key(*i)}}));
                    let fired = store.create(site, &actor(), &f, NOW).map(|(_, e)| e);
                    (fired, ok.then(|| issue_events("jira:issue_created", "issue_created")))
                }
                Change::Comment(i) => {
                    let ok = before.find(&key(*i)).is_some();
                    let fired = store.add_comment(site, &actor(), &key(*i), Some(&adf("hi")), NOW).map(|(_, e)| e);
                    (fired, ok.then(|| vec![("comment_created", None), ("jira:issue_updated", Some("issue_commented"))]))
                }
                Change::DeleteComment(i) => {
                    let oldest = before.comments_of(&key(*i)).ok().and_then(|c| c.first().map(|c| c.id.to_string()));
                    let id = oldest.clone().unwrap_or_else(|| "1".into());
                    let fired = store.delete_comment(site, &key(*i), &id);
                    (fired, oldest.map(|_| vec![("comment_deleted", None)]))
                }
            };
            match (result, expect) {
                (Ok(events), Some(expected)) => {
                    let names: Vec<(&str, Option<&str>)> = events.iter()
                        .map(|e| (e["webhookEvent"].as_str().unwrap_or(""), e["issue_event_type_name"].as_str()))
                        .collect();
                    prop_assert_eq!(&names, &expected, "{:?}", c);
                    for e in &events {
                        if e["webhookEvent"].as_str().is_some_and(|n| n.starts_with("worklog_")) {
                            prop_assert!(e["worklog"]["id"].is_string());
                            continue;
                        }
                        prop_assert!(e["issue"]["key"].is_string());
                        if e["webhookEvent"].as_str().is_some_and(|n| n.starts_with("comment_")) {
                            prop_assert!(e["comment"]["id"].is_string());
                        }
                        if e["webhookEvent"].as_str().is_some_and(|n| n.starts_with("issue_property_")) {
                            prop_assert!(e["property"]["key"].is_string());
                        }
                    }
                    if expected[0].1.is_some_and(|t| t == "issue_updated" || t == "issue_generic") {
                        let items = events[0]["changelog"]["items"].as_array().cloned().unwrap_or_default();
                        prop_assert!(!items.is_empty());
                        for item in items {
                            prop_assert_ne!(&item["fromString"], &item["toString"]);
                        }
                    }
                }
                (Ok(events), None) => {
                    prop_assert!(events.is_empty(), "{:?} fired {:?}", c, events);
                    prop_assert_eq!(&store.issues, &before.issues);
                }
                (Err(_), None) => prop_assert_eq!(&store, &before, "a refused change changes nothing"),
                (Err(e), Some(_)) => prop_assert!(false, "{:?} was refused: {}", c, e),
            }
        }
    }
}

#[test]
fn bulk_create_keeps_going_past_a_refused_element_and_fires_only_for_those_created() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let good = |s: &str| json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}, "summary": s}});
    let elements = [
        good("A"),
        json!({"fields": {"project": {"key": "NOPE"}}}),
        json!({}),
        good("B"),
    ];
    let (results, events) = store.create_many(site, &actor(), &elements, NOW);
    let keys: Vec<Option<&str>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|i| i.key.as_str()))
        .collect();
    assert_eq!(keys, [Some("ABC-1"), None, None, Some("ABC-2")]);
    let Err(IssueError::Fields(errors)) = &results[1] else {
        panic!("{:?}", results[1]);
    };
    assert_eq!(errors["project"], "Specify a valid project ID or key");
    assert!(matches!(&results[2], Err(IssueError::Fields(e)) if e.contains_key("fields")));
    let fired: Vec<&Value> = events.iter().map(|e| &e["issue"]["key"]).collect();
    assert_eq!(fired, [&json!("ABC-1"), &json!("ABC-2")]);
    assert_eq!(store.issues.len(), 2);
}

#[test]
fn comments_live_on_their_issue_and_deleting_the_issue_cascades_them() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    create(&mut store, &seed, "ABC", "First").unwrap();
    create(&mut store, &seed, "ABC", "Second").unwrap();
    let (c1, events) = store
        .add_comment(site, &actor(), "ABC-1", Some(&adf("one")), NOW + 5)
        .unwrap();
    assert_eq!(c1.id, 10000);
    assert_eq!(events[0]["webhookEvent"], "comment_created");
    assert_eq!(events[0]["comment"]["body"], adf("one"));
    assert_eq!(
        events[0]["comment"]["self"],
        "http://h/rest/api/3/issue/10000/comment/10000"
    );
    assert_eq!(events[1]["webhookEvent"], "jira:issue_updated");
    assert_eq!(events[1]["issue_event_type_name"], "issue_commented");
    assert_eq!(events[1]["comment"]["id"], "10000");
    assert_eq!(store.find("ABC-1").unwrap().updated_ms, NOW + 5);
    // Not ADF, or an ADF document that shows nothing (a new user's review
    // found the empty one accepted): Jira's 400.
    let empty_doc = json!({"type": "doc", "version": 1, "content": []});
    let blank = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph",
        "content": [{"type": "text", "text": "  "}]}]});
    for refused in [json!("plain"), empty_doc, blank] {
        assert_eq!(
            store.add_comment(site, &actor(), "ABC-1", Some(&refused), NOW),
            Err(IssueError::Fields(BTreeMap::from([(
                "comment".to_owned(),
                comments::EMPTY_BODY.to_owned()
            )]))),
            "{refused}"
        );
    }

    assert_eq!(
        store.add_comment(site, &actor(), "ABC-9", Some(&adf("x")), NOW),
        Err(IssueError::NotFound)
    );
    store
        .add_comment(site, &actor(), "ABC-1", Some(&adf("two")), NOW)
        .unwrap();
    store
        .add_comment(site, &actor(), "ABC-2", Some(&adf("other")), NOW)
        .unwrap();
    assert_eq!(store.comments_of("ABC-1").unwrap().len(), 2);
    assert_eq!(
        store.comment("ABC-2", "10000"),
        Err(IssueError::Missing(
            "Can not find a comment for id: 10000.".into()
        )),
        "a comment is found only on its own issue"
    );
    let (c1, events) = store
        .update_comment(site, &actor(), "ABC-1", "10000", Some(&adf("uno")), NOW + 9)
        .unwrap();
    assert_eq!((c1.body, c1.updated_ms), (adf("uno"), NOW + 9));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["webhookEvent"], "comment_updated");
    let events = store.delete_comment(site, "ABC-2", "10002").unwrap();
    assert_eq!(events[0]["webhookEvent"], "comment_deleted");
    assert_eq!(events[0]["issue"]["key"], "ABC-2");
    let (primary, cascade) = store.delete(site, &actor(), "ABC-1").unwrap();
    assert_eq!(primary[0]["webhookEvent"], "jira:issue_deleted");
    let deleted: Vec<&Value> = cascade.iter().map(|e| &e["comment"]["id"]).collect();
    assert_eq!(deleted, [&json!("10000"), &json!("10001")]);
    assert!(cascade.iter().all(|e| e["issue"]["key"] == "ABC-1"));
    assert!(store.comments.is_empty());
}

#[test]
fn each_change_with_a_changelog_is_kept_as_a_history_until_the_issue_goes() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "s").unwrap();
    create(&mut store, &seed, "ABC", "other").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let events = store
        .edit(
            site,
            &actor(),
            "ABC-1",
            &fields(json!({"summary": "t"})),
            NOW + 1,
        )
        .unwrap();
    store
        .transition(site, &actor(), "ABC-1", "21", NOW + 2)
        .unwrap();
    store
        .edit(
            site,
            &actor(),
            "ABC-2",
            &fields(json!({"summary": "u"})),
            NOW + 3,
        )
        .unwrap();
    let histories = store.histories_of("ABC-1").unwrap();
    assert_eq!(histories.len(), 2);
    assert_eq!(
        json!(histories[0].id.to_string()),
        events[0]["changelog"]["id"]
    );
    assert_eq!(json!(histories[0].items), events[0]["changelog"]["items"]);
    assert_eq!(
        (histories[0].created_ms, histories[1].created_ms),
        (NOW + 1, NOW + 2)
    );
    let shown = history::render_history(histories[1], "http://h");
    assert_eq!(shown["items"][0]["fieldId"], "status");
    assert_eq!(shown["created"], "2023-11-14T22:13:20.002+0000");
    let picked = store.histories_by_ids("ABC-1", &[10001, 10002]).unwrap();
    assert_eq!(
        picked.iter().map(|h| h.id).collect::<Vec<_>>(),
        [10001],
        "ABC-2's is left out"
    );
    store.delete(site, &actor(), "ABC-1").unwrap();
    assert_eq!(store.histories.len(), 1, "only ABC-2's history is left");
    assert_eq!(store.histories_of("ABC-1"), Err(IssueError::NotFound));
}

#[test]
fn properties_are_set_read_and_deleted_with_their_events_and_limits() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "s").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let v = json!({"team": "core"});
    let (outcome, events) = store
        .set_property(site, "ABC-1", "support", &v, 15)
        .unwrap();
    assert_eq!(outcome, properties::SetOutcome::Created);
    assert_eq!(events[0]["webhookEvent"], "issue_property_set");
    assert_eq!(events[0]["property"], json!({"key": "support", "value": v}));
    assert_eq!(events[0]["issue"]["key"], "ABC-1");
    let (outcome, _) = store
        .set_property(site, "ABC-1", "support", &json!(2), 1)
        .unwrap();
    assert_eq!(outcome, properties::SetOutcome::Updated);
    assert_eq!(store.property("ABC-1", "support"), Ok(&json!(2)));
    assert_eq!(
        store.property_keys("ABC-1").unwrap(),
        (10000, vec!["support"])
    );
    let limit = properties::MAX_VALUE_CHARS;
    assert!(
        store
            .set_property(site, "ABC-1", "big", &json!(1), limit + 1)
            .is_err()
    );
    assert!(
        store
            .set_property(site, "ABC-1", "big", &json!(1), limit)
            .is_ok()
    );
    assert!(
        store
            .set_property(site, "ABC-1", &"k".repeat(256), &json!(1), 1)
            .is_err()
    );
    assert_eq!(
        store.property("ABC-1", "nope"),
        Err(IssueError::Missing(
            "The property with key 'nope' does not exist.".into()
        ))
    );
    let event = json!({"webhookEvent": "jira:issue_updated", "issue": {"id": "10000"}});
    let seen = store.with_properties(&event).unwrap();
    assert_eq!(
        seen["issue"]["properties"]["support"], 2,
        "webhook JQL sees the properties"
    );
    let events = store.delete_property(site, "ABC-1", "support").unwrap();
    assert_eq!(events[0]["property"], json!({"key": "support"}));
    assert!(store.delete_property(site, "ABC-1", "support").is_err());
    assert_eq!(store.property("ABC-9", "x"), Err(IssueError::NotFound));
    store.delete(site, &actor(), "ABC-1").unwrap();
    assert!(
        store.properties.is_empty(),
        "properties go with their issue"
    );
}

#[test]
fn worklogs_check_time_and_start_and_fire_the_work_logged_changelog() {
    use worklogs::{duration_seconds, duration_text, started_ms};
    assert_eq!(
        duration_seconds("1w 2d 3h 4m"),
        Some(((5 + 2) * 8 * 3600) + 3 * 3600 + 4 * 60)
    );
    assert_eq!(
        duration_seconds("90"),
        Some(90 * 60),
        "a bare number is minutes"
    );
    assert_eq!(duration_seconds("1x"), None);
    assert_eq!(duration_seconds(""), None);
    assert_eq!(duration_text(5400), "1h 30m");
    assert_eq!(duration_text(8 * 3600 + 60), "1d 1m");
    assert_eq!(
        started_ms("2021-01-17T12:34:00.000+0000"),
        Some(1_610_886_840_000)
    );
    assert_eq!(
        started_ms("2021-01-17T13:34:00.000+0100"),
        Some(1_610_886_840_000)
    );
    assert_eq!(started_ms("2021-01-17 12:34"), None);

    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "s").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let started = "2021-01-17T12:34:00.000+0000";
    let refuse = |store: &mut IssueStore, body: Value, field: &str, text: &str| {
        let Err(IssueError::Fields(e)) =
            store.add_worklog(site, &actor(), "ABC-1", &fields(body), NOW)
        else {
            panic!("refused");
        };
        assert_eq!(e[field], text);
    };
    refuse(
        &mut store,
        json!({"started": started}),
        "timeLogged",
        worklogs::NO_TIME,
    );
    refuse(
        &mut store,
        json!({"started": started, "timeSpent": "soon"}),
        "timeLogged",
        worklogs::BAD_DURATION,
    );
    refuse(
        &mut store,
        json!({"timeSpent": "1h"}),
        "started",
        worklogs::BAD_STARTED,
    );
    refuse(
        &mut store,
        json!({"timeSpent": "1h", "started": "yesterday"}),
        "started",
        worklogs::BAD_STARTED,
    );
    assert!(store.worklogs.is_empty());
    let body = fields(json!({"timeSpent": "1h 30m", "started": started, "comment": adf("fixed")}));
    let (w, events) = store
        .add_worklog(site, &actor(), "ABC-1", &body, NOW + 1)
        .unwrap();
    assert_eq!((w.id, w.time_spent_seconds), (10000, 5400));
    let shown = worklogs::render_worklog("http://h", &w);
    assert_eq!(shown["timeSpent"], "1h 30m");
    assert_eq!(shown["started"], started);
    assert_eq!(shown["issueId"], "10000");
    assert_eq!(events[0]["webhookEvent"], "worklog_created");
    assert_eq!(events[1]["issue_event_type_name"], "issue_work_logged");
    let items = &events[1]["changelog"]["items"];
    assert_eq!(
        (&items[0]["field"], &items[0]["to"]),
        (&json!("timespent"), &json!("5400"))
    );
    assert_eq!(
        (&items[1]["field"], &items[1]["to"]),
        (&json!("WorklogId"), &json!("10000"))
    );
    assert_eq!(store.histories_of("ABC-1").unwrap().len(), 1);
    let (w, events) = store
        .update_worklog(
            site,
            &actor(),
            "ABC-1",
            "10000",
            &fields(json!({"timeSpentSeconds": 60})),
            NOW + 2,
        )
        .unwrap();
    assert_eq!((w.time_spent_seconds, w.comment.is_some()), (60, true));
    assert_eq!(events[1]["changelog"]["items"][0]["fromString"], "5400");
    assert_eq!(
        store.worklog("ABC-1", "1"),
        Err(IssueError::Missing(
            "Cannot find worklog with id: 1.".into()
        ))
    );
    let events = store
        .delete_worklog(site, &actor(), "ABC-1", "10000", NOW + 3)
        .unwrap();
    assert_eq!(events[1]["issue_event_type_name"], "issue_worklog_deleted");
    assert_eq!(events[1]["changelog"]["items"][0]["to"], Value::Null);
    assert!(store.worklogs.is_empty());
}

#[test]
fn subtasks_need_a_parent_show_on_it_and_go_with_it_only_when_asked() {
    let seed = Seed::default();
    let mut store = IssueStore::default();
    create(&mut store, &seed, "ABC", "parent").unwrap();
    create(&mut store, &seed, "XYZ", "elsewhere").unwrap();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let sub = |parent: Value| {
        let mut f =
            json!({"project": {"key": "ABC"}, "issuetype": {"name": "Subtask"}, "summary": "sub"});
        if !parent.is_null() {
            f["parent"] = parent;
        }
        fields(f)
    };
    let refused =
        |store: &mut IssueStore, f: Map<String, Value>| match store.create(site, &actor(), &f, NOW)
        {
            Err(IssueError::Fields(e)) => e["parent"].clone(),
            other => panic!("{other:?}"),
        };
    assert_eq!(
        refused(&mut store, sub(Value::Null)),
        subtasks::NEEDS_PARENT
    );
    assert_eq!(
        refused(&mut store, sub(json!({"key": "ABC-9"}))),
        "Could not find issue by id or key."
    );
    assert_eq!(
        refused(&mut store, sub(json!({"key": "XYZ-1"}))),
        subtasks::WRONG_HIERARCHY
    );
    let task_with_parent = fields(
        json!({"project": {"key": "ABC"}, "issuetype": {"name": "Task"},
        "summary": "t", "parent": {"key": "ABC-1"}}),
    );
    assert_eq!(
        refused(&mut store, task_with_parent),
        subtasks::WRONG_HIERARCHY
    );
    let (child, events) = store
        .create(site, &actor(), &sub(json!({"key": "ABC-1"})), NOW)
        .unwrap();
    assert_eq!(child.parent, Some(10000));
    assert_eq!(events[0]["issue"]["fields"]["parent"]["key"], "ABC-1");
    assert_eq!(events[0]["issue"]["fields"]["issuetype"]["subtask"], true);
    assert_eq!(
        refused(&mut store, sub(json!({"id": child.id.to_string()}))),
        subtasks::WRONG_HIERARCHY
    );
    let parent = store.show(site, store.find("ABC-1").unwrap());
    assert_eq!(parent["fields"]["subtasks"][0]["key"], "ABC-2");
    assert_eq!(parent["fields"]["subtasks"][0]["fields"]["summary"], "sub");
    store
        .add_comment(site, &actor(), "ABC-2", Some(&adf("c")), NOW)
        .unwrap();
    assert_eq!(
        store.delete(site, &actor(), "ABC-1"),
        Err(IssueError::Message(subtasks::has_subtasks("ABC-1")))
    );
    let (primary, cascade) = store.delete_with(site, &actor(), "ABC-1", true).unwrap();
    let gone: Vec<&Value> = primary.iter().map(|e| &e["issue"]["key"]).collect();
    assert_eq!(gone, [&json!("ABC-1"), &json!("ABC-2")]);
    assert_eq!(cascade.len(), 1, "the subtask's comment");
    assert_eq!(store.issues.len(), 1, "XYZ-1 stays");
}

/// A new user's review: a 300-character summary and one with a line break
/// were created; Jira refuses both with a 400 on `summary`.
#[test]
fn summaries_jira_refuses_are_refused() {
    assert_eq!(summary_fault(&"x".repeat(255)), None);
    assert_eq!(
        summary_fault(&"x".repeat(256)),
        Some("Summary can't exceed 255 characters.")
    );
    assert_eq!(
        summary_fault("multi\nline"),
        Some("The summary is invalid because it contains newline characters.")
    );
    assert_eq!(summary_fault("one line, ünïcode"), None);
    // Wired into create: the fault is Jira's `errors.summary`.
    let seed = Seed::default();
    let mut store = IssueStore::default();
    let site = Site {
        seed: &seed,
        base: "http://h",
    };
    let two_lines = fields(
        json!({"project": {"key": "ABC"}, "issuetype": {"name": "Task"}, "summary": "a\nb"}),
    );
    let Err(IssueError::Fields(errors)) = store.create(site, &actor(), &two_lines, NOW) else {
        panic!("a summary with a line break is refused");
    };
    assert_eq!(
        errors["summary"],
        "The summary is invalid because it contains newline characters."
    );
}
