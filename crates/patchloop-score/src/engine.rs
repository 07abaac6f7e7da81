//! The column store: per-asset and per-vulnerability facts computed once, and the
//! findings as struct-of-arrays sorted by (asset id, vulnerability id). Built once per
//! bundle; scoring at any `as_of` then only reads it.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use patchloop_model::{
    AssetId, Bundle, ExceptionScope, Exposure, FindingIdx, FindingStatus, Severity, VulnId,
};

use crate::ScoreError;
use crate::diagnostics::Diagnostic;
use crate::rules::{self, ExcEffect};
use crate::tables::{BodTable, SsvcTable, bod_table, ssvc_index, ssvc_table};
use crate::vocab::{CvssSource, SystemExposure};
use patchloop_model::IdentityMap;

/// Bit of `Columns::f_flags`: the scanner reports the finding fixed.
pub(crate) const FLAG_FIXED: u8 = 1;

/// What the hot path needs about one asset (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AssetHot {
    /// The score's C.
    pub c: f64,
    /// B(h).
    pub blast: f64,
    /// SSVC system exposure code of the asset's own exposure.
    pub exposure: u8,
    /// Human impact code, bump applied.
    pub hi: u8,
}

/// What a due date needs about one vulnerability variant (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VulnSla {
    /// KEV cap as a Unix second; `i64::MAX` when none applies.
    pub cap: i64,
    /// SLA days when not publicly exposed, and when publicly exposed.
    pub days: [u32; 2],
}

impl VulnSla {
    pub(crate) fn cap(&self) -> Option<i64> {
        (self.cap != i64::MAX).then_some(self.cap)
    }
}

/// One exception and the findings it may cover: `start..end` in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExcRule {
    /// Index into `bundle.exceptions`.
    pub index: usize,
    pub start: u32,
    pub end: u32,
}

/// The columns. Findings are sorted by (asset index, vulnerability index), and both
/// indices are assigned in id order, so column order *is* (asset_id, vuln_id) order and a
/// finding's index is the queue's last tie-break.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    /// Exposure weight X by SSVC system-exposure code (small, controlled, open).
    pub x_weight: [f64; 3],
    pub asset_ids: Vec<AssetId>,
    /// Index of each asset in `bundle.assets`.
    pub asset_src: Vec<u32>,
    pub assets: Vec<AssetHot>,
    /// Findings of asset `a` are `asset_start[a]..asset_start[a + 1]`.
    pub asset_start: Vec<u32>,
    pub vuln_ids: Vec<VulnId>,
    /// The severity word a vulnerability variant was scored with (`None`: it has a vector).
    pub vuln_sev: Vec<Option<Severity>>,
    /// base = min(1, threat × severity × kev_mod) per variant: the one random read per
    /// finding, kept apart (8 bytes each) so that it stays in a core's L2 cache.
    pub vuln_base: Vec<f64>,
    /// The variant's part of the SSVC row index: exploitation × 24 + automatable × 4.
    pub vuln_row: Vec<u8>,
    pub vuln_sla: Vec<VulnSla>,
    /// 1 for KEV, else EPSS: each finding's term of its host's exploitation probability.
    pub vuln_p: Vec<f64>,
    pub f_asset: Vec<u32>,
    pub f_vuln: Vec<u32>,
    /// Seconds since `epoch`.
    pub f_first_seen: Vec<u32>,
    pub f_flags: Vec<u8>,
    /// Each column row's position in `bundle.findings`, or `None` when they coincide
    /// (a loaded bundle: sorted by pair, every asset known), so the usual case costs
    /// nothing extra.
    pub f_src: Option<Vec<u32>>,
    /// The earliest first_seen, as a Unix second.
    pub epoch: i64,
    pub exc_rules: Vec<ExcRule>,
}

impl Columns {
    /// The column range holding the findings of asset index `asset`.
    pub(crate) fn finding_range(&self, asset: usize) -> std::ops::Range<usize> {
        let s = self.asset_start.get(asset).copied().unwrap_or(0) as usize;
        let e = self.asset_start.get(asset + 1).copied().unwrap_or(0) as usize;
        s..e.max(s)
    }

    pub(crate) fn first_seen(&self, i: usize) -> i64 {
        self.epoch + i64::from(self.f_first_seen.get(i).copied().unwrap_or(0))
    }
}

/// Bytes the findings columns take per finding: the inputs (asset index `u32`,
/// vulnerability index `u32`, first_seen offset `u32`, flags `u8`) plus the outputs of a
/// scoring (score `f64`, state `u8`). See the crate docs for why these widths.
pub const BYTES_PER_FINDING: usize = 4 + 4 + 4 + 1 + 8 + 1;

