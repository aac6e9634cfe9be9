//! Routing by method and path template, as Jira's REST layer does: the path
//! picks the candidate templates, a literal segment beats a `{parameter}`
//! (`/issue/createmeta` over `/issue/{issueIdOrKey}`), and a known path with
//! an unknown method is a 405, not a 404.
//!
//! Paths may carry the OAuth gateway prefix `/ex/jira/<cloudId>` and a
//! trailing slash. Segments are compared undecoded; a parameter matches any
//! segment, even an empty one (the responder then reports it missing).

use std::collections::HashMap;

use super::Operation;

/// One segment of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    /// Must equal the request's segment. Sorts before `Param`, so the most
    /// specific template comes first.
    Literal(&'static str),
    /// `{name}`: any segment.
    Param(&'static str),
}

struct Template {
    segments: Vec<Segment>,
    op: &'static Operation,
}

/// The outcome of routing one request.
#[derive(Debug)]
pub enum Route<'r> {
    /// The operation, and its path parameters' raw (still encoded) values by name.
    Found(&'static Operation, Vec<(&'static str, &'r str)>),
    /// The path is known, the method is not; the methods it has, sorted.
    WrongMethod(Vec<&'static str>),
    /// No template matches the path.
    NotFound,
}

/// Templates indexed by segment count, most specific first.
pub struct Router {
    by_len: HashMap<usize, Vec<Template>>,
}

impl Router {
    /// Indexes `operations` (built once, at mount).
    pub fn new(operations: &'static [Operation]) -> Self {
        let mut by_len: HashMap<usize, Vec<Template>> = HashMap::new();
        for op in operations {
            let segments: Vec<Segment> = op.path[1..].split('/').map(segment).collect();
            by_len
                .entry(segments.len())
                .or_default()
                .push(Template { segments, op });
        }
        for templates in by_len.values_mut() {
            templates.sort_by(|a, b| a.segments.cmp(&b.segments));
        }
        Self { by_len }
    }

    /// Routes `method` (upper case) on `path` (the request's, undecoded).
    pub fn route<'r>(&self, method: &str, path: &'r str) -> Route<'r> {
        let parts: Vec<&str> = strip_gateway(path)
            .strip_prefix('/')
            .map(|p| p.strip_suffix('/').unwrap_or(p))
            .unwrap_or("")
            .split('/')
            .collect();
        let Some(templates) = self.by_len.get(&parts.len()) else {
            return Route::NotFound;
        };
        let mut allowed = Vec::new();
        for t in templates.iter().filter(|t| matches(&t.segments, &parts)) {
            if t.op.method == method {
                return Route::Found(t.op, params(&t.segments, &parts));
            }
            allowed.push(t.op.method);
        }
        if allowed.is_empty() {
            return Route::NotFound;
        }
        allowed.sort_unstable();
        allowed.dedup();
        Route::WrongMethod(allowed)
    }
}

fn segment(s: &'static str) -> Segment {
    match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(name) => Segment::Param(name),
        None => Segment::Literal(s),
    }
}

/// `path` without a leading `/ex/jira/<cloudId>`.
fn strip_gateway(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/ex/jira/") else {
        return path;
    };
    rest.find('/').map_or(path, |i| &rest[i..])
}

fn matches(template: &[Segment], parts: &[&str]) -> bool {
    template.iter().zip(parts).all(|(seg, part)| match seg {
        Segment::Literal(lit) => lit == part,
        Segment::Param(_) => true,
    })
}

fn params<'r>(template: &[Segment], parts: &[&'r str]) -> Vec<(&'static str, &'r str)> {
    template
        .iter()
        .zip(parts)
        .filter_map(|(seg, part)| match seg {
            Segment::Param(name) => Some((*name, *part)),
            Segment::Literal(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::OPERATIONS;
    use super::*;

    fn found(method: &str, path: &str) -> (&'static str, Vec<(&'static str, String)>) {
        match Router::new(OPERATIONS).route(method, path) {
            Route::Found(op, values) => (
                op.operation_id,
                values.into_iter().map(|(k, v)| (k, v.to_owned())).collect(),
            ),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn a_literal_segment_beats_a_parameter() {
        assert_eq!(
            found("GET", "/rest/api/3/issue/createmeta").0,
            "getCreateIssueMeta"
        );
        let (id, values) = found("GET", "/rest/api/3/issue/ABC-1");
        assert_eq!(
            (id, values),
            ("getIssue", vec![("issueIdOrKey", "ABC-1".to_owned())])
        );
    }

    #[test]
    fn the_gateway_prefix_and_a_trailing_slash_route_the_same() {
        assert_eq!(
            found("GET", "/ex/jira/cloud-1/rest/api/3/serverInfo/").0,
            "getServerInfo"
        );
    }

    #[test]
    fn a_known_path_with_another_method_lists_the_allowed_ones() {
        let route = Router::new(OPERATIONS).route("PATCH", "/rest/api/3/issue/ABC-1");
        match route {
            Route::WrongMethod(allow) => assert_eq!(allow, ["DELETE", "GET", "PUT"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_path_is_not_found() {
        let router = Router::new(OPERATIONS);
        assert!(matches!(
            router.route("GET", "/rest/api/3/nothing-here"),
            Route::NotFound
        ));
        assert!(matches!(router.route("GET", "/"), Route::NotFound));
        assert!(matches!(router.route("GET", ""), Route::NotFound));
    }
}
