//! The `jr-mock` binary: a fake Jira Cloud on 127.0.0.1 until Ctrl-C or SIGTERM.
//!
//! Prints `jr-mock listening on http://127.0.0.1:PORT` as the first and
//! only line on stdout; diagnostics go to stderr.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use jr_mock::config::ConfigFile;
use jr_mock::faults::FaultRule;
use jr_mock::model::seed::Seed;
use jr_mock::{FakeJira, Identities, MockConfig, Switches};

const CONFIG_HELP: &str = r#"IDENTITIES (defaults; --config replaces them)
  OAuth 2.0 app oauth-app        bearer token oauth-app-token, client secret oauth-app-secret
  OAuth 2.0 app other-app        bearer token other-app-token, client secret other-app-secret
  Connect app com.example.connect-app
                                 Authorization: JWT <HS256, shared secret connect-app-secret, with qsh>;
                                 webhook URLs under https://connect-app.example.com (or http on loopback)
  User user@example.com          basic auth with API token user-token (the webhook API answers it 403)

AUTHENTICATION (as Jira; --lenient-auth restores the old, looser rules and hides client bugs)
  Every operation needs credentials: 401 with Jira's text and WWW-Authenticate otherwise.
  API tokens (basic) and Connect JWTs work on the site URL; OAuth 2.0 access tokens and scoped
  API tokens only under /ex/jira/{cloudId} with the site's cloud ID (GET /_edge/tenant_info;
  --cloud-id or the config's "cloudId" change it), 401 on the site URL. Another cloud ID: 404.
  On start, after the stdout line, stderr shows the site, its cloud ID and JR_* lines for jr.
  Only Connect apps may read GET /rest/api/3/webhook/failed, as the spec says
  (--oauth-reads-failed lets OAuth 2.0 apps read theirs).

CONFIG FILE (--config) replaces the default identities; every list is optional, and so is
"switches" (each false unless set; a flag on the command line turns one on), and so is
"cloudId" (the site's cloud ID), and so is "fixtures" (a directory of recordings, relative to
the config file; --fixtures wins):
  {
    "oauthApps": [{"clientId": "oauth-app", "clientSecret": "oauth-app-secret",
                   "accessTokens": [{"token": "oauth-app-token", "accountId": "5b10ac8d82e05b22cc7d4ef5"}]}],
    "connectApps": [{"key": "com.example.connect-app", "sharedSecret": "connect-app-secret",
                     "baseUrl": "https://connect-app.example.com",
                     "allowLoopbackUrls": true, "clientKey": "jr-mock-client-key"}],
    "users": [{"email": "user@example.com", "apiToken": "user-token", "accountId": "5b10ac8d82e05b22cc7d4ef5",
               "displayName": "jr-mock user", "scoped": false}],
    "switches": {"duplicateDeliveries": false, "allowSecondUrl": false, "oauthReadsFailed": false,
                 "lenientAuth": false, "degradeFailingUrls": false},
    "cloudId": "a436116f-02ce-4520-8fbb-7301462a1674"
  }
A user with "scoped": true holds a scoped API token: 401 on the site paths, accepted under
/ex/jira/{cloudId}.

JIRA API
  /rest/api/3/webhook, /webhook/failed, /webhook/refresh are modelled (apps, JQL filters, expiry,
  deliveries, failures), and so are issues (STATEFUL OPERATIONS below). Every other operation of the
  Jira Cloud platform v3 spec answers with its
  spec example (conformed to the response schema) or a minimal schema instance; a missing path or
  required query parameter, or one that does not parse, gets 400; a known path with another method
  405 with Allow; anything else a Jira-shaped 404. Paths may carry the /ex/jira/<cloudId> prefix.
  Request bodies are checked against the spec: 415 for a Content-Type the operation does not take,
  400 naming the field for a body that breaks its schema, is not JSON or is missing, and Jira's
  "Operation value must be an Atlassian Document" for plain-text description/environment/comment.
  Paged operations honour startAt/maxResults and page tokens over the example's items and end
  (isLast, total, no token on the last page). GET /rest/api/3/myself answers the caller.
  GET and POST /rest/api/3/search (removed by Atlassian) answer 410 naming /rest/api/3/search/jql.

