//! One worker process and the threads reading its pipes.
//!
//! Every worker's events go into one bounded channel shared by all readers: a
//! coordinator that falls behind blocks the readers, which blocks the
//! workers' writes, so a chatty suite never grows the coordinator's memory.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::protocol::{Event, Request};
use crate::{Error, Result};

/// Messages from the reader threads to the coordinator.
#[derive(Debug)]
pub enum Message {
    Event(usize, Event),
    /// The worker's stdout closed: it exited or crashed.
    Closed(usize),
    /// A line that is not a protocol event (kept for the crash report).
    Garbage(usize, String),
}

/// The last bytes a worker wrote to stderr, for crash reports.
const STDERR_TAIL: usize = 8 * 1024;

pub struct Worker {
    pub id: usize,
    child: Child,
    stdin: Option<ChildStdin>,
    stderr_tail: Arc<Mutex<VecDeque<u8>>>,
}

impl Worker {
    /// Start `command` as worker `id`; its events go to `events`.
    pub fn spawn(
        id: usize,
        command: &[String],
        cwd: &std::path::Path,
        events: SyncSender<Message>,
    ) -> Result<Worker> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| Error::Usage("empty worker command".into()))?;
        let mut child = Command::new(program)
            .args(args)
            .current_dir(cwd)
            .env("OUROBOROS_TEST_WORKER", id.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io(format!("cannot start worker {program:?}"), e))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stdin = child.stdin.take();
        thread::Builder::new()
            .name(format!("ob-test-worker-{id}"))
            .spawn(move || read_events(id, stdout, &events))
            .map_err(|e| Error::io("cannot start a reader thread", e))?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        let tail = Arc::clone(&stderr_tail);
        thread::Builder::new()
            .name(format!("ob-test-stderr-{id}"))
            .spawn(move || keep_tail(stderr, &tail))
            .map_err(|e| Error::io("cannot start a reader thread", e))?;
        Ok(Worker {
            id,
            child,
            stdin,
            stderr_tail,
        })
    }

    /// Send one request; a worker that is gone is reported by its reader.
    pub fn send(&mut self, request: &Request<'_>) -> bool {
        let Some(stdin) = self.stdin.as_mut() else {
            return false;
        };
        let mut line = serde_json::to_vec(request).expect("requests serialize");
        line.push(b'\n');
        stdin.write_all(&line).and_then(|()| stdin.flush()).is_ok()
    }

    /// Ask the worker to exit and wait for it.
    pub fn shutdown(&mut self) {
        self.send(&Request::Exit);
        self.stdin = None;
        let _ = self.child.wait();
    }

    /// Kill the worker (a test overran its timeout, or the run was interrupted).
    pub fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How the process ended, when it has.
    pub fn exit_status(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// The last lines the worker wrote to stderr.
    #[must_use]
    pub fn stderr_tail(&self) -> String {
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.iter().copied().collect::<Vec<u8>>());
        String::from_utf8_lossy(&tail.unwrap_or_default()).into_owned()
    }
}

fn read_events(id: usize, stdout: impl Read, events: &SyncSender<Message>) {
    let reader = BufReader::new(stdout);
    for line in reader.split(b'\n') {
        let Ok(line) = line else { break };
        if line.is_empty() {
            continue;
        }
        let msg = match serde_json::from_slice::<Event>(&line) {
            Ok(event) => Message::Event(id, event),
            Err(_) => Message::Garbage(id, String::from_utf8_lossy(&line).into_owned()),
        };
        if events.send(msg).is_err() {
            return;
        }
    }
    let _ = events.send(Message::Closed(id));
}

fn keep_tail(stderr: impl Read, tail: &Mutex<VecDeque<u8>>) {
    let mut reader = BufReader::new(stderr);
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let Ok(mut t) = tail.lock() else { return };
                t.extend(&buf[..n]);
                let excess = t.len().saturating_sub(STDERR_TAIL);
                t.drain(..excess);
            }
        }
    }
}
