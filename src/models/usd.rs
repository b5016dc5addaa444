//! Amounts of US dollars as the API sends them: decimal strings, read exactly.

use std::cmp::Ordering;
use std::fmt;
use std::iter::Sum;
use std::ops::Add;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An exact amount of US dollars (`"12.3400"`), as the API sends costs: a decimal string,
/// kept as written, compared and added without rounding.
///
/// ```
/// use boltz_api::models::Usd;
///
/// let estimates: Vec<Usd> = ["0.1000", "0.2", "19.99"].iter().map(|s| s.parse().unwrap()).collect();
/// let total: Usd = estimates.iter().cloned().sum();
/// assert_eq!(total.to_string(), "20.2900");
/// assert_eq!(estimates[1].as_str(), "0.2"); // printed back as the server wrote it
/// assert!(total > "20.28".parse().unwrap());
/// ```
#[derive(Clone)]
pub struct Usd {
    /// The amount is `units / 10^scale`.
    units: i128,
    scale: u32,
    /// The wire form, or the canonical one for a computed amount.
    text: String,
}

/// Digits an amount may have: enough for any price, few enough that sums cannot overflow `i128`
/// (38 digits) before far more than any number of estimates.
const MAX_DIGITS: usize = 30;

/// A string that is not a decimal amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a decimal amount (digits, one optional `.`, an optional leading `-`; at most 30 digits)"
)]
pub struct ParseUsdError(String);

impl Usd {
    /// Zero dollars.
    pub fn zero() -> Self {
        Self { units: 0, scale: 0, text: "0".to_owned() }
    }

    /// The amount as the server wrote it (or, for a sum, with as many decimals as its widest term).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The amount in the smallest unit it is written in, and the number of decimals:
    /// `"12.3400"` is `(123400, 4)`.
    pub fn units_and_scale(&self) -> (i128, u32) {
        (self.units, self.scale)
    }

    /// The nearest `f64`, for display or statistics; sums should stay in `Usd`.
    pub fn to_f64(&self) -> f64 {
        self.units as f64 / 10f64.powi(self.scale as i32)
    }

    /// `self + other`, or `None` if it would not fit.
    pub fn checked_add(&self, other: &Usd) -> Option<Usd> {
        let scale = self.scale.max(other.scale);
        let units =
            rescale(self.units, self.scale, scale)?.checked_add(rescale(other.units, other.scale, scale)?)?;
        Some(Self { units, scale, text: render(units, scale) })
    }
}

/// `units` at `scale` written with `to` decimals.
fn rescale(units: i128, scale: u32, to: u32) -> Option<i128> {
    units.checked_mul(10i128.checked_pow(to - scale)?)
}

fn render(units: i128, scale: u32) -> String {
    let digits = units.unsigned_abs().to_string();
    let sign = if units < 0 { "-" } else { "" };
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

impl FromStr for Usd {
    type Err = ParseUsdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ParseUsdError(text.to_owned());
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || unsigned.ends_with('.')
            || whole.len() + fraction.len() > MAX_DIGITS
        {
            return Err(bad());
        }
        let magnitude: i128 = format!("{whole}{fraction}").parse().map_err(|_| bad())?;
        let units = if unsigned.len() < text.len() { -magnitude } else { magnitude };
        Ok(Self { units, scale: fraction.len() as u32, text: text.to_owned() })
    }
}

impl Add for Usd {
    type Output = Usd;

    /// Exact; panics only past 10^38 units of the finer scale, like an integer overflow.
    fn add(self, other: Usd) -> Usd {
        self.checked_add(&other).expect("a sum of dollar amounts within 10^38 units")
    }
}

impl Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::zero(), Add::add)
    }
}

impl<'a> Sum<&'a Usd> for Usd {
    fn sum<I: Iterator<Item = &'a Usd>>(iter: I) -> Usd {
        iter.fold(Usd::zero(), |total, x| total + x.clone())
    }
}

impl Ord for Usd {
    fn cmp(&self, other: &Self) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (rescale(self.units, self.scale, scale), rescale(other.units, other.scale, scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Only amounts near the digit limit overflow; compare them as floats.
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl PartialOrd for Usd {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Equal amounts are equal however they are written: `"1.50" == "1.5"`.
impl PartialEq for Usd {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Usd {}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Usd({})", self.text)
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UsdVisitor;
        impl Visitor<'_> for UsdVisitor {
            type Value = Usd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount as a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Usd, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(UsdVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Usd {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_back_unchanged() {
        for text in ["0", "0.0000", "12.3400", "-0.5", "1000000", "007.10"] {
            assert_eq!(usd(text).to_string(), text);
            assert_eq!(serde_json::to_string(&usd(text)).unwrap(), format!("\"{text}\""));
        }
        assert_eq!(usd("12.3400").units_and_scale(), (123400, 4));
        for bad in ["", "-", ".5", "1.", "1.2.3", "1e3", "+1", " 1", "1,5", "abc", &"9".repeat(31)] {
            assert!(bad.parse::<Usd>().is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<Usd>("1.5").is_err(), "a number is not the wire form");
        let error = serde_json::from_str::<Usd>("\"1e3\"").unwrap_err().to_string();
        assert!(error.contains("\"1e3\" is not a decimal amount"), "{error}");
    }

    #[test]
    fn sums_are_exact() {
        // 10 000 estimates of 0.1000 + 0.0001: floats drift, Usd does not.
        let estimates: Vec<Usd> =
            (0..10_000).map(|i| usd(if i % 2 == 0 { "0.1000" } else { "0.0001" })).collect();
        let total: Usd = estimates.iter().sum();
        assert_eq!(total.to_string(), "500.5000");
        let floats: f64 = estimates.iter().map(Usd::to_f64).sum();
        assert_ne!(floats.to_string(), "500.5");
        assert_eq!((usd("-1.25") + usd("0.5")).to_string(), "-0.75");
        assert_eq!((usd("0.005") + usd("0.005")).to_string(), "0.010");
        assert!(usd("99999999999999999999999999999").checked_add(&usd("0.000000000001")).is_none());
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(usd("1.50"), usd("1.5"));
        assert!(usd("1.499") < usd("1.5") && usd("-2") < usd("-1.999"));
        assert_eq!([usd("3"), usd("0.25"), usd("1")].into_iter().max().unwrap().to_string(), "3");
    }
}
