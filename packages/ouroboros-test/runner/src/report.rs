//! JUnit XML and JSON reports of a finished run.

use std::io::Write;
use std::path::Path;

use quick_xml::events::{BytesCData, BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde_json::json;

use crate::outcome::Summary;
use crate::protocol::Outcome;
use crate::{Error, Result};

/// JUnit XML as CI systems read it: one `testsuite`, a `testcase` per test
/// with `classname` (file and suite) and `time`, and `failure`, `error` or
/// `skipped` children.
pub fn junit_xml(summary: &Summary) -> Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let xml = |e: std::io::Error| Error::io("writing JUnit XML", e);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
        .map_err(xml)?;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "ouroboros.test"));
    w.write_event(Event::Start(suites)).map_err(xml)?;
    let mut suite = BytesStart::new("testsuite");
    let tests = summary.results.len() + summary.collection_errors.len();
    let errors = summary.errors + summary.collection_errors.len();
    suite.push_attribute(("name", "ouroboros.test"));
    suite.push_attribute(("tests", tests.to_string().as_str()));
    suite.push_attribute(("failures", summary.failed.to_string().as_str()));
    suite.push_attribute(("errors", errors.to_string().as_str()));
    suite.push_attribute((
        "skipped",
        (summary.skipped + summary.xfailed).to_string().as_str(),
    ));
    suite.push_attribute(("time", format!("{:.3}", summary.seconds).as_str()));
    w.write_event(Event::Start(suite)).map_err(xml)?;
    for (file, traceback) in &summary.collection_errors {
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("classname", file.as_str()));
        case.push_attribute(("name", file.as_str()));
        case.push_attribute(("time", "0.000"));
        w.write_event(Event::Start(case)).map_err(xml)?;
        child(&mut w, "error", "collection failure", Some(traceback)).map_err(xml)?;
        w.write_event(Event::End(BytesEnd::new("testcase")))
            .map_err(xml)?;
    }
    for result in &summary.results {
        let r = &result.report;
        let mut case = BytesStart::new("testcase");
        let classname = format!(
            "{}.{}",
            result.file.trim_end_matches(".py").replace('/', "."),
            result.suite
        );
        case.push_attribute(("classname", classname.as_str()));
        case.push_attribute(("name", r.name.as_str()));
        case.push_attribute(("file", result.file.as_str()));
        case.push_attribute(("time", format!("{:.3}", r.duration).as_str()));
        w.write_event(Event::Start(case)).map_err(xml)?;
        let message = r.message.as_deref().unwrap_or("");
        match r.outcome {
            Outcome::Failed => {
                child(&mut w, "failure", message, r.longrepr.as_deref()).map_err(xml)?;
            }
            Outcome::Error => {
                child(&mut w, "error", message, r.longrepr.as_deref()).map_err(xml)?;
            }
            Outcome::Skipped | Outcome::Xfailed => {
                child(&mut w, "skipped", message, None).map_err(xml)?;
            }
            Outcome::Passed | Outcome::Xpassed => {}
        }
        if let Some(output) = r.output.as_deref().filter(|o| !o.is_empty()) {
            w.write_event(Event::Start(BytesStart::new("system-out")))
                .map_err(xml)?;
            w.write_event(Event::Text(BytesText::new(output)))
                .map_err(xml)?;
            w.write_event(Event::End(BytesEnd::new("system-out")))
                .map_err(xml)?;
        }
        w.write_event(Event::End(BytesEnd::new("testcase")))
            .map_err(xml)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
        .map_err(xml)?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))
        .map_err(xml)?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

fn child(
    w: &mut Writer<Vec<u8>>,
    tag: &str,
    message: &str,
    body: Option<&str>,
) -> std::io::Result<()> {
    let mut start = BytesStart::new(tag);
    start.push_attribute(("message", message));
    match body {
        Some(text) => {
            w.write_event(Event::Start(start))?;
            // CDATA cannot hold "]]>": split it across two sections.
            for (i, piece) in text.split("]]>").enumerate() {
                let piece = if i == 0 {
                    piece.to_string()
                } else {
                    format!(">{piece}")
                };
                w.write_event(Event::CData(BytesCData::new(piece)))?;
            }
            w.write_event(Event::End(BytesEnd::new(tag)))?;
        }
        None => {
            w.write_event(Event::Empty(start))?;
        }
    }
    Ok(())
}

/// A JSON report: the summary counts, then every test with its outcome.
#[must_use]
pub fn json_report(summary: &Summary) -> serde_json::Value {
    let tests: Vec<_> = summary
        .results
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "file": r.file,
                "suite": r.suite,
                "name": r.report.name,
                "outcome": r.report.outcome,
                "duration": r.report.duration,
                "message": r.report.message,
                "longrepr": r.report.longrepr,
            })
        })
        .collect();
    let collection_errors: Vec<_> = summary
        .collection_errors
        .iter()
        .map(|(file, tb)| json!({"file": file, "traceback": tb}))
        .collect();
    json!({
        "exit_code": summary.exit_code() as i32,
        "duration": summary.seconds,
        "summary": {
            "collected": summary.collected,
            "deselected": summary.deselected,
            "passed": summary.passed,
            "failed": summary.failed,
            "errors": summary.errors,
            "skipped": summary.skipped,
            "xfailed": summary.xfailed,
            "xpassed": summary.xpassed,
        },
        "collection_errors": collection_errors,
        "tests": tests,
    })
}

/// Write `bytes` to `path`, creating its folder.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    let mut f = std::fs::File::create(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    f.write_all(bytes)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}
