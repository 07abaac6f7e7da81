//! The built-in pool of real CVE ids, used when no intel is given: the table in
//! `data/builtin_cves.csv` (see `data/PROVENANCE.md`), compiled in and parsed once, at
//! first use, by a parser just big enough for that file.
use std::sync::OnceLock;

use chrono::NaiveDate;
use patchloop_model::{Probability, VulnId};

const FILE: &str = "builtin_cves.csv";
const CSV: &str = include_str!("../data/builtin_cves.csv");
const HEADER: &str = concat!(
    "cve,package,epss,percentile,",
    "kev_vendor_project,kev_product,kev_date_added,kev_due_date,kev_ransomware"
);

/// KEV release the table's KEV columns were copied from.
pub(crate) const KEV_VERSION: &str = "2026.07.23";
/// That release's `dateReleased`.
pub(crate) const KEV_RELEASED: &str = "2026-07-23T16:21:10.8082Z";
/// Score date of the EPSS crawl the table's EPSS columns were copied from.
pub(crate) const EPSS_DATE: &str = "2026-08-16T00:00:00Z";

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BuiltinCve {
    pub(crate) id: VulnId,
    /// The package the CVE is in.
    pub(crate) package: &'static str,
    pub(crate) epss: Probability,
    pub(crate) percentile: Probability,
    /// Its KEV entry, if it is in KEV.
    pub(crate) kev: Option<BuiltinKev>,
}

/// The KEV columns of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuiltinKev {
    pub(crate) vendor_project: &'static str,
    pub(crate) product: &'static str,
    pub(crate) date_added: NaiveDate,
    pub(crate) due_date: Option<NaiveDate>,
    pub(crate) ransomware: bool,
}

/// The table's rows, in file order. The file is compiled in and a test checks that it
/// parses, so the empty fallback cannot happen in a build that passed its tests.
pub(crate) fn cves() -> &'static [BuiltinCve] {
    static ROWS: OnceLock<Vec<BuiltinCve>> = OnceLock::new();
    ROWS.get_or_init(|| parse(CSV).unwrap_or_default())
}

/// Splits one line into fields: separated by commas, a field may be double-quoted to hold
/// commas (no field holds a double quote, so there is no escape).
fn fields(line: &'static str) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::with_capacity(9);
    let mut rest = line;
    loop {
        let after = if let Some(quoted) = rest.strip_prefix('"') {
            let (field, after) = quoted
                .split_once('"')
                .ok_or_else(|| "a quote is not closed".to_string())?;
            out.push(field);
            if after.is_empty() {
                return Ok(out);
            }
            after
                .strip_prefix(',')
                .ok_or_else(|| format!("text after a closing quote: {after:?}"))?
        } else {
            match rest.split_once(',') {
                Some((field, after)) => {
                    out.push(field);
                    after
                }
                None => {
                    out.push(rest);
                    return Ok(out);
                }
            }
        };
        rest = after;
    }
}

/// Parses the table; the error names the line and the field.
fn parse(text: &'static str) -> Result<Vec<BuiltinCve>, String> {
    let mut lines = text.lines().enumerate().map(|(k, l)| (k + 1, l));
    match lines.next() {
        Some((_, h)) if h == HEADER => {}
        _ => return Err(format!("{FILE}:1: the header is not {HEADER:?}")),
    }
    let mut rows = Vec::new();
    for (n, line) in lines.filter(|(_, l)| !l.is_empty()) {
        let at = |what: &str, problem: &dyn std::fmt::Display| {
            format!("{FILE}:{n}: field `{what}`: {problem}")
        };
        let f = fields(line).map_err(|e| format!("{FILE}:{n}: {e}"))?;
        let [
            cve,
            package,
            epss,
            pct,
            vendor,
            product,
            added,
            due,
            ransomware,
        ] = f[..]
        else {
            return Err(format!("{FILE}:{n}: {} fields, not 9", f.len()));
        };
        let id = VulnId::new(cve).map_err(|e| at("cve", &e))?;
        let probability = |what: &str, v: &str| {
            let p: f64 = v.parse().map_err(|e| at(what, &e))?;
            Probability::new(p).map_err(|e| at(what, &e))
        };
        let date = |what: &str, v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|e| at(what, &e))
        };
        if package.is_empty() {
            return Err(at("package", &"empty"));
        }
        let kev = if [vendor, product, added, due, ransomware]
            .iter()
            .all(|v| v.is_empty())
        {
            None
        } else {
            Some(BuiltinKev {
                vendor_project: vendor,
                product,
                date_added: date("kev_date_added", added)?,
                due_date: (!due.is_empty())
                    .then(|| date("kev_due_date", due))
                    .transpose()?,
                ransomware: match ransomware {
                    "true" => true,
                    "false" => false,
                    other => return Err(at("kev_ransomware", &format!("{other:?}"))),
                },
            })
        };
        rows.push(BuiltinCve {
            id,
            package,
            epss: probability("epss", epss)?,
            percentile: probability("percentile", pct)?,
            kev,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses() {
        let rows = parse(CSV).unwrap();
        assert_eq!(rows.len(), 240);
        assert_eq!(cves(), &rows[..]);
        let mut ids: Vec<&VulnId> = rows.iter().map(|r| &r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "duplicate CVE ids");
        assert_eq!(rows.iter().filter(|r| r.kev.is_some()).count(), 64);
        let citrix = rows
            .iter()
            .find(|r| r.id.as_str() == "CVE-2019-19781")
            .unwrap();
        let kev = citrix.kev.as_ref().unwrap();
        assert_eq!(
            kev.product,
            "Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance"
        );
        assert_eq!(kev.due_date.unwrap().to_string(), "2022-05-03");
        assert!(kev.ransomware);
        let first = rows.first().unwrap();
        assert_eq!(
            (first.id.as_str(), first.package, first.epss.get()),
            ("CVE-2022-3602", "openssl", 0.9077)
        );
        assert!(first.kev.is_none());
    }

    #[test]
    fn a_bad_table_is_refused_with_its_line() {
        // `parse` borrows from its input for the program's life, as it does from the
        // compiled-in file.
        let bad = |rows: &str| {
            let text: &'static str = Box::leak(format!("{HEADER}\n{rows}").into_boxed_str());
            parse(text).unwrap_err()
        };
        assert!(parse("cve,package\n").unwrap_err().contains(":1:"));
        let e = bad("CVE-1,p,0.5,0.5,,,,,\nCVE-2,p,1.5,0.5,,,,,\n");
        assert!(e.contains(":3: field `epss`"), "{e}");
        let e = bad("CVE-1,p,0.5,0.5,V,\"P, Q,2021-01-01,,true\n");
        assert!(e.contains(":2: a quote"), "{e}");
        let e = bad("CVE-1,p,0.5,0.5,V,P,2021-13-01,,true\n");
        assert!(e.contains("`kev_date_added`"), "{e}");
        let e = bad("CVE-1,p,0.5,0.5,V,P,2021-01-01,,yes\n");
        assert!(e.contains("`kev_ransomware`"), "{e}");
        let e = bad("CVE-1,p,0.5,0.5\n");
        assert!(e.contains("4 fields"), "{e}");
    }
}
