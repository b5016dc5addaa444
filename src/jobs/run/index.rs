//! `results/index.jsonl`: one line per result, appended in order. A rerun after a crash may find
//! the last lines appended and not yet recorded in `.boltz-run.json`, so the ids of the last lines
//! are kept to write each result once; and a line cut short by a kill is dropped, since its result
//! is still pending. Only the end of the file is read, so memory stays flat however long it is.

use std::collections::{HashSet, VecDeque};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::error::RunError;
use crate::error::Error;

pub(crate) struct Index {
    path: PathBuf,
    /// The ids of the last lines, oldest first, at most `keep`.
    recent: VecDeque<String>,
    known: HashSet<String>,
    keep: usize,
}

impl Index {
    /// The index of the run directory `dir`, remembering the ids of its last `keep` lines.
    pub(crate) async fn open(dir: &Path, keep: usize) -> Result<Self, Error> {
        let path = dir.join("results").join("index.jsonl");
        let tail_path = path.clone();
        let ids = tokio::task::spawn_blocking(move || tail_ids(&tail_path, keep))
            .await
            .expect("reading the index does not panic")?;
        let known = ids.iter().cloned().collect();
        Ok(Self { path, recent: ids.into(), known, keep })
    }

    /// Append the lines of the results not yet in the index, in one write: those written.
    pub(crate) async fn append(
        &mut self,
        lines: &[(String, String)],
    ) -> Result<Vec<(String, String)>, Error> {
        let mut text = String::new();
        let mut written = Vec::new();
        for (id, line) in lines {
            if self.known.contains(id) {
                continue;
            }
            text.push_str(line);
            text.push('\n');
            self.remember(id.clone());
            written.push((id.clone(), line.clone()));
        }
        if text.is_empty() {
            return Ok(written);
        }
        let file_error = |source| Error::File { path: self.path.clone(), source };
        let parent = self.path.parent().expect("the index lies in results/");
        tokio::fs::create_dir_all(parent).await.map_err(file_error)?;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(file_error)?;
        file.write_all(text.as_bytes()).await.map_err(file_error)?;
        file.flush().await.map_err(file_error)?;
        Ok(written)
    }

    fn remember(&mut self, id: String) {
        if self.recent.len() == self.keep {
            if let Some(old) = self.recent.pop_front() {
                self.known.remove(&old);
            }
        }
        self.known.insert(id.clone());
        self.recent.push_back(id);
    }
}

/// Bytes read from the end at a time.
const BLOCK: u64 = 64 * 1024;

/// The ids of the last `n` complete lines of `path`, after cutting off a last line that has no
/// newline (a write a kill interrupted). A complete line that is not JSON is an error, as in the
/// SDK.
fn tail_ids(path: &Path, n: usize) -> Result<Vec<String>, Error> {
    let file_error = |source| Error::File { path: path.to_owned(), source };
    let mut file = match std::fs::OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(file_error(e)),
    };
    let len = file.metadata().map_err(file_error)?.len();
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    // Read back until n + 1 newlines (the line before the first kept one ends with one) or the
    // start of the file.
    while start > 0 && tail.iter().filter(|&&b| b == b'\n').count() <= n {
        let from = start.saturating_sub(BLOCK);
        let mut block = vec![0; (start - from) as usize];
        file.seek(SeekFrom::Start(from)).map_err(file_error)?;
        file.read_exact(&mut block).map_err(file_error)?;
        block.extend_from_slice(&tail);
        tail = block;
        start = from;
    }
    // A line cut short: its result is still pending, so it goes.
    let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if complete < tail.len() {
        file.set_len(start + complete as u64).map_err(file_error)?;
        tracing::warn!(path = %path.display(), "dropped an index line cut short");
        tail.truncate(complete);
    }
    let text = String::from_utf8_lossy(&tail);
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    // The first line read may be the end of a longer one, unless the file starts there.
    if start > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(n);
    lines[skip..]
        .iter()
        .map(|line| {
            let entry: Value = serde_json::from_str(line)
                .map_err(|e| RunError::Invalid { path: path.to_owned(), reason: e.to_string() })?;
            Ok(match entry.get("id") {
                Some(Value::String(id)) => id.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("boltz-api-index-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("results")).unwrap();
        dir
    }

    fn line(i: usize) -> (String, String) {
        (format!("r{i}"), format!(r#"{{"id":"r{i}","pad":"{}"}}"#, "x".repeat(i % 50)))
    }

    #[tokio::test]
    async fn each_result_once_and_a_cut_line_dropped() {
        let dir = dir("once");
        let mut index = Index::open(&dir, 10).await.unwrap();
        let lines: Vec<_> = (0..5).map(line).collect();
        assert_eq!(index.append(&lines).await.unwrap().len(), 5);
        assert!(index.append(&lines[3..]).await.unwrap().is_empty(), "already there");
        // A kill in the middle of a write.
        let path = dir.join("results/index.jsonl");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(r#"{"id":"r5","pa"#);
        std::fs::write(&path, &text).unwrap();
        let mut index = Index::open(&dir, 10).await.unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains(r#""r5","pa"#));
        let written = index.append(&(3..7).map(line).collect::<Vec<_>>()).await.unwrap();
        assert_eq!(written.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["r5", "r6"]);
        let ids: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn only_the_end_of_a_long_index_is_read() {
        let dir = dir("long");
        let lines: Vec<_> = (0..20_000).map(line).collect();
        Index::open(&dir, 100).await.unwrap().append(&lines).await.unwrap();
        assert_eq!(tail_ids(&dir.join("results/index.jsonl"), 3).unwrap(), ["r19997", "r19998", "r19999"]);
        let mut index = Index::open(&dir, 100).await.unwrap();
        assert_eq!(index.known.len(), 100);
        assert_eq!(index.append(&[line(19_950), line(20_000)]).await.unwrap().len(), 1);
        std::fs::write(dir.join("results/index.jsonl"), "{\"id\":\"a\"}\nnot json\n").unwrap();
        assert!(Index::open(&dir, 10).await.is_err(), "a complete line that is not JSON is an error");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
