//! jr-mock: a fake Jira Cloud.
