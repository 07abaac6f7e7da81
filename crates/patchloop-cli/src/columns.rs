//! One typed column list per view: each column's CSV name, how to read it, and whether
//! and how the terminal table and the Markdown table show it. A view's CSV, table and
//! Markdown come from the same list, so a column cannot appear in one and drift in another.
use patchloop::ingest::columnar::{ColumnType, OutFormat, TableWriter};
use patchloop::report::md_escape;

use crate::common::{self, ListFormat};
use crate::error::CliError;

/// How a column appears in the terminal and Markdown tables.
pub struct Shown<T: ?Sized> {
    /// The header.
    pub header: &'static str,
    /// Right-aligned (numbers).
    pub numeric: bool,
    /// A shorter form for people (a date instead of an instant); `None` shows the CSV value.
    pub brief: Option<fn(&T) -> String>,
}

/// One column of a view.
pub struct Column<T: ?Sized> {
    /// The CSV header (and the JSON field it mirrors).
    pub name: &'static str,
    /// The value, as CSV carries it.
    pub get: fn(&T) -> String,
    /// Whether people's tables show it.
    pub shown: Option<Shown<T>>,
    /// Its type in a Parquet or Arrow output (the CSV's text read as it).
    pub ty: ColumnType,
}

impl<T: ?Sized> Column<T> {
    /// A column only CSV carries.
    pub const fn csv(name: &'static str, get: fn(&T) -> String) -> Self {
        Column {
            name,
            get,
            shown: None,
            ty: ColumnType::Text,
        }
    }

    /// A column the tables show too, under `header`.
    pub const fn shown(name: &'static str, header: &'static str, get: fn(&T) -> String) -> Self {
        Column {
            name,
            get,
            shown: Some(Shown {
                header,
                numeric: false,
                brief: None,
            }),
            ty: ColumnType::Text,
        }
    }

    /// Typed as `ty` in Parquet and Arrow outputs.
    pub const fn typed(mut self, ty: ColumnType) -> Self {
        self.ty = ty;
        self
    }

    /// Right-aligned in the tables.
    pub const fn numeric(mut self) -> Self {
        if let Some(s) = &mut self.shown {
            s.numeric = true;
        }
        self
    }

    /// Shown in the tables as `brief` instead of the CSV value.
    pub const fn brief(mut self, brief: fn(&T) -> String) -> Self {
        if let Some(s) = &mut self.shown {
            s.brief = Some(brief);
        }
        self
    }
}

/// The CSV, Parquet or Arrow output of a view (`format` one of those three): the same
/// columns and cells, typed in the columnar formats. Columnar rows are streamed to the
/// output in batches.
pub fn emit<T>(format: ListFormat, cols: &[Column<T>], items: &[T]) -> Result<(), CliError> {
    let mut w = RowWriter::new(format, cols)?;
    for it in items {
        w.row(cols, it)?;
    }
    w.finish()
}

/// A view's rows written one at a time as CSV, Parquet or Arrow, for rows that come
/// from a stream (`status` over every finding) rather than a slice: what [`emit`] does,
/// byte for byte, in bounded memory. Each row is written with the column list the
/// writer was started with (passed again, so that rows borrowed for one call only can
/// be written).
pub struct RowWriter {
    /// `None` for CSV, which goes out a line at a time.
    table: Option<TableWriter<crate::output::Bytes>>,
    cells: Vec<String>,
    line: String,
}

impl RowWriter {
    /// Starts the output (the CSV header; a columnar format is refused on a terminal).
    pub fn new<T>(format: ListFormat, cols: &[Column<T>]) -> Result<Self, CliError> {
        let to = match format {
            ListFormat::Parquet => Some(OutFormat::Parquet),
            ListFormat::Arrow => Some(OutFormat::Arrow),
            _ => None,
        };
        let table = match to {
            None => {
                let mut header = String::new();
                common::csv_record(&mut header, cols.iter().map(|c| c.name));
                out!("{header}");
                None
            }
            Some(_) if crate::output::to_terminal() => {
                return Err(CliError::unusable(
                    "Parquet and Arrow are binary: write them with --output FILE or into a pipe",
                ));
            }
            Some(to) => {
                let schema: Vec<(&str, ColumnType)> = cols.iter().map(|c| (c.name, c.ty)).collect();
                Some(
                    TableWriter::new(crate::output::Bytes, to, &schema)
                        .map_err(CliError::unusable)?,
                )
            }
        };
        Ok(RowWriter {
            table,
            cells: Vec::with_capacity(cols.len()),
            line: String::new(),
        })
    }

