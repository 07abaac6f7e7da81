//! Embedding `patchloop-model`: ids are parsed once, bounded numbers are validated, and
//! the policy carries every default of the spec.
//!
//! Run: `cargo run -p patchloop --example model`
use patchloop::model::{AssetId, CvssScore, Policy, Probability, VulnId};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let asset: AssetId = "web-01".parse()?;
    let vuln: VulnId = "CVE-2021-44228".parse()?;
    println!("finding {asset} / {vuln}");

    // Out-of-range numbers are refused where they enter, never clamped silently.
    println!("EPSS 0.97 → {:?}", Probability::new(0.97).map(|p| p.get()));
    println!(
        "EPSS 1.7  → {}",
        Probability::new(1.7).map_or_else(|e| e.to_string(), |p| p.get().to_string())
    );
    println!("CVSS 10.0 → {:?}", CvssScore::new(10.0).map(|c| c.get()));

    let policy = Policy::default();
    // Numbers serde cannot check (weights in [0, 1], windows non-zero) are checked here.
    let problems = policy.validate();
    assert!(problems.is_empty(), "{problems:?}");
    println!(
        "default policy: window {} days, EPSS PoC threshold {}, SLA table {:?}, decision table {:?}",
        policy.window_days,
        policy.epss_poc.get(),
        policy.sla.table,
        policy.decision_table
    );
    Ok(())
}
