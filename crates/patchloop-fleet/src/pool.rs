//! The pool of vulnerabilities findings are drawn from: the built-in real CVE ids or a
//! sample of real intel, each with its package, versions, vector and severity prepared
//! once, and the candidates per platform.
use std::collections::BTreeMap;

use patchloop_model::{
    CvssFacts, EpssScore, EpssSet, KevCatalog, KevEntry, Severity, Text, VulnId,
};

use crate::builtin;
use crate::packages::{APPLIANCES, Family, Platform, VERSIONS, vector_for};
use crate::rng::fnv;
use crate::{GenOptions, Intel};

/// One vulnerability of the pool, with its row fields prepared once (cloning an `Arc`
/// per finding is cheap; allocating strings per finding is not).
pub(crate) struct PoolVuln {
    pub(crate) id: VulnId,
    pub(crate) in_kev: bool,
    pub(crate) family: Family,
    pub(crate) package: Option<Text>,
    pub(crate) installed: Option<Text>,
    pub(crate) fixed: Option<Text>,
    pub(crate) vector: Option<Text>,
    pub(crate) severity: Severity,
}

/// The candidates for one platform, split so the KEV share of findings can be set
/// directly rather than left to the pool's make-up.
#[derive(Default)]
pub(crate) struct Candidates {
    pub(crate) kev: Vec<u32>,
    pub(crate) other: Vec<u32>,
}

/// The vulnerabilities findings are drawn from, and the intel written beside them.
pub(crate) struct Pool {
    pub(crate) vulns: Vec<PoolVuln>,
    pub(crate) by_platform: BTreeMap<Platform, Candidates>,
    pub(crate) kev: KevCatalog,
    pub(crate) epss: EpssSet,
    pub(crate) cvss: BTreeMap<VulnId, CvssFacts>,
}

/// The built-in intel: the table of real CVE ids in `data/builtin_cves.csv`.
fn builtin_intel() -> (KevCatalog, EpssSet, Vec<(VulnId, Option<&'static str>)>) {
    let rows = builtin::cves();
    let mut kev = KevCatalog {
        catalog_version: Some(Text::from(builtin::KEV_VERSION)),
        date_released: patchloop_model::parse_timestamp(builtin::KEV_RELEASED).ok(),
        entries: BTreeMap::new(),
        // Real entries, but a selection of them: not the catalog CISA published.
        synthetic: true,
        added_after_as_of: 0,
    };
    let mut epss = EpssSet {
        model_version: None,
        score_date: patchloop_model::parse_timestamp(builtin::EPSS_DATE).ok(),
        scores: BTreeMap::new(),
    };
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(k) = &row.kev {
            kev.entries.insert(
                row.id.clone(),
                KevEntry {
                    cve: row.id.clone(),
                    vendor_project: Some(Text::from(k.vendor_project)),
                    product: Some(Text::from(k.product)),
                    date_added: k.date_added,
                    due_date: k.due_date,
                    ransomware: k.ransomware,
                },
            );
        }
        epss.scores.insert(
            row.id.clone(),
            EpssScore {
                probability: row.epss,
                percentile: row.percentile,
            },
        );
        ids.push((row.id.clone(), Some(row.package)));
    }
    (kev, epss, ids)
}

