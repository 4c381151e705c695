//! Server-side throughput: how many cell updates per second one room
//! applies (decode, integrate into the yrs document, encode the relay
//! message), as single-cell updates from many clients and as batched ones.
//!
//! cargo bench --profile ci -p sheet-collab --bench apply

#![allow(clippy::cast_precision_loss)]

use std::collections::HashSet;
use std::time::Instant;

use sheet_collab::doc::{encode_update, RoomDoc};
use yrs::{Doc, Map, Transact};

/// Updates as `clients` browsers would send them: each sets `cells_per_update`
/// cells of the `cells` map (the layout the spreadsheet page uses).
fn updates(clients: u64, per_client: usize, cells_per_update: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let docs: Vec<Doc> = (0..clients).map(|c| Doc::with_client_id(c + 1)).collect();
    for i in 0..per_client {
        for (c, doc) in docs.iter().enumerate() {
            let cells = doc.get_or_insert_map("cells");
            let mut txn = doc.transact_mut();
            for k in 0..cells_per_update {
                let row = i * cells_per_update + k;
                cells.insert(&mut txn, format!("{row}:{c}"), format!("={row}*{c}+1"));
            }
            let update = txn.encode_update_v1();
            drop(txn);
            out.push(update);
        }
    }
    out
}

fn run(label: &str, updates: &[Vec<u8>], cells_per_update: usize) {
    let mut room = RoomDoc::new();
    let mut clients = HashSet::new();
    let frames: Vec<Vec<u8>> = updates.iter().map(|u| encode_update(u)).collect();
    let start = Instant::now();
    let mut relayed = 0usize;
    for frame in &frames {
        let handled = room
            .handle_frame(frame, &mut clients)
            .expect("generated updates apply");
        for u in &handled.updates {
            relayed += encode_update(u).len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cells = (updates.len() * cells_per_update) as f64;
    let mut stdout = std::io::stdout().lock();
    let _ = std::io::Write::write_fmt(
        &mut stdout,
        format_args!(
            "{label:<44} {:>9} updates {:>10.0} cell updates/s ({:.1} MB relayed, {:.3} s)\n",
            updates.len(),
            cells / secs,
            relayed as f64 / 1e6,
            secs
        ),
    );
    assert!(room.full_state().len() > 100);
}

fn main() {
    run("single-cell updates, 50 clients", &updates(50, 2000, 1), 1);
    run(
        "100-cell updates (a pasted block), 50 clients",
        &updates(50, 20, 100),
        100,
    );
    run(
        "10,000-cell updates (an import), 1 client",
        &updates(1, 10, 10_000),
        10_000,
    );
}
