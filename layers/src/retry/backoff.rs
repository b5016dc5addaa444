//! How long to wait before a retry: the server's hint when it is sane, else exponential backoff.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest server-suggested delay that is honoured; longer (or non-positive) hints fall back
/// to exponential backoff.
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

/// Delay before the first retry, doubled for each later one.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(500);

/// Upper bound of the exponential backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// The server's suggested delay, if it gave a usable one.
///
/// Reads `retry-after-ms` (milliseconds, fractions allowed), else `retry-after` as seconds
/// (fractions allowed) or as an HTTP-date relative to `now`. The first header that parses decides:
/// its value is used only when `0 < delay ≤ 60 s`, otherwise the caller falls back to backoff.
pub fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    retry_after(headers, now).filter(|delay| *delay <= MAX_SERVER_DELAY)
}

/// What the server asked a client to wait before trying again, however long: the headers read
/// as [`server_delay`] reads them, without its 60 s bound.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let seconds = parse_number(headers, "retry-after-ms").map(|ms| ms / 1000.0).or_else(|| {
        let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
        value.parse::<f64>().ok().or_else(|| {
            let at = httpdate::parse_http_date(value).ok()?;
            Some(match at.duration_since(now) {
                Ok(ahead) => ahead.as_secs_f64(),
                Err(behind) => -behind.duration().as_secs_f64(),
            })
        })
    })?;
    // A positive hint too small for a `Duration` (e.g. `4e-86`) rounds to zero: not a usable wait.
    let usable = seconds.is_finite() && seconds > 0.0 && seconds < u32::MAX as f64;
    usable.then(|| Duration::from_secs_f64(seconds)).filter(|delay| !delay.is_zero())
}

fn parse_number(headers: &HeaderMap, name: &str) -> Option<f64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Exponential backoff before retry number `retries_done + 1`: `min(0.5 s · 2^n, 8 s)` reduced by
/// up to 25 % of jitter, where `unit` is a uniform sample from `[0, 1)`.
pub fn backoff(retries_done: u32, unit: f64) -> Duration {
    let base = INITIAL_BACKOFF.as_secs_f64() * 2f64.powi(retries_done.min(16) as i32);
    let base = base.min(MAX_BACKOFF.as_secs_f64());
    Duration::from_secs_f64(base * (1.0 - 0.25 * unit.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn delay(pairs: &[(&'static str, &str)]) -> Option<Duration> {
        server_delay(&headers(pairs), SystemTime::now())
    }

    #[test]
    fn reads_each_form_in_order() {
        assert_eq!(delay(&[("retry-after-ms", "250")]), Some(Duration::from_millis(250)));
        assert_eq!(
            delay(&[("retry-after-ms", "250"), ("retry-after", "9")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(delay(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(delay(&[("retry-after", "1.5")]), Some(Duration::from_millis(1500)));
        assert_eq!(delay(&[("retry-after-ms", "junk"), ("retry-after", "3")]), Some(Duration::from_secs(3)));
    }

    #[test]
    fn an_http_date_is_relative_to_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(10));
        let got = server_delay(&headers(&[("retry-after", &date)]), now).unwrap();
        assert_eq!(got, Duration::from_secs(10));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(10));
        assert_eq!(server_delay(&headers(&[("retry-after", &past)]), now), None);
    }

    #[test]
    fn a_hint_past_the_bound_is_still_reported() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(&headers(&[("retry-after", "120")]), now), Some(Duration::from_secs(120)));
        assert_eq!(server_delay(&headers(&[("retry-after", "120")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "0")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "inf")]), now), None);
    }

    #[test]
    fn out_of_range_or_garbage_falls_back_to_backoff() {
        assert_eq!(delay(&[("retry-after", "0")]), None);
        assert_eq!(delay(&[("retry-after", "61")]), None);
        assert_eq!(delay(&[("retry-after", "120")]), None);
        assert_eq!(delay(&[("retry-after", "-1")]), None);
        assert_eq!(delay(&[("retry-after", "soon")]), None);
        assert_eq!(delay(&[("retry-after", "NaN")]), None);
        assert_eq!(delay(&[("retry-after", "inf")]), None);
        // Positive, but below a nanosecond: found by the fuzzer.
        assert_eq!(delay(&[("retry-after", "4e-86")]), None);
        assert_eq!(delay(&[("retry-after-ms", "1e-7")]), None);
        assert_eq!(delay(&[("retry-after", "60")]), Some(Duration::from_secs(60)));
        // A parsable but out-of-range `retry-after-ms` does not defer to `retry-after`.
        assert_eq!(delay(&[("retry-after-ms", "61000"), ("retry-after", "3")]), None);
        assert_eq!(delay(&[]), None);
    }

    #[test]
    fn backoff_doubles_to_a_cap_with_up_to_a_quarter_of_jitter() {
        let expected = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0];
        for (n, base) in expected.into_iter().enumerate() {
            let n = n as u32;
            assert_eq!(backoff(n, 0.0), Duration::from_secs_f64(base));
            let low = backoff(n, 0.999_999);
            assert!(low > Duration::from_secs_f64(base * 0.75), "{n}: {low:?}");
            assert!(low < Duration::from_secs_f64(base));
        }
        assert_eq!(backoff(1000, 0.0), MAX_BACKOFF);
    }

    proptest::proptest! {
        #[test]
        fn any_header_values_give_no_delay_or_one_within_bounds(
            ms in ".{0,24}",
            seconds in ".{0,40}",
            offset in 0u64..4_000_000_000,
        ) {
            let mut map = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&ms) {
                map.insert("retry-after-ms", v);
            }
            if let Ok(v) = HeaderValue::from_str(&seconds) {
                map.insert(http::header::RETRY_AFTER, v);
            }
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(offset);
            if let Some(delay) = server_delay(&map, now) {
                proptest::prop_assert!(delay > Duration::ZERO && delay <= MAX_SERVER_DELAY);
            }
        }

        #[test]
        fn backoff_stays_within_its_window(retries in 0u32..10_000, unit in 0.0f64..1.0) {
            let delay = backoff(retries, unit);
            proptest::prop_assert!(delay > Duration::from_millis(374) && delay <= MAX_BACKOFF);
        }
    }
}