/// From real intel: every KEV entry with an EPSS score, plus an even sample of the other
/// scored CVEs, so findings show a real EPSS distribution (mostly tiny).
fn intel_pool(intel: &Intel) -> (KevCatalog, EpssSet, Vec<(VulnId, Option<&'static str>)>) {
    const OTHERS: usize = 30_000;
    let mut ids: Vec<VulnId> = intel
        .kev
        .entries
        .keys()
        .filter(|k| intel.epss.scores.contains_key(*k))
        .cloned()
        .collect();
    if ids.is_empty() {
        ids.extend(intel.kev.entries.keys().cloned());
    }
    let others: Vec<&VulnId> = intel
        .epss
        .scores
        .keys()
        .filter(|k| !intel.kev.entries.contains_key(*k))
        .collect();
    let step = (others.len() / OTHERS).max(1);
    ids.extend(others.into_iter().step_by(step).cloned());
    let scores = ids
        .iter()
        .filter_map(|id| intel.epss.scores.get(id).map(|s| (id.clone(), *s)))
        .collect();
    let epss = EpssSet {
        model_version: intel.epss.model_version.clone(),
        score_date: intel.epss.score_date,
        scores,
    };
    (
        intel.kev.clone(),
        epss,
        ids.into_iter().map(|i| (i, None)).collect(),
    )
}

pub(crate) fn build_pool(opts: &GenOptions) -> Pool {
    let (kev, epss, ids) = match &opts.intel {
        Some(intel) => intel_pool(intel),
        None => builtin_intel(),
    };
    let versions: BTreeMap<&str, (&str, &str)> =
        VERSIONS.iter().map(|(p, i, f)| (*p, (*i, *f))).collect();
    let text = |s: &str| (!s.is_empty()).then(|| Text::from(s));
    let mut facts_of: BTreeMap<&str, Option<CvssFacts>> = BTreeMap::new();
    let mut cvss = BTreeMap::new();
    let mut vulns: Vec<PoolVuln> = ids
        .into_iter()
        .map(|(id, builtin_pkg)| {
            let h = fnv(id.as_str());
            let entry = kev.entries.get(&id);
            // Built-in CVEs carry their package; for real intel, a KEV entry's product,
            // else a library drawn by hash (synthetic: the CVE may be in something else).
            let (package, family): (String, Family) = match (builtin_pkg, entry) {
                (Some(p), _) => (p.to_string(), Family::of_package(p)),
                (None, Some(e)) => (
                    e.product
                        .as_deref()
                        .unwrap_or("unknown")
                        .to_lowercase()
                        .replace(' ', "-"),
                    Family::of_vendor(e.vendor_project.as_deref().unwrap_or("")),
                ),
                (None, None) => {
                    let libs: Vec<&(&str, &str, &str)> = VERSIONS
                        .iter()
                        .filter(|v| Family::of_package(v.0) == Family::Any)
                        .collect();
                    let p = libs
                        .get((h >> 16) as usize % libs.len().max(1))
                        .map_or("unknown", |v| v.0);
                    (p.to_string(), Family::Any)
                }
            };
            let vector = vector_for(id.as_str(), &package, entry.is_some());
            let facts = vector.and_then(|v| {
                facts_of
                    .entry(v)
                    .or_insert_with(|| patchloop_ingest::cvss::parse_vector(v).ok())
                    .clone()
            });
            let severity = match &facts {
                Some(f) => Severity::from_cvss(f.base_score.get()),
                None => [
                    Severity::Medium,
                    Severity::High,
                    Severity::Low,
                    Severity::Critical,
                ][(h >> 20) as usize % 4],
            };
            if let Some(f) = facts {
                cvss.insert(id.clone(), f);
            }
            let (installed, fixed) = versions.get(package.as_str()).copied().unwrap_or(("", ""));
            PoolVuln {
                in_kev: entry.is_some(),
                family,
                installed: text(installed),
                fixed: text(fixed),
                package: text(&package),
                vector: vector.map(Text::from),
                severity,
                id,
            }
        })
        .collect();
    // Popularity is the position in this order (a stable hash), so the most common
    // flaws mix packages and years.
    vulns.sort_by(|a, b| (fnv(a.id.as_str()), &a.id).cmp(&(fnv(b.id.as_str()), &b.id)));
    let mut platforms = vec![Platform::Linux, Platform::Windows, Platform::Mac];
    platforms.extend((0..APPLIANCES.len()).map(|k| Platform::Appliance(k as u8)));
    let by_platform = platforms
        .into_iter()
        .map(|p| {
            let mut c = Candidates::default();
            for (k, v) in vulns.iter().enumerate().filter(|(_, v)| v.family.fits(p)) {
                if v.in_kev { &mut c.kev } else { &mut c.other }.push(k as u32);
            }
            (p, c)
        })
        .collect();
    Pool {
        vulns,
        by_platform,
        kev,
        epss,
        cvss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_intel_is_the_real_excerpt() {
        let (kev, epss, ids) = builtin_intel();
        assert!(ids.len() >= 200, "{}", ids.len());
        assert_eq!(epss.scores.len(), ids.len());
        assert!(kev.entries.len() >= 50, "{}", kev.entries.len());
        let log4shell = kev
            .entries
            .get(&VulnId::new("CVE-2021-44228").unwrap())
            .unwrap();
        assert_eq!(log4shell.date_added.to_string(), "2021-12-10");
        assert!(log4shell.ransomware);
        assert!(kev.date_released.is_some() && epss.score_date.is_some());
    }
}
