//! Data in and out: every request and model reads and writes JSON (or any serde format) with
//! its wire names, and what the crate does not know is kept. These functions read it with the
//! path and line of a bad field in the error.
//!
//! ```
//! use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
//! use boltz_api::data;
//!
//! let request: StartStructureAndBinding = data::from_json(r#"{
//!     "input": {"entities": [
//!         {"type": "protein", "chain_ids": ["A"], "value": "MKTAYIAKQRQISFVKSHFSRQ"},
//!         {"type": "ligand_smiles", "chain_ids": ["B"], "value": "CCO"}
//!     ]},
//!     "model": "boltz-2.1"
//! }"#).unwrap();
//! // No idempotency key in the file: each call that sends it makes one, kept across its retries.
//! # drop(request);
//!
//! let error = data::from_json::<StartStructureAndBinding>(r#"{"input": {"entities": [
//!     {"type": "protein", "chain_ids": ["A"], "value": "MKT"},
//!     {"type": "protien", "chain_ids": ["B"], "value": "MKT"}
//! ]}, "model": "boltz-2.1"}"#).unwrap_err();
//! assert_eq!(error.path(), "input.entities[1].type");
//! assert_eq!(error.line(), Some(3));
//! ```
//!
//! Writing is plain serde (`serde_json::to_string(&job)`): a decoded value writes back the JSON
//! it was read from, unknown fields included and `null` where the server sent `null`; dates come
//! back in RFC 3339 in UTC (`…Z`), the same instant. YAML or TOML files go through
//! [`deserialize`] with that format's deserializer.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserializer;
use serde::de::{Deserialize, DeserializeOwned};

use crate::models::union::tracked;

/// Why data did not read: the file could not be read, or a field is not what the type needs.
#[derive(Debug)]
pub struct DataError {
    file: Option<PathBuf>,
    path: String,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
    io: Option<io::Error>,
}

impl DataError {
    /// The file, when the data came from one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Where in the document: `input.entities[1].type` (`.` for the whole document).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line of the problem (1-based), where the format reports one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The column of the problem (1-based), where the format reports one.
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the file could not be read at all (then [`source`](std::error::Error::source) is
    /// the I/O error).
    pub fn is_io(&self) -> bool {
        self.io.is_some()
    }

    fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_owned());
        self
    }

    /// The error of a document that is line `line` of `file` (a JSON-lines file).
    #[cfg(feature = "runs")]
    pub(crate) fn at(mut self, file: &Path, line: usize) -> Self {
        self.file = Some(file.to_owned());
        self.line = Some(line);
        self
    }

    /// `file` could not be read.
    pub(crate) fn io(file: &Path, error: io::Error) -> Self {
        DataError {
            file: Some(file.to_owned()),
            path: ".".to_owned(),
            line: None,
            column: None,
            message: error.to_string(),
            io: Some(error),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
            f.write_str(": ")?;
        } else if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "line {line} column {column}: ")?;
        }
        if self.io.is_some() {
            return f.write_str("could not be read");
        }
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}

/// Read `T` from JSON text.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, DataError> {
    from_json_slice(text.as_bytes())
}

/// Read `T` from JSON bytes.
pub fn from_json_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DataError> {
    tracked(&mut serde_json::Deserializer::from_slice(bytes)).map_err(|failure| {
        let (line, column) = (failure.error.line(), failure.error.column());
        // serde_json ends its message with the position, which the error has apart.
        let position = format!(" at line {line} column {column}");
        let message = failure.message.strip_suffix(&position).unwrap_or(&failure.message).to_owned();
        let located = if failure.in_union { locate(bytes, &failure.path) } else { None };
        let (line, column) = located.unwrap_or((line, column));
        let known = line > 0;
        DataError {
            file: None,
            path: failure.path,
            line: known.then_some(line),
            column: known.then_some(column),
            message,
            io: None,
        }
    })
}

/// Read `T` from a JSON file (synchronously: input files are small).
pub fn read_json<T: DeserializeOwned>(file: impl AsRef<Path>) -> Result<T, DataError> {
    let file = file.as_ref();
    let bytes = std::fs::read(file).map_err(|e| DataError::io(file, e))?;
    from_json_slice(&bytes).map_err(|e| e.in_file(file))
}

/// Read `T` from a JSON value already parsed.
#[cfg(feature = "runs")]
pub(crate) fn from_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, DataError> {
    deserialize(value)
}

/// Read `T` through any serde deserializer (YAML, TOML, …) with the path of a bad field.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, DataError>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
    D::Error: fmt::Display,
{
    tracked(deserializer).map_err(|failure| DataError {
        file: None,
        path: failure.path,
        line: None,
        column: None,
        message: failure.message,
        io: None,
    })
}

/// The line and column (1-based) of the value at `path` in a JSON document, for an error found
/// inside a union, which the decoder saw only as a whole. `None` if the path is not there.
fn locate(text: &[u8], path: &str) -> Option<(usize, usize)> {
    let mut at = skip_space(text, 0);
    for segment in segments(path) {
        at = match segment {
            Segment::Key(key) => member(text, at, &key)?,
            Segment::Index(index) => element(text, at, index)?,
        };
    }
    let before = &text[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = at - before.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1) + 1;
    Some((line, column))
}

