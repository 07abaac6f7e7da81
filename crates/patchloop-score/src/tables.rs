//! The two decision tables the crate embeds (SSVC deployer, CISA BOD 26-04), parsed once
//! from the CSV files under `data/` by a parser just big enough for them.
use std::sync::OnceLock;

use serde::Serialize;

use crate::ScoreError;
use crate::vocab::{BodTimeline, DecisionCode, Exploitation, HumanImpact, SystemExposure};
use patchloop_model::Decision;

const SSVC_FILE: &str = "deployer_patch_application_priority_1_0_0.csv";
const SSVC_CSV: &str = include_str!("../data/deployer_patch_application_priority_1_0_0.csv");
const BOD_FILE: &str = "cisa_bod_26_04_1_0_0.csv";
const BOD_CSV: &str = include_str!("../data/cisa_bod_26_04_1_0_0.csv");

/// Number of rows of the SSVC deployer table: 3 × 3 × 2 × 4.
pub const SSVC_ROWS: usize = 72;
/// Number of rows of the BOD 26-04 table: 2⁴.
pub const BOD_ROWS: usize = 16;

/// The SSVC deployer "patch application priority" table, indexed by its inputs.
///
/// The CSV lists the rows in the order the index below produces, so a row's index is
/// also the row number the CSV's first column gives; the parser checks that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsvcTable {
    decisions: [Decision; SSVC_ROWS],
}

/// One SSVC lookup: the row cited in explanations and its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SsvcRow {
    /// The CSV's row number (0–71).
    pub row: u8,
    /// The decision.
    pub decision: Decision,
}

impl SsvcTable {
    /// The row for the four inputs.
    pub fn lookup(
        &self,
        e: Exploitation,
        x: SystemExposure,
        automatable: bool,
        h: HumanImpact,
    ) -> SsvcRow {
        let row = ssvc_index(e.code(), x.code(), automatable, h.code());
        SsvcRow {
            row,
            decision: self.by_index(row),
        }
    }

    /// The decision of row `row` (the hot path computes the index itself).
    #[inline]
    pub(crate) fn by_index(&self, row: u8) -> Decision {
        // Out-of-range indices cannot be built from the enums; defer is the harmless answer.
        self.decisions
            .get(usize::from(row))
            .copied()
            .unwrap_or(Decision::Defer)
    }
}

/// Row index of the SSVC table: exploitation × 24 + exposure × 8 + automatable × 4 + human impact.
#[inline]
pub(crate) fn ssvc_index(e: u8, x: u8, automatable: bool, h: u8) -> u8 {
    e * 24 + x * 8 + u8::from(automatable) * 4 + h
}

/// The CISA BOD 26-04 remediation-timeline table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodTable {
    rows: [BodRow; BOD_ROWS],
}

/// One BOD 26-04 lookup: the CSV row cited in explanations and its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BodRow {
    /// The CSV's row number (0–15); unlike SSVC it is not the index.
    pub row: u8,
    /// The timeline.
    pub timeline: BodTimeline,
}

impl BodTable {
    /// The row for (in KEV, publicly exposed, automatable, total technical impact).
    pub fn lookup(&self, kev: bool, public: bool, automatable: bool, total: bool) -> BodRow {
        let i = bod_index(kev, public, automatable, total);
        self.rows.get(i).copied().unwrap_or(BodRow {
            row: 0,
            timeline: BodTimeline::FixOnSystemUpgrade,
        })
    }
}

fn bod_index(kev: bool, public: bool, automatable: bool, total: bool) -> usize {
    usize::from(kev) << 3
        | usize::from(public) << 2
        | usize::from(automatable) << 1
        | usize::from(total)
}

/// The SSVC table, parsed on first use.
pub fn ssvc_table() -> Result<&'static SsvcTable, ScoreError> {
    static T: OnceLock<Result<SsvcTable, ScoreError>> = OnceLock::new();
    T.get_or_init(|| parse_ssvc(SSVC_CSV))
        .as_ref()
        .map_err(Clone::clone)
}

/// The BOD 26-04 table, parsed on first use.
pub fn bod_table() -> Result<&'static BodTable, ScoreError> {
    static T: OnceLock<Result<BodTable, ScoreError>> = OnceLock::new();
    T.get_or_init(|| parse_bod(BOD_CSV))
        .as_ref()
        .map_err(Clone::clone)
}