/// A bundle prepared for scoring: columns built, inputs checked, diagnostics collected.
///
/// Holds the bundle and the identity map by reference, for the per-finding detail
/// ([`crate::Assessment`]) that only the reported findings need.
#[derive(Debug, Clone)]
pub struct Engine<'b> {
    pub(crate) bundle: &'b Bundle,
    pub(crate) identity: &'b IdentityMap,
    pub(crate) ssvc: &'static SsvcTable,
    pub(crate) bod: &'static BodTable,
    pub(crate) cols: Columns,
    diagnostics: Vec<Diagnostic>,
}

/// A multiplicative hasher for the address cache: its keys are allocation addresses,
/// lengths and a severity, never input text, so a fast non-keyed hash is safe there.
#[derive(Debug, Default, Clone, Copy)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, w: usize) {
        self.write_u64(w as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn idx32(n: usize, what: &'static str) -> Result<u32, ScoreError> {
    u32::try_from(n).map_err(|_| ScoreError::TooMany { what, count: n })
}

impl<'b> Engine<'b> {
    /// Checks the inputs and builds the columns.
    ///
    /// Errors: an invalid policy, a blast radius outside [0, 1], a duplicate asset id or
    /// (asset, vulnerability) pair, more than `u32::MAX` findings, or first_seen values
    /// spanning more than 136 years. Findings of assets missing from the inventory are
    /// left out and reported in [`Engine::diagnostics`].
    pub fn new(bundle: &'b Bundle, identity: &'b IdentityMap) -> Result<Self, ScoreError> {
        let policy = &bundle.policy;
        let problems = policy.validate();
        if !problems.is_empty() {
            return Err(ScoreError::InvalidPolicy { problems });
        }
        let ssvc = ssvc_table()?;
        let bod = bod_table()?;
        let mut diagnostics = Vec::new();

        // Assets, in id order.
        idx32(bundle.assets.len(), "assets")?;
        let mut order: Vec<usize> = (0..bundle.assets.len()).collect();
        order.sort_by(|&a, &b| {
            let id = |i: usize| bundle.assets.get(i).map(|x| &x.id);
            id(a).cmp(&id(b))
        });
        let sorted: Vec<_> = order.iter().filter_map(|&i| bundle.assets.get(i)).collect();
        for w in sorted.windows(2) {
            if let [a, b] = w
                && a.id == b.id
            {
                return Err(ScoreError::DuplicateAsset {
                    asset_id: a.id.clone(),
                });
            }
        }
        let asset_ids: Vec<AssetId> = sorted.iter().map(|a| a.id.clone()).collect();
        let asset_src: Vec<u32> = order.iter().map(|&i| i as u32).collect();
        for (id, h) in identity {
            if !(h.blast.is_finite() && (0.0..=1.0).contains(&h.blast)) {
                return Err(ScoreError::InvalidBlast {
                    asset_id: id.clone(),
                    value: h.blast,
                });
            }
            if asset_ids.binary_search(id).is_err() {
                diagnostics.push(Diagnostic::IdentityForUnknownAsset {
                    asset_id: id.clone(),
                });
            }
        }
        let assets: Vec<AssetHot> = sorted
            .iter()
            .map(|a| {
                let f = rules::asset_facts(a, identity.get(&a.id), policy);
                AssetHot {
                    c: f.criticality_weight,
                    blast: f.blast,
                    exposure: SystemExposure::from_exposure(f.exposure).code(),
                    hi: f.human_impact.code(),
                }
            })
            .collect();

        // One pass over the findings: join the inventory (consecutive findings usually
        // share an asset, so the last match is tried before the map), and give each
        // distinct (vulnerability, severity word) a provisional number in first-seen order.
        let amap: HashMap<&AssetId, u32> = asset_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id, i as u32))
            .collect();
        let mut unknown: BTreeMap<&AssetId, u64> = BTreeMap::new();
        let mut raw_keys: HashMap<(&VulnId, Option<Severity>), u32> = HashMap::new();
        // Ingest interns ids, so one string allocation usually stands for one id: a map
        // keyed by the allocation's address (a cache in front of `raw_keys`, which hashes
        // the text) turns most lookups into an integer hash.
        let mut by_addr: HashMap<
            (usize, usize, Option<Severity>),
            u32,
            BuildHasherDefault<AddrHasher>,
        > = HashMap::default();
        let mut raw_list: Vec<(&VulnId, Option<Severity>)> = Vec::new();
        let n = bundle.findings.len();
        let mut f_asset: Vec<u32> = Vec::with_capacity(n);
        let mut f_vuln: Vec<u32> = Vec::with_capacity(n);
        let mut secs: Vec<i64> = Vec::with_capacity(n);
        let mut f_flags: Vec<u8> = Vec::with_capacity(n);
        let mut f_src: Vec<u32> = Vec::with_capacity(n);
        let mut last: Option<(&AssetId, u32)> = None;
        for (fi, f) in bundle.findings.iter().enumerate() {
            let a = match last {
                Some((id, a)) if *id == f.asset_id => a,
                _ => match amap.get(&f.asset_id) {
                    Some(&a) => {
                        last = Some((&f.asset_id, a));
                        a
                    }
                    None => {
                        *unknown.entry(&f.asset_id).or_insert(0) += 1;
                        continue;
                    }
                },
            };
            let text = f.vuln_id.as_str();
            let addr = (text.as_ptr() as usize, text.len(), f.severity);
            let v = match by_addr.get(&addr) {
                Some(&v) => v,
                None => {
                    let next = raw_list.len() as u32;
                    let v = *raw_keys.entry((&f.vuln_id, f.severity)).or_insert_with(|| {
                        raw_list.push((&f.vuln_id, f.severity));
                        next
                    });
                    by_addr.insert(addr, v);
                    v
                }
            };
            f_asset.push(a);
            f_vuln.push(v);
            f_src.push(fi as u32);
            secs.push(f.first_seen.timestamp());
            f_flags.push(if f.status == FindingStatus::Fixed {
                FLAG_FIXED
            } else {
                0
            });
        }
        drop((raw_keys, by_addr));
        let known = f_asset.len();
        idx32(known, "findings")?;
        for (asset_id, findings) in unknown {
            diagnostics.push(Diagnostic::UnknownAsset {
                asset_id: asset_id.clone(),
                findings,
            });
        }
        let (lo, hi) = secs
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        let epoch = if known == 0 { 0 } else { lo };
        let span = hi.saturating_sub(lo);
        if known > 0 && span > i64::from(u32::MAX) {
            return Err(ScoreError::FirstSeenSpan { seconds: span });
        }
        let mut f_first_seen: Vec<u32> = secs
            .iter()
            .map(|&s| u32::try_from(s - epoch).unwrap_or(u32::MAX))
            .collect();
        drop(secs);

        // Vulnerability variants in (id, severity) order: the severity word only matters
        // when the bundle has no vector for the id, so it is dropped otherwise. Then the
        // provisional numbers are mapped to variant indices, which follow id order.
        let canon = |v: &VulnId, s: Option<Severity>| -> Option<Severity> {
            if bundle.cvss.contains_key(v) {
                None
            } else {
                Some(s.unwrap_or(Severity::Unknown))
            }
        };
        let canon_raw: Vec<(&VulnId, Option<Severity>)> =
            raw_list.iter().map(|&(v, s)| (v, canon(v, s))).collect();
        let variants: Vec<(&VulnId, Option<Severity>)> = canon_raw
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        idx32(variants.len(), "vulnerabilities")?;
        let remap: Vec<u32> = canon_raw
            .iter()
            .map(|k| variants.binary_search(k).map_or(0, |i| i as u32))
            .collect();
        for v in f_vuln.iter_mut() {
            *v = remap.get(*v as usize).copied().unwrap_or(0);
        }
        let facts: Vec<rules::VulnFacts> = variants
            .iter()
            .map(|&(v, s)| rules::vuln_facts(bundle, v, s, policy))
            .collect();
        let vuln_base: Vec<f64> = facts.iter().map(|f| f.base).collect();
        let vuln_row: Vec<u8> = facts
            .iter()
            .map(|f| ssvc_index(f.exploitation.code(), 0, f.automatable, 0))
            .collect();
        let vuln_sla: Vec<VulnSla> = facts
            .iter()
            .map(|f| VulnSla {
                cap: f.kev_cap.unwrap_or(i64::MAX),
                days: [false, true].map(|public| rules::sla_rule(f, public, policy, bod).days),
            })
            .collect();
        let vuln_p: Vec<f64> = facts.iter().map(|f| f.p_exploit).collect();
        let vuln_ids: Vec<VulnId> = variants.iter().map(|(v, _)| (*v).clone()).collect();
        let vuln_sev: Vec<Option<Severity>> = variants.iter().map(|(_, s)| *s).collect();
        let mut per_vuln = vec![0u64; variants.len()];
        for &v in &f_vuln {
            if let Some(c) = per_vuln.get_mut(v as usize) {
                *c += 1;
            }
        }

        // Unless the bundle kept its sorted-by-pair invariant, one permutation into
        // (asset, vulnerability) order.
        let key = |i: usize| (f_asset.get(i).copied(), f_vuln.get(i).copied());
        let sorted_already = (1..known).all(|i| key(i - 1) <= key(i));
        if !sorted_already {
            let mut perm: Vec<u32> = (0..known as u32).collect();
            perm.sort_unstable_by_key(|&i| key(i as usize));
            let apply = |col: &[u32]| -> Vec<u32> {
                perm.iter()
                    .filter_map(|&i| col.get(i as usize).copied())
                    .collect()
            };
            let flags: Vec<u8> = perm
                .iter()
                .filter_map(|&i| f_flags.get(i as usize).copied())
                .collect();
            f_asset = apply(&f_asset);
            f_vuln = apply(&f_vuln);
            f_first_seen = apply(&f_first_seen);
            f_src = apply(&f_src);
            f_flags = flags;
        }
        for i in 1..known {
            let (pa, pv) = (f_asset.get(i - 1), f_vuln.get(i - 1));
            let (ca, cv) = (f_asset.get(i), f_vuln.get(i));
            let id = |v: Option<&u32>| v.and_then(|&v| vuln_ids.get(v as usize));
            if pa == ca && id(pv) == id(cv) {
                let asset_id = ca.and_then(|&a| asset_ids.get(a as usize)).cloned().ok_or(
                    ScoreError::TooMany {
                        what: "findings",
                        count: known,
                    },
                )?;
                let vuln_id = id(cv).cloned().ok_or(ScoreError::TooMany {
                    what: "findings",
                    count: known,
                })?;
                return Err(ScoreError::DuplicateFinding { asset_id, vuln_id });
            }
        }
        let mut asset_start = vec![0u32; asset_ids.len() + 1];
        for &a in &f_asset {
            if let Some(c) = asset_start.get_mut(a as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..asset_start.len() {
            let prev = asset_start.get(i - 1).copied().unwrap_or(0);
            if let Some(c) = asset_start.get_mut(i) {
                *c += prev;
            }
        }

        // Intel coverage, counted per finding.
        match &bundle.kev {
            None => diagnostics.push(Diagnostic::KevAbsent),
            Some(k) if k.added_after_as_of > 0 => {
                diagnostics.push(Diagnostic::KevAddedAfterAsOf {
                    entries: k.added_after_as_of,
                });
            }
            Some(_) => {}
        }
        let (mut from_sev, mut unknown_cvss, mut epss_vulns, mut epss_findings) = (0, 0, 0, 0);
        let mut epss_seen: BTreeSet<&VulnId> = BTreeSet::new();
        for ((f, n), id) in facts.iter().zip(&per_vuln).zip(&vuln_ids) {
            match f.cvss_source {
                CvssSource::SeverityWord => from_sev += n,
                CvssSource::Unknown => unknown_cvss += n,
                CvssSource::Vector => {}
            }
            if bundle.epss.is_some() && f.epss.is_none() {
                epss_findings += n;
                if epss_seen.insert(id) {
                    epss_vulns += 1;
                }
            }
        }
        if bundle.epss.is_none() {
            diagnostics.push(Diagnostic::EpssAbsent);
        } else if epss_vulns > 0 {
            diagnostics.push(Diagnostic::EpssMissing {
                vulns: epss_vulns,
                findings: epss_findings,
            });
        }
        if from_sev > 0 {
            diagnostics.push(Diagnostic::CvssFromSeverity { findings: from_sev });
        }
        if unknown_cvss > 0 {
            diagnostics.push(Diagnostic::CvssUnknown {
                findings: unknown_cvss,
            });
        }

        let mut cols = Columns {
            x_weight: [
                policy.exposure_weights.get(Exposure::Isolated),
                policy.exposure_weights.get(Exposure::Internal),
                policy.exposure_weights.get(Exposure::Internet),
            ],
            asset_ids,
            asset_src,
            assets,
            asset_start,
            vuln_ids,
            vuln_sev,
            vuln_base,
            vuln_row,
            vuln_sla,
            vuln_p,
            f_asset,
            f_vuln,
            f_first_seen,
            f_flags,
            f_src: (!f_src.iter().enumerate().all(|(i, &s)| s as usize == i)).then_some(f_src),
            epoch,
            exc_rules: Vec::new(),
        };

        // Exceptions, resolved to the findings they may cover.
        for (index, e) in bundle.exceptions.iter().enumerate() {
            let Ok(a) = cols.asset_ids.binary_search(&e.asset_id) else {
                diagnostics.push(Diagnostic::ExceptionForUnknownAsset {
                    asset_id: e.asset_id.clone(),
                    line: e.line,
                });
                continue;
            };
            // An identity exception (a row with a secret_id) accepts identity risk in the
            // closed loop; it never excepts the finding or changes its decision.
            if e.is_identity() {
                continue;
            }
            let range = cols.finding_range(a);
            let (start, end) = match &e.scope {
                ExceptionScope::AllFindings => (range.start, range.end),
                ExceptionScope::Vuln(v) => match cols.find_in(range, v) {
                    Some(i) => (i, i + 1),
                    None => {
                        diagnostics.push(Diagnostic::ExceptionMatchesNoFinding {
                            asset_id: e.asset_id.clone(),
                            vuln_id: v.clone(),
                            line: e.line,
                        });
                        continue;
                    }
                },
            };
            cols.exc_rules.push(ExcRule {
                index,
                start: start as u32,
                end: end as u32,
            });
        }
        diagnostics.sort();
        Ok(Engine {
            bundle,
            identity,
            ssvc,
            bod,
            cols,
            diagnostics,
        })
    }

    /// What the scorer noticed about its inputs, sorted (kind, then ids).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Findings in the columns (those of inventoried assets).
    pub fn len(&self) -> usize {
        self.cols.f_asset.len()
    }

    /// Whether there are no findings to score.
    pub fn is_empty(&self) -> bool {
        self.cols.f_asset.is_empty()
    }

    /// The bundle this engine was built from.
    pub fn bundle(&self) -> &'b Bundle {
        self.bundle
    }

    /// The column index of the finding (asset_id, vuln_id), when the bundle has it for an
    /// inventoried asset. Indices follow (asset_id, vuln_id) order.
    pub fn find(&self, asset_id: &AssetId, vuln_id: &VulnId) -> Option<u32> {
        let a = self.cols.asset_ids.binary_search(asset_id).ok()?;
        let range = self.cols.finding_range(a);
        self.cols.find_in(range, vuln_id).map(|i| i as u32)
    }

    /// The position in `bundle.findings` of the finding at column index `i`.
    #[inline]
    pub fn source(&self, i: u32) -> Option<FindingIdx> {
        match &self.cols.f_src {
            None => ((i as usize) < self.cols.f_asset.len()).then_some(FindingIdx(i)),
            Some(src) => src.get(i as usize).map(|&s| FindingIdx(s)),
        }
    }

    /// (asset_id, vuln_id) of the finding at column index `i`.
    pub fn ids(&self, i: u32) -> Option<(&AssetId, &VulnId)> {
        let i = i as usize;
        let a = self
            .cols
            .asset_ids
            .get(*self.cols.f_asset.get(i)? as usize)?;
        let v = self.cols.vuln_ids.get(*self.cols.f_vuln.get(i)? as usize)?;
        Some((a, v))
    }

    /// The exceptions that may cover finding `i`, as (index into `bundle.exceptions`,
    /// exception), in bundle order.
    pub(crate) fn exception_candidates(
        &self,
        i: usize,
    ) -> impl Iterator<Item = (usize, &'b patchloop_model::Exception)> + '_ {
        self.cols
            .exc_rules
            .iter()
            .filter(move |r| (r.start as usize..r.end as usize).contains(&i))
            .filter_map(|r| self.bundle.exceptions.get(r.index).map(|e| (r.index, e)))
    }

    /// The exception governing each covered finding at `as_of`, sorted by finding index.
    pub(crate) fn exceptions_at(&self, as_of: patchloop_model::Timestamp) -> Vec<(u32, ExcEffect)> {
        let mut pairs: Vec<(u32, usize)> = self
            .cols
            .exc_rules
            .iter()
            .flat_map(|r| (r.start..r.end).map(move |i| (i, r.index)))
            .collect();
        pairs.sort_unstable();
        let mut out = Vec::new();
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(i, _)) = group.first() else {
                continue;
            };
            let candidates = group
                .iter()
                .filter_map(|&(_, r)| self.bundle.exceptions.get(r).map(|e| (r, e)));
            if let Some(effect) = rules::select_exception(candidates, as_of) {
                out.push((i, effect));
            }
        }
        out
    }
}

impl Columns {
    /// The finding for `vuln` within one asset's range (vulnerability ids ascend there).
    pub(crate) fn find_in(&self, range: std::ops::Range<usize>, vuln: &VulnId) -> Option<usize> {
        let slice = self.f_vuln.get(range.clone())?;
        let id = |v: &u32| self.vuln_ids.get(*v as usize);
        let k = slice.partition_point(|v| id(v) < Some(vuln));
        (slice.get(k).and_then(id) == Some(vuln)).then_some(range.start + k)
    }
}
