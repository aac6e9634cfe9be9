//! End-to-end tests: the real `jr` binary against a real jr-mock.
