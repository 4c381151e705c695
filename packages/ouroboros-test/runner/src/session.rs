//! One run: collect in parallel, select, schedule, watch, report.
//!
//! Scheduling: work is cut into units (one suite of one file, or a slice of a
//! suite whose recorded duration is a large share of the whole run), sorted
//! longest first by the durations of the previous run, and handed out one at a
//! time to whichever worker is idle, preferring a worker that has already
//! imported the unit's file. Longest-first with on-demand hand-out keeps both
//! cores busy to the end on suites of uneven length.
//!
//! Failure handling: a test that overruns its timeout (plus a second of grace
//! for the worker's own timeout to fire) gets its worker killed and replaced;
//! a worker that dies mid-unit has the test it was running reported as failed
//! with its exit status and the end of its stderr, and the rest of the unit is
//! handed out again. A worker that dies before starting any test of its unit
//! fails the unit's tests instead, so a crash at import cannot loop forever.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::config::Config;
use crate::discovery::{discover, relative_id};
use crate::outcome::{Summary, TestResult};
use crate::progress::Progress;
use crate::protocol::{Event, Outcome, Request, TestInfo, TestReport};
use crate::report;
use crate::select::Expr;
use crate::worker::{Message, Worker};
use crate::{Error, Result};

/// Events in flight between the reader threads and the coordinator.
const CHANNEL_BOUND: usize = 4096;
/// Default cost of a test never timed before, in seconds.
const UNKNOWN_COST: f64 = 0.000_5;
/// Grace after a test's own timeout before its worker is killed.
const KILL_GRACE: f64 = 1.0;
const TICK: Duration = Duration::from_millis(50);

#[derive(Debug, Clone)]
struct Planned {
    id: String,
    name: String,
    timeout: Option<f64>,
}

#[derive(Debug, Clone)]
struct Unit {
    file: String,
    rel: String,
    suite: String,
    tests: Vec<Planned>,
    cost: f64,
}

impl Unit {
    fn label(&self) -> String {
        format!("{}::{}", self.rel, self.suite)
    }
}

enum State {
    Idle,
    Collecting(String),
    Running {
        unit: Unit,
        /// Tests of the unit reported so far.
        reported: usize,
        /// The test running now and since when.
        current: Option<(usize, Instant)>,
    },
}

struct Slot {
    worker: Worker,
    state: State,
    imported: HashSet<String>,
    garbage: VecDeque<String>,
}

struct Pool<'a> {
    config: &'a Config,
    sender: SyncSender<Message>,
    receiver: Receiver<Message>,
    slots: Vec<Slot>,
    /// Worker id -> slot index (ids are never reused, so a dead worker's late
    /// messages are recognised and dropped).
    by_id: HashMap<usize, usize>,
    next_id: usize,
}

impl<'a> Pool<'a> {
    fn new(config: &'a Config, size: usize) -> Result<Self> {
        let (sender, receiver) = sync_channel(CHANNEL_BOUND);
        let mut pool = Pool {
            config,
            sender,
            receiver,
            slots: Vec::with_capacity(size),
            by_id: HashMap::new(),
            next_id: 0,
        };
        for _ in 0..size {
            let worker = pool.spawn()?;
            pool.by_id.insert(worker.id, pool.slots.len());
            pool.slots.push(Slot {
                worker,
                state: State::Idle,
                imported: HashSet::new(),
                garbage: VecDeque::new(),
            });
        }
        Ok(pool)
    }

    fn spawn(&mut self) -> Result<Worker> {
        let id = self.next_id;
        self.next_id += 1;
        Worker::spawn(
            id,
            &self.config.worker_command,
            &self.config.rootdir,
            self.sender.clone(),
        )
    }

    /// Replace the worker of `slot` with a fresh one.
    fn replace(&mut self, slot: usize) -> Result<()> {
        let old = self.slots[slot].worker.id;
        self.slots[slot].worker.kill();
        self.by_id.remove(&old);
        let worker = self.spawn()?;
        self.by_id.insert(worker.id, slot);
        let s = &mut self.slots[slot];
        s.worker = worker;
        s.state = State::Idle;
        s.imported.clear();
        s.garbage.clear();
        Ok(())
    }

