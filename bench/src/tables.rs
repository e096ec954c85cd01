//! The race's tables: a shape (narrow or wide) at a row count, each its own table in
//! the emulator (`narrow_100000`, `wide_1000000`...), so that every reader reads the
//! same rows in the same run.

use crate::seed::{self, NARROW_COLUMNS};
use source_mssql::types::{quote_identifier, ColumnType, SqlType};

/// Which columns a table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 5 columns: int, bigint, nvarchar(50), datetime2, decimal(18,4).
    Narrow,
    /// 30 mixed columns ([`seed::WIDE_COLUMNS`]).
    Wide,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Narrow => "narrow",
            Shape::Wide => "wide",
        }
    }

    /// Column names and types (without constraints), in `SELECT` order.
    pub fn columns(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Shape::Narrow => NARROW_COLUMNS.to_vec(),
            Shape::Wide => seed::wide_types().collect(),
        }
    }
}

/// One table of the race.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchTable {
    pub shape: Shape,
    pub rows: u64,
}

impl BenchTable {
    pub fn new(shape: Shape, rows: u64) -> Self {
        BenchTable { shape, rows }
    }

    /// `narrow_1000000`
    pub fn name(&self) -> String {
        format!("{}_{}", self.shape.name(), self.rows)
    }

    /// `narrow (5 columns)`
    pub fn label(&self) -> String {
        format!(
            "{} ({} columns)",
            self.shape.name(),
            self.shape.columns().len()
        )
    }

    /// The T-SQL batch that creates and fills it.
    pub fn seed_sql(&self) -> String {
        match self.shape {
            Shape::Narrow => seed::narrow_sql(&self.name(), self.rows),
            Shape::Wide => seed::wide_sql(&self.name(), self.rows),
        }
    }

    /// The SELECT source-mssql runs for a full refresh (same conversions, and
    /// the same order: both tables have the primary key `id`, so the source
    /// reads them in key order to be resumable), for the decode loops.
    pub fn source_select(&self) -> String {
        source_select(&self.name(), &self.shape.columns())
    }
}

/// `SELECT` of `columns` with the conversions source-mssql applies (money as decimal...).
pub fn source_select(table: &str, columns: &[(&str, &str)]) -> String {
    let list = columns
        .iter()
        .map(|(name, ty)| {
            let base = ty.split('(').next().unwrap_or(ty);
            let quoted = quote_identifier(name);
            let expression = ColumnType::new(SqlType::from_name(base)).select_expression(&quoted);
            if expression == quoted {
                quoted
            } else {
                format!("{expression} AS {quoted}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {list} FROM [dbo].{} ORDER BY [id]",
        quote_identifier(table)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_shape_and_rows() {
        let table = BenchTable::new(Shape::Wide, 100_000);
        assert_eq!(table.name(), "wide_100000");
        assert_eq!(table.label(), "wide (30 columns)");
        assert!(table.seed_sql().contains("CREATE TABLE dbo.wide_100000"));
        assert!(table
            .source_select()
            .ends_with("FROM [dbo].[wide_100000] ORDER BY [id]"));
    }
}
