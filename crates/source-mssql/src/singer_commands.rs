//! The Singer tap mode: `--discover`, and a sync of `--catalog` from `--state`.
//! Inputs are checked before any server is contacted, as in Airbyte mode.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::protocol::output::ReadOutput;
use crate::protocol::singer::SingerWriter;
use crate::source::singer_catalog::{configured_catalog, input_state, parse};
use crate::source::{block_on, read, singer_discover};
use std::io::Write;
use std::path::Path;

pub fn discover<W: Write>(out: &mut W, config: &Path) -> Result<()> {
    let config = load_config(config)?;
    let catalog = block_on(singer_discover::discover(&config))?;
    serde_json::to_writer_pretty(&mut *out, &catalog)
        .map_err(|e| Error::system(format!("cannot write to stdout: {e}")))?;
    writeln!(out).map_err(|e| Error::system(format!("cannot write to stdout: {e}")))
}

pub fn sync<W: Write>(out: W, config: &Path, catalog: &Path, state: Option<&Path>) -> Result<()> {
    let config = load_config(config)?;
    let selected = parse(&read_file(catalog, "catalog")?)?;
    let text = match state {
        Some(path) => read_file(path, "state")?,
        None => String::new(),
    };
    let (state, bookmarks) = input_state(&text, &selected)?;
    if selected.is_empty() {
        eprintln!("WARN no stream is selected in the catalog; nothing to sync");
    }
    let mut writer = SingerWriter::new(out, &selected, bookmarks);
    let catalog = configured_catalog(&selected);
    let result = block_on(read::read(&mut writer, &config, &catalog, &state));
    // Whatever was read is on stdout, with its last STATE, even on failure.
    writer
        .flush()
        .map_err(|e| Error::system(format!("cannot write to stdout: {e}")))?;
    result
}

fn read_file(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::config(format!(
            "{what}: cannot read the {what} file {}: {e}",
            path.display()
        ))
    })
}

fn load_config(path: &Path) -> Result<Config> {
    let config = Config::load(path)?;
    if let Some(warning) = config.ignored_warning() {
        eprintln!("WARN {warning}");
    }
    config.tiberius_config(&config.host, config.port)?;
    Ok(config)
}
