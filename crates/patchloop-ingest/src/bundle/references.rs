//! Checks across files, once every file is read: a record that names an asset, secret
//! or resource the bundle does not have is reported (and left out when it cannot be
//! attributed), and scanner vectors fill in CVSS that `intel/cvss.csv` lacks.
use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use patchloop_model::AssetId;

use super::IngestError;
use super::provenance::Ctx;

/// A set of ids borrowed from the bundle, hashed with foldhash (randomly seeded, so
/// hostile ids cannot aim at collisions).
type Ids<'a, T> = HashSet<&'a T, foldhash::fast::RandomState>;

/// The positions of the rows `bad` picks, ascending; checked on every core.
fn bad_rows<T: Sync>(rows: &[T], bad: impl Fn(&T) -> bool + Sync) -> Vec<usize> {
    rows.par_iter()
        .enumerate()
        .filter(|(_, r)| bad(r))
        .map(|(i, _)| i)
        .collect()
}

/// Removes the rows at `positions` (ascending), keeping the others in order.
fn remove_rows<T>(rows: &mut Vec<T>, positions: &[usize]) {
    if positions.is_empty() {
        return;
    }
    let mut next = positions.iter().copied().peekable();
    let mut i = 0;
    rows.retain(|_| {
        let drop = next.next_if_eq(&i).is_some();
        i += 1;
        !drop
    });
}

/// Scanner-provided vectors fill in CVSS for vulnerabilities `intel/cvss.csv` does not
/// cover. Findings are sorted by (asset, vuln), so the first valid vector per vuln is a
/// deterministic choice.
pub(super) fn fill_cvss_from_findings(cx: &mut Ctx<'_>) {
    let mut add: BTreeMap<patchloop_model::VulnId, patchloop_model::CvssFacts> = BTreeMap::new();
    for f in &cx.bundle.findings {
        let Some(v) = &f.cvss_vector else { continue };
        if cx.bundle.cvss.contains_key(&f.vuln_id) || add.contains_key(&f.vuln_id) {
            continue;
        }
        match crate::cvss::parse_vector(v) {
            Ok(facts) => {
                add.insert(f.vuln_id.clone(), facts);
            }
            Err(e) => cx.errors.push(IngestError::Reference {
                file: format!("scanner {}", f.scanner.as_deref().unwrap_or("report")),
                line: None,
                field: "cvss_vector".into(),
                value: crate::clip(v),
                message: format!(
                    "for {} on {}: {}; severity used instead",
                    f.vuln_id, f.asset_id, e.reason
                ),
            }),
        }
    }
    cx.bundle.cvss.extend(add);
}

/// Findings, events and exceptions about assets the inventory does not have are reported
/// and left out: they cannot be scored or attributed. Secrets on unknown hosts and
/// resources running on unknown hosts are reported but kept: the identity graph shows
/// them as uninventoried hosts, which is itself a finding.
pub(super) fn check_references(cx: &mut Ctx<'_>) {
    // Hashed, not ordered: these are looked up once per finding and per event (millions),
    // and nothing here is iterated, so no order can leak into an output. The lookups run
    // in parallel and only the bad rows' positions come back, in order.
    let assets: Ids<'_, AssetId> = cx.bundle.assets.iter().map(|a| &a.id).collect();
    let mut errors = Vec::new();
    let bad = bad_rows(&cx.bundle.findings, |f| !assets.contains(&f.asset_id));
    let mut unknown_findings: BTreeMap<&AssetId, usize> = BTreeMap::new();
    for &i in &bad {
        if let Some(f) = cx.bundle.findings.get(i) {
            *unknown_findings.entry(&f.asset_id).or_default() += 1;
        }
    }
    for (a, n) in unknown_findings {
        errors.push(IngestError::Reference {
            file: "findings".into(),
            line: None,
            field: "asset_id".into(),
            value: a.to_string(),
            message: format!("is not in assets.csv; its {n} finding(s) were left out"),
        });
    }
    let secrets: Ids<'_, _> = cx.bundle.secrets.iter().map(|s| &s.id).collect();
    let resources: Ids<'_, _> = cx.bundle.resources.iter().map(|r| &r.id).collect();
    let why = |e: &patchloop_model::Event| {
        if let Some(a) = e.asset_id.as_ref().filter(|a| !assets.contains(*a)) {
            Some(("asset_id", a.to_string(), "is not in assets.csv"))
        } else if let Some(s) = e.secret_id.as_ref().filter(|s| !secrets.contains(*s)) {
            Some(("secret_id", s.to_string(), "is not a known secret"))
        } else {
            e.resource_id
                .as_ref()
                .filter(|r| !resources.contains(*r))
                .map(|r| {
                    (
                        "resource_id",
                        r.to_string(),
                        "is not in identity/resources.csv",
                    )
                })
        }
    };
    let bad_events = bad_rows(&cx.bundle.events, |e| why(e).is_some());
    for &i in &bad_events {
        if let Some((e, (field, value, why))) =
            cx.bundle.events.get(i).and_then(|e| Some((e, why(e)?)))
        {
            errors.push(IngestError::Reference {
                file: "events.csv".into(),
                line: Some(e.line),
                field: field.into(),
                value,
                message: format!("{why}; event left out"),
            });
        }
    }
    remove_rows(&mut cx.bundle.findings, &bad);
    remove_rows(&mut cx.bundle.events, &bad_events);
    cx.bundle.exceptions.retain(|x| {
        let ok = assets.contains(&x.asset_id);
        if !ok {
            errors.push(IngestError::Reference {
                file: "exceptions.csv".into(),
                line: Some(x.line),
                field: "asset_id".into(),
                value: x.asset_id.to_string(),
                message: "is not in assets.csv; exception left out".into(),
            });
        }
        ok
    });
    for s in &cx.bundle.secrets {
        if !assets.contains(&s.asset_id) {
            errors.push(IngestError::Reference {
                file: "identity/secrets.csv".into(),
                line: None,
                field: "asset_id".into(),
                value: s.asset_id.to_string(),
                message: format!(
                    "(holding secret {}) is not in assets.csv; kept as an uninventoried host",
                    s.id
                ),
            });
        }
    }
    for r in &cx.bundle.resources {
        for a in r.runs_on.iter().filter(|a| !assets.contains(*a)) {
            errors.push(IngestError::Reference {
                file: "identity/resources.csv".into(),
                line: None,
                field: "runs_on".into(),
                value: a.to_string(),
                message: format!(
                    "(of resource {}) is not in assets.csv; kept as an uninventoried host",
                    r.id
                ),
            });
        }
    }
    cx.errors.extend(errors);
}
