//! One big table split in key ranges, read at once on several connections.
//!
//! With `table_split_parts` above 1, a full refresh read in key order whose
//! key starts with an integer, date or datetime column, and whose table the catalog counts at
//! `table_split_min_rows` rows or more, is read as that many ranges of that
//! column, cut evenly between its MIN and MAX. The ranges are half-open,
//! `lower <= k < upper`, the first without a lower bound and the last
//! without an upper one, so together they hold every row once whatever is
//! inserted meanwhile (the key is never NULL). Each range is a work item of
//! the executor, read by the one loop in key order, with its own position.
//!
//! The stream's state (`state::SplitState`) keeps every range's bounds and
//! position; a run started from it reads the same ranges again, each after
//! its own last key, and skips the ranges already done. The writer merges
//! the ranges' events into the stream's (`merge`).

use super::estimate::estimate;
use super::plan::StreamPlan;
use super::rows;
use crate::config::Config;
use crate::connection::Client;
use crate::discover::Table;
use crate::driver_error::query_error;
use crate::error::{Error, Result};
use crate::protocol::catalog::display_name;
use crate::query::{key_ordered_within, table_name, KeyStart, Query};
use crate::state::{InputState, OrderedState, RangeState, SplitState, StreamState};
use crate::types::{quote_identifier, SqlType};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use futures_util::TryStreamExt;

/// What the executor reads: the work items, and the streams split among them.
#[derive(Debug, Clone, Default)]
pub struct Work {
    pub plans: Vec<StreamPlan>,
    pub splits: Vec<SplitStream>,
}

#[derive(Debug, Clone)]
pub struct SplitStream {
    /// The stream's own plan: what its messages are about.
    pub plan: StreamPlan,
    /// Where each range is, those already done included.
    pub state: SplitState,
    /// `(work item, range)` for each range read this time.
    pub parts: Vec<(usize, usize)>,
}

/// The work for `streams`: each as it is, or in ranges. `notes` get a
/// line for each stream split.
pub async fn work(
    client: &mut Client,
    config: &Config,
    tables: &[Table],
    streams: &[StreamPlan],
    state: &InputState,
    notes: &mut Vec<String>,
) -> Result<Work> {
    let mut work = Work::default();
    for plan in streams {
        let table = tables
            .iter()
            .find(|t| t.schema == plan.schema && t.name == plan.table);
        let ranges = match table.filter(|t| splittable(plan, t)) {
            Some(table) => ranges(client, config, table, plan, state).await?,
            None => None,
        };
        let (Some(table), Some(split_state)) = (table, ranges) else {
            work.plans.push(plan.clone());
            continue;
        };
        let mut split = SplitStream {
            plan: plan.clone(),
            state: split_state,
            parts: Vec::new(),
        };
        for (index, range) in split.state.ranges.iter().enumerate() {
            if range.position.as_ref().is_some_and(|p| p.finished) {
                continue;
            }
            split.parts.push((work.plans.len(), index));
            work.plans
                .push(part_plan(plan, table, &split.state.split_col, range)?);
        }
        notes.push(format!(
            "stream `{}` is read in {} ranges of `{}` at once ({} left to read)",
            display_name(&plan.stream),
            split.state.ranges.len(),
            split.state.split_col,
            split.parts.len()
        ));
        work.splits.push(split);
    }
    Ok(work)
}

/// A full refresh in key order whose key starts with an integer, date or
/// datetime column.
fn splittable(plan: &StreamPlan, table: &Table) -> bool {
    let Some(key) = plan.key.as_ref().filter(|k| k.initial_load.is_none()) else {
        return false;
    };
    plan.cursor.is_none() && key.columns.first().and_then(|c| kind(table, c)).is_some()
}

/// How a leading key column's values are cut: as integers, or as days or
/// seconds counted from a fixed point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Date,
    DateTime,
}

fn kind(table: &Table, column: &str) -> Option<Kind> {
    let column = table.columns.iter().find(|c| c.name == column)?;
    match column.column_type.sql_type {
        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => {
            Some(Kind::Integer)
        }
        SqlType::Date => Some(Kind::Date),
        SqlType::SmallDateTime | SqlType::DateTime | SqlType::DateTime2 => Some(Kind::DateTime),
        _ => None,
    }
}

const DATE: &str = "%Y-%m-%d";
const DATE_TIME: &str = "%Y-%m-%dT%H:%M:%S";

impl Kind {
    /// A cut point as the bound's text: what the state keeps, and what the
    /// query casts to the column's type.
    fn text(self, point: i64) -> Option<String> {
        match self {
            Kind::Integer => Some(point.to_string()),
            Kind::Date => i32::try_from(point)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .map(|d| d.format(DATE).to_string()),
            Kind::DateTime => chrono::DateTime::from_timestamp(point, 0)
                .map(|t| t.naive_utc().format(DATE_TIME).to_string()),
        }
    }

