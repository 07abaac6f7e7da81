//! Builders for bundles in code, and a seeded generator of random bundles for the
//! property tests (a tiny splitmix64, so the tests need no extra crate).
use chrono::NaiveDate;
use patchloop_model::{
    Asset, AssetId, Bundle, Criticality, CvssFacts, CvssScore, CvssVersion, EpssScore, EpssSet,
    Exception, ExceptionScope, ExploitMaturity, Exposure, Finding, FindingStatus, KevCatalog,
    KevEntry, Probability, ResourceId, Role, Severity, Text, Timestamp, VulnId, parse_timestamp,
};
use patchloop_score::{HostIdentity, IdentityMap, NearestCrownJewel};

pub fn ts(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap()
}

pub fn aid(s: &str) -> AssetId {
    AssetId::new(s).unwrap()
}

pub fn vid(s: &str) -> VulnId {
    VulnId::new(s).unwrap()
}

pub fn asset(id: &str, criticality: Criticality, exposure: Exposure, role: Option<Role>) -> Asset {
    let mut a = Asset::new(aid(id));
    a.criticality = criticality;
    a.criticality_assumed = false;
    a.exposure = exposure;
    a.exposure_assumed = false;
    a.role = role;
    a
}

pub fn finding(asset: &str, vuln: &str, first_seen: &str) -> Finding {
    Finding {
        asset_id: aid(asset),
        vuln_id: vid(vuln),
        package: None,
        installed_version: None,
        fixed_version: None,
        first_seen: ts(first_seen),
        last_seen: None,
        status: FindingStatus::Open,
        fixed_at: None,
        scanner: None,
        cvss_vector: None,
        severity: None,
    }
}

