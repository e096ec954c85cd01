//! The race's results: one table of every reader on every table, and the goals checked
//! against it (each printed as met or MISSED with the figures that decide it).

use crate::tables::{BenchTable, Shape};

/// The readers, in the order they are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Ours,
    TapMssql,
    ConnectorX,
    /// Our client writing RECORD lines from borrowed values: the source's read path to be.
    TdsClientJson,
    TiberiusLoop,
    MssqlTdsLoop,
    TdsClientLoop,
}

impl Reader {
    pub const ALL: [Reader; 7] = [
        Reader::Ours,
        Reader::TapMssql,
        Reader::ConnectorX,
        Reader::TdsClientJson,
        Reader::TiberiusLoop,
        Reader::MssqlTdsLoop,
        Reader::TdsClientLoop,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Reader::Ours => "source-mssql read",
            Reader::TapMssql => "tap-mssql (pipelinewise)",
            Reader::ConnectorX => "ConnectorX to Arrow",
            Reader::TdsClientJson => "tds-client RECORD writer",
            Reader::TiberiusLoop => "tiberius decode loop (ceiling)",
            Reader::MssqlTdsLoop => "mssql-tds decode loop",
            Reader::TdsClientLoop => "tds-client decode loop",
        }
    }

    /// The name `--readers` takes.
    pub fn arg(self) -> &'static str {
        match self {
            Reader::Ours => "ours",
            Reader::TapMssql => "tap",
            Reader::ConnectorX => "connectorx",
            Reader::TdsClientJson => "tds-client-json",
            Reader::TiberiusLoop => "tiberius",
            Reader::MssqlTdsLoop => "mssql-tds",
            Reader::TdsClientLoop => "tds-client",
        }
    }
}

/// The goals of the race.
pub const GOAL_VS_TAP: f64 = 20.0;
pub const GOAL_VS_CONNECTORX: f64 = 1.0;
pub const GOAL_VS_CEILING: f64 = 0.60;
pub const GOAL_SCALING: f64 = 0.10;
pub const GOAL_PEAK_MB: f64 = 64.0;

/// One reader's best run on one table.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub secs: f64,
    /// Bytes written to stdout (connectors only; the loops write nothing).
    pub output_bytes: Option<u64>,
    /// The highest peak RSS over its runs, in KiB.
    pub peak_rss_kib: u64,
}

/// What happened to one reader on one table.
#[derive(Debug, Clone)]
pub enum Outcome {
    Measured(Measured),
    Skipped(String),
    Failed(String),
}

/// Every reader on one table.
#[derive(Debug, Clone)]
pub struct TableResult {
    pub table: BenchTable,
    pub runs: usize,
    pub outcomes: Vec<(Reader, Outcome)>,
}

impl TableResult {
    fn measured(&self, reader: Reader) -> Option<Measured> {
        self.outcomes.iter().find_map(|(r, o)| match o {
            Outcome::Measured(m) if *r == reader => Some(*m),
            _ => None,
        })
    }

    fn rows_per_sec(&self, reader: Reader) -> Option<f64> {
        self.measured(reader)
            .map(|m| self.table.rows as f64 / m.secs)
    }
}

