//! A JSON envelope whose list is written an item at a time (`status` and `queue` over
//! every finding): the bytes are those of pretty-printing the whole envelope at once,
//! which `tests/it/streaming.rs` checks.
use serde::Serialize;

use crate::error::CliError;

/// An envelope rendered around an empty list, written up to the list's `[`; items go
/// in as they come, and [`JsonList::finish`] writes the rest.
pub struct JsonList {
    tail: String,
    any: bool,
}

impl JsonList {
    /// Writes `envelope` (pretty JSON whose top-level `key` is `[]`) up to and
    /// including the list's `[`.
    pub fn start(envelope: &str, key: &str) -> Result<Self, CliError> {
        // Top-level keys are indented by two spaces and unique, so this is the list.
        let mark = format!("\n  \"{key}\": [");
        let at = envelope
            .find(&format!("{mark}]"))
            .ok_or_else(|| CliError::unusable(format!("the envelope has no `{key}` list")))?;
        let (before, after) = envelope.split_at(at + mark.len());
        out!("{before}");
        Ok(JsonList {
            // From the list's `]` on.
            tail: after.to_string(),
            any: false,
        })
    }

    /// Writes one item, as `to_string_pretty` of the whole envelope would: through a
    /// `Value` (the envelope is one, so keys are in alphabetical order), each line
    /// indented two levels.
    pub fn item<T: Serialize>(&mut self, x: &T) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(&serde_json::to_value(x)?)?;
        out!("{}", if self.any { ",\n" } else { "\n" });
        self.any = true;
        for (k, line) in text.split('\n').enumerate() {
            out!("{}    {line}", if k > 0 { "\n" } else { "" });
        }
        Ok(())
    }

    /// Closes the list and writes the rest of the envelope, with its line end.
    pub fn finish(self) {
        if self.any {
            out!("\n  ");
        }
        outln!("{}", self.tail);
    }
}