    fn crash_text(&mut self, slot: usize) -> String {
        let s = &mut self.slots[slot];
        // stdout closed; give the process and the stderr reader a moment to finish.
        let mut status = None;
        for _ in 0..50 {
            status = s.worker.exit_status();
            if status.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let status = status.unwrap_or_else(|| "still running".into());
        let mut text = format!("worker process ended unexpectedly ({status})");
        let tail = s.worker.stderr_tail();
        let tail = tail.trim_end();
        if !tail.is_empty() {
            text.push_str("\n--- worker stderr (end) ---\n");
            text.push_str(tail);
        }
        if !s.garbage.is_empty() {
            text.push_str("\n--- worker output (end) ---\n");
            for line in &s.garbage {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    fn shutdown(&mut self) {
        for s in &mut self.slots {
            s.worker.shutdown();
        }
    }

    fn kill_all(&mut self) {
        for s in &mut self.slots {
            s.worker.kill();
        }
    }
}

impl Drop for Pool<'_> {
    fn drop(&mut self) {
        self.kill_all();
    }
}

struct Collected {
    file: String,
    rel: String,
    tests: Vec<TestInfo>,
}

#[allow(clippy::too_many_lines)]
/// Run a session. The returned summary carries everything a caller reports;
/// `interrupted` is polled about every 50 ms (the caller's Ctrl-C check).
pub fn run(
    config: &Config,
    out: Box<dyn Write + Send>,
    interrupted: &dyn Fn() -> bool,
) -> Result<Summary> {
    let started = Instant::now();
    let keyword = config.keyword.as_deref().map(Expr::parse).transpose()?;
    let tags = config.tags.as_deref().map(Expr::parse).transpose()?;
    if config.workers == 0 {
        return Err(Error::Usage(
            "the number of workers must be at least 1".into(),
        ));
    }
    let files = discover(&config.paths)?;
    let rootdir = config
        .rootdir
        .canonicalize()
        .unwrap_or_else(|_| config.rootdir.clone());
    let mut progress = Progress::new(out, config.display, config.color);
    let mut summary = Summary::default();
    let mut cache = config
        .cache_dir
        .as_deref()
        .map(Cache::load)
        .unwrap_or_default();

    let workers = config.workers.min(files.len()).max(1);
    let mut pool = Pool::new(config, workers)?;

    // 1. Collection, file by file, on whichever worker is idle.
    let collected = match collect(&mut pool, &files, &rootdir, &mut summary, interrupted) {
        Ok(c) => c,
        Err(e) => {
            pool.kill_all();
            return Err(e);
        }
    };

    // 2. Selection.
    let mut units = Vec::new();
    let mut ids = Vec::new();
    let mut collected_count = 0;
    let last_failed: Option<&std::collections::BTreeSet<String>> =
        (config.last_failed && !cache.last_failed.is_empty()).then_some(&cache.last_failed);
    for file in &collected {
        collected_count += file.tests.len();
        let mut current: Option<Unit> = None;
        for t in &file.tests {
            let id = format!("{}::{}::{}", file.rel, t.suite, t.name);
            let keep = keyword.as_ref().is_none_or(|k| k.matches_id(&id))
                && tags.as_ref().is_none_or(|e| e.matches_tags(&t.tags))
                && last_failed.is_none_or(|lf| lf.contains(&id));
            if !keep {
                summary.deselected += 1;
                continue;
            }
            ids.push(id.clone());
            let cost = cache.durations.get(&id).copied().unwrap_or(UNKNOWN_COST);
            let planned = Planned {
                id,
                name: t.name.clone(),
                timeout: t.timeout,
            };
            match current.as_mut() {
                Some(u) if u.suite == t.suite => {
                    u.tests.push(planned);
                    u.cost += cost;
                }
                _ => {
                    units.extend(current.take());
                    current = Some(Unit {
                        file: file.file.clone(),
                        rel: file.rel.clone(),
                        suite: t.suite.clone(),
                        tests: vec![planned],
                        cost,
                    });
                }
            }
        }
        units.extend(current);
    }
    summary.collected = collected_count;

    let rootdir_text = rootdir.display().to_string();
    if config.collect_only {
        pool.shutdown();
        progress.list(&ids);
        summary.listed = ids.len();
        summary.seconds = started.elapsed().as_secs_f64();
        return Ok(summary);
    }
    progress.start(&rootdir_text, workers, collected_count, summary.deselected);

    // pytest does not run anything when a file failed to import.
    if summary.collection_errors.is_empty() && !summary.interrupted {
        let queue = plan(units, workers);
        execute(
            &mut pool,
            queue,
            config,
            &mut summary,
            &mut progress,
            interrupted,
        )?;
    } else {
        pool.kill_all();
    }
    pool.shutdown();
    summary.seconds = started.elapsed().as_secs_f64();
    progress.finish(&summary, config.show_output);

    if let Some(path) = &config.junit_xml {
        report::write_file(path, &report::junit_xml(&summary)?)?;
    }
    if let Some(path) = &config.json_report {
        let bytes = serde_json::to_vec_pretty(&report::json_report(&summary))
            .expect("JSON values serialize");
        report::write_file(path, &bytes)?;
    }
    if let Some(dir) = &config.cache_dir {
        cache.update(&summary);
        cache.save(dir);
    }
    Ok(summary)
}

fn collect(
    pool: &mut Pool<'_>,
    files: &[PathBuf],
    rootdir: &std::path::Path,
    summary: &mut Summary,
    interrupted: &dyn Fn() -> bool,
) -> Result<Vec<Collected>> {
    let mut queue: VecDeque<usize> = (0..files.len()).collect();
    let mut results: Vec<Option<Collected>> = (0..files.len()).map(|_| None).collect();
    let texts: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let index: HashMap<&str, usize> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut outstanding = 0usize;
    loop {
        for slot in 0..pool.slots.len() {
            if matches!(pool.slots[slot].state, State::Idle) {
                if let Some(i) = queue.pop_front() {
                    let file = texts[i].clone();
                    pool.slots[slot]
                        .worker
                        .send(&Request::Collect { file: &file });
                    pool.slots[slot].state = State::Collecting(file);
                    outstanding += 1;
                }
            }
        }
        if outstanding == 0 {
            break;
        }
        if interrupted() {
            summary.interrupted = true;
            break;
        }
        let msg = match pool.receiver.recv_timeout(TICK) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Error::Protocol("event channel closed".into()))
            }
        };
        match msg {
            Message::Event(id, Event::Collected { file, tests, error }) => {
                let Some(&slot) = pool.by_id.get(&id) else {
                    continue;
                };
                pool.slots[slot].state = State::Idle;
                pool.slots[slot].imported.insert(file.clone());
                outstanding -= 1;
                let Some(&i) = index.get(file.as_str()) else {
                    return Err(Error::Protocol(format!(
                        "worker collected a file it was not given: {file}"
                    )));
                };
                let rel = relative_id(&files[i], rootdir);
                if let Some(tb) = error {
                    summary.collection_errors.push((rel, tb));
                } else {
                    results[i] = Some(Collected { file, rel, tests });
                }
            }
            Message::Event(_, Event::Ready { .. }) => {}
            Message::Event(id, other) => {
                return Err(Error::Protocol(format!(
                    "unexpected event from worker {id} while collecting: {other:?}"
                )));
            }
            Message::Garbage(id, line) => remember_garbage(pool, id, line),
            Message::Closed(id) => {
                let Some(&slot) = pool.by_id.get(&id) else {
                    continue;
                };
                let text = pool.crash_text(slot);
                let State::Collecting(file) =
                    std::mem::replace(&mut pool.slots[slot].state, State::Idle)
                else {
                    return Err(Error::Protocol(format!(
                        "a worker exited before it was given work:\n{text}"
                    )));
                };
                outstanding -= 1;
                let i = index[file.as_str()];
                summary
                    .collection_errors
                    .push((relative_id(&files[i], rootdir), text));
                pool.replace(slot)?;
            }
        }
    }
    Ok(results.into_iter().flatten().collect())
}

