//! Writes a bundle's files in the formats the loaders read, so generated fleets and
//! round-trip tests go through the same code paths as real inputs.
//!
//! A file is written only when the bundle has data for it: an absent file means "no
//! data", and writing an empty one would turn that into "zero". Timestamps are RFC 3339
//! in UTC with whole seconds; lists are `;`-separated; the bytes depend only on the
//! bundle, never on the machine or the clock.
//!
//! Scanner reports are written too, for generated scan histories:
//! [`write_trivy_report`] (in `write/trivy.rs`).
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use patchloop_model::{
    AccessEdge, Asset, Bundle, CvssFacts, DiscoveryRecord, EpssSet, Event, Exception,
    ExceptionScope, Finding, FindingStatus, KevCatalog, Policy, Resource, Secret, Timestamp,
    VulnId,
};

mod trivy;
mod usage;
pub use trivy::write_trivy_report;
pub use usage::{USAGE_HEADER, UsageRow, write_usage_row};

/// An error writing a bundle.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// An I/O error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A CSV or JSON serialisation error.
    #[error("{path}: {message}")]
    Encode {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Formats a timestamp as the writer and the reports do: `2026-09-15T00:00:00Z`.
pub fn ts(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A timestamp cell for the streaming row writers: the same text as [`ts`], formatted
/// into a fixed buffer, because generating 10M rows spends most of its time here.
enum TsCell {
    Empty,
    Fixed([u8; 20]),
    Other(String),
}

impl AsRef<[u8]> for TsCell {
    fn as_ref(&self) -> &[u8] {
        match self {
            TsCell::Empty => b"",
            TsCell::Fixed(b) => b,
            TsCell::Other(s) => s.as_bytes(),
        }
    }
}

fn ts_cell(t: Option<Timestamp>) -> TsCell {
    use chrono::{Datelike, Timelike};
    let Some(t) = t else { return TsCell::Empty };
    let Ok(year) = u32::try_from(t.year()) else {
        return TsCell::Other(ts(t));
    };
    if year > 9999 {
        return TsCell::Other(ts(t));
    }
    let mut b = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, v: u32, digits: usize| {
        let mut v = v;
        for k in (0..digits).rev() {
            if let Some(c) = b.get_mut(at + k) {
                *c = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, t.month(), 2);
    put(8, t.day(), 2);
    put(11, t.hour(), 2);
    put(14, t.minute(), 2);
    // A leap second (second 60 in chrono's encoding) prints as :60, as `ts` does.
    put(17, t.second() + t.nanosecond() / 1_000_000_000, 2);
    TsCell::Fixed(b)
}

fn opt_ts(t: Option<Timestamp>) -> String {
    t.map(ts).unwrap_or_default()
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn opt_bool(v: Option<bool>) -> String {
    v.map(|b| b.to_string()).unwrap_or_default()
}

/// A CSV writer as every bundle file uses: `,`-separated, LF line ends, quoting only
/// where needed. Streaming writers (the fleet generator) build theirs with this.
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

/// Writes a header row (e.g. [`FINDINGS_HEADER`]) before streamed rows.
pub fn write_header<W: Write>(c: &mut csv::Writer<W>, header: &[&str]) -> std::io::Result<()> {
    c.write_record(header).map_err(enc)
}

fn enc(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Writes `assets.csv`. Assumed defaults are written as empty cells, so a round trip
/// keeps them assumed.
pub fn write_assets<W: Write>(w: W, assets: &[Asset]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "asset_id",
        "hostname",
        "fqdn",
        "ip",
        "mac",
        "serial",
        "role",
        "criticality",
        "exposure",
        "environment",
        "owner",
        "os",
        "patch_agent",
        "last_scanned",
    ])
    .map_err(enc)?;
    for a in assets {
        c.write_record([
            a.id.to_string(),
            opt(&a.hostname),
            opt(&a.fqdn),
            opt(&a.ip),
            opt(&a.mac),
            opt(&a.serial),
            opt(&a.role),
            if a.criticality_assumed {
                String::new()
            } else {
                a.criticality.to_string()
            },
            if a.exposure_assumed {
                String::new()
            } else {
                a.exposure.to_string()
            },
            opt(&a.environment),
            opt(&a.owner),
            opt(&a.os),
            opt_bool(a.patch_agent),
            opt_ts(a.last_scanned),
        ])
        .map_err(enc)?;
    }
    c.flush()
}

/// Writes `discovery.csv`.
pub fn write_discovery<W: Write>(w: W, rows: &[DiscoveryRecord]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "hostname",
        "fqdn",
        "ip",
        "mac",
        "serial",
        "last_seen",
        "source",
        "patch_agent",
    ])
    .map_err(enc)?;
    for d in rows {
        c.write_record([
            opt(&d.hostname),
            opt(&d.fqdn),
            opt(&d.ip),
            opt(&d.mac),
            opt(&d.serial),
            ts(d.last_seen),
            opt(&d.source),
            opt_bool(d.patch_agent),
        ])
        .map_err(enc)?;
    }
    c.flush()
}

/// The header of `findings.csv`; [`write_finding_row`] writes rows under it.
pub const FINDINGS_HEADER: [&str; 12] = [
    "asset_id",
    "vuln_id",
    "package",
    "installed_version",
    "fixed_version",
    "first_seen",
    "last_seen",
    "status",
    "fixed_at",
    "scanner",
    "cvss_vector",
    "severity",
];

/// Writes one `findings.csv` row (for streaming writers that hold a `csv::Writer`).
pub fn write_finding_row<W: Write>(c: &mut csv::Writer<W>, f: &Finding) -> std::io::Result<()> {
    fn text(v: &Option<patchloop_model::Text>) -> &[u8] {
        v.as_deref().unwrap_or("").as_bytes()
    }
    c.write_field(f.asset_id.as_str()).map_err(enc)?;
    c.write_field(f.vuln_id.as_str()).map_err(enc)?;
    c.write_field(text(&f.package)).map_err(enc)?;
    c.write_field(text(&f.installed_version)).map_err(enc)?;
    c.write_field(text(&f.fixed_version)).map_err(enc)?;
    c.write_field(ts_cell(Some(f.first_seen))).map_err(enc)?;
    c.write_field(ts_cell(f.last_seen)).map_err(enc)?;
    c.write_field(match f.status {
        FindingStatus::Open => "open",
        FindingStatus::Fixed => "fixed",
    })
    .map_err(enc)?;
    c.write_field(ts_cell(f.fixed_at)).map_err(enc)?;
    c.write_field(text(&f.scanner)).map_err(enc)?;
    c.write_field(text(&f.cvss_vector)).map_err(enc)?;
    c.write_field(f.severity.map(|s| s.as_str()).unwrap_or(""))
        .map_err(enc)?;
    c.write_record(None::<&[u8]>).map_err(enc)
}

/// Writes `findings.csv`.
pub fn write_findings<W: Write>(w: W, rows: &[Finding]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(FINDINGS_HEADER).map_err(enc)?;
    for f in rows {
        write_finding_row(&mut c, f)?;
    }
    c.flush()
}

/// The header of `events.csv`; [`write_event_row`] writes rows under it.
pub const EVENTS_HEADER: [&str; 11] = [
    "at",
    "kind",
    "asset_id",
    "vuln_id",
    "secret_id",
    "resource_id",
    "reason",
    "actor",
    "note",
    "outcome",
    "external_id",
];

/// Writes one `events.csv` row.
pub fn write_event_row<W: Write>(c: &mut csv::Writer<W>, e: &Event) -> std::io::Result<()> {
    c.write_field(ts_cell(Some(e.at))).map_err(enc)?;
    c.write_field(e.kind.as_str()).map_err(enc)?;
    c.write_field(e.asset_id.as_ref().map_or("", |x| x.as_str()))
        .map_err(enc)?;
    c.write_field(e.vuln_id.as_ref().map_or("", |x| x.as_str()))
        .map_err(enc)?;
    c.write_field(e.secret_id.as_ref().map_or("", |x| x.as_str()))
        .map_err(enc)?;
    c.write_field(e.resource_id.as_ref().map_or("", |x| x.as_str()))
        .map_err(enc)?;
    c.write_field(e.reason.map_or("", |x| x.as_str()))
        .map_err(enc)?;
    c.write_field(e.actor.as_deref().unwrap_or(""))
        .map_err(enc)?;
    c.write_field(e.note.as_deref().unwrap_or(""))
        .map_err(enc)?;
    c.write_field(e.outcome.map_or("", |x| x.as_str()))
        .map_err(enc)?;
    c.write_field(e.external_id.as_deref().unwrap_or(""))
        .map_err(enc)?;
    c.write_record(None::<&[u8]>).map_err(enc)
}

/// Writes `events.csv`.
pub fn write_events<W: Write>(w: W, rows: &[Event]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(EVENTS_HEADER).map_err(enc)?;
    for e in rows {
        write_event_row(&mut c, e)?;
    }
    c.flush()
}

/// Writes `exceptions.csv`.
pub fn write_exceptions<W: Write>(w: W, rows: &[Exception]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "asset_id",
        "vuln_id",
        "reason",
        "compensating_control",
        "approver",
        "granted_at",
        "expires_at",
        "exposure_override",
        "secret_id",
    ])
    .map_err(enc)?;
    for x in rows {
        c.write_record([
            x.asset_id.to_string(),
            match &x.scope {
                ExceptionScope::AllFindings => "*".to_string(),
                ExceptionScope::Vuln(v) => v.to_string(),
            },
            opt(&x.reason),
            opt(&x.compensating_control),
            opt(&x.approver),
            ts(x.granted_at),
            ts(x.expires_at),
            opt(&x.exposure_override),
            opt(&x.secret_id),
        ])
        .map_err(enc)?;
    }
    c.flush()
}