/// The whole report as text: the table, then the goals.
pub fn render(results: &[TableResult], notes: &[String]) -> String {
    let mut out = String::new();
    out.push_str(
        "| table | rows | reader | runs | rows/s | output MB/s | peak RSS MB | ours ÷ reader |\n",
    );
    out.push_str("|---|---:|---|---:|---:|---:|---:|---:|\n");
    for result in results {
        let ours = result.rows_per_sec(Reader::Ours);
        for (reader, outcome) in &result.outcomes {
            let prefix = format!(
                "| {} | {} | {} |",
                result.table.label(),
                thousands(result.table.rows),
                reader.label()
            );
            match outcome {
                Outcome::Measured(m) => {
                    let rate = result.table.rows as f64 / m.secs;
                    let runs = if *reader == Reader::TapMssql {
                        1
                    } else {
                        result.runs
                    };
                    let mb_s = m.output_bytes.map_or("-".to_string(), |b| {
                        format!("{:.1}", b as f64 / m.secs / 1e6)
                    });
                    let ratio = match (ours, *reader) {
                        (_, Reader::Ours) | (None, _) => "-".to_string(),
                        (Some(o), Reader::TapMssql | Reader::ConnectorX) => {
                            format!("{:.1}x", o / rate)
                        }
                        (Some(o), _) => format!("{:.0}%", o / rate * 100.0),
                    };
                    out.push_str(&format!(
                        "{prefix} {runs} | {} | {mb_s} | {:.1} | {ratio} |\n",
                        thousands(rate as u64),
                        m.peak_rss_kib as f64 / 1024.0
                    ));
                }
                Outcome::Skipped(why) => {
                    out.push_str(&format!("{prefix} - | skipped: {why} | | | |\n"))
                }
                Outcome::Failed(why) => {
                    out.push_str(&format!("{prefix} - | FAILED: {why} | | | |\n"))
                }
            }
        }
    }
    out.push('\n');
    for note in notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push_str("\ngoals:\n");
    for line in goals(results) {
        out.push_str(&format!("- {line}\n"));
    }
    out
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// One line per goal: what it is, met or MISSED, and the figures. The goals are
/// source-mssql's; the speed goals are also shown for our client's RECORD writer, the
/// read path the source is to move onto.
pub fn goals(results: &[TableResult]) -> Vec<String> {
    let mut lines = Vec::new();
    for subject in [Reader::Ours, Reader::TdsClientJson] {
        let name = match subject {
            Reader::Ours => "source-mssql",
            _ => "tds-client RECORD writer",
        };
        for shape in [Shape::Narrow, Shape::Wide] {
            let of_shape: Vec<&TableResult> =
                results.iter().filter(|r| r.table.shape == shape).collect();
            if of_shape.is_empty() || !of_shape.iter().any(|r| r.measured(subject).is_some()) {
                continue;
            }
            lines.push(ratio_goal(
                &of_shape,
                shape,
                (subject, Reader::TapMssql),
                &format!("{name} >= {GOAL_VS_TAP:.0}x tap-mssql's rows/s"),
                |ratio| ratio >= GOAL_VS_TAP,
                |ratio| format!("{ratio:.1}x"),
            ));
            lines.push(ratio_goal(
                &of_shape,
                shape,
                (subject, Reader::ConnectorX),
                &format!("{name} >= {GOAL_VS_CONNECTORX:.0}x ConnectorX's rows/s"),
                |ratio| ratio >= GOAL_VS_CONNECTORX,
                |ratio| format!("{ratio:.2}x"),
            ));
            if subject == Reader::Ours {
                lines.push(ratio_goal(
                    &of_shape,
                    shape,
                    (subject, Reader::TiberiusLoop),
                    &format!("{name} >= {:.0}% of the ceiling", GOAL_VS_CEILING * 100.0),
                    |ratio| ratio >= GOAL_VS_CEILING,
                    |ratio| format!("{:.0}%", ratio * 100.0),
                ));
            }
            lines.push(scaling_goal(&of_shape, shape, subject, name));
        }
    }
    lines.push(memory_goal(results));
    lines
}

/// `subject` ÷ `reader` at every size of `shape` where both were measured.
fn ratio_goal(
    results: &[&TableResult],
    shape: Shape,
    (subject, reader): (Reader, Reader),
    what: &str,
    meets: impl Fn(f64) -> bool,
    show: impl Fn(f64) -> String,
) -> String {
    let figures: Vec<(u64, f64)> = results
        .iter()
        .filter_map(|r| {
            let ours = r.rows_per_sec(subject)?;
            Some((r.table.rows, ours / r.rows_per_sec(reader)?))
        })
        .collect();
    if figures.is_empty() {
        return format!("{what}, {} table: not measured", shape.name());
    }
    let met = figures.iter().all(|(_, ratio)| meets(*ratio));
    let detail = figures
        .iter()
        .map(|(rows, ratio)| format!("{} at {} rows", show(*ratio), thousands(*rows)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{what}, {} table: {} ({detail})",
        shape.name(),
        verdict(met)
    )
}

/// ours' rows/s at the largest size against the smallest.
fn scaling_goal(results: &[&TableResult], shape: Shape, subject: Reader, name: &str) -> String {
    let rates: Vec<(u64, f64)> = results
        .iter()
        .filter_map(|r| Some((r.table.rows, r.rows_per_sec(subject)?)))
        .collect();
    let smallest = rates.iter().min_by_key(|(rows, _)| *rows);
    let largest = rates.iter().max_by_key(|(rows, _)| *rows);
    let what = format!(
        "{name} rows/s at the largest size at most {:.0}% below the smallest's, {} table",
        GOAL_SCALING * 100.0,
        shape.name()
    );
    match (smallest, largest) {
        (Some(small), Some(large)) if large.0 > small.0 => {
            let change = large.1 / small.1 - 1.0;
            format!(
                "{what}: {} ({} rows: {} rows/s, {} rows: {} rows/s, {:+.0}%)",
                verdict(change >= -GOAL_SCALING),
                thousands(small.0),
                thousands(small.1 as u64),
                thousands(large.0),
                thousands(large.1 as u64),
                change * 100.0
            )
        }
        _ => format!("{what}: not measured (needs two sizes)"),
    }
}

fn memory_goal(results: &[TableResult]) -> String {
    let peaks: Vec<(String, f64)> = results
        .iter()
        .filter_map(|r| {
            let m = r.measured(Reader::Ours)?;
            Some((r.table.name(), m.peak_rss_kib as f64 / 1024.0))
        })
        .collect();
    let worst = peaks.iter().max_by(|a, b| a.1.total_cmp(&b.1));
    match worst {
        Some((name, mb)) => format!(
            "source-mssql peak memory < {GOAL_PEAK_MB:.0} MB at every size: {} (highest {mb:.1} MB, on {name})",
            verdict(peaks.iter().all(|(_, mb)| *mb < GOAL_PEAK_MB))
        ),
        None => format!("source-mssql peak memory < {GOAL_PEAK_MB:.0} MB: not measured"),
    }
}

/// `1234567` → `1,234,567`
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(secs: f64, output_bytes: Option<u64>) -> Outcome {
        Outcome::Measured(Measured {
            secs,
            output_bytes,
            peak_rss_kib: 10 * 1024,
        })
    }

    fn result(rows: u64, ours: f64, tap: f64, ceiling: f64) -> TableResult {
        TableResult {
            table: BenchTable::new(Shape::Narrow, rows),
            runs: 1,
            outcomes: vec![
                (Reader::Ours, measured(ours, Some(1_000_000))),
                (Reader::TapMssql, measured(tap, Some(1_000_000))),
                (Reader::TiberiusLoop, measured(ceiling, None)),
                (Reader::MssqlTdsLoop, Outcome::Skipped("test".into())),
            ],
        }
    }

    #[test]
    fn goals_follow_the_figures() {
        // 100 rows: ours 1 s, tap 30 s (30x), ceiling 0.5 s (50%).
        let results = [result(100, 1.0, 30.0, 0.5), result(1000, 10.5, 300.0, 7.0)];
        let goals = goals(&results);
        assert!(
            goals[0].contains(": met (30.0x at 100 rows, 28.6x at 1,000 rows)"),
            "{}",
            goals[0]
        );
        // ConnectorX did not run.
        assert!(goals[1].contains("ConnectorX's rows/s, narrow table: not measured"));
        assert!(
            goals[2].contains(": MISSED (50% at 100 rows, 67% at 1,000 rows)"),
            "{}",
            goals[2]
        );
        // 100 rows/s against 95.2 rows/s: -5%, within 10%.
        assert!(
            goals[3].contains(": met (100 rows: 100 rows/s, 1,000 rows: 95 rows/s, -5%)"),
            "{}",
            goals[3]
        );
        // The RECORD writer did not run: no goals of its own, then memory.
        assert!(goals[4].contains(": met (highest 10.0 MB"), "{}", goals[4]);
    }

    #[test]
    fn the_table_shows_ratios_and_skips() {
        let text = render(&[result(100, 1.0, 30.0, 0.5)], &[]);
        assert!(
            text.contains("| tap-mssql (pipelinewise) | 1 | 3 | 0.0 | 10.0 | 30.0x |"),
            "{text}"
        );
        assert!(
            text.contains("| tiberius decode loop (ceiling) | 1 | 200 | - | 10.0 | 50% |"),
            "{text}"
        );
        assert!(text.contains("skipped: test"), "{text}");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000_000), "10,000,000");
    }
}