fn remember_garbage(pool: &mut Pool<'_>, id: usize, line: String) {
    if let Some(&slot) = pool.by_id.get(&id) {
        let g = &mut pool.slots[slot].garbage;
        g.push_back(line);
        if g.len() > 20 {
            g.pop_front();
        }
    }
}

/// Cut suites that hold a large share of the run into slices, then order the
/// work longest first.
fn plan(units: Vec<Unit>, workers: usize) -> VecDeque<Unit> {
    let total: f64 = units.iter().map(|u| u.cost).sum();
    #[allow(clippy::cast_precision_loss)]
    let target = total / (workers as f64 * 4.0);
    let mut out = Vec::with_capacity(units.len());
    for unit in units {
        if workers > 1 && unit.cost > target && unit.tests.len() > 1 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let pieces = ((unit.cost / target).ceil() as usize).clamp(2, unit.tests.len());
            let per = unit.tests.len().div_ceil(pieces);
            #[allow(clippy::cast_precision_loss)]
            let share = unit.cost / unit.tests.len() as f64;
            for chunk in unit.tests.chunks(per) {
                #[allow(clippy::cast_precision_loss)]
                out.push(Unit {
                    file: unit.file.clone(),
                    rel: unit.rel.clone(),
                    suite: unit.suite.clone(),
                    tests: chunk.to_vec(),
                    cost: share * chunk.len() as f64,
                });
            }
        } else {
            out.push(unit);
        }
    }
    out.sort_by(|a, b| b.cost.total_cmp(&a.cost));
    out.into()
}