/// Writes `identity/secrets.csv` (metadata only; a secret value has nowhere to come from).
pub fn write_secrets<W: Write>(w: W, rows: &[Secret]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "secret_id",
        "kind",
        "asset_id",
        "location",
        "identity",
        "external_id",
        "created_at",
        "rotated_at",
        "expires_at",
        "fingerprint",
        "max_ttl",
        "owner",
    ])
    .map_err(enc)?;
    for s in rows {
        c.write_record([
            s.id.to_string(),
            opt(&s.kind),
            s.asset_id.to_string(),
            opt(&s.location),
            opt(&s.identity),
            opt(&s.external_id),
            opt_ts(s.created_at),
            opt_ts(s.rotated_at),
            opt_ts(s.expires_at),
            opt(&s.fingerprint),
            s.max_ttl.map(|t| t.to_string()).unwrap_or_default(),
            opt(&s.owner),
        ])
        .map_err(enc)?;
    }
    c.flush()
}

/// Writes `identity/access.csv`.
pub fn write_access<W: Write>(w: W, rows: &[AccessEdge]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(["principal", "resource_id", "privilege"])
        .map_err(enc)?;
    for a in rows {
        c.write_record([
            a.principal.name(),
            a.resource_id.as_str(),
            a.privilege.as_str(),
        ])
        .map_err(enc)?;
    }
    c.flush()
}

