//! Tests of the runner's pure parts: selection, discovery, reports, summary, cache.

use std::fs;
use std::path::PathBuf;

use ouroboros_test_runner::cache::Cache;
use ouroboros_test_runner::discovery::{discover, is_test_file, relative_id};
use ouroboros_test_runner::outcome::{ExitCode, Summary, TestResult};
use ouroboros_test_runner::protocol::{Outcome, TestReport};
use ouroboros_test_runner::report::{json_report, junit_xml};
use ouroboros_test_runner::select::Expr;

fn result(id: &str, outcome: Outcome, message: Option<&str>) -> TestResult {
    let (file, rest) = id.split_once("::").unwrap();
    let (suite, name) = rest.split_once("::").unwrap();
    TestResult {
        id: id.to_string(),
        file: file.to_string(),
        suite: suite.to_string(),
        report: TestReport {
            name: name.to_string(),
            outcome,
            duration: 0.25,
            message: message.map(str::to_string),
            longrepr: message.map(|m| format!("{m}\n  details ]]> here <&>")),
            output: None,
        },
    }
}

fn summary_of(results: Vec<TestResult>) -> Summary {
    let mut s = Summary::default();
    for r in results {
        match r.report.outcome {
            Outcome::Passed => s.passed += 1,
            Outcome::Failed => s.failed += 1,
            Outcome::Error => s.errors += 1,
            Outcome::Skipped => s.skipped += 1,
            Outcome::Xfailed => s.xfailed += 1,
            Outcome::Xpassed => s.xpassed += 1,
        }
        s.results.push(r);
    }
    s
}

#[test]
fn keyword_expressions() {
    let e = Expr::parse("user and not slow").unwrap();
    assert!(e.matches_id("tests/test_x.py::TestUser::test_create"));
    assert!(!e.matches_id("tests/test_x.py::TestUser::test_slow_path"));
    assert!(!e.matches_id("tests/test_x.py::TestOrder::test_a"));
    let e = Expr::parse("(a or b) and c").unwrap();
    assert!(e.matches_id("a-c"));
    assert!(!e.matches_id("a-b"));
    let e = Expr::parse("not not x").unwrap();
    assert!(e.matches_id("X"));
}

#[test]
fn tag_expressions_match_whole_tags() {
    let e = Expr::parse("db or api").unwrap();
    assert!(e.matches_tags(&["db".to_string()]));
    assert!(!e.matches_tags(&["dbx".to_string()]));
    assert!(!e.matches_tags(&[]));
}

#[test]
fn bad_expressions_are_usage_errors() {
    for bad in ["", "   ", "a and", "or", "(a", "a)", "and b", "not"] {
        let err = Expr::parse(bad).unwrap_err().to_string();
        assert!(err.contains("expression"), "{bad:?} gave {err:?}");
    }
}

#[test]
fn test_file_names() {
    assert!(is_test_file("test_a.py"));
    assert!(is_test_file("a_test.py"));
    assert!(!is_test_file("testa.pyc"));
    assert!(!is_test_file("helpers.py"));
    assert!(!is_test_file("test_a.txt"));
}

