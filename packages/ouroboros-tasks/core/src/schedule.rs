//! Cron expressions for periodic tasks, parsed and evaluated by `croner`.
//!
//! Five fields (minute precision) or six (a leading seconds field), with the
//! usual `*/n`, ranges, lists, names (`MON`, `JAN`) and `@hourly`-style
//! nicknames. Times are UTC.

use chrono::{TimeZone, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;

use crate::{Error, Result};

/// A parsed cron expression.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: Cron,
    expression: String,
}

impl CronSchedule {
    /// Parse `expression`; the error names the expression and what is wrong.
    pub fn parse(expression: &str) -> Result<Self> {
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .build()
            .parse(expression.trim())
            .map_err(|e| {
                Error::invalid(
                    "cron",
                    format!("{expression:?} is not a cron expression: {e}"),
                )
            })?;
        Ok(Self {
            cron,
            expression: expression.trim().to_owned(),
        })
    }

    /// The expression as given (trimmed).
    #[must_use]
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first matching time strictly after `after_ms` (Unix ms), in Unix ms.
    pub fn next_after(&self, after_ms: u64) -> Result<u64> {
        let millis =
            i64::try_from(after_ms).map_err(|_| Error::invalid("after", "out of range"))?;
        let start = Utc
            .timestamp_millis_opt(millis)
            .single()
            .ok_or_else(|| Error::invalid("after", format!("{after_ms} is not a valid time")))?;
        let next = self.cron.find_next_occurrence(&start, false).map_err(|e| {
            Error::invalid(
                "cron",
                format!("{:?} has no next time: {e}", self.expression),
            )
        })?;
        u64::try_from(next.timestamp_millis())
            .map_err(|_| Error::invalid("cron", "next time is before 1970"))
    }
}