/// Writes `identity/resources.csv`.
pub fn write_resources<W: Write>(w: W, rows: &[Resource]) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record([
        "resource_id",
        "kind",
        "criticality",
        "crown_jewel",
        "runs_on",
        "contains",
    ])
    .map_err(enc)?;
    for r in rows {
        let join = |v: Vec<&str>| v.join(";");
        c.write_record([
            r.id.to_string(),
            opt(&r.kind),
            opt(&r.criticality),
            r.crown_jewel.to_string(),
            join(r.runs_on.iter().map(|a| a.as_str()).collect()),
            join(r.contains.iter().map(|s| s.as_str()).collect()),
        ])
        .map_err(enc)?;
    }
    c.flush()
}

/// Writes `intel/cvss.csv` from CVSS facts (the vector is all that is kept).
pub fn write_cvss<'a, W: Write>(
    w: W,
    rows: impl IntoIterator<Item = (&'a VulnId, &'a CvssFacts)>,
) -> std::io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(["vuln_id", "vector"]).map_err(enc)?;
    for (id, f) in rows {
        c.write_record([id.as_str(), &f.vector]).map_err(enc)?;
    }
    c.flush()
}

/// Writes `intel/epss.csv`, with the `#model_version:…,score_date:…` line when the set
/// has either.
pub fn write_epss<W: Write>(mut w: W, set: &EpssSet) -> std::io::Result<()> {
    // Only the keys that are known: `model_version:` with nothing after it would read
    // back as a claim that the version is the empty string.
    let mut meta = Vec::new();
    if let Some(v) = &set.model_version {
        meta.push(format!("model_version:{v}"));
    }
    if let Some(t) = set.score_date {
        meta.push(format!("score_date:{}", ts(t)));
    }
    if !meta.is_empty() {
        writeln!(w, "#{}", meta.join(","))?;
    }
    writeln!(w, "cve,epss,percentile")?;
    for (id, s) in &set.scores {
        writeln!(w, "{id},{},{}", s.probability.get(), s.percentile.get())?;
    }
    w.flush()
}