fn err(table: &'static str, line: usize, message: impl Into<String>) -> ScoreError {
    ScoreError::EmbeddedTable {
        table,
        line,
        message: message.into(),
    }
}

/// Splits one CSV line into trimmed fields, honouring double quotes (the header has a
/// quoted field with commas; data rows have none, but nothing depends on that).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// Data rows as (1-based line, fields), after checking the header names `columns` columns
/// starting with `row`.
fn rows(
    table: &'static str,
    csv: &str,
    columns: usize,
) -> Result<Vec<(usize, Vec<String>)>, ScoreError> {
    let mut lines = csv.lines().enumerate().map(|(i, l)| (i + 1, l));
    let header = lines
        .next()
        .map(|(_, l)| fields(l))
        .ok_or_else(|| err(table, 0, "empty file"))?;
    if header.len() != columns || header.first().map(String::as_str) != Some("row") {
        return Err(err(
            table,
            1,
            format!("expected {columns} columns starting with `row`"),
        ));
    }
    let mut out = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f = fields(line);
        if f.len() != columns {
            return Err(err(
                table,
                n,
                format!("expected {columns} fields, found {}", f.len()),
            ));
        }
        out.push((n, f));
    }
    Ok(out)
}

fn pick<T: Copy>(
    table: &'static str,
    line: usize,
    word: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, ScoreError> {
    all.iter()
        .copied()
        .find(|v| name(*v) == word)
        .ok_or_else(|| err(table, line, format!("unknown value {word:?}")))
}

fn yes_no(
    table: &'static str,
    line: usize,
    word: &str,
    yes: &str,
    no: &str,
) -> Result<bool, ScoreError> {
    if word == yes {
        Ok(true)
    } else if word == no {
        Ok(false)
    } else {
        Err(err(
            table,
            line,
            format!("expected {yes:?} or {no:?}, found {word:?}"),
        ))
    }
}

fn row_number(
    table: &'static str,
    line: usize,
    f: &[String],
    max: usize,
) -> Result<u8, ScoreError> {
    f.first()
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|r| usize::from(*r) < max)
        .ok_or_else(|| err(table, line, format!("row number must be 0..{max}")))
}

fn field<'a>(
    table: &'static str,
    line: usize,
    f: &'a [String],
    i: usize,
) -> Result<&'a str, ScoreError> {
    f.get(i)
        .map(String::as_str)
        .ok_or_else(|| err(table, line, format!("missing field {i}")))
}

pub(crate) fn parse_ssvc(csv: &str) -> Result<SsvcTable, ScoreError> {
    let t = SSVC_FILE;
    let mut seen: [Option<Decision>; SSVC_ROWS] = [None; SSVC_ROWS];
    for (line, f) in rows(t, csv, 6)? {
        let row = row_number(t, line, &f, SSVC_ROWS)?;
        let e = pick(
            t,
            line,
            field(t, line, &f, 1)?,
            &Exploitation::ALL,
            Exploitation::ssvc_word,
        )?;
        let x = pick(
            t,
            line,
            field(t, line, &f, 2)?,
            &SystemExposure::ALL,
            SystemExposure::as_str,
        )?;
        let a = yes_no(t, line, field(t, line, &f, 3)?, "yes", "no")?;
        let h = pick(
            t,
            line,
            field(t, line, &f, 4)?,
            &HumanImpact::ALL,
            HumanImpact::ssvc_word,
        )?;
        let d = pick(
            t,
            line,
            field(t, line, &f, 5)?,
            Decision::ALL,
            DecisionCode::ssvc_word,
        )?;
        let idx = ssvc_index(e.code(), x.code(), a, h.code());
        if idx != row {
            return Err(err(
                t,
                line,
                format!("row {row} holds the inputs of row {idx}"),
            ));
        }
        let slot = seen
            .get_mut(usize::from(idx))
            .ok_or_else(|| err(t, line, "index out of range"))?;
        if slot.replace(d).is_some() {
            return Err(err(t, line, format!("row {row} appears twice")));
        }
    }
    let mut decisions = [Decision::Defer; SSVC_ROWS];
    for (i, (slot, d)) in decisions.iter_mut().zip(seen).enumerate() {
        *slot = d.ok_or_else(|| err(t, 0, format!("row {i} is missing")))?;
    }
    Ok(SsvcTable { decisions })
}

