//! The CLI's one error type: the exit code it ends with and the error that caused it,
//! whose `source()` chain is kept and printed, never flattened into a string early.
use std::error::Error;
use std::fmt;

use crate::common::term_lines;

/// A command that did not succeed.
#[derive(Debug)]
pub struct CliError {
    /// The exit code (1 row errors, 2 unusable input, 3 `--fail-on`).
    pub code: u8,
    /// What went wrong; `None` when it has already been reported on stderr (row errors
    /// are printed one by one as they are found).
    pub error: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl CliError {
    /// Unusable input or an analysis that cannot answer (exit 2).
    pub fn unusable(e: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        CliError {
            code: crate::common::EXIT_UNUSABLE,
            error: Some(e.into()),
        }
    }

    /// Ends with `code`, everything already said on stderr.
    pub fn reported(code: u8) -> Self {
        CliError { code, error: None }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(e) => write!(f, "{e}"),
            None => write!(f, "exit code {}", self.code),
        }
    }
}

impl Error for CliError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

impl From<patchloop::SessionError> for CliError {
    fn from(e: patchloop::SessionError) -> Self {
        CliError::unusable(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::unusable(e)
    }
}

/// Prints `error: …` and then each cause not already part of the message above it.
/// Messages quote values from the bundle (a TOML line, a CSV header, a file name), so
/// their control characters are shown as escapes, never sent to the terminal.
pub fn print(e: &CliError) {
    let Some(err) = &e.error else { return };
    let mut shown = err.to_string();
    eprintln!("error: {}", term_lines(&shown));
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !shown.contains(&text) {
            eprintln!("  caused by: {}", term_lines(&text));
            shown = text;
        }
        cause = c.source();
    }
}