    /// Whether a bound read from a state is one this source writes: it
    /// goes into the query's text.
    fn is_bound(self, text: &str) -> bool {
        match self {
            Kind::Integer => text.parse::<i64>().is_ok(),
            Kind::Date => NaiveDate::parse_from_str(text, DATE).is_ok(),
            Kind::DateTime => NaiveDateTime::parse_from_str(text, DATE_TIME).is_ok(),
        }
    }

    /// The column's MIN and MAX as points: integers, days, or seconds
    /// (rounded down: a cut above it still leaves no gap).
    fn point(self, row: &tiberius::Row, index: usize) -> Result<Option<i64>> {
        Ok(match self {
            Kind::Integer => row.try_get::<i64, _>(index).map_err(|e| query_error(&e))?,
            Kind::Date => row
                .try_get::<NaiveDate, _>(index)
                .map_err(|e| query_error(&e))?
                .map(|d| i64::from(d.num_days_from_ce())),
            Kind::DateTime => row
                .try_get::<NaiveDateTime, _>(index)
                .map_err(|e| query_error(&e))?
                .map(|t| t.and_utc().timestamp()),
        })
    }
}

/// The ranges to read: the state's when it has unfinished ones for this
/// key, else new ones when the table is big enough (and no read in one
/// piece is to be resumed); `None`: read it whole.
async fn ranges(
    client: &mut Client,
    config: &Config,
    table: &Table,
    plan: &StreamPlan,
    state: &InputState,
) -> Result<Option<SplitState>> {
    let column = &table.order_key[0];
    let Some(kind) = kind(table, column) else {
        return Ok(None);
    };
    match state.get(&plan.stream) {
        Some(StreamState::Split(saved)) if &saved.split_col == column && !saved.finished() => {
            return Ok(Some(checked_bounds(saved, plan, kind)?));
        }
        // An unfinished read in one piece goes on from its last key.
        Some(StreamState::Ordered(saved)) if !saved.finished => return Ok(None),
        _ => {}
    }
    if config.table_split_parts < 2 {
        return Ok(None);
    }
    if config.table_split_min_rows > 0 {
        let rows = estimate(client, &table.schema, &table.name).await.rows;
        if rows.is_none_or(|n| n < config.table_split_min_rows) {
            return Ok(None);
        }
    }
    let Some((min, max)) = min_max(client, table, column, kind).await? else {
        return Ok(None);
    };
    let cuts: Option<Vec<String>> = cuts(min, max, config.table_split_parts)
        .into_iter()
        .map(|c| kind.text(c))
        .collect();
    let Some(cuts) = cuts.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let mut bounds: Vec<Option<String>> = vec![None];
    bounds.extend(cuts.into_iter().map(Some));
    bounds.push(None);
    let ranges = bounds
        .windows(2)
        .map(|pair| RangeState {
            lower: pair[0].clone(),
            upper: pair[1].clone(),
            position: None,
        })
        .collect();
    Ok(Some(SplitState {
        version: crate::state::STATE_VERSION,
        split_col: column.clone(),
        ranges,
    }))
}

/// The saved ranges, once their bounds are checked to be of the kind this
/// source writes for the column: they go into the query's text.
fn checked_bounds(saved: &SplitState, plan: &StreamPlan, kind: Kind) -> Result<SplitState> {
    for range in &saved.ranges {
        for bound in [&range.lower, &range.upper].into_iter().flatten() {
            if !kind.is_bound(bound) {
                return Err(Error::config(format!(
                    "state: stream `{}` has a range bound {bound:?}, which is not a bound of \
                     its key column's type; reset the stream to read it again from the start",
                    display_name(&plan.stream)
                )));
            }
        }
    }
    Ok(saved.clone())
}

/// `parts - 1` cut points spreading `min..=max` evenly, strictly increasing
/// and above `min` (so no range is empty by construction).
pub fn cuts(min: i64, max: i64, parts: usize) -> Vec<i64> {
    let span = i128::from(max) - i128::from(min) + 1;
    let mut cuts: Vec<i64> = Vec::new();
    for i in 1..parts as i128 {
        let cut = i128::from(min) + span * i / parts as i128;
        let cut = i64::try_from(cut).expect("between min and max");
        if cut > min && cuts.last().is_none_or(|last| cut > *last) {
            cuts.push(cut);
        }
    }
    cuts
}