pub(crate) fn parse_bod(csv: &str) -> Result<BodTable, ScoreError> {
    let t = BOD_FILE;
    let mut seen: [Option<BodRow>; BOD_ROWS] = [None; BOD_ROWS];
    let mut row_numbers = [false; BOD_ROWS];
    for (line, f) in rows(t, csv, 6)? {
        let row = row_number(t, line, &f, BOD_ROWS)?;
        let kev = yes_no(t, line, field(t, line, &f, 1)?, "yes", "no")?;
        let public = yes_no(t, line, field(t, line, &f, 2)?, "yes", "no")?;
        let auto = yes_no(t, line, field(t, line, &f, 3)?, "yes", "no")?;
        let total = yes_no(t, line, field(t, line, &f, 4)?, "total", "partial")?;
        let timeline = pick(
            t,
            line,
            field(t, line, &f, 5)?,
            &BodTimeline::ALL,
            BodTimeline::csv_word,
        )?;
        let number_seen = row_numbers
            .get_mut(usize::from(row))
            .ok_or_else(|| err(t, line, "row number out of range"))?;
        if std::mem::replace(number_seen, true) {
            return Err(err(t, line, format!("row number {row} appears twice")));
        }
        let slot = seen
            .get_mut(bod_index(kev, public, auto, total))
            .ok_or_else(|| err(t, line, "index out of range"))?;
        if slot.replace(BodRow { row, timeline }).is_some() {
            return Err(err(t, line, "input combination appears twice"));
        }
    }
    let mut rows_out = [BodRow {
        row: 0,
        timeline: BodTimeline::FixOnSystemUpgrade,
    }; BOD_ROWS];
    for (i, (slot, r)) in rows_out.iter_mut().zip(seen).enumerate() {
        *slot = r.ok_or_else(|| err(t, 0, format!("input combination {i:04b} is missing")))?;
    }
    Ok(BodTable { rows: rows_out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_72_ssvc_rows_load_and_cover_every_combination_once() {
        let t = ssvc_table().unwrap();
        let mut rows = std::collections::BTreeSet::new();
        for e in Exploitation::ALL {
            for x in SystemExposure::ALL {
                for a in [false, true] {
                    for h in HumanImpact::ALL {
                        assert!(rows.insert(t.lookup(e, x, a, h).row));
                    }
                }
            }
        }
        assert_eq!(rows.len(), SSVC_ROWS);
        assert_eq!(rows.last(), Some(&71));
    }

    #[test]
    fn all_16_bod_rows_load_and_cover_every_combination_once() {
        let t = bod_table().unwrap();
        let mut rows = std::collections::BTreeSet::new();
        for i in 0..16u8 {
            let r = t.lookup(i & 8 != 0, i & 4 != 0, i & 2 != 0, i & 1 != 0);
            assert!(rows.insert(r.row));
        }
        assert_eq!(rows.len(), BOD_ROWS);
    }

    #[test]
    fn known_rows() {
        let s = ssvc_table().unwrap();
        let r = s.lookup(
            Exploitation::Active,
            SystemExposure::Open,
            true,
            HumanImpact::VeryHigh,
        );
        assert_eq!((r.row, r.decision), (71, Decision::Immediate));
        let r = s.lookup(
            Exploitation::None,
            SystemExposure::Small,
            false,
            HumanImpact::Low,
        );
        assert_eq!((r.row, r.decision), (0, Decision::Defer));
        let b = bod_table().unwrap();
        assert_eq!(
            b.lookup(true, true, false, true),
            BodRow {
                row: 12,
                timeline: BodTimeline::Days3ForensicTriage
            }
        );
        assert_eq!(
            b.lookup(false, false, false, false),
            BodRow {
                row: 0,
                timeline: BodTimeline::FixOnSystemUpgrade
            }
        );
    }

    #[test]
    fn parser_rejects_broken_tables() {
        let header = "row,a,b,c,d,\"x, y\"\n";
        assert!(parse_ssvc(header).is_err(), "no rows: every row missing");
        let dup = format!("{header}0,none,small,no,low,defer\n0,none,small,no,low,defer\n");
        assert!(parse_ssvc(&dup).is_err());
        let wrong = format!("{header}1,none,small,no,low,defer\n");
        assert!(
            parse_ssvc(&wrong).is_err(),
            "row number disagrees with inputs"
        );
        let bad_word = format!("{header}0,none,tiny,no,low,defer\n");
        assert!(parse_ssvc(&bad_word).is_err());
        assert!(parse_bod("row,a\n").is_err());
        assert_eq!(fields("a, \"b,c\" ,d"), vec!["a", "b,c", "d"]);
    }
}