/// The unit to give a worker: among the longest few, one whose file the
/// worker has imported; otherwise the longest.
fn pick(queue: &mut VecDeque<Unit>, imported: &HashSet<String>) -> Option<Unit> {
    let window = queue.len().min(8);
    let i = (0..window)
        .find(|&i| imported.contains(&queue[i].file))
        .unwrap_or(0);
    queue.remove(i)
}

#[allow(clippy::too_many_lines)]
fn execute(
    pool: &mut Pool<'_>,
    mut queue: VecDeque<Unit>,
    config: &Config,
    summary: &mut Summary,
    progress: &mut Progress,
    interrupted: &dyn Fn() -> bool,
) -> Result<()> {
    loop {
        {
            for slot in 0..pool.slots.len() {
                if !matches!(pool.slots[slot].state, State::Idle) {
                    continue;
                }
                let Some(unit) = pick(&mut queue, &pool.slots[slot].imported) else {
                    break;
                };
                let s = &mut pool.slots[slot];
                s.imported.insert(unit.file.clone());
                let sent = s.worker.send(&Request::Run {
                    file: &unit.file,
                    suite: &unit.suite,
                    tests: unit.tests.iter().map(|t| t.name.as_str()).collect(),
                    timeout: config.default_timeout,
                });
                s.state = State::Running {
                    unit,
                    reported: 0,
                    current: None,
                };
                // A failed write means the worker is gone; its reader reports it.
                let _ = sent;
            }
        }
        let busy = pool.slots.iter().any(|s| !matches!(s.state, State::Idle));
        if !busy && queue.is_empty() {
            return Ok(());
        }
        if interrupted() {
            summary.interrupted = true;
            progress.note("interrupted: stopping the workers");
            pool.kill_all();
            return Ok(());
        }
        check_timeouts(pool, config, &mut queue, summary, progress)?;
        progress.draw_status(false);
        let msg = match pool.receiver.recv_timeout(TICK) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Error::Protocol("event channel closed".into()))
            }
        };
        match msg {
            Message::Event(id, Event::Start { name }) => {
                let Some(&slot) = pool.by_id.get(&id) else {
                    continue;
                };
                if let State::Running {
                    unit,
                    reported,
                    current,
                } = &mut pool.slots[slot].state
                {
                    let i = unit.tests[*reported..]
                        .iter()
                        .position(|t| t.name == name)
                        .map_or(*reported, |p| p + *reported);
                    *current = Some((i, Instant::now()));
                }
            }
            Message::Event(id, Event::Result(report)) => {
                let Some(&slot) = pool.by_id.get(&id) else {
                    continue;
                };
                let State::Running {
                    unit,
                    reported,
                    current,
                } = &mut pool.slots[slot].state
                else {
                    continue;
                };
                let i = unit.tests[*reported..]
                    .iter()
                    .position(|t| t.name == report.name)
                    .map_or(*reported, |p| p + *reported);
                *reported = i + 1;
                *current = None;
                let result = TestResult {
                    id: unit
                        .tests
                        .get(i)
                        .map_or_else(|| report.name.clone(), |t| t.id.clone()),
                    file: unit.rel.clone(),
                    suite: unit.suite.clone(),
                    report,
                };
                let label = unit.label();
                let failure = result.report.outcome.is_failure();
                progress.result(slot, &label, &result);
                summary.record(result);
                if failure
                    && config.max_fail > 0
                    && summary.failed + summary.errors >= config.max_fail
                {
                    progress.note(&format!(
                        "stopping after {} failure{}",
                        config.max_fail,
                        if config.max_fail == 1 { "" } else { "s" }
                    ));
                    pool.kill_all();
                    return Ok(());
                }
            }
            Message::Event(id, Event::Done) => {
                let Some(&slot) = pool.by_id.get(&id) else {
                    continue;
                };
                let s = &mut pool.slots[slot];
                if let State::Running { unit, reported, .. } =
                    std::mem::replace(&mut s.state, State::Idle)
                {
                    // A worker that skipped reporting some tests (it should
                    // not): those are errors, not silently dropped.
                    for t in &unit.tests[reported.min(unit.tests.len())..] {
                        let result = synthetic(
                            &unit,
                            t,
                            Outcome::Error,
                            "the worker did not report this test",
                        );
                        progress.result(slot, &unit.label(), &result);
                        summary.record(result);
                    }
                }
                progress.unit_done(slot);
            }
            Message::Event(_, Event::Ready { .. } | Event::Collected { .. }) => {}
            Message::Garbage(id, line) => remember_garbage(pool, id, line),
            Message::Closed(id) => {
                let Some(&slot) = pool.by_id.get(&id) else {
                    continue;
                };
                let text = pool.crash_text(slot);
                let state = std::mem::replace(&mut pool.slots[slot].state, State::Idle);
                let State::Running {
                    unit,
                    reported,
                    current,
                } = state
                else {
                    return Err(Error::Protocol(format!(
                        "a worker exited while idle:\n{text}"
                    )));
                };
                fail_crashed(
                    &unit,
                    reported,
                    current.map(|c| c.0),
                    &text,
                    slot,
                    &mut queue,
                    summary,
                    progress,
                );
                progress.note(&format!("worker {slot} crashed; starting a new one"));
                pool.replace(slot)?;
            }
        }
    }
}

