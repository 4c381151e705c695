//! The JSON lines spoken between the coordinator and a worker.
//!
//! Coordinator -> worker, one object per line:
//! - `{"op": "collect", "file": PATH}`
//! - `{"op": "run", "file": PATH, "suite": NAME, "tests": [NAME, ...], "timeout": SECONDS}`
//! - `{"op": "exit"}`
//!
//! Worker -> coordinator: `ready` once, then for `collect` one `collected`,
//! for `run` a `start` and a `result` per test and a `done` at the end.

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request<'a> {
    Collect {
        file: &'a str,
    },
    Run {
        file: &'a str,
        suite: &'a str,
        tests: Vec<&'a str>,
        timeout: f64,
    },
    Exit,
}

/// One collected test, as the worker describes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TestInfo {
    /// The suite class name.
    pub suite: String,
    /// The test's name within the suite, with parameter ids (`test_x[1-a]`).
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Its own timeout in seconds, if it sets one.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Line of the test's definition.
    #[serde(default)]
    pub line: u32,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "ev", rename_all = "lowercase")]
pub enum Event {
    Ready {
        pid: u32,
    },
    Collected {
        file: String,
        #[serde(default)]
        tests: Vec<TestInfo>,
        /// A traceback when the file could not be imported.
        #[serde(default)]
        error: Option<String>,
    },
    Start {
        name: String,
    },
    Result(TestReport),
    Done,
}

/// What became of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    /// The test could not be set up or torn down (fixture or setup errors).
    Error,
    Skipped,
    Xfailed,
    Xpassed,
}

impl Outcome {
    #[must_use]
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Error)
    }

    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
            Outcome::Xfailed => "xfailed",
            Outcome::Xpassed => "xpassed",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TestReport {
    pub name: String,
    pub outcome: Outcome,
    /// Seconds spent in the test, setup and teardown included.
    #[serde(default)]
    pub duration: f64,
    /// One line: the failure's message or the skip reason.
    #[serde(default)]
    pub message: Option<String>,
    /// The full failure text (expression, values, diff, traceback).
    #[serde(default)]
    pub longrepr: Option<String>,
    /// Captured stdout and stderr of the test.
    #[serde(default)]
    pub output: Option<String>,
}