#[test]
fn discovery_skips_hidden_and_tool_folders() {
    let dir = std::env::temp_dir().join(format!("ob-runner-disc-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    for f in [
        "tests/test_a.py",
        "tests/sub/b_test.py",
        "tests/helpers.py",
        ".venv/test_no.py",
        "node_modules/test_no.py",
        "tests/__pycache__/test_no.py",
        "pkg.egg-info/test_no.py",
    ] {
        let p = dir.join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, "").unwrap();
    }
    let found = discover(std::slice::from_ref(&dir)).unwrap();
    let root = dir.canonicalize().unwrap();
    let ids: Vec<String> = found.iter().map(|p| relative_id(p, &root)).collect();
    assert_eq!(ids, vec!["tests/sub/b_test.py", "tests/test_a.py"]);
    // A file named directly is taken whatever its name; duplicates collapse.
    let named = discover(&[dir.join("tests/helpers.py"), dir.join("tests/helpers.py")]).unwrap();
    assert_eq!(named.len(), 1);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn discovery_of_a_missing_path_names_it() {
    let err = discover(&[PathBuf::from("/no/such/place")])
        .unwrap_err()
        .to_string();
    assert_eq!(err, "file or directory not found: /no/such/place");
}

#[test]
fn summary_line_and_exit_codes() {
    let s = summary_of(vec![
        result("t.py::S::a", Outcome::Passed, None),
        result("t.py::S::b", Outcome::Failed, Some("boom")),
        result("t.py::S::c", Outcome::Skipped, Some("later")),
    ]);
    assert_eq!(s.line(), "1 failed, 1 passed, 1 skipped in 0.00s");
    assert_eq!(s.exit_code(), ExitCode::TestsFailed);
    let ok = summary_of(vec![result("t.py::S::a", Outcome::Passed, None)]);
    assert_eq!(ok.exit_code(), ExitCode::Ok);
    let empty = Summary::default();
    assert_eq!(empty.exit_code(), ExitCode::NoTestsCollected);
    assert_eq!(empty.line(), "no tests ran in 0.00s");
    let mut broken = Summary::default();
    broken.collection_errors.push(("t.py".into(), "tb".into()));
    assert_eq!(broken.exit_code(), ExitCode::Interrupted);
    assert_eq!(broken.line(), "1 error in 0.00s");
    let mut stopped = ok.clone();
    stopped.interrupted = true;
    assert_eq!(stopped.exit_code(), ExitCode::Interrupted);
}

#[test]
fn junit_xml_escapes_and_counts() {
    let s = summary_of(vec![
        result("dir/t.py::S::a", Outcome::Passed, None),
        result(
            "dir/t.py::S::b\"<x>",
            Outcome::Failed,
            Some("expected <1> & got \"2\""),
        ),
        result("dir/t.py::S::c", Outcome::Error, Some("setup: boom")),
        result("dir/t.py::S::d", Outcome::Skipped, Some("later")),
    ]);
    let xml = String::from_utf8(junit_xml(&s).unwrap()).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(xml.contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""));
    assert!(xml.contains("classname=\"dir.t.S\""));
    assert!(xml.contains("name=\"b&quot;&lt;x&gt;\""));
    assert!(xml.contains("message=\"expected &lt;1&gt; &amp; got &quot;2&quot;\""));
    // "]]>" inside a CDATA section is split so the document stays well-formed.
    assert!(!xml.contains("details ]]> here"));
    assert!(xml.contains("<skipped message=\"later\"/>"));
}

#[test]
fn json_report_shape() {
    let s = summary_of(vec![result("t.py::S::a", Outcome::Xfailed, Some("bug"))]);
    let v = json_report(&s);
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["summary"]["xfailed"], 1);
    assert_eq!(v["tests"][0]["outcome"], "xfailed");
    assert_eq!(v["tests"][0]["id"], "t.py::S::a");
}

#[test]
fn cache_tracks_failures_and_durations() {
    let dir = std::env::temp_dir().join(format!("ob-runner-cache-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let mut cache = Cache::load(&dir);
    assert!(cache.last_failed.is_empty());
    cache.update(&summary_of(vec![
        result("t.py::S::a", Outcome::Failed, Some("x")),
        result("t.py::S::b", Outcome::Passed, None),
    ]));
    cache.save(&dir);
    let mut again = Cache::load(&dir);
    assert_eq!(
        again.last_failed.iter().collect::<Vec<_>>(),
        vec!["t.py::S::a"]
    );
    assert!((again.durations["t.py::S::b"] - 0.25).abs() < 1e-9);
    again.update(&summary_of(vec![result(
        "t.py::S::a",
        Outcome::Passed,
        None,
    )]));
    assert!(again.last_failed.is_empty());
    assert_eq!(fs::read_to_string(dir.join(".gitignore")).unwrap(), "*\n");
    // A corrupt cache is an empty one, not an error.
    fs::write(dir.join("cache.json"), "{not json").unwrap();
    assert!(Cache::load(&dir).durations.is_empty());
    fs::remove_dir_all(&dir).unwrap();
}