async fn min_max(
    client: &mut Client,
    table: &Table,
    column: &str,
    kind: Kind,
) -> Result<Option<(i64, i64)>> {
    let quoted = quote_identifier(column);
    // Integers widened to one type; dates and datetimes as they are.
    let (min, max) = match kind {
        Kind::Integer => (
            format!("CAST(MIN({quoted}) AS bigint)"),
            format!("CAST(MAX({quoted}) AS bigint)"),
        ),
        Kind::Date | Kind::DateTime => (format!("MIN({quoted})"), format!("MAX({quoted})")),
    };
    let query = Query {
        sql: format!("SELECT {min}, {max} FROM {}", table_name(table)),
        params: Vec::new(),
    };
    let mut stream = rows(client, &query).await?;
    let mut found = None;
    while let Some(row) = stream.try_next().await.map_err(|e| query_error(&e))? {
        found = kind.point(&row, 0)?.zip(kind.point(&row, 1)?);
    }
    Ok(found)
}

/// The plan of one range: the stream's, restricted to the range and
/// resumed after the range's own last key.
fn part_plan(
    plan: &StreamPlan,
    table: &Table,
    column: &str,
    range: &RangeState,
) -> Result<StreamPlan> {
    let key = plan.key.as_ref().expect("splittable streams have a key");
    let selected = Table {
        columns: plan
            .columns
            .iter()
            .filter_map(|name| table.columns.iter().find(|c| &c.name == name).cloned())
            .collect(),
        ..table.clone()
    };
    let resumed_after = range
        .position
        .as_ref()
        .and_then(OrderedState::values)
        .filter(|values| values.len() == key.columns.len());
    let start = resumed_after
        .as_deref()
        .map_or(KeyStart::Beginning, KeyStart::After);
    let column_type = &table
        .columns
        .iter()
        .find(|c| c.name == column)
        .expect("splittable streams' key column is in the table")
        .column_type;
    let cast = match &column_type.sql_type {
        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt => None,
        other => Some(other.name()),
    };
    let within = within(column, cast, range);
    let query = key_ordered_within(&selected, &key.columns, start, within.as_deref())?;
    let mut part = plan.clone();
    part.query = query;
    part.key = Some(super::plan::KeyPlan {
        resumed_after,
        ..key.clone()
    });
    Ok(part)
}

/// `k >= lower AND k < upper`, each bound when there is one, and cast to
/// the column's type (`cast`) unless an integer. The bounds are made here,
/// or checked when read from the state, so they are plain digits and dashes.
fn within(column: &str, cast: Option<&str>, range: &RangeState) -> Option<String> {
    let quoted = quote_identifier(column);
    let value = |bound: &String| match cast {
        None => bound.clone(),
        Some(to) => format!("CAST('{bound}' AS {to})"),
    };
    let conditions: Vec<String> = [
        range
            .lower
            .as_ref()
            .map(|l| format!("{quoted} >= {}", value(l))),
        range
            .upper
            .as_ref()
            .map(|u| format!("{quoted} < {}", value(u))),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!conditions.is_empty()).then(|| conditions.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_spread_the_range_evenly() {
        assert_eq!(cuts(0, 99, 4), [25, 50, 75]);
        assert_eq!(cuts(1, 1_000_000, 2), [500_001]);
        // Fewer distinct keys than parts: no empty range is made.
        assert_eq!(cuts(5, 6, 4), [6]);
        assert!(cuts(7, 7, 4).is_empty());
        // The whole bigint range, without overflow.
        assert_eq!(cuts(i64::MIN, i64::MAX, 2), [0]);
    }

    #[test]
    fn ranges_are_half_open() {
        let range = RangeState {
            lower: Some("10".into()),
            upper: Some("20".into()),
            position: None,
        };
        assert_eq!(
            within("id", None, &range).unwrap(),
            "[id] >= 10 AND [id] < 20"
        );
        let first = RangeState {
            lower: None,
            ..range.clone()
        };
        assert_eq!(within("id", None, &first).unwrap(), "[id] < 20");
        let day = RangeState {
            lower: Some("2024-02-29".into()),
            upper: None,
            position: None,
        };
        assert_eq!(
            within("on", Some("date"), &day).unwrap(),
            "[on] >= CAST('2024-02-29' AS date)"
        );
    }

    #[test]
    fn date_bounds_round_trip_and_nothing_else_passes() {
        let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let point = i64::from(day.num_days_from_ce());
        assert_eq!(Kind::Date.text(point).unwrap(), "2024-02-29");
        assert_eq!(Kind::DateTime.text(86_400).unwrap(), "1970-01-02T00:00:00");
        assert!(Kind::DateTime.is_bound("2024-02-29T10:00:00"));
        assert!(!Kind::DateTime.is_bound("2024-02-29T10:00:00' OR 1=1 --"));
        assert!(!Kind::Integer.is_bound("1; DROP TABLE x"));
    }
}