    /// Writes one row, `cols` being the list the writer was started with.
    pub fn row<T>(&mut self, cols: &[Column<T>], it: &T) -> Result<(), CliError> {
        self.cells.clear();
        self.cells.extend(cols.iter().map(|c| (c.get)(it)));
        match &mut self.table {
            Some(w) => w.row(&self.cells).map_err(CliError::unusable),
            None => {
                self.line.clear();
                common::csv_record(&mut self.line, self.cells.iter().map(String::as_str));
                out!("{}", self.line);
                Ok(())
            }
        }
    }

    /// Ends the output (a columnar file's footer).
    pub fn finish(self) -> Result<(), CliError> {
        match self.table {
            Some(w) => w.finish().map_err(CliError::unusable),
            None => Ok(()),
        }
    }
}

fn shown<T>(cols: &[Column<T>]) -> Vec<&Column<T>> {
    cols.iter().filter(|c| c.shown.is_some()).collect()
}

fn people_rows<T>(cols: &[&Column<T>], items: &[T]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|it| {
            cols.iter()
                .map(|c| match c.shown.as_ref().and_then(|s| s.brief) {
                    Some(b) => b(it),
                    None => (c.get)(it),
                })
                .collect()
        })
        .collect()
}

/// The shown columns as an aligned terminal table, styled per cell by header.
pub fn table<T>(
    cols: &[Column<T>],
    items: &[T],
    style: &dyn Fn(&str, &str) -> Option<&'static str>,
) -> String {
    let cols = shown(cols);
    let header: Vec<&str> = cols
        .iter()
        .filter_map(|c| c.shown.as_ref().map(|s| s.header))
        .collect();
    let right: Vec<usize> = cols
        .iter()
        .enumerate()
        .filter(|(_, c)| c.shown.as_ref().is_some_and(|s| s.numeric))
        .map(|(i, _)| i)
        .collect();
    let rows = people_rows(&cols, items);
    let names = header.clone();
    common::table_styled(&header, &rows, &right, &|i, text| {
        names.get(i).and_then(|h| style(h, text))
    })
}

/// The shown columns as a Markdown table; every cell escaped with the facade's
/// [`patchloop::report::md_escape`], the one Markdown escaping the report uses too.
pub fn markdown<T>(cols: &[Column<T>], items: &[T]) -> String {
    let cols = shown(cols);
    let mut out = String::from("|");
    let mut rule = String::from("|");
    for c in &cols {
        if let Some(s) = &c.shown {
            out.push_str(&format!(" {} |", s.header));
            rule.push_str(if s.numeric { "---:|" } else { "---|" });
        }
    }
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    for row in people_rows(&cols, items) {
        out.push('|');
        for cell in row {
            out.push_str(&format!(" {} |", md_escape(&cell)));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CSV `RowWriter` writes, as text: the header and each row through
    /// `common::csv_record`.
    fn csv<T>(cols: &[Column<T>], items: &[T]) -> String {
        let mut out = String::new();
        common::csv_record(&mut out, cols.iter().map(|c| c.name));
        for it in items {
            let cells: Vec<String> = cols.iter().map(|c| (c.get)(it)).collect();
            common::csv_record(&mut out, cells.iter().map(String::as_str));
        }
        out
    }

    type C = Column<(u32, &'static str)>;
    const COLS: [C; 2] = [
        C::shown("n", "N", |r| r.0.to_string()).numeric(),
        C::csv("text", |r| r.1.to_string()),
    ];

    #[test]
    fn one_list_gives_every_format() {
        let items = [(1, "a|b"), (22, "c")];
        assert_eq!(csv(&COLS, &items), "n,text\n1,a|b\n22,c\n");
        assert_eq!(markdown(&COLS, &items), "| N |\n|---:|\n| 1 |\n| 22 |\n");
        assert!(table(&COLS, &items, &|_, _| None).starts_with(" N\n"));
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        type R = Column<&'static str>;
        let cols = [R::shown("v", "V", |r| (*r).to_string())];
        let md = markdown(&cols, &["a|b\\|c\r\nd", "<b>x</b>"]);
        assert_eq!(
            md,
            "| V |\n|---|\n| a\\|b\\\\\\|c d |\n| &lt;b&gt;x&lt;/b&gt; |\n"
        );
    }

    #[test]
    fn csv_cells_cannot_start_a_formula() {
        type R = Column<&'static str>;
        let cols = [R::csv("v", |r| (*r).to_string())];
        let out = csv(&cols, &["=1+2", "-3", "ok", "a;@SUM(1)"]);
        assert_eq!(out, "v\n'=1+2\n'-3\nok\n\"a;@SUM(1)\"\n");
    }
}
