use super::{Extra, Model};
use chrono::{DateTime, Utc};

open_enum! {
    /// The unit of a data-retention period.
    pub enum RetentionUnit {
        /// Hours.
        Hours = "hours",
        /// Days.
        Days = "days",
    }
}

/// How long result data is kept before automatic deletion (at most 14 days, or 336 hours).
#[derive(Debug, Clone, PartialEq, Eq, Model)]
pub struct DataRetention {
    /// The unit of `value`.
    pub unit: RetentionUnit,
    /// The period, in `unit`.
    pub value: i64,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

impl DataRetention {
    /// A period of `value` hours.
    pub fn hours(value: i64) -> Self {
        Self { unit: RetentionUnit::Hours, value, extra: Extra::default() }
    }

    /// A period of `value` days.
    pub fn days(value: i64) -> Self {
        Self { unit: RetentionUnit::Days, value, extra: Extra::default() }
    }
}

/// A workspace.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct Workspace {
    /// Workspace ID.
    pub id: String,
    /// When it was archived; `None` while active.
    pub archived_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How long its result data is kept.
    pub data_retention: DataRetention,
    /// Whether this is the organisation's default workspace.
    pub is_default: bool,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

open_enum! {
    /// The currency of a [`Money`] amount.
    pub enum Currency {
        /// Thousandths of a US dollar.
        MilliUsd = "MILLI_USD",
    }
}

open_enum! {
    /// The kind of a spending limit.
    pub enum LimitType {
        /// A ceiling over the workspace's whole lifetime.
        Lifetime = "lifetime",
    }
}

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
pub struct Money {
    /// The amount in `currency` units; [`Money::UNLIMITED`] means tracked but never blocked.
    pub amount: i64,
    /// The currency.
    pub currency: Currency,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

impl Money {
    /// The "no ceiling" sentinel, 2^53 − 1.
    pub const UNLIMITED: i64 = 9_007_199_254_740_991;

    /// `amount` thousandths of a US dollar.
    pub fn milli_usd(amount: i64) -> Self {
        Self { amount, currency: Currency::MilliUsd, extra: Extra::default() }
    }
}

/// The request shape of a lifetime limit: `{"limit":{"amount":…,"currency":"MILLI_USD"},"type":"lifetime"}`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
pub(crate) struct LifetimeLimit {
    limit: Money,
    #[model(rename = "type")]
    kind: LimitType,
    extra: Extra,
}

impl LifetimeLimit {
    /// A lifetime ceiling of `amount` milli-USD.
    pub(crate) fn milli_usd(amount: i64) -> Self {
        Self { limit: Money::milli_usd(amount), kind: LimitType::Lifetime, extra: Extra::default() }
    }
}

/// A workspace's lifetime spending limit and what it has used.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct SpendingLimit {
    /// Spend accrued since tracking started.
    pub accrued_usage: Money,
    /// The configured ceiling.
    pub limit: Money,
    /// The kind of limit.
    #[model(rename = "type")]
    pub kind: LimitType,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_nullable_fields_and_unknown_units() {
        let workspace: Workspace = serde_json::from_str(
            r#"{"id":"ws_1","archived_at":null,"created_at":"2026-01-01T00:00:00Z",
                "data_retention":{"unit":"weeks","value":1},"is_default":false,"name":null,
                "updated_at":"2026-01-02T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!((workspace.archived_at, workspace.name), (None, None));
        assert_eq!(workspace.data_retention.unit, RetentionUnit::Unknown("weeks".into()));
    }

    #[test]
    fn decodes_a_limit_with_i64_amounts() {
        let limit: Option<SpendingLimit> = serde_json::from_str(
            r#"{"accrued_usage":{"amount":2500,"currency":"MILLI_USD"},
                "limit":{"amount":9007199254740991,"currency":"MILLI_USD"},"type":"lifetime"}"#,
        )
        .unwrap();
        let limit = limit.unwrap();
        assert_eq!(limit.limit, Money::milli_usd(Money::UNLIMITED));
        assert_eq!(limit.kind, LimitType::Lifetime);
        assert_eq!(serde_json::from_str::<Option<SpendingLimit>>("null").unwrap(), None);
    }
}
