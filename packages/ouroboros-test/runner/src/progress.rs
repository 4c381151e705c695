//! What the user sees while the run goes on, and the final sections.
//!
//! Live (a terminal): one status line rewritten at most ten times a second,
//! with each failure printed above it as it happens. Plain (CI logs, pipes): a
//! line per finished unit with a character per test, as pytest prints.
//! Verbose: a line per test. The end is the same for all: failures with their
//! full text, a short summary, and the counts line.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::config::Display;
use crate::outcome::{Summary, TestResult};
use crate::protocol::Outcome;

const REFRESH: Duration = Duration::from_millis(100);

pub struct Progress {
    out: Box<dyn Write + Send>,
    display: Display,
    color: bool,
    width: usize,
    total: usize,
    done: usize,
    failed: usize,
    /// Characters of the unit in progress per worker (plain display).
    pending: Vec<(String, String)>,
    last_draw: Option<Instant>,
    started: Instant,
    status_shown: bool,
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(80)
}

impl Progress {
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>, display: Display, color: bool) -> Self {
        Progress {
            out,
            display,
            color,
            width: terminal_width(),
            total: 0,
            done: 0,
            failed: 0,
            pending: Vec::new(),
            last_draw: None,
            started: Instant::now(),
            status_shown: false,
        }
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn rule(&self, title: &str, fill: char) -> String {
        let title = if title.is_empty() {
            String::new()
        } else {
            format!(" {title} ")
        };
        let n = self.width.saturating_sub(title.chars().count());
        let left = n / 2;
        let right = n - left;
        format!(
            "{}{}{}",
            fill.to_string().repeat(left),
            title,
            fill.to_string().repeat(right)
        )
    }

    /// Say what will run: the header and the collected count.
    pub fn start(&mut self, rootdir: &str, workers: usize, collected: usize, deselected: usize) {
        self.total = collected.saturating_sub(deselected);
        let rule = self.rule("test session starts", '=');
        let workers = if workers == 1 {
            "1 worker".to_string()
        } else {
            format!("{workers} workers")
        };
        let mut line = format!("collected {collected} items");
        if deselected > 0 {
            let _ = std::fmt::Write::write_fmt(
                &mut line,
                format_args!(" / {deselected} deselected / {} selected", self.total),
            );
        }
        let _ = writeln!(self.out, "{rule}\nrootdir: {rootdir}, {workers}\n{line}\n");
        let _ = self.out.flush();
    }

    fn clear_status(&mut self) {
        if self.status_shown {
            let _ = write!(self.out, "\r\x1b[2K");
            self.status_shown = false;
        }
    }

    fn mark(outcome: Outcome) -> char {
        match outcome {
            Outcome::Passed => '.',
            Outcome::Failed => 'F',
            Outcome::Error => 'E',
            Outcome::Skipped => 's',
            Outcome::Xfailed => 'x',
            Outcome::Xpassed => 'X',
        }
    }

    fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(100)
    }

    /// One test finished on worker `worker`.
    pub fn result(&mut self, worker: usize, unit: &str, result: &TestResult) {
        self.done += 1;
        let outcome = result.report.outcome;
        if outcome.is_failure() {
            self.failed += 1;
        }
        match self.display {
            Display::Verbose => {
                let word = outcome.word().to_uppercase();
                let word = match outcome {
                    Outcome::Passed | Outcome::Xfailed => self.paint(&word, "32"),
                    Outcome::Failed | Outcome::Error => self.paint(&word, "31"),
                    _ => self.paint(&word, "33"),
                };
                let pct = self.percent();
                let _ = writeln!(
                    self.out,
                    "{} {word} ({:.3}s) [{pct:>3}%]",
                    result.id, result.report.duration
                );
            }
            Display::Plain => {
                if self.pending.len() <= worker {
                    self.pending
                        .resize(worker + 1, (String::new(), String::new()));
                }
                let slot = &mut self.pending[worker];
                if slot.0 != unit {
                    *slot = (unit.to_string(), String::new());
                }
                slot.1.push(Self::mark(outcome));
            }
            Display::Live => {
                if outcome.is_failure() {
                    self.clear_status();
                    let word = self.paint(&outcome.word().to_uppercase(), "31");
                    let _ = writeln!(self.out, "{word} {}", result.id);
                }
                self.draw_status(false);
            }
            Display::Quiet => {}
        }
    }

    /// A unit of work finished on `worker` (plain display prints its line).
    pub fn unit_done(&mut self, worker: usize) {
        if self.display != Display::Plain {
            return;
        }
        if let Some(slot) = self.pending.get_mut(worker) {
            if !slot.1.is_empty() {
                let (unit, marks) = std::mem::take(slot);
                let pct = self.percent();
                let _ = writeln!(self.out, "{unit} {marks} [{pct:>3}%]");
            }
        }
    }

    /// Redraw the live line, at most every 100 ms unless `force`.
    pub fn draw_status(&mut self, force: bool) {
        if self.display != Display::Live {
            return;
        }
        let now = Instant::now();
        if !force
            && self
                .last_draw
                .is_some_and(|t| now.duration_since(t) < REFRESH)
        {
            return;
        }
        self.last_draw = Some(now);
        let passed = self.done - self.failed;
        let failed = if self.failed > 0 {
            self.paint(&format!("{} failed", self.failed), "31")
        } else {
            "0 failed".to_string()
        };
        let line = format!(
            "[{:>3}%] {}/{} · {} ok · {failed} · {:.1}s",
            self.percent(),
            self.done,
            self.total,
            passed,
            self.started.elapsed().as_secs_f64()
        );
        let _ = write!(self.out, "\r\x1b[2K{line}");
        let _ = self.out.flush();
        self.status_shown = true;
    }

    /// A message that must be seen now (a worker crash, an interruption).
    pub fn note(&mut self, text: &str) {
        self.clear_status();
        let _ = writeln!(self.out, "{text}");
    }

    /// The end: failures, short summary, counts line.
    pub fn finish(&mut self, summary: &Summary, show_output: bool) {
        if self.display == Display::Live && self.done > 0 {
            // Leave the final count on screen.
            self.draw_status(true);
            let _ = writeln!(self.out);
            self.status_shown = false;
        }
        for worker in 0..self.pending.len() {
            self.unit_done(worker);
        }
        if !summary.collection_errors.is_empty() {
            let _ = writeln!(self.out, "\n{}", self.rule("ERRORS", '='));
            for (file, tb) in &summary.collection_errors {
                let _ = writeln!(
                    self.out,
                    "{}",
                    self.rule(&format!("ERROR collecting {file}"), '_')
                );
                let _ = writeln!(self.out, "{}", tb.trim_end());
            }
        }
        let failures: Vec<&TestResult> = summary
            .results
            .iter()
            .filter(|r| r.report.outcome.is_failure())
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(self.out, "\n{}", self.rule("FAILURES", '='));
            for r in &failures {
                let _ = writeln!(self.out, "{}", self.rule(&r.id, '_'));
                let text = r
                    .report
                    .longrepr
                    .as_deref()
                    .or(r.report.message.as_deref())
                    .unwrap_or("");
                let _ = writeln!(self.out, "{}", text.trim_end());
                if let Some(out) = r.report.output.as_deref().filter(|o| !o.is_empty()) {
                    let _ = writeln!(self.out, "{}", self.rule("captured output", '-'));
                    let _ = writeln!(self.out, "{}", out.trim_end());
                }
            }
        }
        if show_output {
            for r in summary
                .results
                .iter()
                .filter(|r| !r.report.outcome.is_failure())
            {
                if let Some(out) = r.report.output.as_deref().filter(|o| !o.is_empty()) {
                    let _ = writeln!(
                        self.out,
                        "{}",
                        self.rule(&format!("output of {}", r.id), '-')
                    );
                    let _ = writeln!(self.out, "{}", out.trim_end());
                }
            }
        }
        if !failures.is_empty() || !summary.collection_errors.is_empty() {
            let _ = writeln!(self.out, "{}", self.rule("short test summary info", '='));
            for (file, _) in &summary.collection_errors {
                let _ = writeln!(self.out, "ERROR {file}");
            }
            for r in &failures {
                let word = if r.report.outcome == Outcome::Error {
                    "ERROR"
                } else {
                    "FAILED"
                };
                let message = r
                    .report
                    .message
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("");
                if message.is_empty() {
                    let _ = writeln!(self.out, "{word} {}", r.id);
                } else {
                    let _ = writeln!(self.out, "{word} {} - {message}", r.id);
                }
            }
        }
        if summary.interrupted {
            let _ = writeln!(self.out, "{}", self.rule("interrupted", '!'));
        }
        let line = self.rule(&summary.line(), '=');
        let code = if summary.failed + summary.errors + summary.collection_errors.len() > 0
            || summary.interrupted
        {
            "31"
        } else if summary.results.is_empty() {
            "33"
        } else {
            "32"
        };
        let line = self.paint(&line, code);
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    /// `--collect-only`: the ids, one per line.
    pub fn list(&mut self, ids: &[String]) {
        for id in ids {
            let _ = writeln!(self.out, "{id}");
        }
        let _ = writeln!(self.out, "\n{} tests collected", ids.len());
        let _ = self.out.flush();
    }
}
