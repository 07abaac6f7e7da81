#!/usr/bin/env python3
"""The "data-minded user's" `patchloop queue`: DuckDB for the tables, igraph for reach.

    queue_duckdb.py BUNDLE [--top N] [--as-of RFC3339] [--timings]

Prints the top N of the remediation queue as CSV: rank,asset_id,vuln_id,decision,score,due.
The rules are docs/spec.md: §2 (blast radius B(h), crown-jewel reach), §3 (SSVC decision,
score, queue order), §4 (SLA due date, KEV cap, exceptions) and §5 (which findings are
remediated at as_of). What is simplified is listed in README.md beside this file.
"""
import argparse
import datetime as dt
import glob
import gzip
import json
import math
import os
import sys
import time
import tomllib
import xml.etree.ElementTree as ET

import duckdb
import igraph as ig
import numpy as np
from cvss import CVSS2, CVSS3, CVSS4

T0 = time.perf_counter()
TIMINGS = []


def phase(name):
    TIMINGS.append((name, time.perf_counter()))


# --- policy (docs/policy.md): the defaults, overridden by patchloop.toml [policy] ------------

POLICY = {
    "epss_poc": 0.1,
    "identity_bump": 0.5,
    "blast_cap": 256.0,
    "assume_automatable": True,
    "assume_total_impact": True,
    "exposure_weights": {"internet": 1.0, "internal": 0.6, "isolated": 0.3},
    "criticality_weights": {"critical": 1.0, "high": 0.8, "medium": 0.6, "low": 0.4},
    "kev_modifiers": {"ransomware": 1.1, "listed": 1.05},
    "sla": {
        "table": "bod-26-04",
        "kev_due_cap": True,
        "fsu_days": 180,
        "severity_days": {"critical": 7, "high": 30, "medium": 90, "low": 120},
    },
}
# Keys that exist in patchloop's policy but do not change the queue's order.
POLICY_IGNORED = {
    "decision_table", "window_days", "stale_days", "escalate_after_days",
    "expiring_within_days", "max_secret_age_days", "identity_days", "identity_days_urgent",
    "ephemeral_max_ttl", "verify_within_days", "review_roles", "assume_secret_exposure",
}

PRIVILEGED = ("ci_runner", "orchestrator", "admin_console", "api_gateway", "identity_provider")

# CERT/CC SSVC deployer "patch application priority" v1.0.0 (spec §3): one entry per
# (exploitation, exposure, automatable), giving the decision for human impact
# low / medium / high / very_high. Row = exploitation*24 + exposure*8 + automatable*4 + impact.
D, S, O, I = "defer", "scheduled", "out_of_cycle", "immediate"
SSVC = [
    [D, D, S, S], [D, S, S, S], [D, S, S, S], [S, S, S, S], [D, S, S, S], [S, S, S, O],  # none
    [D, S, S, S], [S, S, S, S], [D, S, S, S], [S, S, S, O], [S, S, S, O], [S, S, O, O],  # public_poc
    [S, S, O, O], [S, O, O, O], [S, S, O, O], [O, O, O, O], [S, O, O, I], [O, O, I, I],  # active
]
# CISA BOD 26-04 timelines (spec §4): (kev, public, automatable, total) -> days (None = fix
# on system upgrade), forensic triage.
BOD = {
    (0, 0, 0, 0): None, (0, 0, 0, 1): None, (0, 0, 1, 0): 60, (0, 0, 1, 1): 60,
    (0, 1, 0, 0): 60, (0, 1, 0, 1): 14, (0, 1, 1, 0): 14, (0, 1, 1, 1): 3,
    (1, 0, 0, 0): 14, (1, 0, 0, 1): 14, (1, 0, 1, 0): 14, (1, 0, 1, 1): 3,
    (1, 1, 0, 0): 14, (1, 1, 0, 1): 3, (1, 1, 1, 0): 3, (1, 1, 1, 1): 3,
}
SEVERITY_STANDIN = {"critical": 9.0, "high": 7.5, "medium": 5.0, "low": 3.0, "negligible": 0.5}


def die(msg, code=2):
    print(f"queue_duckdb: {msg}", file=sys.stderr)
    sys.exit(code)


def load_config(bundle, as_of_arg):
    cfg = {}
    path = os.path.join(bundle, "patchloop.toml")
    if os.path.exists(path):
        with open(path, "rb") as fh:
            cfg = tomllib.load(fh)
    if "columns" in cfg:
        die("[columns] renames in patchloop.toml are not supported by this peer")
    for k, v in cfg.get("policy", {}).items():
        if k in POLICY_IGNORED:
            continue
        if k not in POLICY:
            die(f"policy key {k!r} is not supported by this peer")
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if isinstance(v2, dict):
                    POLICY[k][k2].update(v2)
                else:
                    POLICY[k][k2] = v2
        else:
            POLICY[k] = v
    raw = as_of_arg if as_of_arg is not None else cfg.get("as_of")
    if raw is None:
        as_of = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    elif isinstance(raw, dt.datetime):
        as_of = raw if raw.tzinfo else raw.replace(tzinfo=dt.timezone.utc)
    else:
        s = str(raw).strip().replace("Z", "+00:00")
        as_of = dt.datetime.fromisoformat(s)
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=dt.timezone.utc)
    hosts_map = cfg.get("scans", {}).get("hosts", {})
    return int(as_of.timestamp() * 1_000_000), hosts_map


