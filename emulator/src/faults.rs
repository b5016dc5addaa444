//! Fault injection: queued misbehaviour for the next requests that match a method and path.
//!
//! ```
//! use boltz_api_emulator::{Fault, FaultAction};
//!
//! // The next revoke of any key answers 429 with a 20 ms retry hint.
//! let fault = Fault::new("POST", "/compute/v1/admin/api-keys/*/revoke", FaultAction::status(429).header("retry-after-ms", "20"));
//! assert_eq!(fault.times, 1);
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What to do instead of (or before) answering normally. More actions may come, so matches
/// outside this crate need a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer with this status, headers and body (default: an error JSON body).
    Status {
        /// The status code.
        status: u16,
        /// Extra headers such as `retry-after`, `retry-after-ms` or `x-should-retry`.
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// The body; an error object in the API's shape when absent.
        #[serde(default)]
        body: Option<String>,
    },
    /// Wait this long before handling the request normally (delays the headers).
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Send the headers and the first half of the real body, then never finish it.
    StallBody,
    /// Close the connection without sending any response.
    Close,
    /// Reset the connection (TCP RST) without sending any response.
    Reset,
    /// Send the headers and the first half of the real body, then break the connection.
    TruncatedBody,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
}

impl FaultAction {
    /// A [`FaultAction::Status`] with no extra headers and the default body.
    pub fn status(status: u16) -> Self {
        FaultAction::Status { status, headers: BTreeMap::new(), body: None }
    }

    /// Add a header to a [`FaultAction::Status`]; other actions are returned unchanged.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let FaultAction::Status { headers, .. } = &mut self {
            headers.insert(name.to_owned(), value.to_owned());
        }
        self
    }
}

/// A queued fault: for the next `times` requests matching `method` and `path`, do `action`.
///
/// `path` matches segment by segment; a `*` segment matches any one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// The method to match; any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// The path pattern.
    pub path: String,
    /// How many matching requests the fault applies to.
    #[serde(default = "one")]
    pub times: u32,
    /// The chance (0 to 1) that the fault applies to a matching request; every one when absent.
    #[serde(default)]
    pub probability: Option<f64>,
    /// What happens to them.
    pub action: FaultAction,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault for the next request with `method` (`"*"` for any) on `path`.
    pub fn new(method: &str, path: &str, action: FaultAction) -> Self {
        let method = (method != "*").then(|| method.to_ascii_uppercase());
        Self { method, path: path.to_owned(), times: 1, probability: None, action }
    }

    /// Apply to each matching request with this chance only (for soak tests).
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = Some(probability.clamp(0.0, 1.0));
        self
    }

    /// Apply to the next `times` matching requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        if self.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case(method)) {
            return false;
        }
        let mut pattern = self.path.trim_end_matches('/').split('/');
        let mut actual = path.trim_end_matches('/').split('/');
        loop {
            match (pattern.next(), actual.next()) {
                (None, None) => return true,
                (Some(p), Some(a)) if p == "*" || p == a => {}
                _ => return false,
            }
        }
    }
}

/// A draw that succeeds with chance `probability`.
fn fires(probability: f64) -> bool {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the OS random generator is available");
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) < probability
}

/// The queue of pending faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queue: Mutex<Vec<Fault>>,
}

impl Faults {
    pub(crate) fn push(&self, fault: Fault) {
        if fault.times > 0 {
            self.queue.lock().expect("fault queue").push(fault);
        }
    }

    pub(crate) fn clear(&self) {
        self.queue.lock().expect("fault queue").clear();
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.queue.lock().expect("fault queue").clone()
    }

    /// Take one use of the first fault matching the request, if any.
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<FaultAction> {
        let mut queue = self.queue.lock().expect("fault queue");
        let index = queue.iter().position(|f| f.matches(method, path) && f.probability.is_none_or(fires))?;
        let fault = &mut queue[index];
        fault.times -= 1;
        let action = fault.action.clone();
        if fault.times == 0 {
            queue.remove(index);
        }
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_method_and_segments_and_counts_down() {
        let faults = Faults::default();
        faults.push(Fault::new("post", "/a/*/revoke", FaultAction::Close).times(2));
        assert_eq!(faults.take("GET", "/a/k1/revoke"), None);
        assert_eq!(faults.take("POST", "/a/k1/other"), None);
        assert_eq!(faults.take("POST", "/a/k1/revoke"), Some(FaultAction::Close));
        assert_eq!(faults.take("POST", "/a/k2/revoke/"), Some(FaultAction::Close));
        assert_eq!(faults.take("POST", "/a/k3/revoke"), None);
    }

    #[test]
    fn probabilistic_faults_fire_at_about_their_rate() {
        let faults = Faults::default();
        faults.push(Fault::new("GET", "/x", FaultAction::Close).times(u32::MAX).probability(0.2));
        let fired = (0..10_000).filter(|_| faults.take("GET", "/x").is_some()).count();
        assert!((1_500..2_500).contains(&fired), "{fired}");
        faults.push(Fault::new("GET", "/y", FaultAction::Close).times(u32::MAX).probability(0.0));
        assert_eq!(faults.take("GET", "/y"), None);
    }

    #[test]
    fn decodes_from_the_control_endpoint_shape() {
        let fault: Fault = serde_json::from_str(
            r#"{"method":"GET","path":"/x","times":3,"action":{"kind":"status","status":503,"headers":{"x-should-retry":"false"}}}"#,
        )
        .unwrap();
        assert_eq!(
            fault,
            Fault::new("GET", "/x", FaultAction::status(503).header("x-should-retry", "false")).times(3)
        );
        let any: Fault = serde_json::from_str(r#"{"path":"/x","action":{"kind":"delay","ms":5}}"#).unwrap();
        assert_eq!((any.method, any.times), (None, 1));
    }
}
