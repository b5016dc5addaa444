//! JSON written the way Python's `json.dumps` writes it, so that files and fingerprints match the
//! official SDK's byte for byte: `\uXXXX` for every non-ASCII character (`ensure_ascii`), Python's
//! float `repr` (`1e-05`, `1e+16`, `1.0`), `indent=2` or compact separators, keys sorted or not.

use std::fmt::Write;

use serde_json::Value;

/// How to lay the JSON out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// `indent=2` (with `": "` after keys), or compact `(",", ":")`.
    pub(crate) indent: bool,
    /// `sort_keys=True`, by code point.
    pub(crate) sort: bool,
}

/// `json.dumps(value, indent=2, sort_keys=True)`: `.boltz-run.json`.
pub(crate) const STATE: Style = Style { indent: true, sort: true };
/// `json.dumps(value, indent=2)`: `run.json`, `metadata.json`.
pub(crate) const PRETTY: Style = Style { indent: true, sort: false };
/// `json.dumps(value, separators=(",", ":"))`: `index.jsonl` lines.
pub(crate) const LINE: Style = Style { indent: false, sort: false };
/// `json.dumps(value, sort_keys=True, separators=(",", ":"))`: the request fingerprint.
pub(crate) const CANONICAL: Style = Style { indent: false, sort: true };

/// `value` in `style`, without a trailing newline.
pub(crate) fn to_string(value: &Value, style: Style) -> String {
    let mut out = String::new();
    write_value(&mut out, value, style, 0);
    out
}

fn write_value(out: &mut String, value: &Value, style: Style, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) => out.push_str(&float_repr(f)),
            None => write!(out, "{n}").expect("writing to a String"),
        },
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            write_container(out, ('[', ']'), items.iter().map(|v| (None, v)), items.len(), style, depth)
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if style.sort {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            let len = entries.len();
            write_container(
                out,
                ('{', '}'),
                entries.into_iter().map(|(k, v)| (Some(k), v)),
                len,
                style,
                depth,
            )
        }
    }
}

fn write_container<'v>(
    out: &mut String,
    (open, close): (char, char),
    items: impl Iterator<Item = (Option<&'v String>, &'v Value)>,
    len: usize,
    style: Style,
    depth: usize,
) {
    out.push(open);
    if len == 0 {
        out.push(close);
        return;
    }
    for (i, (key, value)) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if style.indent {
            newline(out, depth + 1);
        }
        if let Some(key) = key {
            write_string(out, key);
            out.push_str(if style.indent { ": " } else { ":" });
        }
        write_value(out, value, style, depth + 1);
    }
    if style.indent {
        newline(out, depth);
    }
    out.push(close);
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', depth * 2));
}

/// A JSON string with Python's escapes and `ensure_ascii`.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='\u{7f}' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(out, "\\u{unit:04x}").expect("writing to a String");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, positional for exponents from
/// -4 to 15 (always with a fractional part), scientific otherwise with a signed two-digit
/// exponent. `json.dumps` writes non-finite values as `NaN` and `Infinity`.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the same shortest digits: `d.ddde<exp>`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let exp: i32 = exp.parse().expect("LowerExp's exponent is an integer");
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = sign.to_owned();
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
            out.push_str(".0");
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            write!(out, "{whole}.{fraction}").expect("writing to a String");
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            write!(out, ".{rest}").expect("writing to a String");
        }
        write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
            .expect("writing to a String");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_as_python_repr() {
        for (f, repr) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (2.5e-7, "2.5e-07"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5, "1.5"),
            (-123.456, "-123.456"),
            (1e100, "1e+100"),
            (f64::MAX, "1.7976931348623157e+308"),
        ] {
            assert_eq!(float_repr(f), repr, "{f:?}");
        }
    }

    /// The SDK's escaping and numbers test vector (`json.dumps(..., sort_keys=True,
    /// separators=(",", ":"))` in Python 3.11).
    #[test]
    fn canonical_matches_python() {
        let value = json!({
            "a": "Å😀\"\\\n\u{1}/",
            "f": [1.0, 0.1, 1e-05, 0.0001, 1e16, 1e15, 123456789012345678.0, 2.5e-7, -0.0, 5],
            "b": true,
            "n": null,
        });
        assert_eq!(
            to_string(&value, CANONICAL),
            r#"{"a":"\u00c5\ud83d\ude00\"\\\n\u0001/","b":true,"f":[1.0,0.1,1e-05,0.0001,1e+16,1000000000000000.0,1.2345678901234568e+17,2.5e-07,-0.0,5],"n":null}"#
        );
    }

    #[test]
    fn indented_matches_python() {
        let value = json!({"b": [1, {"c": []}], "a": {}, "é": "\u{7f}"});
        assert_eq!(
            to_string(&value, STATE),
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": []\n    }\n  ],\n  \"\\u00e9\": \"\u{7f}\"\n}"
        );
        assert_eq!(to_string(&json!([]), PRETTY), "[]");
        assert_eq!(to_string(&json!({"k": [1, 2]}), LINE), r#"{"k":[1,2]}"#);
    }
}