# --- CSV loading ------------------------------------------------------------------------

def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def load_csv(con, table, path, columns, skip=0):
    """Loads one CSV as all-VARCHAR, headers matched case-insensitively, values trimmed
    (empty -> NULL), absent columns as NULL, plus `line` (the file line of the row)."""
    src = (f"read_csv({sql_str(path)}, header=true, all_varchar=true, delim=',', "
           f"quote='\"', escape='\"', skip={skip})")
    if path is None or not os.path.exists(path):
        cols = ", ".join(f"NULL::VARCHAR AS \"{c}\"" for c in columns)
        con.execute(f"CREATE TABLE {table} AS SELECT NULL::BIGINT AS line, {cols} LIMIT 0")
        return False
    have = {r[0].strip().lower().lstrip("\ufeff"): r[0]
            for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    sel = []
    for c in columns:
        if c in have:
            sel.append(f"nullif(trim(\"{have[c]}\"), '') AS \"{c}\"")
        else:
            sel.append(f"NULL::VARCHAR AS \"{c}\"")
    con.execute(f"CREATE TABLE {table} AS SELECT (row_number() OVER () + 1 + {skip})::BIGINT "
                f"AS line, {', '.join(sel)} FROM {src}")
    return True


# A closed vocabulary word: case-insensitive, '-' and ' ' read as '_'.
VOCAB = "replace(replace(lower({0}), '-', '_'), ' ', '_')"
# Any accepted timestamp form -> microseconds since the epoch (UTC).
TS = "epoch_us(CAST({0} AS TIMESTAMPTZ))"
BOOL = "(lower({0}) IN ('true', 'yes', '1', 'y', 't'))"


# --- CVSS facts: a handful of distinct vectors, scored by the `cvss` package -------------

def cvss_facts(vector):
    """(base_score, automatable, total_impact, maturity) or None if invalid."""
    v = vector.strip()
    try:
        if v.startswith("CVSS:4.0/"):
            c = CVSS4(v)
            m = c.metrics
            score = float(c.base_score)
            auto = all(m.get(k) == x for k, x in
                       (("AV", "N"), ("AC", "L"), ("AT", "N"), ("PR", "N"), ("UI", "N")))
            total = m.get("VC") == "H" and m.get("VI") == "H"
            maturity = {"A": "attacked", "P": "poc"}.get(m.get("E"))
        elif v.startswith("CVSS:3"):
            c = CVSS3(v)
            m = c.metrics
            score = float(c.base_score)
            auto = all(m.get(k) == x for k, x in
                       (("AV", "N"), ("AC", "L"), ("PR", "N"), ("UI", "N")))
            total = m.get("C") == "H" and m.get("I") == "H"
            maturity = None
        else:
            v2 = v.removeprefix("CVSS2#").strip("()")
            c = CVSS2(v2)
            m = c.metrics
            score = float(c.base_score)
            auto = m.get("AV") == "N" and m.get("AC") == "L" and m.get("Au") == "N"
            total = m.get("C") == "C" and m.get("I") == "C"
            maturity = None
    except Exception:  # noqa: BLE001 - any parse error makes the vector unusable
        return None
    return score, auto, total, maturity


# --- scanner reports (scans/): Trivy JSON and Nessus XML only ---------------------------

def read_scans(bundle, hosts_map):
    """Returns (sightings, reports): sightings (report, host or host keys, vuln, at_us, key,
    severity, vector, package); reports (report, host keys, at_us, coverage keys)."""
    files = sorted(glob.glob(os.path.join(bundle, "scans", "*")) +
                   glob.glob(os.path.join(bundle, "scans", "*", "*")))
    sightings, reports = [], []
    for path in files:
        if os.path.isdir(path) or os.path.basename(path).startswith("."):
            continue
        folder = os.path.basename(os.path.dirname(path))
        folder_at = None
        try:
            folder_at = int(dt.datetime.strptime(folder, "%Y-%m-%d")
                            .replace(tzinfo=dt.timezone.utc).timestamp()) * 1_000_000
        except ValueError:
            pass
        with open(path, "rb") as fh:
            head = fh.read(64).lstrip()
        rid = len(reports)
        if head.startswith(b"{"):
            with open(path) as fh:
                doc = json.load(fh)
            if doc.get("SchemaVersion") != 2 or "Results" not in doc:
                print(f"queue_duckdb: {path}: not a Trivy v2 report, skipped", file=sys.stderr)
                continue
            stem = os.path.splitext(os.path.basename(path))[0]
            host = {"asset_id": hosts_map.get(stem, stem)}
            at = doc.get("CreatedAt")
            at = (int(dt.datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
                      * 1_000_000) if at else folder_at)
            cover = []
            for r in doc.get("Results") or []:
                cls = (r.get("Class") or "").strip()
                if cls.lower() == "secret":
                    continue
                ty = (r.get("Type") or "").strip()
                key = (f"trivy:{ty}" if cls.lower() in ("os-pkgs", "")
                       else f"trivy:{ty}:{(r.get('Target') or '').strip()}")
                cover.append(key)
                for v in r.get("Vulnerabilities") or []:
                    if (v.get("Status") or "").strip().lower() == "not_affected":
                        continue
                    sightings.append((rid, v.get("VulnerabilityID"), key,
                                      (v.get("Severity") or "").lower() or None,
                                      trivy_vector(v.get("CVSS") or {}), v.get("PkgName")))
            reports.append((rid, host, at, cover))
        elif head.startswith(b"<"):
            root = ET.parse(path).getroot()
            if root.tag != "NessusClientData_v2":
                print(f"queue_duckdb: {path}: not a Nessus v2 export, skipped", file=sys.stderr)
                continue
            for rh in root.iter("ReportHost"):
                tags = {t.get("name"): (t.text or "").strip()
                        for t in rh.iter("tag")}
                rid = len(reports)
                if tags.get("HOST_END_TIMESTAMP"):
                    at = int(tags["HOST_END_TIMESTAMP"]) * 1_000_000
                else:
                    at = folder_at
                host = {"hostname": tags.get("hostname"), "fqdn": tags.get("host-fqdn"),
                        "mac": tags.get("mac-address"), "ip": tags.get("host-ip") or rh.get("name")}
                for item in rh.iter("ReportItem"):
                    cves = [c.text.strip() for c in item.iter("cve") if c.text]
                    sev = {"4": "critical", "3": "high", "2": "medium", "1": "low",
                           "0": "negligible"}.get(item.get("severity"))
                    vec = None
                    if item.findtext("cvss3_vector"):
                        vec = item.findtext("cvss3_vector").strip()
                        if not vec.startswith("CVSS:"):
                            vec = "CVSS:3.0/" + vec
                    elif item.findtext("cvss_vector"):
                        vec = item.findtext("cvss_vector").strip().removeprefix("CVSS2#")
                    for cve in cves:
                        sightings.append((rid, cve, "nessus", sev, vec, None))
                reports.append((rid, host, at, ["nessus"]))
        else:
            print(f"queue_duckdb: {path}: format not supported by this peer, skipped",
                  file=sys.stderr)
    return sightings, reports


def trivy_vector(cvss):
    """Source nvd, then ghsa, then redhat, then any other; v3.x, then v4.0, then v2."""
    order = ["nvd", "ghsa", "redhat"] + sorted(k for k in cvss if k not in
                                                 ("nvd", "ghsa", "redhat"))
    for src in order:
        s = cvss.get(src) or {}
        for key in ("V3Vector", "V40Vector", "V2Vector"):
            if s.get(key) and cvss_facts(s[key]) is not None:
                return s[key]
    return None


# --- the pipeline -----------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle")
    ap.add_argument("--top", type=int, default=None)
    ap.add_argument("--as-of", dest="as_of", default=None)
    ap.add_argument("--timings", action="store_true", help="phase timings on stderr")
    args = ap.parse_args()
    b = args.bundle.rstrip("/")
    if not os.path.exists(os.path.join(b, "assets.csv")):
        die(f"{b}: no assets.csv")
    as_of, hosts_map = load_config(b, args.as_of)
    p = POLICY

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    phase("start")

    # ---- inputs ------------------------------------------------------------------------
    load_csv(con, "assets_raw", f"{b}/assets.csv",
             ["asset_id", "hostname", "fqdn", "ip", "mac", "serial", "role", "criticality",
              "exposure"])
    load_csv(con, "findings_raw", f"{b}/findings.csv",
             ["asset_id", "vuln_id", "first_seen", "last_seen", "status", "fixed_at",
              "cvss_vector", "severity"])
    load_csv(con, "events_raw", f"{b}/events.csv", ["at", "kind", "asset_id", "vuln_id"])
    load_csv(con, "exceptions_raw", f"{b}/exceptions.csv",
             ["asset_id", "vuln_id", "compensating_control", "approver", "granted_at",
              "expires_at", "exposure_override", "secret_id"])
    load_csv(con, "secrets_raw", f"{b}/identity/secrets.csv",
             ["secret_id", "asset_id", "identity"])
    load_csv(con, "access_raw", f"{b}/identity/access.csv",
             ["principal", "resource_id", "privilege"])
    load_csv(con, "resources_raw", f"{b}/identity/resources.csv",
             ["resource_id", "criticality", "crown_jewel", "runs_on", "contains"])
    load_csv(con, "cvss_raw", f"{b}/intel/cvss.csv", ["vuln_id", "vector"])

    # KEV: the JSON catalog as CISA publishes it, else its CSV form.
    if os.path.exists(f"{b}/intel/kev.json"):
        con.execute(f"""CREATE TABLE kev AS
            SELECT trim(v.cveID) AS vuln_id, v.dueDate::VARCHAR AS due_date,
                   coalesce(trim(v.knownRansomwareCampaignUse) = 'Known', false) AS ransomware
            FROM (SELECT unnest(vulnerabilities) AS v
                  FROM read_json({sql_str(b + '/intel/kev.json')}))
            QUALIFY row_number() OVER (PARTITION BY vuln_id) = 1""")
    else:
        load_csv(con, "kev_raw", f"{b}/intel/kev.csv",
                 ["cveid", "duedate", "knownransomwarecampaignuse"])
        con.execute("""CREATE TABLE kev AS SELECT cveid AS vuln_id, duedate AS due_date,
                       coalesce(knownransomwarecampaignuse = 'Known', false) AS ransomware
                       FROM kev_raw""")
    # EPSS: the daily file, plain or gzipped, with its '#model_version' comment line.
    epss_path = next((x for x in (f"{b}/intel/epss.csv", f"{b}/intel/epss.csv.gz")
                      if os.path.exists(x)), None)
    skip = 0
    if epss_path:
        opener = gzip.open if epss_path.endswith(".gz") else open
        with opener(epss_path, "rt") as fh:
            skip = 1 if fh.readline().startswith("#") else 0
    load_csv(con, "epss_raw", epss_path, ["cve", "epss"], skip=skip)
    phase("read csv")

    # ---- assets and findings -----------------------------------------------------------
    con.execute(f"""CREATE TABLE assets AS
        SELECT asset_id,
               lower(rtrim(hostname, '.')) AS hostname, lower(rtrim(fqdn, '.')) AS fqdn,
               ip, lower(mac) AS mac, serial,
               {VOCAB.format('role')} AS role,
               coalesce({VOCAB.format('criticality')}, 'medium') AS criticality,
               coalesce({VOCAB.format('exposure')}, 'internal') AS exposure
        FROM assets_raw QUALIFY row_number() OVER (PARTITION BY asset_id ORDER BY line) = 1""")

    # Scanner reports: each report an observation of its host at its own time.
    sightings, reports = read_scans(b, hosts_map)
    con.execute("CREATE TABLE scan_reports (report INTEGER, asset_id VARCHAR, t BIGINT, "
                "cover VARCHAR[])")
    con.execute("CREATE TABLE scan_sightings (report INTEGER, vuln_id VARCHAR, key VARCHAR, "
                "severity VARCHAR, vector VARCHAR, package VARCHAR)")
    if reports:
        rows = []
        for rid, host, at, cover in reports:
            aid = host.get("asset_id") or match_host(con, host)
            if aid is not None:
                rows.append((rid, aid, at, cover))
        con.executemany("INSERT INTO scan_reports VALUES (?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO scan_sightings VALUES (?, ?, ?, ?, ?, ?)", sightings)
    phase("read scans")

    # One finding per (asset, vuln), from findings.csv and the reports (spec §1.1).
    con.execute(f"""CREATE TABLE finding_rows AS
        SELECT asset_id, vuln_id, {TS.format('first_seen')} AS first_seen,
               {TS.format('last_seen')} AS last_seen,
               coalesce(lower(status), 'open') = 'fixed' AS fixed,
               {TS.format('fixed_at')} AS fixed_at, cvss_vector,
               replace(lower(severity), 'moderate', 'medium') AS severity,
               0 AS src, line AS ord
        FROM findings_raw
        UNION ALL
        SELECT r.asset_id, s.vuln_id, r.t, r.t, false, NULL, s.vector,
               replace(s.severity, 'moderate', 'medium'), 1, r.t
        FROM scan_sightings s JOIN scan_reports r USING (report)""")
    con.execute("""CREATE TABLE findings AS
        SELECT row_number() OVER (ORDER BY asset_id, vuln_id) AS fid, * FROM (
            SELECT asset_id, vuln_id, min(first_seen) AS first_seen,
                   max(last_seen) AS last_seen, bool_and(fixed) AS fixed,
                   CASE WHEN bool_and(fixed) THEN max(fixed_at) END AS fixed_at,
                   arg_min(severity, (severity IS NULL, src, ord)) AS severity
            FROM finding_rows f
            WHERE EXISTS (SELECT 1 FROM assets a WHERE a.asset_id = f.asset_id)
            GROUP BY asset_id, vuln_id)""")
    phase("findings")

    # ---- vulnerability facts: CVSS (intel/cvss.csv, else the first finding's vector),
    #      KEV, EPSS ------------------------------------------------------------------
    vectors = [r[0] for r in con.execute(
        "SELECT DISTINCT vector FROM cvss_raw WHERE vector IS NOT NULL UNION "
        "SELECT DISTINCT cvss_vector FROM finding_rows WHERE cvss_vector IS NOT NULL").fetchall()]
    con.execute("CREATE TABLE vector_facts (vector VARCHAR, base DOUBLE, automatable BOOLEAN, "
                "total BOOLEAN, maturity VARCHAR)")
    facts = [(v, *f) for v in vectors if (f := cvss_facts(v)) is not None]
    if facts:
        con.executemany("INSERT INTO vector_facts VALUES (?, ?, ?, ?, ?)", facts)
    con.execute("""CREATE TABLE vuln_cvss AS
        SELECT vuln_id, arg_min(vf, (pri, a, o)) AS f FROM (
            SELECT c.vuln_id, 0 AS pri, '' AS a, c.line AS o, vf
            FROM cvss_raw c JOIN vector_facts vf ON vf.vector = c.vector
            UNION ALL
            SELECT r.vuln_id, 1, r.asset_id, r.src * 1e18 + r.ord, vf
            FROM finding_rows r JOIN vector_facts vf ON vf.vector = r.cvss_vector
            WHERE EXISTS (SELECT 1 FROM assets a WHERE a.asset_id = r.asset_id))
        GROUP BY vuln_id""")
    con.execute("""CREATE TABLE epss AS SELECT cve AS vuln_id, any_value(epss::DOUBLE) AS epss
                   FROM epss_raw GROUP BY cve""")
    phase("intel")

    # ---- the closed loop (spec §5): is each finding remediated at as_of? ---------------
    # Observations from the scan history: a report of the host at or after first_seen that
    # covers a key the finding was ever listed under (absent), or that lists it (present).
    con.execute("""CREATE TABLE observations AS
        WITH keys AS (
            SELECT r.asset_id, s.vuln_id, list(DISTINCT s.key) AS keys,
                   list(DISTINCT s.report) AS listed
            FROM scan_sightings s JOIN scan_reports r USING (report) GROUP BY ALL)
        SELECT f.fid, r.t, list_contains(k.listed, r.report) AS present
        FROM keys k JOIN findings f USING (asset_id, vuln_id)
        JOIN scan_reports r ON r.asset_id = k.asset_id
        WHERE list_contains(k.listed, r.report)
           OR (r.t >= f.first_seen AND len(list_intersect(r.cover, k.keys)) > 0)""")
    con.execute(f"""CREATE TABLE steps AS
        WITH ev AS (
            SELECT f.fid, {TS.format('e."at"')} AS t, e.line,
                   CASE lower(e.kind) WHEN 'deploy_succeeded' THEN 'DS'
                        WHEN 'deploy_failed' THEN 'DF' WHEN 'verify_passed' THEN 'VP'
                        WHEN 'verify_failed' THEN 'VF' END AS typ
            FROM events_raw e JOIN findings f USING (asset_id, vuln_id)
            WHERE lower(e.kind) IN ('deploy_succeeded', 'deploy_failed', 'verify_passed',
                                    'verify_failed')),
        usable AS (
            SELECT ev.* FROM ev JOIN findings f USING (fid)
            WHERE ev.t >= f.first_seen AND ev.t <= {as_of}),
        synthetic AS (
            SELECT fid, coalesce(fixed_at, last_seen) AS t, 'FIX' AS typ FROM findings
            WHERE fixed
            UNION ALL
            SELECT fid, last_seen, 'SEEN' FROM findings f
            WHERE NOT fixed AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.fid = f.fid)
            UNION ALL
            SELECT fid, t, CASE WHEN present THEN 'SEEN' ELSE 'ABS' END FROM observations),
        all_steps AS (
            SELECT fid, t, 0 AS prio, line AS o, typ, false AS vnow FROM usable
            UNION ALL
            SELECT s.fid, s.t, 1, 0, s.typ,
                   EXISTS (SELECT 1 FROM usable u WHERE u.fid = s.fid AND u.t = s.t
                           AND u.typ IN ('VP', 'VF'))
            FROM synthetic s WHERE s.t IS NOT NULL AND s.t <= {as_of})
        SELECT fid, row_number() OVER (PARTITION BY fid ORDER BY t, prio, o, typ) AS n,
               t, typ, vnow
        FROM all_steps""")
    # The replay: one recursive step per event, the state kept per finding (USING KEY).
    con.execute("""CREATE TABLE loop_state AS
        WITH RECURSIVE walk(fid, n, rem, dep, rem_at) USING KEY (fid) AS (
            SELECT DISTINCT fid, 0::BIGINT, false, false, NULL::BIGINT FROM steps
            UNION
            SELECT w.fid, s.n, x.rem, x.dep,
                   CASE WHEN x.rem AND NOT w.rem THEN s.t WHEN x.rem THEN w.rem_at END
            FROM walk w JOIN steps s ON s.fid = w.fid AND s.n = w.n + 1,
            LATERAL (SELECT
                CASE s.typ WHEN 'VP' THEN w.rem OR w.dep
                           WHEN 'VF' THEN false
                           WHEN 'FIX' THEN true
                           WHEN 'SEEN' THEN w.rem AND NOT (s.t > w.rem_at)
                           WHEN 'ABS' THEN w.rem OR NOT s.vnow
                           ELSE w.rem END AS rem,
                CASE WHEN s.typ = 'DS' AND NOT w.rem THEN true
                     WHEN s.typ = 'VF' AND w.rem THEN false
                     WHEN s.typ = 'SEEN' AND w.rem AND s.t > w.rem_at THEN false
                     ELSE w.dep END AS dep) x)
        SELECT fid, rem FROM walk""")
    con.execute(f"""CREATE TABLE queue_findings AS
        SELECT f.* FROM findings f LEFT JOIN loop_state l USING (fid)
        WHERE f.first_seen <= {as_of}
          AND NOT coalesce(l.rem, false)
          AND NOT (f.fixed AND f.fixed_at IS NULL AND f.last_seen IS NULL)""")
    phase("closed loop")

    # ---- the identity graph (spec §2) and B(h) for the hosts in the queue --------------
    identity_reach(con, p)
    phase("graph")

    # ---- exceptions (spec §4): the valid active one, else the latest expired one --------
    con.execute(f"""CREATE TABLE exc AS
        SELECT line, asset_id, vuln_id, {TS.format('granted_at')} AS granted,
               {TS.format('expires_at')} AS expires,
               {VOCAB.format('exposure_override')} AS override,
               compensating_control IS NOT NULL AND approver IS NOT NULL AS complete
        FROM exceptions_raw e
        WHERE secret_id IS NULL
          AND EXISTS (SELECT 1 FROM assets a WHERE a.asset_id = e.asset_id)""")
    con.execute(f"""CREATE TABLE finding_exc AS
        WITH cand AS (
            SELECT q.fid, x.*, x.complete AND x.granted <= {as_of} AND {as_of} < x.expires
                   AS active
            FROM queue_findings q JOIN exc x
              ON x.asset_id = q.asset_id AND (x.vuln_id = q.vuln_id OR x.vuln_id = '*'))
        SELECT fid,
               arg_min(expires, (vuln_id = '*', -granted, line)) FILTER (active) AS active_until,
               arg_min(override, (vuln_id = '*', -granted, line)) FILTER (active) AS override,
               max(expires) FILTER (NOT active AND complete AND granted < expires
                                    AND expires <= {as_of}) AS expired_at
        FROM cand GROUP BY fid""")
    phase("exceptions")

    # ---- decision, score, SLA and the order (spec §3, §4) ------------------------------
    ssvc_rows = ", ".join(f"({i * 4 + h}, '{d}')" for i, row in enumerate(SSVC)
                          for h, d in enumerate(row))
    bod_rows = ", ".join(
        f"({k}, {pub}, {au}, {tot}, {days if days is not None else p['sla']['fsu_days']})"
        for (k, pub, au, tot), days in BOD.items())
    ew, cw, km = p["exposure_weights"], p["criticality_weights"], p["kev_modifiers"]
    sd = p["sla"]["severity_days"]
    standin = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SEVERITY_STANDIN.items())
    sla_days = (
        "bod.days" if p["sla"]["table"] == "bod-26-04" else
        f"""CASE WHEN cvss >= 9.0 THEN {sd['critical']} WHEN cvss >= 7.0 THEN {sd['high']}
                 WHEN cvss >= 4.0 THEN {sd['medium']} ELSE {sd['low']} END""")
    kev_cap = ("epoch(k.due_date::DATE)::BIGINT + 86400" if p["sla"]["kev_due_cap"]
               else "NULL::BIGINT")
    top = f"LIMIT {args.top}" if args.top is not None else ""
    rows = con.execute(f"""
        WITH f AS (
            SELECT q.asset_id, q.vuln_id, q.first_seen // 1000000 AS first_seen,
                   a.criticality, a.role,
                   coalesce(x.override, a.exposure) AS exposure,
                   x.active_until // 1000000 AS active_until,
                   x.expired_at // 1000000 AS expired_at,
                   coalesce(hb.blast, 0.0) AS blast, coalesce(hb.jewels, 0) AS jewels,
                   (c.f).base IS NOT NULL AS has_vector,
                   coalesce((c.f).base, CASE q.severity {standin} ELSE 5.0 END) AS cvss,
                   coalesce((c.f).automatable, {p['assume_automatable']}) AS automatable,
                   coalesce((c.f).total, {p['assume_total_impact']}) AS total,
                   (c.f).maturity AS maturity,
                   k.vuln_id IS NOT NULL AS kev, coalesce(k.ransomware, false) AS ransomware,
                   {kev_cap} AS kev_cap,
                   coalesce(e.epss, 0.0) AS epss
            FROM queue_findings q
            JOIN assets a USING (asset_id)
            LEFT JOIN finding_exc x USING (fid)
            LEFT JOIN host_blast hb USING (asset_id)
            LEFT JOIN vuln_cvss c USING (vuln_id)
            LEFT JOIN kev k USING (vuln_id)
            LEFT JOIN epss e USING (vuln_id)),
        g AS (
            SELECT *,
                CASE WHEN kev OR maturity = 'attacked' THEN 2
                     WHEN epss >= {p['epss_poc']} OR maturity = 'poc' THEN 1 ELSE 0 END
                    AS exploitation,
                CASE exposure WHEN 'internet' THEN 2 WHEN 'internal' THEN 1 ELSE 0 END AS sx,
                least(3, CASE criticality WHEN 'low' THEN 0 WHEN 'medium' THEN 1
                                          WHEN 'high' THEN 2 ELSE 3 END
                         + CASE WHEN blast >= {p['identity_bump']} OR jewels > 0
                                     OR role IN {PRIVILEGED} THEN 1 ELSE 0 END) AS human,
                least(1.0::DOUBLE, (CASE WHEN kev THEN 1.0::DOUBLE ELSE epss END)
                      * (cvss / 10.0::DOUBLE)
                      * (CASE WHEN ransomware THEN {km['ransomware']}::DOUBLE
                              WHEN kev THEN {km['listed']}::DOUBLE ELSE 1.0::DOUBLE END))
                    AS base,
                CASE exposure WHEN 'internet' THEN {ew['internet']}::DOUBLE
                              WHEN 'internal' THEN {ew['internal']}::DOUBLE
                              ELSE {ew['isolated']}::DOUBLE END AS x_w,
                CASE criticality WHEN 'critical' THEN {cw['critical']}::DOUBLE
                                 WHEN 'high' THEN {cw['high']}::DOUBLE
                                 WHEN 'medium' THEN {cw['medium']}::DOUBLE
                                 ELSE {cw['low']}::DOUBLE END AS c_w,
                CASE WHEN active_until IS NOT NULL THEN greatest(first_seen, active_until)
                     WHEN expired_at > first_seen THEN expired_at
                     ELSE first_seen END AS sla_start
            FROM f),
        s AS (
            SELECT g.*, ssvc.decision,
                100.0::DOUBLE * base * x_w * c_w * (1.0::DOUBLE + blast) / 2.0::DOUBLE + 0.0::DOUBLE
                    AS score,
                sla_start + {sla_days} * 86400 AS due_uncapped
            FROM g
            JOIN ssvc ON ssvc.row = g.exploitation * 24 + g.sx * 8
                                   + (CASE WHEN g.automatable THEN 4 ELSE 0 END) + g.human
            JOIN bod ON bod.kev = g.kev::INT AND bod.pub = (g.exposure = 'internet')::INT
                    AND bod.auto = g.automatable::INT AND bod.tot = g.total::INT),
        d AS (
            SELECT *, CASE WHEN kev_cap < due_uncapped AND kev_cap > sla_start THEN kev_cap
                           ELSE due_uncapped END AS due
            FROM s)
        SELECT row_number() OVER w AS rank, asset_id, vuln_id, decision,
               score, strftime(to_timestamp(due), '%Y-%m-%dT%H:%M:%SZ') AS due
        FROM d
        WINDOW w AS (ORDER BY CASE decision WHEN 'immediate' THEN 0 WHEN 'out_of_cycle' THEN 1
                                            WHEN 'scheduled' THEN 2 ELSE 3 END,
                              score DESC, due, asset_id, vuln_id)
        ORDER BY rank {top}
    """.replace("JOIN ssvc ON", f"JOIN (VALUES {ssvc_rows}) ssvc(row, decision) ON")
       .replace("JOIN bod ON", f"JOIN (VALUES {bod_rows}) bod(kev, pub, auto, tot, days) ON")
    ).fetchall()
    phase("score and order")

    out = sys.stdout
    out.write("rank,asset_id,vuln_id,decision,score,due\n")
    for rank, asset_id, vuln_id, decision, score, due in rows:
        fields = (str(rank), asset_id, vuln_id, decision, f"{score:.2f}", due)
        out.write(",".join(csv_field(x) for x in fields) + "\n")
    phase("print")
    if args.timings:
        prev = T0
        for name, t in TIMINGS:
            print(f"  {name:<16} {t - prev:7.3f} s", file=sys.stderr)
            prev = t
        print(f"  {'total':<16} {TIMINGS[-1][1] - T0:7.3f} s", file=sys.stderr)