/// Writes `intel/kev.json` in CISA's shape (fields patchloop does not keep are empty).
pub fn write_kev<W: Write>(w: W, kev: &KevCatalog) -> std::io::Result<()> {
    let vulns: Vec<serde_json::Value> = kev
        .entries
        .values()
        .map(|e| {
            serde_json::json!({
                "cveID": e.cve.as_str(),
                "vendorProject": e.vendor_project.as_deref().unwrap_or(""),
                "product": e.product.as_deref().unwrap_or(""),
                "vulnerabilityName": "",
                "dateAdded": e.date_added.to_string(),
                "shortDescription": "",
                "requiredAction": "",
                "dueDate": e.due_date.map(|d| d.to_string()).unwrap_or_default(),
                "knownRansomwareCampaignUse": if e.ransomware { "Known" } else { "Unknown" },
                "notes": "",
                "cwes": [],
            })
        })
        .collect();
    // A made-up catalog must not present itself as CISA's, to patchloop or to anyone
    // who opens the file.
    let title = if kev.synthetic {
        "Synthetic KEV catalog written by patchloop gen (not the CISA catalog)"
    } else {
        "CISA Catalog of Known Exploited Vulnerabilities"
    };
    let mut doc = serde_json::json!({
        "title": title,
        "catalogVersion": kev.catalog_version.as_deref().unwrap_or(""),
        "dateReleased": kev.date_released.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)).unwrap_or_default(),
        "count": vulns.len(),
        "vulnerabilities": vulns,
    });
    if kev.synthetic
        && let Some(o) = doc.as_object_mut()
    {
        o.insert("patchloopSynthetic".into(), serde_json::Value::Bool(true));
    }
    let mut w = w;
    serde_json::to_writer_pretty(&mut w, &doc).map_err(std::io::Error::other)?;
    writeln!(w)?;
    w.flush()
}

/// Creates `dir/rel` (and its parent directories) for writing.
pub fn create(dir: &Path, rel: &str) -> Result<BufWriter<File>, WriteError> {
    let path: PathBuf = dir.join(rel);
    let io = |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    File::create(&path)
        .map(|f| BufWriter::with_capacity(1 << 16, f))
        .map_err(io)
}

