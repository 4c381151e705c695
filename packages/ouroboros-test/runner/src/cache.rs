//! What one run leaves for the next: the ids that failed (for
//! `--last-failed`) and each test's duration (the scheduler hands out the
//! longest work first).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::outcome::Summary;

/// Durations kept at most, so the file stays small on huge suites.
const MAX_DURATIONS: usize = 200_000;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    #[serde(default)]
    pub last_failed: BTreeSet<String>,
    #[serde(default)]
    pub durations: HashMap<String, f64>,
}

fn file(dir: &Path) -> PathBuf {
    dir.join("cache.json")
}

impl Cache {
    /// The cache in `dir`; an unreadable or corrupt cache is an empty one.
    #[must_use]
    pub fn load(dir: &Path) -> Cache {
        std::fs::read(file(dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Fold in one run: ids that ran and passed leave `last_failed`, ids that
    /// failed join it; ids not run this time keep their state (as pytest's
    /// cache does when a run is narrowed with `-k`).
    pub fn update(&mut self, summary: &Summary) {
        for result in &summary.results {
            if result.report.outcome.is_failure() {
                self.last_failed.insert(result.id.clone());
            } else {
                self.last_failed.remove(&result.id);
            }
            if self.durations.len() < MAX_DURATIONS || self.durations.contains_key(&result.id) {
                self.durations
                    .insert(result.id.clone(), result.report.duration);
            }
        }
        for (file, _) in &summary.collection_errors {
            self.last_failed.insert(file.clone());
        }
    }

    /// Write the cache; failure to write is not worth failing a run for.
    pub fn save(&self, dir: &Path) {
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let _ = std::fs::write(dir.join(".gitignore"), "*\n");
        if let Ok(bytes) = serde_json::to_vec(self) {
            let tmp = dir.join("cache.json.tmp");
            if std::fs::write(&tmp, bytes).is_ok() {
                let _ = std::fs::rename(&tmp, file(dir));
            }
        }
    }
}
