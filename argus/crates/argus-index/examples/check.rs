//! Index a folder and print timings: `cargo run --profile ci --example check -- ROOT [SEARCH_PATH...]`.

use std::path::PathBuf;
use std::time::Instant;

use argus_index::{check_project, Project};

fn main() {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(root) = args.next() else {
        eprintln!("usage: check ROOT [SEARCH_PATH...]");
        std::process::exit(2);
    };
    let search: Vec<PathBuf> = args.collect();
    let t = Instant::now();
    let project = Project::index(vec![root], search);
    let (files, deps) = project.counts();
    eprintln!(
        "indexed {files} files + {deps} dependencies in {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let diags = check_project(&project);
    eprintln!("{} diagnostics in {:?}", diags.len(), t.elapsed());
    let mut by_code = std::collections::BTreeMap::new();
    for d in &diags {
        *by_code.entry(d.code).or_insert(0) += 1;
    }
    eprintln!("{by_code:?}");
    let show: usize = std::env::var("ARGUS_SHOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for d in diags
        .iter()
        .step_by((diags.len() / show.max(1)).max(1))
        .take(show)
    {
        eprintln!(
            "{}:{}:{} {} {}",
            d.path.display(),
            d.line,
            d.column,
            d.code,
            d.message
        );
    }
}
