//! Every generated command, run once with generated valid arguments against
//! a wiremock catch-all that records requests: each must reach the right
//! method and path with the right query (and header parameters).
//!
//! The arguments are each operation's runnable example (its required flags
//! and body, as `--help` shows it) plus every optional query parameter with
//! a sample value, so every flag type is exercised. Nothing is paged
//! (`--no-paginate`): the catch-all answers `{}`.

use crate::support::jr_at;
use jr_core::ops::{self, Location, Operation, ParamType};
use jr_core::request::encode_component;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The arguments after `jr <group> <command>`, and the (name, value) query
/// pairs they should produce, in order.
fn arguments(op: &Operation) -> (Vec<String>, Vec<(String, String)>) {
    let mut args = ops::example::args(op);
    for param in op
        .params()
        .iter()
        .filter(|p| !p.required && p.location == Location::Query)
    {
        if param.ty == ParamType::Boolean {
            args.push(format!("--{}", param.name()));
        } else {
            args.extend([format!("--{}", param.name()), ops::example::sample(param)]);
        }
    }
    let mut query = Vec::new();
    for param in op.params().iter().filter(|p| p.location == Location::Query) {
        let value = if param.ty == ParamType::Boolean {
            "true".to_owned()
        } else {
            ops::example::sample(param)
        };
        let values: Vec<String> = match param.ty {
            ParamType::Array(_) if param.explode => value.split(',').map(str::to_owned).collect(),
            _ => vec![value],
        };
        query.extend(values.into_iter().map(|v| (param.name().to_owned(), v)));
    }
    (args, query)
}

fn expected_path(op: &Operation) -> String {
    let mut path = op.path().to_owned();
    for param in op.params().iter().filter(|p| p.location == Location::Path) {
        let value = ops::example::sample(param);
        path = path.replace(&format!("{{{}}}", param.name()), &encode_component(&value));
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_reaches_its_method_path_and_query() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(ops::example::UPLOAD_FILE), "attached").expect("upload file");
    std::fs::write(
        dir.path().join(ops::example::BINARY_FILE),
        [0x89, b'P', b'N', b'G'],
    )
    .expect("binary file");

    let mut failures = Vec::new();
    let mut seen = 0;
    for op in ops::OPERATIONS {
        let (args, query) = arguments(op);
        let output = jr_at(&server.uri())
            .env("JR_AUTH_TYPE", "bearer")
            .env("JR_AUTH_TOKEN", "token")
            .current_dir(dir.path())
            .args([op.group(), op.command()])
            .args(&args)
            .arg("--no-paginate")
            .output()
            .expect("jr runs");
        let requests = server.received_requests().await.expect("recording is on");
        let new = &requests[seen..];
        seen = requests.len();
        let id = op.operation_id();
        let [request] = new else {
            failures.push(format!(
                "{id}: {} requests, exit {:?}: {}",
                new.len(),
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
            continue;
        };
        let got_query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let header_ok = op
            .params()
            .iter()
            .filter(|p| p.location == Location::Header && p.required)
            .all(|p| request.headers.get(p.name()).is_some());
        if request.method.as_str() != op.method.as_str()
            || request.url.path() != expected_path(op)
            || got_query != query
            || !header_ok
        {
            failures.push(format!(
                "{id}: got {} {}?{:?}, want {} {}?{query:?}",
                request.method,
                request.url.path(),
                got_query,
                op.method.as_str(),
                expected_path(op)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        ops::OPERATIONS.len(),
        failures.join("\n")
    );
    assert_eq!(seen, ops::OPERATIONS.len());
}