def csv_field(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n\r') else s


def match_host(con, host):
    """A multi-host report's host to an asset (spec §1.1): the first key present on both
    sides, in the order serial, MAC, FQDN, short host name, then IP, decides."""
    norm = {
        "serial": host.get("serial"),
        "mac": (host.get("mac") or "").lower() or None,
        "fqdn": (host.get("fqdn") or "").lower().rstrip(".") or None,
        "hostname": ((host.get("hostname") or "").lower().rstrip(".")
                     or ((host.get("fqdn") or "").lower().split(".")[0]) or None),
        "ip": host.get("ip"),
    }
    rows = con.execute("""
        SELECT asset_id, serial, mac, fqdn,
               coalesce(hostname, split_part(fqdn, '.', 1)) AS hostname, ip FROM assets""").fetchall()
    best = None
    for level, key in enumerate(("serial", "mac", "fqdn", "hostname", "ip")):
        if norm[key] is None:
            continue
        hits = []
        for aid, *vals in rows:
            mine = dict(zip(("serial", "mac", "fqdn", "hostname", "ip"), vals))
            first = next((k for k in ("serial", "mac", "fqdn", "hostname", "ip")
                          if norm[k] is not None and mine[k] is not None), None)
            if first == key and mine[key] == norm[key]:
                hits.append(aid)
        if hits:
            best = hits
            break
    if best is None or len(best) != 1:
        print(f"queue_duckdb: scan host {host} matches {best or 'no asset'}; not read",
              file=sys.stderr)
        return None
    return best[0]


def identity_reach(con, p):
    """Table host_blast: B(h), crown jewels reached and hops for every inventoried host
    with a finding in the queue. Nodes: hosts, secrets, identities, resources; each resource has a
    read-only twin, the target of `read` grants, so the walk rule (spec §2: a resource
    reached by read only is not expanded) becomes plain reachability."""
    crit_case = ("CASE {0} WHEN 'low' THEN 1 WHEN 'high' THEN 4 WHEN 'critical' THEN 8 "
                 "ELSE 2 END")
    con.execute("""CREATE TABLE secrets AS SELECT secret_id, asset_id, identity FROM secrets_raw
                   QUALIFY row_number() OVER (PARTITION BY secret_id ORDER BY line) = 1""")
    con.execute(f"""CREATE TABLE resources AS
        SELECT resource_id, {crit_case.format(VOCAB.format('criticality'))} AS weight,
               coalesce({BOOL.format('crown_jewel')}, false) AS jewel, runs_on, contains
        FROM resources_raw
        QUALIFY row_number() OVER (PARTITION BY resource_id ORDER BY line) = 1""")
    con.execute(f"""CREATE TABLE grants AS
        SELECT a.principal, a.resource_id,
               max(CASE {VOCAB.format('a.privilege')} WHEN 'admin' THEN 2 WHEN 'write' THEN 1
                   ELSE 0 END) AS priv,
               bool_or(s.secret_id IS NOT NULL) AS is_secret
        FROM access_raw a LEFT JOIN secrets s ON s.secret_id = a.principal
        WHERE a.principal IS NOT NULL AND a.resource_id IS NOT NULL GROUP BY ALL""")
    con.execute("""CREATE TABLE runs_on AS
        SELECT resource_id, trim(h) AS asset_id
        FROM (SELECT resource_id, unnest(string_split(runs_on, ';')) AS h FROM resources)
        WHERE trim(h) <> ''""")
    con.execute("""CREATE TABLE contains AS
        SELECT resource_id, trim(s) AS secret_id
        FROM (SELECT resource_id, unnest(string_split(contains, ';')) AS s FROM resources)
        WHERE trim(s) <> ''""")
    # Every node with its kind, weight and crown-jewel flag; the vertex id is its row.
    con.execute(f"""CREATE TABLE nodes AS
        WITH n AS (
            SELECT 'h:' || asset_id AS name, {crit_case.format('criticality')} AS weight,
                   false AS jewel FROM assets
            UNION ALL
            SELECT DISTINCT 'h:' || h, 2, false FROM (
                SELECT asset_id AS h FROM secrets UNION SELECT asset_id FROM runs_on)
            WHERE h IS NOT NULL AND h NOT IN (SELECT asset_id FROM assets)
            UNION ALL
            SELECT DISTINCT 's:' || secret_id, 0, false FROM (
                SELECT secret_id FROM secrets UNION SELECT secret_id FROM contains)
            UNION ALL
            SELECT DISTINCT 'i:' || i, 0, false FROM (
                SELECT identity AS i FROM secrets WHERE identity IS NOT NULL
                UNION SELECT principal FROM grants WHERE NOT is_secret)
            UNION ALL
            SELECT 'r:' || resource_id, 0, false FROM resources
            UNION ALL
            SELECT 'ro:' || resource_id, weight * (CASE WHEN jewel THEN 2 ELSE 1 END), jewel
            FROM resources
            UNION ALL
            SELECT DISTINCT prefix || resource_id, CASE prefix WHEN 'ro:' THEN 2 ELSE 0 END,
                   false
            FROM grants, (VALUES ('r:'), ('ro:')) t(prefix)
            WHERE resource_id NOT IN (SELECT resource_id FROM resources))
        SELECT (row_number() OVER (ORDER BY name) - 1)::INTEGER AS vid, * FROM n""")
    con.execute("""CREATE TABLE edges AS
        WITH e AS (
            SELECT 'h:' || asset_id AS a, 's:' || secret_id AS b FROM secrets
            WHERE asset_id IS NOT NULL
            UNION ALL SELECT 's:' || secret_id, 'i:' || identity FROM secrets
            WHERE identity IS NOT NULL
            UNION ALL SELECT CASE WHEN is_secret THEN 's:' ELSE 'i:' END || principal,
                             CASE WHEN priv >= 1 THEN 'r:' ELSE 'ro:' END || resource_id
            FROM grants
            UNION ALL SELECT 'r:' || resource_id, 'ro:' || resource_id FROM (
                SELECT resource_id FROM resources UNION SELECT resource_id FROM grants)
            UNION ALL SELECT 'r:' || resource_id, 'h:' || asset_id FROM runs_on
            UNION ALL SELECT 'r:' || resource_id, 's:' || secret_id FROM contains)
        SELECT DISTINCT na.vid AS a, nb.vid AS b
        FROM e JOIN nodes na ON na.name = e.a JOIN nodes nb ON nb.name = e.b""")
    n = con.execute("SELECT count(*) FROM nodes").fetchone()[0]
    weight = np.zeros(n, dtype=np.int64)
    for vid, wt in con.execute("SELECT vid, weight FROM nodes").fetchall():
        weight[vid] = wt
    # Each crown jewel's read-only twin (where it is counted) and its full node.
    jewel_full = dict(con.execute("""SELECT ro.vid, r.vid FROM nodes ro
        JOIN nodes r ON r.name = 'r:' || substr(ro.name, 4) WHERE ro.jewel""").fetchall())
    g = ig.Graph(n=n, edges=con.execute("SELECT a, b FROM edges").fetchall(), directed=True)
    hosts = con.execute("""SELECT n.vid, q.asset_id FROM (SELECT DISTINCT asset_id
                           FROM queue_findings) q JOIN nodes n ON n.name = 'h:' || q.asset_id
                           ORDER BY n.vid""").fetchall()
    if not hosts:
        con.execute("CREATE TABLE host_blast (asset_id VARCHAR, blast DOUBLE, jewels BIGINT, "
                    "hops BIGINT)")
        return
    log_cap = math.log2(1.0 + float(p["blast_cap"]))
    # Crown jewels: one reverse BFS per jewel gives every host's distance to it. A jewel is
    # reached when its twin is; hops is the shortest way to the twin or to the full node.
    host_vids = [vid for vid, _ in hosts]
    ro = sorted(jewel_full)
    jewels = np.zeros(len(hosts), dtype=np.int64)
    hops = np.full(len(hosts), np.inf)
    if ro:
        dist = np.array(g.distances(source=ro + [jewel_full[j] for j in ro],
                                    target=host_vids, mode="in"))
        jewels = np.isfinite(dist[:len(ro)]).sum(axis=0)
        hops = dist.min(axis=0)
    blast = np.zeros(len(hosts))
    for k, (vid, _) in enumerate(hosts):
        # Blast weight: everything the host reaches, itself excluded (spec §2).
        reach = np.asarray(g.subcomponent(vid, mode="out"), dtype=np.int64)
        total = int(weight[reach].sum()) - int(weight[vid])
        blast[k] = min(1.0, math.log2(1.0 + total) / log_cap)
    # Back to DuckDB as columns (a row-by-row INSERT of 20k rows takes seconds).
    con.register("host_blast_np", {
        "vid": np.array(host_vids, dtype=np.int32), "blast": blast,
        "jewels": np.asarray(jewels, dtype=np.int64),
        "hops": np.where(np.isfinite(hops), hops, -1).astype(np.int64)})
    con.execute("""CREATE TABLE host_blast AS
        SELECT substr(n.name, 3) AS asset_id, b.blast, b.jewels,
               CASE WHEN b.hops >= 0 THEN b.hops END AS hops
        FROM host_blast_np b JOIN nodes n USING (vid)""")


if __name__ == "__main__":
    main()