fn file(
    dir: &Path,
    rel: &str,
    f: impl FnOnce(BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let w = create(dir, rel)?;
    f(w).map_err(|source| WriteError::Io {
        path: dir.join(rel).display().to_string(),
        source,
    })
}

/// What `patchloop.toml` gets: `as_of` and, when it differs from the defaults, the
/// whole policy (a loaded bundle no longer knows which fields were overridden, so all
/// are written; the loader accepts any subset, so all is fine).
#[derive(serde::Serialize)]
struct TomlOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a Policy>,
}

/// Writes every part of `bundle` under `dir` (created if needed): `patchloop.toml` with
/// `as_of` and a non-default policy, then one file per part that has data. Provenance
/// is not written (it is recomputed whenever the bundle is loaded), and neither are
/// column mappings or the leak key, which a loaded bundle does not keep: leak-report
/// secrets are written as `identity/secrets.csv` rows with their keyed-hash ids.
pub fn write_bundle(bundle: &Bundle, dir: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let default_policy = bundle.policy == Policy::default();
    if bundle.as_of.is_some() || !default_policy {
        let doc = TomlOut {
            as_of: bundle.as_of.map(ts),
            policy: (!default_policy).then_some(&bundle.policy),
        };
        let text = toml::to_string(&doc).map_err(|e| WriteError::Encode {
            path: dir.join("patchloop.toml").display().to_string(),
            message: e.to_string(),
        })?;
        file(dir, "patchloop.toml", |mut w| {
            w.write_all(text.as_bytes())?;
            w.flush()
        })?;
    }
    file(dir, "assets.csv", |w| write_assets(w, &bundle.assets))?;
    if !bundle.discovery.is_empty() {
        file(dir, "discovery.csv", |w| {
            write_discovery(w, &bundle.discovery)
        })?;
    }
    if !bundle.findings.is_empty() {
        file(dir, "findings.csv", |w| write_findings(w, &bundle.findings))?;
    }
    if !bundle.events.is_empty() {
        // Events derived from the scan history are not written: the reports they come
        // from are, and derive them again on load.
        if bundle.events.iter().any(|e| e.derived_from.is_some()) {
            let recorded: Vec<Event> = bundle
                .events
                .iter()
                .filter(|e| e.derived_from.is_none())
                .cloned()
                .collect();
            file(dir, "events.csv", |w| write_events(w, &recorded))?;
        } else {
            file(dir, "events.csv", |w| write_events(w, &bundle.events))?;
        }
    }
    if !bundle.exceptions.is_empty() {
        file(dir, "exceptions.csv", |w| {
            write_exceptions(w, &bundle.exceptions)
        })?;
    }
    if !bundle.secrets.is_empty() {
        file(dir, "identity/secrets.csv", |w| {
            write_secrets(w, &bundle.secrets)
        })?;
    }
    if !bundle.access.is_empty() {
        file(dir, "identity/access.csv", |w| {
            write_access(w, &bundle.access)
        })?;
    }
    if !bundle.resources.is_empty() {
        file(dir, "identity/resources.csv", |w| {
            write_resources(w, &bundle.resources)
        })?;
    }
    if !bundle.cvss.is_empty() {
        file(dir, "intel/cvss.csv", |w| write_cvss(w, &bundle.cvss))?;
    }
    if let Some(kev) = &bundle.kev {
        file(dir, "intel/kev.json", |w| write_kev(w, kev))?;
    }
    if let Some(epss) = &bundle.epss {
        file(dir, "intel/epss.csv", |w| write_epss(w, epss))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_timestamp_cell_agrees_with_ts() {
        for raw in [
            "2026-09-15T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "0042-01-02T03:04:05Z",
            "2026-05-01T12:34:56.789Z",
            "2016-12-31T23:59:60.5Z",
        ] {
            let t = chrono::DateTime::parse_from_rfc3339(raw)
                .unwrap()
                .with_timezone(&chrono::Utc);
            let cell = ts_cell(Some(t));
            assert_eq!(std::str::from_utf8(cell.as_ref()).unwrap(), ts(t), "{raw}");
        }
        assert!(ts_cell(None).as_ref().is_empty());
    }
}
