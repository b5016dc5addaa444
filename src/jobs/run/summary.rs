//! `results/summary.csv` of a small-molecule pipeline, as the official CLI writes it: a
//! projection of `results/index.jsonl` (without `paths` and `created_at`), nested objects
//! flattened with dotted keys, lists as JSON, an empty object as `{}`; the header `smiles`, `id`,
//! then the other columns sorted. Rows are appended while the columns stay the same; a new column
//! rewrites the file from the index, and so does every load, which heals a file a kill left
//! behind. Both read the index a line at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

pub(crate) struct Summary {
    path: PathBuf,
    index: PathBuf,
    columns: Vec<String>,
}

impl Summary {
    /// The summary of the run directory `dir`, rewritten from its index.
    pub(crate) async fn open(dir: &Path) -> Result<Self, Error> {
        let mut summary = Self {
            path: dir.join("results").join("summary.csv"),
            index: dir.join("results").join("index.jsonl"),
            columns: Vec::new(),
        };
        summary.rewrite().await?;
        Ok(summary)
    }

    /// Add the rows of index lines just appended.
    pub(crate) async fn append(&mut self, lines: &[(String, String)]) -> Result<(), Error> {
        let rows: Vec<BTreeMap<String, String>> =
            lines.iter().filter_map(|(_, line)| serde_json::from_str(line).ok()).map(|v| row(&v)).collect();
        if rows.iter().any(|row| row.keys().any(|k| !self.columns.contains(k))) {
            return self.rewrite().await;
        }
        let mut text = Vec::new();
        for row in &rows {
            write_row(&mut text, self.columns.iter().map(|c| row.get(c).map_or("", String::as_str)));
        }
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut file =
                std::fs::OpenOptions::new().append(true).open(&path).map_err(|e| file_error(&path, e))?;
            file.write_all(&text).map_err(|e| file_error(&path, e))
        })
        .await
        .expect("appending does not panic")
    }

    /// Write the whole file from the index: its columns first, then its rows, by way of a
    /// temporary file renamed into place.
    async fn rewrite(&mut self) -> Result<(), Error> {
        let (index, path) = (self.index.clone(), self.path.clone());
        self.columns = tokio::task::spawn_blocking(move || rewrite(&index, &path))
            .await
            .expect("rewriting does not panic")?;
        Ok(())
    }
}

fn file_error(path: &Path, source: std::io::Error) -> Error {
    Error::File { path: path.to_owned(), source }
}

/// Each line of the index, parsed; lines that do not parse are left out.
fn lines(index: &Path) -> Result<impl Iterator<Item = Value>, Error> {
    let file = match File::open(index) {
        Ok(file) => Some(file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(file_error(index, e)),
    };
    Ok(file
        .into_iter()
        .flat_map(|f| BufReader::new(f).lines())
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok()))
}

fn rewrite(index: &Path, path: &Path) -> Result<Vec<String>, Error> {
    let mut names = BTreeSet::new();
    for line in lines(index)? {
        names.extend(row(&line).into_keys());
    }
    let columns = header(names);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| file_error(parent, e))?;
    }
    let tmp = path.with_extension("csv.tmp");
    let mut out = BufWriter::new(File::create(&tmp).map_err(|e| file_error(&tmp, e))?);
    let mut text = Vec::new();
    write_row(&mut text, columns.iter().map(String::as_str));
    for line in lines(index)? {
        let row = row(&line);
        write_row(&mut text, columns.iter().map(|c| row.get(c).map_or("", String::as_str)));
        out.write_all(&text).map_err(|e| file_error(&tmp, e))?;
        text.clear();
    }
    out.write_all(&text).map_err(|e| file_error(&tmp, e))?;
    out.into_inner()
        .map_err(|e| file_error(&tmp, e.into_error()))?
        .sync_all()
        .map_err(|e| file_error(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| file_error(path, e))?;
    Ok(columns)
}

/// `smiles`, `id`, then the rest sorted.
fn header(mut names: BTreeSet<String>) -> Vec<String> {
    let mut columns = vec!["smiles".to_owned(), "id".to_owned()];
    names.remove("smiles");
    names.remove("id");
    columns.extend(names);
    columns
}

/// An index line as a row: its fields flattened, without `paths` and `created_at`.
fn row(line: &Value) -> BTreeMap<String, String> {
    let mut row = BTreeMap::new();
    if let Value::Object(map) = line {
        for (key, value) in map.iter().filter(|(k, _)| *k != "paths" && *k != "created_at") {
            flatten(key, value, &mut row);
        }
    }
    row
}