fn synthetic(unit: &Unit, t: &Planned, outcome: Outcome, message: &str) -> TestResult {
    TestResult {
        id: t.id.clone(),
        file: unit.rel.clone(),
        suite: unit.suite.clone(),
        report: TestReport {
            name: t.name.clone(),
            outcome,
            duration: 0.0,
            message: Some(message.lines().next().unwrap_or("").to_string()),
            longrepr: Some(message.to_string()),
            output: None,
        },
    }
}

/// A worker died while running `unit`: the running test fails with the crash
/// text, and the tests after it go back to the queue (or fail too, when the
/// worker died before any test of the unit started).
#[allow(clippy::too_many_arguments)]
fn fail_crashed(
    unit: &Unit,
    reported: usize,
    current: Option<usize>,
    text: &str,
    slot: usize,
    queue: &mut VecDeque<Unit>,
    summary: &mut Summary,
    progress: &mut Progress,
) {
    let Some(at) = current else {
        if reported == 0 {
            for t in &unit.tests {
                let result = synthetic(unit, t, Outcome::Error, text);
                progress.result(slot, &unit.label(), &result);
                summary.record(result);
            }
        } else {
            requeue(unit, reported, queue);
        }
        return;
    };
    let result = synthetic(unit, &unit.tests[at], Outcome::Failed, text);
    progress.result(slot, &unit.label(), &result);
    summary.record(result);
    requeue(unit, at + 1, queue);
}

fn requeue(unit: &Unit, from: usize, queue: &mut VecDeque<Unit>) {
    if from < unit.tests.len() {
        let mut rest = unit.clone();
        rest.tests = unit.tests[from..].to_vec();
        queue.push_front(rest);
    }
}

fn check_timeouts(
    pool: &mut Pool<'_>,
    config: &Config,
    queue: &mut VecDeque<Unit>,
    summary: &mut Summary,
    progress: &mut Progress,
) -> Result<()> {
    for slot in 0..pool.slots.len() {
        let State::Running {
            unit,
            current: Some((i, since)),
            ..
        } = &pool.slots[slot].state
        else {
            continue;
        };
        let limit = unit.tests[*i].timeout.unwrap_or(config.default_timeout);
        if limit <= 0.0 || since.elapsed().as_secs_f64() < limit + KILL_GRACE {
            continue;
        }
        let (unit, i) = (unit.clone(), *i);
        let text = format!(
            "Timeout: the test ran longer than {limit}s and did not stop; its worker was killed"
        );
        let result = synthetic(&unit, &unit.tests[i], Outcome::Failed, &text);
        progress.result(slot, &unit.label(), &result);
        summary.record(result);
        requeue(&unit, i + 1, queue);
        progress.note(&format!(
            "{} timed out; restarting worker {slot}",
            unit.tests[i].id
        ));
        pool.replace(slot)?;
    }
    Ok(())
}
