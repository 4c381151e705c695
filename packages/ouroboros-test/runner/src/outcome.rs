//! Results of a run and the summary line.

use crate::protocol::{Outcome, TestReport};

/// Exit codes, as pytest's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    TestsFailed = 1,
    Interrupted = 2,
    InternalError = 3,
    UsageError = 4,
    NoTestsCollected = 5,
}

/// One finished test with where it came from.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// `path/to/test_x.py::Suite::test_name`
    pub id: String,
    pub file: String,
    pub suite: String,
    pub report: TestReport,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    pub xfailed: usize,
    pub xpassed: usize,
    /// Files that could not be imported, with their traceback.
    pub collection_errors: Vec<(String, String)>,
    pub collected: usize,
    /// Ids listed by `--collect-only`.
    pub listed: usize,
    pub deselected: usize,
    pub seconds: f64,
    pub interrupted: bool,
    pub results: Vec<TestResult>,
    /// Set when the run itself went wrong (a worker that would not start).
    pub internal_error: Option<String>,
}

impl Summary {
    pub(crate) fn record(&mut self, result: TestResult) {
        match result.report.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Xfailed => self.xfailed += 1,
            Outcome::Xpassed => self.xpassed += 1,
        }
        self.results.push(result);
    }

    #[must_use]
    pub fn exit_code(&self) -> ExitCode {
        if self.internal_error.is_some() {
            ExitCode::InternalError
        } else if self.interrupted || !self.collection_errors.is_empty() {
            ExitCode::Interrupted
        } else if self.failed + self.errors > 0 {
            ExitCode::TestsFailed
        } else if self.results.is_empty() && self.listed == 0 {
            ExitCode::NoTestsCollected
        } else {
            ExitCode::Ok
        }
    }

    /// `3 failed, 997 passed, 2 skipped in 1.23s`, as pytest words it.
    #[must_use]
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        let counts = [
            (self.failed, "failed"),
            (self.passed, "passed"),
            (self.skipped, "skipped"),
            (self.deselected, "deselected"),
            (self.xfailed, "xfailed"),
            (self.xpassed, "xpassed"),
        ];
        for (n, word) in counts {
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        let errors = self.errors + self.collection_errors.len();
        if errors > 0 {
            parts.push(format!(
                "{errors} error{}",
                if errors == 1 { "" } else { "s" }
            ));
        }
        if parts.is_empty() {
            parts.push("no tests ran".to_string());
        }
        format!("{} in {:.2}s", parts.join(", "), self.seconds)
    }
}