fn flatten(key: &str, value: &Value, row: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (inner, value) in map {
                flatten(&format!("{key}.{inner}"), value, row);
            }
        }
        Value::Object(_) => {
            row.insert(key.to_owned(), "{}".to_owned());
        }
        Value::Array(_) => {
            row.insert(key.to_owned(), value.to_string());
        }
        Value::String(text) => {
            row.insert(key.to_owned(), text.clone());
        }
        Value::Null => {
            row.insert(key.to_owned(), String::new());
        }
        other => {
            row.insert(key.to_owned(), other.to_string());
        }
    }
}

/// One CSV record as Go's `encoding/csv` writes it (the CLI's): a field is quoted when it holds
/// a comma, a quote, a line break, or starts with a space or tab; `\n` ends the record.
fn write_row<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let quote =
            field == r"\." || field.contains([',', '"', '\r', '\n']) || field.starts_with([' ', '\t']);
        if quote {
            out.push(b'"');
            out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(field.as_bytes());
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_flatten_as_the_cli_does() {
        let line = json!({"id": "r1", "smiles": "CC,O", "created_at": "t", "paths": {"archive": "a"},
            "metrics": {"iptm": 0.5, "ptm": 1}, "warnings": ["PAINS"], "adme": null, "extra": {}, "note": "say \"hi\""});
        let row = row(&line);
        assert_eq!(
            row.keys().collect::<Vec<_>>(),
            ["adme", "extra", "id", "metrics.iptm", "metrics.ptm", "note", "smiles", "warnings"]
        );
        assert_eq!(
            (row["warnings"].as_str(), row["extra"].as_str(), row["adme"].as_str()),
            (r#"["PAINS"]"#, "{}", "")
        );
        let columns = header(row.keys().cloned().collect());
        assert_eq!(&columns[..3], ["smiles", "id", "adme"]);
        let mut text = Vec::new();
        write_row(&mut text, columns.iter().map(|c| row.get(c).map_or("", String::as_str)));
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "\"CC,O\",r1,,{},0.5,1,\"say \"\"hi\"\"\",\"[\"\"PAINS\"\"]\"\n"
        );
    }

    #[tokio::test]
    async fn appended_while_the_columns_hold_and_rewritten_when_one_comes() {
        let dir = std::env::temp_dir().join(format!("boltz-api-summary-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("results")).unwrap();
        let index = dir.join("results/index.jsonl");
        let line = |v: Value| (v["id"].as_str().unwrap().to_owned(), v.to_string());
        let add = |lines: &[(String, String)]| {
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&index).unwrap();
            for (_, l) in lines {
                writeln!(file, "{l}").unwrap();
            }
        };
        let first = [line(json!({"id": "r1", "smiles": "C", "metrics": {"iptm": 0.1}}))];
        add(&first);
        let mut summary = Summary::open(&dir).await.unwrap();
        let csv = || std::fs::read_to_string(dir.join("results/summary.csv")).unwrap();
        assert_eq!(csv(), "smiles,id,metrics.iptm\nC,r1,0.1\n");
        let second = [line(json!({"id": "r2", "smiles": "CC", "metrics": {"iptm": 0.2}}))];
        add(&second);
        summary.append(&second).await.unwrap();
        assert_eq!(csv(), "smiles,id,metrics.iptm\nC,r1,0.1\nCC,r2,0.2\n");
        let third = [line(
            json!({"id": "r3", "smiles": "CCC", "metrics": {"iptm": 0.3}, "adme": {"solubility": "high-risk"}}),
        )];
        add(&third);
        summary.append(&third).await.unwrap();
        assert_eq!(
            csv(),
            "smiles,id,adme.solubility,metrics.iptm\nC,r1,,0.1\nCC,r2,,0.2\nCCC,r3,high-risk,0.3\n"
        );
        // A row cut short by a kill is healed on load.
        std::fs::write(dir.join("results/summary.csv"), "smiles,id,adme.solubility,metrics.iptm\nC,r1,,0.")
            .unwrap();
        Summary::open(&dir).await.unwrap();
        assert_eq!(
            csv(),
            "smiles,id,adme.solubility,metrics.iptm\nC,r1,,0.1\nCC,r2,,0.2\nCCC,r3,high-risk,0.3\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