INSPECTOR: open http://127.0.0.1:PORT/_mock/ui in a browser (the URL is on stderr at start): the apps
  and their webhooks (expiry on the virtual clock), every delivery attempt (headers and body on
  click), the failed deliveries, the request journal and the clock, updated live; buttons advance
  the clock, send any of the 20 events and reset. One page in the binary; it loads nothing else.

STATEFUL OPERATIONS (answered from the model, after the same authentication and body checks):
  POST   /rest/api/3/issue                          createIssue: 201 {"id","key","self"}; 400 "errors"
                                                     naming project, issuetype, summary (Jira's texts)
  POST   /rest/api/3/issue/bulk                     createIssues {"issueUpdates":[{"fields":..}..]}: 201
                                                     {"issues":[..],"errors":[{"status":400,
                                                     "failedElementNumber":N (0-based),"elementErrors"}]};
                                                     400 in that shape when every element failed
  GET    /rest/api/3/issue/{issueIdOrKey}[?fields=]  getIssue: the issue (expand=changelog,names add them);
                                                     404 "Issue does not exist or you do not have
                                                     permission to see it."
  GET    /rest/api/3/issue/{issueIdOrKey}/changelog  getChangeLogs: {"values":[{"id","author","created",
                                                     "items"}..],"startAt","maxResults" (100),"total",
                                                     "isLast","nextPage"?}, oldest first; one per edit or
                                                     transition
  POST   .../changelog/list {"changelogIds":[N..]}  getChangeLogsByIds: {"histories":[..],"total",..}
  GET    /rest/api/3/issue/{issueIdOrKey}/properties getIssuePropertyKeys: {"keys":[{"self","key"}..]}
  GET|PUT|DELETE .../properties/{propertyKey}        getIssueProperty {"key","value"} / setIssueProperty
                                                     (body = the value, at most 32768 characters: 201
                                                     created, 200 replaced) / deleteIssueProperty (204);
                                                     404 "The property with key 'k' does not exist."
  POST   /rest/api/3/issue/{issueIdOrKey}/worklog    addWorklog {"timeSpent":"1h 30m"|"timeSpentSeconds":N,
                                                     "started":"2021-01-17T12:34:00.000+0000","comment"?:
                                                     ADF}: 201 the worklog; 400 errors.timeLogged/started
  GET    /rest/api/3/issue/{issueIdOrKey}/worklog    getIssueWorklog: {"startAt","maxResults" (5000),"total",
                                                     "worklogs"}, oldest first (startedAfter/Before, ms)
  GET|PUT|DELETE .../worklog/{id}                    getWorklog / updateWorklog (200) / deleteWorklog (204);
                                                     404 "Cannot find worklog with id: N."
  PUT    /rest/api/3/issue/{issueIdOrKey}            editIssue {"fields":{...},"update":{...}}: 204 (summary,
                                                     description, labels, assignee, issuetype, environment,
                                                     duedate, priority, customfield_*; "update": labels
                                                     add/remove/set, the others set; a field in both: 400)
  DELETE /rest/api/3/issue/{issueIdOrKey}            deleteIssue: 204 (its comments, worklogs, properties
                                                     go with it); with subtasks: 400 unless
                                                     ?deleteSubtasks=true (each sends jira:issue_deleted)
  PUT    /rest/api/3/issue/{issueIdOrKey}/assignee   assignIssue {"accountId":"..."|"-1" (the lead)|null}:
                                                     204; 400 errors.assignee for an unknown account
  GET    /rest/api/3/label                           getAllLabels: {"values":[labels on issues, sorted],
                                                     "startAt","maxResults" (1000),"total","isLast"}
  POST   /rest/api/3/issue/{issueIdOrKey}/comment    addComment {"body": ADF}: 201 the comment
  GET    /rest/api/3/issue/{issueIdOrKey}/comment    getComments: {"startAt","maxResults" (5000),
                                                     "total","comments"}, oldest first (orderBy=-created)
  GET|PUT|DELETE .../comment/{id}                    getComment / updateComment {"body": ADF} (200) /
                                                     deleteComment (204); 404 "Can not find a comment
                                                     for id: N."
  GET    /rest/api/3/issue/{issueIdOrKey}/transitions  getTransitions: the workflow's, from its status
  POST   /rest/api/3/issue/{issueIdOrKey}/transitions  doTransition {"transition":{"id":"21"},"fields"?,
                                                     "update"?}: 204 (fields set as an edit, one event); 400
                                                     "Transition id '99' is not valid for this issue."
  GET|POST /rest/api/3/search/jql                  searchAndReconsileIssuesUsingJql(Post): jql,
                                                     maxResults (50; cut to 5000), fields (as getIssue;
                                                     without it each issue is only its id, as Jira's),
                                                     nextPageToken (last page: isLast true, no token;
                                                     a token not issued for this jql: 400), expand
                                                     (changelog, names); a jql without a restriction
                                                     ("ORDER BY key") is 400 "Unbounded JQL ..."
  POST   /rest/api/3/search/approximate-count       countIssues {"jql"}: {"count":N} (exact); 400 for bad
                                                     JQL or one without a restriction ("Unbounded JQL
                                                     queries are not allowed here. ...")
  Search JQL: project, issuetype, status, assignee, reporter, labels, key/issueKey with =, !=, IN,
  NOT IN, IS [NOT] EMPTY; summary ~ "text" and !~ (case-insensitive substring); text ~ "text"
  (summary, description or comments); created/updated with =, !=, >, >=, <, <=, IN, NOT IN and
  "2026-12-01", "2026-12-01 10:00" (UTC) or a period from the virtual clock (-7d, -1w, -4h, -30m,
  "-1w 2d"), or now(), startOfDay([-1]), endOfDay([+1d]) (UTC days); assignee/reporter =
  currentUser() (the caller), IN membersOf("group") (the seed users' "groups");
  AND, OR, NOT, parentheses; ORDER BY created|updated|key [ASC|DESC] (default: issue ID ascending). Anything
  else: 400 with Jira's message ("Field 'x' does not exist or you do not have permission to
  view it.", "The operator '<' is not supported by the 'project' field.", "Error in the JQL ...").
  Each change fires its webhook event through the same delivery engine as POST /_mock/events
  (signatures, retries, failure records): jira:issue_created, jira:issue_updated (changelog.items
  per changed field; issue_generic for a transition), jira:issue_deleted, with "user" = the caller;
  comment_created (and jira:issue_updated issue_commented with the comment), comment_updated,
  comment_deleted, each with "comment" and "issue"; issue_property_set and issue_property_deleted
  with "property" {"key","value"} and "issue" (a webhook's issue.property[k] JQL sees the stored
  properties); a worklog's add, update or delete sends jira:issue_updated (issue_work_logged,
  issue_worklog_updated, issue_worklog_deleted; changelog timespent and WorklogId), as worklog_*
  events cannot be registered by a dynamic webhook. Deleting an issue sends one comment_deleted
  per comment with X-Atlassian-Webhook-Flow: Secondary.
  The answer returns first; GET /_mock/settle waits until the deliveries are done. Issues are
  saved with --state and cleared by POST /_mock/reset, and so are comments.

SEED (--seed FILE replaces the default: user 5b10ac8d82e05b22cc7d4ef5 "jr-mock user"; projects
ABC (id 10000) and XYZ (10001), issue types Task 10001, Bug 10002, Story 10003, statuses To Do 1,
In Progress 3, Done 10000 with global transitions 11, 21, 31 to each; Subtask 10004 is a subtask
type: its issues need "parent": {"key"} of another type in the same project):
  {"users": [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "jr-mock user",
              "emailAddress": "user@example.com"}],
   "projects": [{"key": "ABC", "id": "10000", "name": "Alpha", "lead": "5b10ac8d82e05b22cc7d4ef5",
                 "issueTypes": [{"id": "10001", "name": "Task"},
                                {"id": "10004", "name": "Subtask", "subtask": true}],
                 "workflow": {"statuses": [{"id": "1", "name": "To Do", "category": "new"},
                                           {"id": "10000", "name": "Done", "category": "done"}],
                              "transitions": [{"id": "31", "name": "Done", "to": "Done"}]}}]}
  A project may list "members": [account IDs and app keys]: only they see it (others get the
  issue 404, search leaves its issues out, creating there is 400 "Specify a valid project ID or
  key"); without it (the default seed) everyone does. A user may list "groups": [...] (JQL
  membersOf(), comment visibility); a project "roles": {"Developers": [account IDs, app keys]}
  (default: Administrators and Developers hold the default user). A comment with "visibility":
  {"type":"group"|"role","value"} is listed and found only for those in it; its author must be
  (400 errors.commentLevel "You are currently not a member of the group: x."). An OAuth token issued by the fake needs write:jira-work (or
  write:*:jira) for writes and read:jira-work (or read:*:jira) for reads, else 401
  {"code":401,"message":"Unauthorized; scope does not match"}; --config tokens pass.
  The first status is a new issue's; a transition without "from": [names] is global (from every
  status but its target). Keys are upper-case letters and digits; IDs are numbers in strings;
  categories are new, indeterminate, done; leads are users. A bad seed is refused at start,
  naming the value (projects[0].lead: no user has the account ID "x").
  --seed-from DIR builds the seed, and the starting issues, from recorded GET answers (FIXTURES):
  users from getUser, getCurrentUser, user searches, leads, reporters and assignees (the default
  user is always kept); projects from getProject, searchProjects, getAllProjects and each issue's
  project; issues (key, id, summary, description, labels, status, type, reporter, assignee,
  created, updated, custom fields) from getIssue and the search/jql answers with fields; each
  project's statuses from its issues and recorded getTransitions targets, its transitions the
  recorded ones (global) plus one to each status they miss. Without a recorded status a project
  keeps the simplified workflow; without a recorded project the default projects stay. The later
  recording of the same thing wins; POST /_mock/reset clears the seeded issues too.

CONTROL API (times in ms since the UNIX epoch; the clock only moves when told):
  GET    /_mock/health                              -> {"status":"ok"}
  GET    /_mock/clock                               -> {"nowMs":T}
  POST   /_mock/clock {"advanceMs":N} | {"nowMs":T} -> {"nowMs":T}, after running due retries
  POST   /_mock/events {"webhookEvent":...,"issue":{...}} -> {"timestamp":T,"deliveries":[...]}
  GET    /_mock/settle                              -> {"nowMs":T}, once the deliveries the Jira
                                                     operations queued are done (the clock stays)
  GET    /_mock/deliveries[?after=N&limit=M]        -> {"deliveries":[...],"nextAfter"?:N} (streamed)
  GET    /_mock/failed                              -> {"failed":[{"id","body","url","failureTime","app"}]}
                                                     (every app's failed deliveries, oldest first)
  GET    /_mock/requests[?after=SEQ&limit=M]        -> {"requests":[{"seq","timeMs","method","path","query",
                                                     "headers","body","status","source","fixture"?}],
                                                     "dropped":N,"nextAfter"?} (every request outside
                                                     /_mock, credentials redacted, about 4 MB kept, oldest
                                                     dropped first; -v logs them). source: "fixture"
                                                     (with the recording's file name under DIR), "model",
                                                     "catalog" or "control" (a fault rule, a refusal of
                                                     the front door, authentication before a recording)
  POST   /_mock/reset                               -> {"nowMs":T} (the clock is kept; running
                                                     delivery chains are abandoned, never waited for)
  GET    /_mock/state                               -> {"nowMs":T,"cloudId","apps":[{"app","kind","webhooks":[{"id",
                                                     "url","events","jqlFilter","expiresAtMs","expired",...}]}],
                                                     "deliveries":{"logged":N,"pending":P},"failedKept":F,
                                                     "requests":{"lastSeq":S},"switches":{...}}
  GET    /_mock/ui                                  -> the inspector (HTML)
  GET    /_mock/ui/events                           -> text/event-stream: "event: change" on every change,
                                                     a ": heartbeat" comment at least every 10 s
  POST   /_mock/ui/send {"event":NAME,"issue"?:"ABC-1","project"?:"ABC"}
                                                  -> as POST /_mock/events, with jr webhook trigger's payload
  GET    /_mock/switches                            -> {"duplicateDeliveries":B,"allowSecondUrl":B,
                                                        "oauthReadsFailed":B,"lenientAuth":B,
                                                        "degradeFailingUrls":B}
  POST   /_mock/switches {"duplicateDeliveries":B}  -> every switch after the change (any subset
                                                     of the switches may be given)
  GET    /_mock/faults                              -> {"rules":[...]} (active, with remaining times)
  POST   /_mock/faults {"rules":[rule, ...]}        -> {"rules":[...]} (appended)
  DELETE /_mock/faults                              -> {"rules":[]}
The clock never goes backwards: a negative advanceMs or an earlier nowMs is a 400. POST clock
and events answer once every delivery attempt they caused is recorded (GET clock answers the
target time meanwhile); a webhook receiver may call the fake back meanwhile. Each delivery's
attempts run in order, different deliveries concurrently (20 attempts in flight at most), so a
clock move costs about the longest chain; each attempt is signed and stamped at its own due time.

OAUTH 2.0 (3LO), so a client's login runs offline (client ID = an OAuth app's clientId):
  GET  /authorize?client_id&redirect_uri&state&scope&response_type=code -> 302 to redirect_uri?code&state
  POST /oauth/token {grant_type: authorization_code|refresh_token, client_id, client_secret, ...}
       -> {"access_token","expires_in","token_type","scope","refresh_token"?}; refresh tokens
       rotate, a reused one gets 403 {"error":"invalid_grant"}; refresh_token only with offline_access
  GET  /oauth/token/accessible-resources (Bearer) -> [{"id": cloudId, "name", "url", "scopes"}]
  GET  /_edge/tenant_info -> {"cloudId": "a436116f-02ce-4520-8fbb-7301462a1674"}
  Issued access tokens expire on the virtual clock (--token-lifetime-ms) and work like the
  static ones, on the site paths and under /ex/jira/{cloudId}.

FAULTS (--faults FILE holds {"rules":[...]}; the control API adds and clears them)
  A rule: {"path": "/rest/api/3/webhook" | "/rest/*", "method": "GET" (optional),
           "times": N (optional; forever when absent), "kind": ..., ...}. The first matching rule
  applies; /_mock is never faulted. Kinds:
    {"kind": "latency", "ms": N}                      the normal answer, N ms late
    {"kind": "rateLimit", "retryAfter": 1 | "<HTTP date>", "limit": 100, "reason": "jira-burst-based"}
                                                      429, Retry-After, X-RateLimit-Limit/-Remaining/-Reset/
                                                      -NearLimit, RateLimit-Reason, Jira's JSON body
    {"kind": "unavailable", "retryAfter": 2}          503 (Retry-After when given)
    {"kind": "html", "status": 500}                   Jira's HTML error page
    {"kind": "truncated"}                             200 whose body stops half-way; connection closed
    {"kind": "closeConnection"}                       connection closed without a response
  Deliveries: --duplicate-deliveries (or POST /_mock/switches) sends each attempt twice;
  --degrade-failing-urls: once a URL has failed for 30 virtual minutes without a success, each
  delivery to it gets a single attempt (Jira's degradation; deliveries to one URL then run in order).

STATE (--state FILE)
  Webhooks, failed deliveries, the clock and the issue model (issues, comments, worklogs,
  properties, changelogs, ID counters) are loaded from FILE at start when it exists and saved
  atomically after every change, so a restarted jr-mock carries on where it stopped.

LIMITS (against runaway and hostile clients)
  A request body over --max-body-size (default 25MB) is refused without being kept: 400 with an
  ErrorCollection on /rest/api/3/webhook*, 413 elsewhere; a body shorter than its Content-Length,
  CONNECT and a target that is not a path (OPTIONS *) get 400. A connection is closed when a
  request head takes longer than --header-timeout-ms (default 10000) from its first byte, or when
  no request is in progress for --idle-timeout-ms (default 60000; a response being computed, such
  as a clock move waiting for deliveries, is never idle). The request journal keeps about 4 MB and
  the attempt log the last 10,000 attempts (16 MiB at most); POST /_mock/reset empties both.

FIXTURES (--fixtures DIR: answer from what `jr --record DIR` recorded; format jr-recording/1,
docs/recording.schema.json)
  Every *.json file in DIR and its subdirectories (names starting with "." skipped) must be a
  recording, else jr-mock refuses to start, naming the file and the problem (exit 1). A request
  matches a recording with the same method, the same path (a gateway recording, base.cloudId
  set, under /ex/jira/<any cloud ID>; a site recording on the site path only) and every query
  pair the recording had ("<redacted>" matches any value; other parameters are ignored).
  Matching recordings answer in recorded order (time, then file name), the last repeating;
  POST /_mock/reset starts over. They answer after authentication (paths under /rest/: 401
  without valid credentials) and the fault rules, before the modelled operations and the
  catalog; /_mock is never answered from a recording. The answer is the recorded status,
  headers (Content-Length, Transfer-Encoding, Connection and Content-Encoding recomputed) and
  body, with every URL under the recorded base moved to jr-mock's: a site recording's to
  http://127.0.0.1:PORT, a gateway recording's to http://127.0.0.1:PORT/ex/jira/<the request's
  cloud ID> (Location and Link headers too); every other byte as recorded.
  At start each recorded body is checked against the spec's response schema for its
  operationId and status; each deviation is a warning on stderr with the file and the JSON
  pointer. --check-fixtures DIR checks without serving: every .json file a recording, every
  deviation on the known list (expirationDate as a string, webhook list entries without url),
  else exit 1.
    jr --record rec/ issue get --issueIdOrKey ABC-1   # against your site
    jr-mock --fixtures rec/                            # then the same command, with jr-mock's
                                                       # JR_* lines, gets the recorded answer
    jr-mock --seed-from rec/                           # or: start from the site's state

USING IT FROM ANOTHER LANGUAGE
  Start `jr-mock --port 0`, read the first stdout line (`jr-mock listening on http://127.0.0.1:PORT`),
  call the Jira paths and /_mock under that URL, and kill the process when done."#;

/// A fake Jira Cloud: dynamic webhooks, apps, deliveries, a virtual clock.
#[derive(Debug, Parser)]
#[command(name = "jr-mock", version, about, after_long_help = CONFIG_HELP)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// JSON file replacing the default identities, with optional switches (see --help).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// JSON file replacing the default users and projects (see SEED in --help).
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Fixed delay between delivery attempts in virtual ms (default: random 5-15 min).
    #[arg(long, value_name = "N")]
    retry_delay_ms: Option<u64>,
    /// Webhooks per app (Connect) or per app per user (OAuth); default 100 / 5.
    #[arg(long, value_name = "N")]
    webhook_limit: Option<usize>,
    /// Timeout of each delivery attempt in ms.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    delivery_timeout_ms: u64,
    /// Also deliver to hosts other than loopback (by default such attempts
    /// fail without being sent, so nothing leaves the machine).
    #[arg(long)]
    external_deliveries: bool,
    /// Start of the virtual clock in ms since the UNIX epoch (default: now).
    #[arg(long, value_name = "T")]
    start_ms: Option<i64>,
    /// Seed of the random source behind delivery IDs, random retry delays
    /// and issued OAuth codes and tokens, so a run repeats exactly
    /// (default: drawn at start).
    #[arg(long, value_name = "N")]
    random_seed: Option<u64>,
    /// Lifetime of access tokens issued by /oauth/token, in virtual ms (default: 3600000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    token_lifetime_ms: Option<i64>,
    /// Keep webhooks, failed deliveries and the clock in FILE: loaded at
    /// start if it exists, saved atomically after every change.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    // --duplicate-deliveries, --allow-second-url, --oauth-reads-failed,
    // --lenient-auth: one type with the config file's "switches" and
    // /_mock/switches.
    #[command(flatten)]
    switches: Switches,
    /// No effect: OAuth apps get 403 on /webhook/failed by default now
    /// (--oauth-reads-failed lets them read it). Kept so old scripts run.
    #[arg(long, hide = true)]
    failed_connect_only: bool,
    /// The site's cloud ID (default: a436116f-02ce-4520-8fbb-7301462a1674,
    /// or the config file's "cloudId").
    #[arg(long, value_name = "ID")]
    cloud_id: Option<String>,
    /// Print one line per request and per delivery attempt on stderr.
    #[arg(short = 'v', long = "log", alias = "verbose")]
    log: bool,
    /// JSON file of fault rules active from the start, {"rules": [...]} (see FAULTS below).
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Largest request body accepted: bytes, or with a unit (KB, MB, GB,
    /// KiB, MiB, GiB). A larger one is refused unread: 400 with an
    /// ErrorCollection on /rest/api/3/webhook*, 413 elsewhere.
    #[arg(long, value_name = "SIZE", default_value = "25MB", value_parser = parse_body_size)]
    max_body_size: usize,
    /// Time a client has, from a request's first byte, to send its whole
    /// head (request line and headers); the connection is closed after.
    #[arg(long, value_name = "MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_ms: u64,
    /// Time a connection may stay open with no request in progress (a
    /// response being computed or streamed is never idle), and the most a
    /// request body may take to arrive.
    #[arg(long, value_name = "MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_ms: u64,
    /// Answer requests that match a recording in DIR (written by
    /// `jr --record DIR`) with the recorded answer (see FIXTURES in --help).
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Check the recordings in DIR instead of serving: each `.json` file a
    /// recording, each answer's drift from the spec on the known list
    /// (exit 1 otherwise; see FIXTURES in --help).
    #[arg(long, value_name = "DIR", conflicts_with = "fixtures")]
    check_fixtures: Option<PathBuf>,
    /// Start from the users, projects and issues of the recorded GET
    /// answers in DIR instead of the default seed (see SEED in --help).
    #[arg(long, value_name = "DIR", conflicts_with = "seed")]
    seed_from: Option<PathBuf>,
}

/// `--max-body-size`: jr's size syntax (`jr_core::http::parse_size`).
fn parse_body_size(text: &str) -> Result<usize, String> {
    jr_core::http::parse_size(text)
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("expected bytes such as 25000000, 25MB or 24MiB, not {text:?}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(dir) = &args.check_fixtures {
        return check_fixtures(dir);
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jr-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let config = config(&args)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| format!("cannot bind 127.0.0.1:{}: {e}", args.port))?;
    let fake = FakeJira::serve(config, listener)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "jr-mock listening on {}", fake.base_url());
    let _ = out.flush();
    drop(out);
    for line in client_hints(&fake) {
        eprintln!("jr-mock: {line}");
    }
    for line in fake.fixture_warnings() {
        eprintln!("jr-mock: warning: drift from the spec: {line}");
    }
    shutdown_signal().await;
    eprintln!("jr-mock: shutting down");
    Ok(())
}

/// `--check-fixtures DIR`: the report on stdout, exit 1 when it fails.
fn check_fixtures(dir: &std::path::Path) -> ExitCode {
    let report = match jr_mock::fixtures::check::check_dir(dir) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("jr-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    for problem in &report.invalid {
        let _ = writeln!(out, "not a recording: {problem}");
    }
    for deviation in &report.deviations {
        let kind = match deviation.known {
            Some(_) => "known drift",
            None => "drift",
        };
        let _ = writeln!(out, "{kind}: {deviation}");
    }
    let unknown = report
        .deviations
        .iter()
        .filter(|d| d.known.is_none())
        .count();
    let verdict = match report.failed() {
        true => "FAILED",
        false => "ok",
    };
    let _ = writeln!(
        out,
        "{verdict}: {} files in {}, {} not recordings, {} deviations from the spec ({unknown} not on the known list)",
        report.files,
        dir.display(),
        report.invalid.len(),
        report.deviations.len(),
    );
    match report.failed() {
        true => ExitCode::FAILURE,
        false => ExitCode::SUCCESS,
    }
}

fn config(args: &Args) -> Result<MockConfig, String> {
    let file = match &args.config {
        Some(path) => read_config_file(path)?,
        None => ConfigFile {
            identities: Identities::default(),
            switches: Switches::default(),
            cloud_id: None,
            fixtures: None,
        },
    };
    // The flag wins; the file's directory is relative to the file.
    let fixtures = match (&args.fixtures, &file.fixtures, &args.config) {
        (Some(dir), _, _) => Some(dir.clone()),
        (None, Some(dir), Some(path)) => Some(
            path.parent()
                .map_or_else(|| dir.clone(), |parent| parent.join(dir)),
        ),
        (None, dir, _) => dir.clone(),
    };
    let cloud_id = match (&args.cloud_id, file.cloud_id) {
        (Some(id), _) if !jr_mock::config::valid_cloud_id(id) => {
            return Err(format!(
                "--cloud-id {id:?}: expected letters, digits and '-'"
            ));
        }
        (Some(id), _) => id.clone(),
        (None, Some(id)) => id,
        (None, None) => jr_mock::model::DEFAULT_CLOUD_ID.to_owned(),
    };
    let mut switches = file.switches;
    switches
        .apply(&args.switches.turned_on())
        .map_err(|e| e.to_string())?;
    Ok(MockConfig {
        retry_delay_ms: args.retry_delay_ms,
        switches,
        webhook_limit: args.webhook_limit,
        delivery_timeout: Duration::from_millis(args.delivery_timeout_ms),
        external_deliveries: args.external_deliveries,
        start_ms: args.start_ms,
        seed: args.random_seed,
        token_lifetime_ms: args.token_lifetime_ms,
        identities: file.identities,
        site: match &args.seed {
            Some(path) => read_seed(path)?,
            None => Seed::default(),
        },
        state_file: args.state.clone(),
        faults: match &args.faults {
            Some(path) => read_faults(path)?,
            None => Vec::new(),
        },
        cloud_id,
        log: args.log,
        max_body_size: args.max_body_size,
        header_timeout: Duration::from_millis(args.header_timeout_ms),
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
        fixtures,
        seed_from: args.seed_from.clone(),
    })
}

/// The lines a client needs to reach the fake, printed on stderr once the
/// URL is on stdout: the site, its cloud ID, and `jr`'s environment for the
/// first user (API token, site URL) and the first OAuth 2.0 token (through
/// the gateway prefix, where such tokens are accepted).
fn client_hints(fake: &FakeJira) -> Vec<String> {
    let base = fake.base_url();
    let model = fake.snapshot();
    let cloud_id = &model.cloud_id;
    let mut lines = vec![
        format!(
            "site {base}, cloud ID {cloud_id} (OAuth 2.0 and scoped tokens: {base}/ex/jira/{cloud_id})"
        ),
        format!(
            "inspector {base}/_mock/ui (webhooks, deliveries, failures, requests and the clock, live)"
        ),
    ];
    if let Some(user) = model.identities.users.first() {
        let place = if user.scoped {
            format!("JR_BASE_URL={base} JR_API_GATEWAY_URL={base} JR_CLOUD_ID={cloud_id}")
        } else {
            format!("JR_BASE_URL={base}")
        };
        lines.push(format!(
            "API token: {place} JR_AUTH_TYPE=basic JR_AUTH_USER={} JR_AUTH_TOKEN={}",
            user.email, user.api_token
        ));
    }
    let token = model
        .identities
        .oauth_apps
        .iter()
        .find_map(|a| a.access_tokens.first());
    if let Some(token) = token {
        lines.push(format!(
            "OAuth 2.0: JR_BASE_URL={base} JR_API_GATEWAY_URL={base} JR_CLOUD_ID={cloud_id} JR_AUTH_TYPE=bearer JR_AUTH_TOKEN={}",
            token.token
        ));
    }
    lines
}

fn read_faults(path: &PathBuf) -> Result<Vec<FaultRule>, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        rules: Vec<FaultRule>,
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| format!("invalid fault rules {}: {e}", path.display()))?;
    for rule in &file.rules {
        rule.check()
            .map_err(|e| format!("invalid fault rules {}: {e}", path.display()))?;
    }
    Ok(file.rules)
}

fn read_seed(path: &PathBuf) -> Result<Seed, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read seed {}: {e}", path.display()))?;
    Seed::parse(&text).map_err(|e| format!("invalid seed {}: {e}", path.display()))
}

fn read_config_file(path: &PathBuf) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    ConfigFile::parse(&text).map_err(|e| format!("invalid config {}: {e}", path.display()))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
