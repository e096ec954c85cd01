//! Initialisation scripts: split into batches at `GO` lines, as sqlcmd does, and run before
//! the server accepts anyone; any error stops the start with the line it came from.

use tsql_engine::{Abort, ColumnMeta, Done, EnvChange, ResultSink, SqlError, Value};

/// One batch of a script, with the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptBatch {
    pub text: String,
    pub first_line: u32,
}

/// Splits a script at lines that hold only `GO` (any case, surrounding blanks allowed).
/// Batches with nothing but blanks are dropped.
pub fn split_batches(script: &str) -> Vec<ScriptBatch> {
    let mut batches = Vec::new();
    let mut text = String::new();
    let mut first_line = 1;
    for (i, line) in script.lines().enumerate() {
        let line_no = i as u32 + 1;
        if line.trim().eq_ignore_ascii_case("go") {
            push_batch(&mut batches, &mut text, first_line);
            first_line = line_no + 1;
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    push_batch(&mut batches, &mut text, first_line);
    batches
}

fn push_batch(batches: &mut Vec<ScriptBatch>, text: &mut String, first_line: u32) {
    if !text.trim().is_empty() {
        batches.push(ScriptBatch {
            text: std::mem::take(text),
            first_line,
        });
    }
    text.clear();
}

/// A sink that keeps the first error of a batch and ignores everything else.
#[derive(Debug, Default)]
pub struct ErrorCollector {
    pub first_error: Option<SqlError>,
}

impl ResultSink for ErrorCollector {
    fn columns(&mut self, _columns: &[ColumnMeta]) -> Result<(), Abort> {
        Ok(())
    }

    fn row(&mut self, _values: &[Value]) -> Result<(), Abort> {
        Ok(())
    }

    fn done(&mut self, _done: Done) -> Result<(), Abort> {
        Ok(())
    }

    fn message(&mut self, message: &SqlError, is_error: bool) -> Result<(), Abort> {
        if is_error && message.class > 10 && self.first_error.is_none() {
            self.first_error = Some(message.clone());
        }
        Ok(())
    }

    fn env_change(&mut self, _change: &EnvChange) -> Result<(), Abort> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_go_lines_only() {
        let script = "CREATE TABLE t (a int)\n  go  \nINSERT t VALUES (1)\nSELECT 'GO'\nGO\n\nGo\n-- tail\nSELECT 1";
        let batches = split_batches(script);
        assert_eq!(batches.len(), 3);
        assert_eq!(batches[0].text, "CREATE TABLE t (a int)\n");
        assert_eq!(batches[0].first_line, 1);
        assert_eq!(batches[1].text, "INSERT t VALUES (1)\nSELECT 'GO'\n");
        assert_eq!(batches[1].first_line, 3);
        assert_eq!(batches[2].first_line, 8);
        assert!(batches[2].text.contains("SELECT 1"));
    }

    #[test]
    fn empty_script_has_no_batches() {
        assert!(split_batches("").is_empty());
        assert!(split_batches("GO\n  \nGO").is_empty());
    }

    #[test]
    fn collector_keeps_the_first_error_only() {
        let mut c = ErrorCollector::default();
        c.message(&SqlError::new(5701, 0, "info"), false).unwrap();
        assert!(c.first_error.is_none());
        c.message(&SqlError::new(208, 16, "first"), true).unwrap();
        c.message(&SqlError::new(207, 16, "second"), true).unwrap();
        assert_eq!(c.first_error.unwrap().message, "first");
    }
}
