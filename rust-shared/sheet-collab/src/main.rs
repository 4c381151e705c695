//! `sheet-collab`: the spreadsheet's collaboration server.
//!
//! ```text
//! sheet-collab [--host 127.0.0.1] [--port 1234] [--store file:///var/lib/sheets.redb]
//!              [--static DIR] [--max-message-bytes N] [--send-queue N]
//!              [--relay redis://host:port/db] [--namespace NAME]
//! ```

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use sheet_collab::{bind, Config, DocStore, Server};

const USAGE: &str = "usage: sheet-collab [--host ADDR] [--port N] [--store URL] [--static DIR] \
[--max-message-bytes N] [--send-queue N] [--relay URL] [--namespace NAME] [--ping-seconds N]

  --host ADDR              address to listen on (default 127.0.0.1)
  --port N                 port, 0 for any free one (default 1234)
  --store URL              where documents are kept: file:///path.redb (default
                           ./sheet-collab.redb), redis://host:port/db, or memory://
  --static DIR             also serve the files of DIR over HTTP (the spreadsheet page)
  --max-message-bytes N    largest WebSocket message accepted (default 8388608)
  --send-queue N           messages queued per connection before it is dropped (default 1024)
  --relay URL              share documents with other sheet-collab processes through
                           Redis pub/sub (redis://host:port/db)
  --namespace NAME         prefix of store keys and relay channels (default sheet-collab)
  --ping-seconds N         ping interval; a connection silent for two is closed (default 30)";

struct Args {
    addr: SocketAddr,
    store: String,
    config: Config,
}

fn number(flag: &str, value: &str) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{flag} takes a positive whole number, got {value:?}"))
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let mut port: u16 = 1234;
    let mut store = "file://./sheet-collab.redb".to_owned();
    let mut config = Config::default();
    while let Some(flag) = argv.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = argv.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => {
                host = value
                    .parse()
                    .map_err(|_| format!("--host takes an IP address, got {value:?}"))?;
            }
            "--port" => {
                port = value
                    .parse()
                    .map_err(|_| format!("--port takes 0 to 65535, got {value:?}"))?;
            }
            "--store" => store = value,
            "--static" => config.static_dir = Some(PathBuf::from(value)),
            "--max-message-bytes" => config.max_message_bytes = number(&flag, &value)?,
            "--send-queue" => config.send_queue = number(&flag, &value)?,
            "--relay" => config.relay = Some(value),
            "--ping-seconds" => {
                let secs = number(&flag, &value)?;
                config.ping_interval = std::time::Duration::from_secs(secs as u64);
            }
            "--namespace" => {
                if value.is_empty() || value.contains(char::is_whitespace) {
                    return Err(format!(
                        "--namespace takes a name without spaces, got {value:?}"
                    ));
                }
                config.namespace = value;
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(Args {
        addr: SocketAddr::new(host, port),
        store,
        config,
    })
}

/// `file://./x` is relative to the working directory; the store wants an
/// absolute `file:///` URL.
fn absolute_store_url(url: &str) -> Result<String, String> {
    match url.strip_prefix("file://") {
        Some(path) if !path.starts_with('/') => {
            let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
            let full = cwd.join(path.trim_start_matches("./"));
            Ok(format!("file://{}", full.display()))
        }
        _ => Ok(url.to_owned()),
    }
}

async fn run(mut args: Args) -> Result<(), String> {
    let url = absolute_store_url(&args.store)?;
    let store = DocStore::open_in(&url, &args.config.namespace).map_err(|e| e.to_string())?;
    let described = store.describe();
    args.config.store = Some(store);
    let listener = bind(args.addr).await.map_err(|e| e.to_string())?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let relay = args.config.relay.clone();
    let server = Server::new(args.config);
    server.start_relay().await.map_err(|e| e.to_string())?;
    // The stop signals are caught before the address is announced: a stop
    // sent as soon as the line is read is a graceful stop, not the default
    // action of a signal nobody handles yet.
    let signal = |kind| tokio::signal::unix::signal(kind).map_err(|e| e.to_string());
    let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
    {
        // Tests and scripts read this line to learn the port.
        let mut out = std::io::stdout().lock();
        let relayed = relay.map_or(String::new(), |r| format!(", relay: {r}"));
        let _ = writeln!(
            out,
            "sheet-collab listening on ws://{local}/<document> (store: {described}{relayed})"
        );
        let _ = out.flush();
    }
    let serving = tokio::spawn(server.clone().serve(listener));
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = term.recv() => {}
    }
    serving.abort();
    // Writing what is queued is bounded: a room that cannot be written within
    // the grace period, or a second signal, must not keep the process alive.
    tokio::select! {
        () = server.flush() => {
            eprintln!("sheet-collab: stopped, every document written");
            Ok(())
        }
        () = tokio::time::sleep(SHUTDOWN_GRACE) => Err(format!(
            "stopped after {}s with some room's queued updates not confirmed written",
            SHUTDOWN_GRACE.as_secs()
        )),
        _ = interrupt.recv() => Err("stopped by a second signal before every document was written".to_owned()),
        _ = term.recv() => Err("stopped by a second signal before every document was written".to_owned()),
    }
}

/// How long a stop waits for the rooms' queued updates to be written.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if message.is_empty() {
                eprintln!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("sheet-collab: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sheet-collab: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(args));
    // Connection tasks still running (a peer that never reads) must not hold
    // the exit: the documents were written or the stop said which were not.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sheet-collab: {message}");
            ExitCode::FAILURE
        }
    }
}
