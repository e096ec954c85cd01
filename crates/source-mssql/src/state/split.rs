//! The state of a full refresh split in key ranges: every range's bounds
//! and its own position, so each range resumes on its own and a resumed
//! read keeps the ranges it started with (new bounds from a table that
//! changed could leave a gap between an old range's position and a new one).

use super::{current_version, OrderedState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitState {
    #[serde(default = "current_version")]
    pub version: u32,
    /// The key's first column, which the ranges divide.
    pub split_col: String,
    /// In key order; together they cover every value of `split_col`.
    pub ranges: Vec<RangeState>,
}

/// One range, `lower <= split_col < upper`; no bound is unbounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeState {
    #[serde(default)]
    pub lower: Option<String>,
    #[serde(default)]
    pub upper: Option<String>,
    /// Where the range's read is: `None` before its first checkpoint.
    #[serde(default)]
    pub position: Option<OrderedState>,
}

impl SplitState {
    /// Every range done: the next full refresh starts over.
    pub fn finished(&self) -> bool {
        self.ranges
            .iter()
            .all(|r| r.position.as_ref().is_some_and(|p| p.finished))
    }

    /// Why the ranges can't be resumed from, if they can't: they must run
    /// from unbounded to unbounded, each starting where the last ends.
    pub fn check(&self) -> Result<(), String> {
        let (Some(first), Some(last)) = (self.ranges.first(), self.ranges.last()) else {
            return Err("has no ranges".into());
        };
        if first.lower.is_some() || last.upper.is_some() {
            return Err(
                "has ranges that do not cover every key: the first must have no \
                        lower bound and the last no upper bound"
                    .into(),
            );
        }
        for pair in self.ranges.windows(2) {
            if pair[0].upper.is_none() || pair[0].upper != pair[1].lower {
                return Err(format!(
                    "has a range ending at {:?} followed by one starting at {:?}; each must \
                     start where the one before ends",
                    pair[0].upper, pair[1].lower
                ));
            }
        }
        for range in &self.ranges {
            if let Some(position) = &range.position {
                position.check()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lower: Option<&str>, upper: Option<&str>) -> RangeState {
        RangeState {
            lower: lower.map(String::from),
            upper: upper.map(String::from),
            position: None,
        }
    }

    fn split(ranges: Vec<RangeState>) -> SplitState {
        SplitState {
            version: current_version(),
            split_col: "id".into(),
            ranges,
        }
    }

    #[test]
    fn ranges_must_cover_every_key_without_gap() {
        let whole = split(vec![range(None, Some("10")), range(Some("10"), None)]);
        assert_eq!(whole.check(), Ok(()));
        assert!(!whole.finished());
        let gap = split(vec![range(None, Some("10")), range(Some("11"), None)]);
        assert!(gap.check().unwrap_err().contains("start where"));
        let bounded = split(vec![range(Some("0"), None)]);
        assert!(bounded.check().unwrap_err().contains("cover every key"));
        assert!(split(Vec::new()).check().is_err());
    }
}