enum Segment {
    Key(String),
    Index(usize),
}

/// `input.entities[1].type` → `input`, `entities`, `1`, `type` (`.` is the whole document).
fn segments(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            out.push(Segment::Key(key.to_owned()));
        }
        for index in indexes.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

fn skip_space(text: &[u8], mut at: usize) -> usize {
    while text.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The end of the string starting at `at` (just past its closing quote).
fn skip_string(text: &[u8], mut at: usize) -> Option<usize> {
    at += 1;
    loop {
        match text.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The end of the value starting at `at`.
fn skip_value(text: &[u8], at: usize) -> Option<usize> {
    match text.get(at)? {
        b'"' => skip_string(text, at),
        b'{' | b'[' => {
            let (mut depth, mut at) = (0usize, at);
            loop {
                match text.get(at)? {
                    b'"' => {
                        at = skip_string(text, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => Some(
            at + text[at..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                .unwrap_or(text.len() - at),
        ),
    }
}

/// Where the value of `key` starts in the object at `at`.
fn member(text: &[u8], at: usize, key: &str) -> Option<usize> {
    if text.get(at) != Some(&b'{') {
        return None;
    }
    let mut at = skip_space(text, at + 1);
    while text.get(at) == Some(&b'"') {
        let end = skip_string(text, at)?;
        let name: String = serde_json::from_slice(&text[at..end]).ok()?;
        at = skip_space(text, end);
        if text.get(at) != Some(&b':') {
            return None;
        }
        let value = skip_space(text, at + 1);
        if name == key {
            return Some(value);
        }
        at = skip_space(text, skip_value(text, value)?);
        if text.get(at) == Some(&b',') {
            at = skip_space(text, at + 1);
        }
    }
    None
}

/// Where element `index` starts in the array at `at`.
fn element(text: &[u8], at: usize, index: usize) -> Option<usize> {
    if text.get(at) != Some(&b'[') {
        return None;
    }
    let mut at = skip_space(text, at + 1);
    for _ in 0..index {
        at = skip_space(text, skip_value(text, at)?);
        if text.get(at) != Some(&b',') {
            return None;
        }
        at = skip_space(text, at + 1);
    }
    (text.get(at) != Some(&b']')).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::predictions::structure_and_binding::StartStructureAndBinding;

    #[test]
    fn names_the_field_the_line_and_the_file() {
        let dir = std::env::temp_dir().join(format!("boltz-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.json");
        std::fs::write(
            &file,
            "{\"model\": \"boltz-2.1\",\n \"input\": {\"entities\": [\n  {\"type\": \"protein\", \"chain_ids\": [\"A\"], \"value\": 5}]}}",
        )
        .unwrap();
        let error = read_json::<StartStructureAndBinding>(&file).unwrap_err();
        assert_eq!(error.path(), "input.entities[0].value");
        assert_eq!(error.line(), Some(3));
        assert!(
            error.message().starts_with("invalid type: integer `5`, expected a string"),
            "{}",
            error.message()
        );
        let shown = error.to_string();
        assert!(shown.starts_with(&format!("{}:3:", file.display())), "{shown}");
        assert!(shown.contains("at `input.entities[0].value`"), "{shown}");

        let missing = read_json::<StartStructureAndBinding>(dir.join("absent.json")).unwrap_err();
        assert!(missing.is_io() && std::error::Error::source(&missing).is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_field_and_a_document_of_the_wrong_kind() {
        let error = from_json::<StartStructureAndBinding>(r#"{"model": "boltz-2.1"}"#).unwrap_err();
        assert_eq!((error.path(), error.message()), (".", "missing field `input`"));
        let error = from_json::<StartStructureAndBinding>("[1]").unwrap_err();
        assert!(error.message().contains("expected struct StartStructureAndBinding"), "{}", error.message());
        let error = from_json::<StartStructureAndBinding>(
            r#"{"model": "boltz-2.1", "input": {"entities": [{"chain_ids": []}]}}"#,
        )
        .unwrap_err();
        assert_eq!((error.path(), error.message()), ("input.entities[0]", "missing field `type`"));
    }

    #[test]
    fn finds_a_value_by_its_path() {
        let text = b"{\"a\": {\"s\": \"x\\\"]}\", \"b\": [1, {\"c\": [true]},\n   {\"d\": null}]}}";
        assert_eq!(locate(text, "a.b[2].d"), Some((2, 10)));
        assert_eq!(locate(text, "a.b[1].c[0]"), Some((1, 38)));
        assert_eq!(locate(text, "."), Some((1, 1)));
        assert_eq!(locate(text, "a.b[3]"), None);
        assert_eq!(locate(text, "a.zz"), None);
    }

    #[test]
    fn other_formats_through_their_deserializer() {
        let value = serde_json::json!({"model": "boltz-2.1", "input": {"entities": [{"type": "rna", "chain_ids": "A", "value": "ACGU"}]}});
        let error = deserialize::<StartStructureAndBinding, _>(value).unwrap_err();
        assert_eq!(error.path(), "input.entities[0].chain_ids");
        assert_eq!(error.line(), None);
    }
}
