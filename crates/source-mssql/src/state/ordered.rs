//! The states of a read in key order, and of a full refresh that can't be one.
//!
//! Airbyte's SQL Server source keeps one ordered column (`ordered_col`) and
//! its last value (`ordered_col_val`). A key of several columns keeps those
//! two for its first column, so Airbyte's shape still reads, and adds every
//! column and value in `ordered_cols` / `ordered_col_vals`. Values are text,
//! as the records show them; the query casts each to its column's type.

use super::{current_version, StreamState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderedState {
    #[serde(default = "current_version")]
    pub version: u32,
    /// The key's first column.
    #[serde(alias = "pk_name")]
    pub ordered_col: String,
    /// Its value in the last row read; `None` before any row.
    #[serde(alias = "pk_val", default)]
    pub ordered_col_val: Option<String>,
    /// Every column of a key of several, in key order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ordered_cols: Vec<String>,
    /// Their values in the last row read, in the same order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ordered_col_vals: Vec<String>,
    /// The whole table was read: the next full refresh starts over.
    #[serde(default, skip_serializing_if = "is_false")]
    pub finished: bool,
    /// An incremental stream's cursor state once its initial load is done:
    /// the cursor's largest value when the load started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental_state: Option<Box<StreamState>>,
}

/// `{"state_type": "full_refresh", "resumable": false, "finished": true}`:
/// the next full refresh reads the table again from its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullRefreshState {
    #[serde(default = "current_version")]
    pub version: u32,
    pub resumable: bool,
    #[serde(default)]
    pub finished: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl OrderedState {
    /// The state after the row whose key columns `columns` had `values`
    /// (`None` before any row).
    pub fn new(columns: &[String], values: Option<Vec<String>>, finished: bool) -> Self {
        let composite = columns.len() > 1;
        Self {
            version: current_version(),
            ordered_col: columns.first().cloned().unwrap_or_default(),
            ordered_col_val: values.as_ref().and_then(|v| v.first().cloned()),
            ordered_cols: if composite {
                columns.to_vec()
            } else {
                Vec::new()
            },
            ordered_col_vals: match values {
                Some(values) if composite => values,
                _ => Vec::new(),
            },
            finished,
            incremental_state: None,
        }
    }

    /// The key columns, in key order.
    pub fn columns(&self) -> Vec<String> {
        if self.ordered_cols.is_empty() {
            vec![self.ordered_col.clone()]
        } else {
            self.ordered_cols.clone()
        }
    }

    /// The last key read, one value per column; `None` before any row.
    pub fn values(&self) -> Option<Vec<String>> {
        if !self.ordered_col_vals.is_empty() {
            return Some(self.ordered_col_vals.clone());
        }
        self.ordered_col_val.clone().map(|v| vec![v])
    }

    /// Why the state can't be resumed from, if it can't.
    pub fn check(&self) -> Result<(), String> {
        if self.ordered_cols.is_empty() {
            return if self.ordered_col_vals.is_empty() {
                Ok(())
            } else {
                Err("has `ordered_col_vals` without `ordered_cols`".into())
            };
        }
        if self.ordered_cols.first() != Some(&self.ordered_col) {
            return Err(format!(
                "has the ordered_col {:?}, which is not the first of ordered_cols {:?}",
                self.ordered_col, self.ordered_cols
            ));
        }
        let values = self.ordered_col_vals.len();
        if values != 0 && values != self.ordered_cols.len() {
            return Err(format!(
                "has {values} ordered_col_vals for the {} ordered_cols",
                self.ordered_cols.len()
            ));
        }
        if values != 0 && self.ordered_col_vals.first() != self.ordered_col_val.as_ref() {
            return Err("has an ordered_col_val that is not the first of ordered_col_vals".into());
        }
        Ok(())
    }
}

impl FullRefreshState {
    pub fn one_pass() -> Self {
        Self {
            version: current_version(),
            resumable: false,
            finished: true,
        }
    }
}