pub fn facts(
    score: f64,
    automatable: bool,
    total: bool,
    maturity: Option<ExploitMaturity>,
) -> CvssFacts {
    CvssFacts {
        version: if maturity.is_some() {
            CvssVersion::V4_0
        } else {
            CvssVersion::V3_1
        },
        vector: Text::from("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        base_score: CvssScore::new(score).unwrap(),
        automatable,
        total_impact: total,
        confidentiality_high: total,
        exploit_maturity: maturity,
    }
}

pub fn kev_entry(vuln: &str, due: Option<&str>, ransomware: bool) -> KevEntry {
    KevEntry {
        cve: vid(vuln),
        vendor_project: None,
        product: None,
        date_added: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        due_date: due.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
        ransomware,
    }
}

pub fn set_kev(b: &mut Bundle, e: KevEntry) {
    b.kev
        .get_or_insert_with(KevCatalog::default)
        .entries
        .insert(e.cve.clone(), e);
}

pub fn set_epss(b: &mut Bundle, vuln: &str, p: f64) {
    b.epss.get_or_insert_with(EpssSet::default).scores.insert(
        vid(vuln),
        EpssScore {
            probability: Probability::new(p).unwrap(),
            percentile: Probability::new(0.5).unwrap(),
        },
    );
}

#[allow(clippy::too_many_arguments)]
pub fn exception(
    asset: &str,
    vuln: Option<&str>,
    granted: &str,
    expires: &str,
    complete: bool,
    exposure_override: Option<Exposure>,
    line: u64,
) -> Exception {
    Exception {
        asset_id: aid(asset),
        scope: vuln.map_or(ExceptionScope::AllFindings, |v| {
            ExceptionScope::Vuln(vid(v))
        }),
        reason: None,
        compensating_control: complete.then(|| Text::from("waf rule 12")),
        approver: complete.then(|| Text::from("ciso")),
        granted_at: ts(granted),
        expires_at: ts(expires),
        exposure_override,
        line,
    }
}

pub fn identity(blast: f64, crown: Option<(&str, u32)>) -> HostIdentity {
    HostIdentity {
        blast,
        crown_jewels_reached: u32::from(crown.is_some()),
        nearest_crown_jewel: crown.map(|(r, hops)| NearestCrownJewel {
            resource_id: ResourceId::new(r).unwrap(),
            hops,
        }),
    }
}

/// splitmix64: enough randomness for generated bundles, reproducible from a seed.
pub struct SeedRng(u64);

impl SeedRng {
    pub fn new(seed: u64) -> Self {
        SeedRng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

pub const AS_OF: &str = "2026-06-01T12:00:00Z";

/// A random bundle: up to `hosts` assets, `vulns` vulnerabilities, each (asset, vuln) pair
/// present with probability `density`%, plus a few findings of uninventoried assets,
/// exceptions of every kind and identity facts. Ids are zero-padded so that id order and
/// number order agree, which keeps failures readable.
pub fn random_bundle(seed: u64, hosts: usize, vulns: usize, density: u64) -> (Bundle, IdentityMap) {
    let mut r = SeedRng::new(seed);
    let mut b = Bundle::default();
    let crits = [
        Criticality::Low,
        Criticality::Medium,
        Criticality::High,
        Criticality::Critical,
    ];
    let exps = [Exposure::Internet, Exposure::Internal, Exposure::Isolated];
    let roles = [
        None,
        Some(Role::Server),
        Some(Role::CiRunner),
        Some(Role::Database),
        Some(Role::IdentityProvider),
    ];
    let mut ident = IdentityMap::new();
    for h in 0..hosts {
        let id = format!("h{h:04}");
        b.assets
            .push(asset(&id, *r.pick(&crits), *r.pick(&exps), *r.pick(&roles)));
        if r.chance(60) {
            let blast = if r.chance(20) { 1.0 } else { r.unit() };
            let crown = r
                .chance(30)
                .then(|| (format!("db-{}", r.below(3)), 1 + r.below(5) as u32));
            ident.insert(
                aid(&id),
                identity(blast, crown.as_ref().map(|(s, h)| (s.as_str(), *h))),
            );
        }
    }
    let sevs = [
        None,
        Some(Severity::Critical),
        Some(Severity::High),
        Some(Severity::Medium),
        Some(Severity::Low),
        Some(Severity::Negligible),
        Some(Severity::Unknown),
    ];
    let maturities = [
        None,
        None,
        Some(ExploitMaturity::Attacked),
        Some(ExploitMaturity::Poc),
        Some(ExploitMaturity::Unreported),
    ];
    let mut vuln_ids = Vec::new();
    for v in 0..vulns {
        let id = format!("CVE-2025-{v:05}");
        if r.chance(70) {
            let score = r.below(101) as f64 / 10.0;
            b.cvss.insert(
                vid(&id),
                facts(score, r.chance(50), r.chance(50), *r.pick(&maturities)),
            );
        }
        if r.chance(25) {
            let due = r
                .chance(80)
                .then(|| format!("2026-{:02}-{:02}", 1 + r.below(9), 1 + r.below(28)));
            set_kev(&mut b, kev_entry(&id, due.as_deref(), r.chance(40)));
        }
        if r.chance(85) {
            // Some exact ties with the PoC threshold, some zeros.
            let p = match r.below(6) {
                0 => 0.1,
                1 => 0.0,
                _ => r.unit(),
            };
            set_epss(&mut b, &id, p);
        }
        vuln_ids.push(id);
    }
    for a in b.assets.clone() {
        for v in &vuln_ids {
            if !r.chance(density) {
                continue;
            }
            let mut f = finding(
                a.id.as_str(),
                v,
                &format!("2026-{:02}-{:02}", 1 + r.below(5), 1 + r.below(28)),
            );
            f.first_seen += chrono::TimeDelta::seconds(r.below(86_400) as i64);
            f.severity = *r.pick(&sevs);
            if r.chance(20) {
                f.status = FindingStatus::Fixed;
            }
            b.findings.push(f);
        }
    }
    for k in 0..r.below(3) {
        let v = r.pick(&vuln_ids).clone();
        b.findings
            .push(finding(&format!("ghost-{k}"), &v, "2026-02-01"));
    }
    let n_exc = r.below(5);
    for line in 0..n_exc {
        let a = if hosts > 0 && r.chance(90) {
            format!("h{:04}", r.below(hosts as u64))
        } else {
            "ghost-x".to_string()
        };
        let v = r.chance(60).then(|| r.pick(&vuln_ids).clone());
        let granted = format!("2026-{:02}-01", 1 + r.below(6));
        let expires = format!("2026-{:02}-15", 1 + r.below(9));
        let over = r
            .pick(&[
                None,
                Some(Exposure::Isolated),
                Some(Exposure::Internet),
                Some(Exposure::Internal),
            ])
            .to_owned();
        b.exceptions.push(exception(
            &a,
            v.as_deref(),
            &granted,
            &expires,
            r.chance(75),
            over,
            line + 2,
        ));
    }
    b.findings = patchloop_model::merge_findings(std::mem::take(&mut b.findings));
    (b, ident)
}

/// Shuffles a slice with the generator (Fisher–Yates).
pub fn shuffle<T>(r: &mut SeedRng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        xs.swap(i, j);
    }
}
