//! What one run of the runner is asked to do.

use std::path::PathBuf;

/// How results are shown while the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// One line rewritten in place (a terminal).
    Live,
    /// A line per finished file, dots per test (CI logs, pipes).
    Plain,
    /// A line per test.
    Verbose,
    /// Only the failures and the summary.
    Quiet,
}

/// Flags are plain bools: each maps to one command-line switch.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub struct Config {
    /// Files or folders to search for tests.
    pub paths: Vec<PathBuf>,
    /// The folder ids are relative to, and where the cache lives.
    pub rootdir: PathBuf,
    /// Worker processes to start (at least 1).
    pub workers: usize,
    /// The worker command: interpreter and its arguments.
    pub worker_command: Vec<String>,
    /// `-k`: an expression over test ids (substrings, and/or/not).
    pub keyword: Option<String>,
    /// `--tag`: an expression over tags.
    pub tags: Option<String>,
    /// Run only the tests that failed last time (all when none did).
    pub last_failed: bool,
    /// Stop after this many failures (0: never).
    pub max_fail: usize,
    /// Seconds a test may run when it sets no timeout of its own (0: none).
    pub default_timeout: f64,
    pub display: Display,
    pub junit_xml: Option<PathBuf>,
    pub json_report: Option<PathBuf>,
    /// Where `--last-failed` and durations are kept (None: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Only collect and list the test ids.
    pub collect_only: bool,
    /// Show captured output of passing tests too.
    pub show_output: bool,
    /// Use colours in the terminal.
    pub color: bool,
}

impl Config {
    /// A config with the defaults the CLI starts from.
    #[must_use]
    pub fn new(paths: Vec<PathBuf>, rootdir: PathBuf, worker_command: Vec<String>) -> Self {
        Config {
            paths,
            rootdir,
            workers: 1,
            worker_command,
            keyword: None,
            tags: None,
            last_failed: false,
            max_fail: 0,
            default_timeout: 0.0,
            display: Display::Plain,
            junit_xml: None,
            json_report: None,
            cache_dir: None,
            collect_only: false,
            show_output: false,
            color: false,
        }
    }
}
