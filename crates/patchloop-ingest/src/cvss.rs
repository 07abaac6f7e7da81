//! CVSS vectors (v2, v3.0, v3.1, v4.0) to the facts the decision rules need.
//!
//! The RustSec `cvss` crate validates each vector and computes its score (v2 and v3: the
//! base score; v4: the CVSS-B/BT/BE score its metrics give). The facts of spec
//! section 3 — automatable, technical impact, confidentiality impact, v4 exploit maturity —
//! are read from the metrics the crate parsed, never from the raw text: the crate accepts
//! lower-case metrics (`av:n`) and any metric order, which a text match would misread.
use patchloop_model::Text;
use std::str::FromStr;

use cvss::v2::metric::base::{
    AccessComplexity, AccessVector, Authentication, ConfidentialityImpact, IntegrityImpact,
};
use cvss::v3::metric::base::{
    AttackComplexity, AttackVector, Confidentiality, Integrity, PrivilegesRequired, UserInteraction,
};
use patchloop_model::{CvssFacts, CvssScore, CvssVersion, ExploitMaturity};

/// Why a vector could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CVSS vector {vector:?}: {reason}")]
pub struct CvssError {
    /// The vector as given (clipped).
    pub vector: String,
    /// What is wrong (clipped: the crate's messages can quote the whole input).
    pub reason: String,
}

/// The three facts every version yields, in the order automatable, total impact,
/// confidentiality high.
type Facts = (bool, bool, bool);

/// Parses a vector and computes its base score and facts.
///
/// Accepts `CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…` (including NVD's long form with every
/// `X` metric), and v2 vectors, which have no prefix (`AV:N/AC:L/Au:N/C:P/I:P/A:P`), in
/// parentheses as NVD writes them (`(AV:N/…)`), or with the `CVSS:2.0/` prefix some tools
/// add. Every base metric of the version must be present: the crate scores a v3 vector
/// with missing metrics as 0.0, which would silently rank a flaw last.
pub fn parse_vector(vector: &str) -> Result<CvssFacts, CvssError> {
    let err = |reason: &str| CvssError {
        vector: crate::clip(vector),
        reason: crate::clip(reason),
    };
    let v = vector.trim();
    let v = v
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(v)
        .trim();
    if v.is_empty() {
        return Err(err("empty"));
    }
    let body = v.strip_prefix("CVSS:2.0/").unwrap_or(v);
    let parsed = cvss::Cvss::from_str(body).map_err(|e| err(&e.to_string()))?;
    let (version, score, facts, exploit_maturity) = match &parsed {
        cvss::Cvss::CvssV20(x) => (CvssVersion::V2, x.score().value(), v2_facts(x), None),
        cvss::Cvss::CvssV30(x) => {
            let f = v3_facts(x).map_err(|m| err(&format!("missing base metric {m}")))?;
            (CvssVersion::V3_0, x.score().value(), f, None)
        }
        cvss::Cvss::CvssV31(x) => {
            let f = v3_facts(x).map_err(|m| err(&format!("missing base metric {m}")))?;
            (CvssVersion::V3_1, x.score().value(), f, None)
        }
        cvss::Cvss::CvssV40(x) => {
            let (f, e) = v4_facts(x);
            (CvssVersion::V4_0, x.score().value(), f, e)
        }
        _ => return Err(err("unsupported CVSS version")),
    };
    let base_score = CvssScore::new(score).map_err(|e| err(&e.to_string()))?;
    let (automatable, total_impact, confidentiality_high) = facts;
    Ok(CvssFacts {
        version,
        vector: Text::from(v),
        base_score,
        automatable,
        total_impact,
        confidentiality_high,
        exploit_maturity,
    })
}

fn v2_facts(x: &cvss::v2::Vector) -> Facts {
    // The crate refuses a v2 vector without all six base metrics, so `None` cannot occur
    // here; it would read as "not automatable, no total impact" if it did.
    let c = x.c == Some(ConfidentialityImpact::Complete);
    (
        x.av == Some(AccessVector::Network)
            && x.ac == Some(AccessComplexity::Low)
            && x.au == Some(Authentication::None),
        c && x.i == Some(IntegrityImpact::Complete),
        c,
    )
}

/// The facts of a v3 vector, or the name of its first missing base metric.
fn v3_facts(x: &cvss::v3::Vector) -> Result<Facts, &'static str> {
    let present = [
        ("AV", x.av.is_some()),
        ("AC", x.ac.is_some()),
        ("PR", x.pr.is_some()),
        ("UI", x.ui.is_some()),
        ("S", x.s.is_some()),
        ("C", x.c.is_some()),
        ("I", x.i.is_some()),
        ("A", x.a.is_some()),
    ];
    if let Some((name, _)) = present.iter().find(|(_, ok)| !ok) {
        return Err(name);
    }
    let c = x.c == Some(Confidentiality::High);
    Ok((
        x.av == Some(AttackVector::Network)
            && x.ac == Some(AttackComplexity::Low)
            && x.pr == Some(PrivilegesRequired::None)
            && x.ui == Some(UserInteraction::None),
        c && x.i == Some(Integrity::High),
        c,
    ))
}

/// The facts of a v4 vector and its exploit maturity.
///
/// The crate keeps v4 metrics private; its `Display` writes the canonical upper-case
/// vector, which is read back here. The crate has already refused any vector without all
/// eleven base metrics.
fn v4_facts(x: &cvss::v4::Vector) -> (Facts, Option<ExploitMaturity>) {
    let canonical = x.to_string();
    let get = |key: &str| {
        canonical
            .split('/')
            .filter_map(|part| part.split_once(':'))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    };
    let is = |key: &str, value: &str| get(key) == Some(value);
    let vc = is("VC", "H");
    let facts = (
        is("AV", "N") && is("AC", "L") && is("AT", "N") && is("PR", "N") && is("UI", "N"),
        vc && is("VI", "H"),
        vc,
    );
    let maturity = match get("E") {
        Some("A") => Some(ExploitMaturity::Attacked),
        Some("P") => Some(ExploitMaturity::Poc),
        Some("U") => Some(ExploitMaturity::Unreported),
        _ => None,
    };
    (facts, maturity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn log4shell_v31() {
        let f = parse_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap();
        assert_eq!(f.version, CvssVersion::V3_1);
        assert_eq!(f.base_score.get(), 10.0);
        assert!(f.automatable && f.total_impact && f.confidentiality_high);
        assert_eq!(f.exploit_maturity, None);
    }

    #[test]
    fn v2_in_parentheses_with_prefix_and_v4_long_form() {
        let f = parse_vector("(AV:N/AC:L/Au:N/C:C/I:C/A:C)").unwrap();
        assert_eq!((f.version, f.base_score.get()), (CvssVersion::V2, 10.0));
        assert!(f.automatable && f.total_impact && f.confidentiality_high);
        assert_eq!(f.vector.as_str(), "AV:N/AC:L/Au:N/C:C/I:C/A:C");
        let f = parse_vector("CVSS:2.0/AV:N/AC:L/Au:S/C:P/I:P/A:P").unwrap();
        assert_eq!((f.version, f.base_score.get()), (CvssVersion::V2, 6.5));
        assert!(!f.automatable && !f.total_impact && !f.confidentiality_high);
        let f = parse_vector("CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X").unwrap();
        assert_eq!(f.base_score.get(), 8.5);
        assert!(!f.automatable && f.total_impact && f.confidentiality_high);
        assert_eq!(f.exploit_maturity, None);
    }

    #[test]
    fn v4_exploit_maturity() {
        let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        for (e, want) in [
            ("A", Some(ExploitMaturity::Attacked)),
            ("P", Some(ExploitMaturity::Poc)),
            ("U", Some(ExploitMaturity::Unreported)),
            ("X", None),
        ] {
            let f = parse_vector(&format!("{base}/E:{e}")).unwrap();
            assert_eq!(f.exploit_maturity, want, "E:{e}");
            assert!(f.automatable && f.total_impact);
        }
        // AT:P is not automatable even with everything else open.
        let f = parse_vector(&base.replace("AT:N", "AT:P")).unwrap();
        assert!(!f.automatable);
    }

    #[test]
    fn facts_come_from_parsed_metrics_not_text() {
        // The crate accepts lower-case metrics and any order; the facts must follow.
        let f = parse_vector("CVSS:3.1/c:h/i:h/a:h/av:n/ac:l/pr:n/ui:n/s:u").unwrap();
        assert_eq!(f.base_score.get(), 9.8);
        assert!(f.automatable && f.total_impact && f.confidentiality_high);
        let f = parse_vector("CVSS:4.0/av:n/ac:l/at:n/pr:n/ui:n/vc:h/vi:l/va:n/sc:n/si:n/sa:n/e:p")
            .unwrap();
        assert!(f.automatable && !f.total_impact && f.confidentiality_high);
        assert_eq!(f.exploit_maturity, Some(ExploitMaturity::Poc));
        // v3 `E` is temporal exploit code maturity, not the v4 metric.
        let f = parse_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:H").unwrap();
        assert_eq!(f.exploit_maturity, None);
    }

    #[test]
    fn malformed_vectors_say_why() {
        let e = parse_vector("CVSS:3.1/AV:X/AC:L").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("malformed CVSS vector \"CVSS:3.1/AV:X/AC:L\": "),
            "{e}"
        );
        // The crate would score this 0.0; a partial vector is refused instead.
        let e = parse_vector("CVSS:3.1/AV:N").unwrap_err();
        assert_eq!(
            e.to_string(),
            "malformed CVSS vector \"CVSS:3.1/AV:N\": missing base metric AC"
        );
        let e = parse_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H").unwrap_err();
        assert!(e.reason.ends_with("missing base metric S"), "{e}");
        let e = parse_vector("AV:N/AC:L").unwrap_err();
        assert!(e.reason.contains("Au"), "{e}");
        let e = parse_vector("CVSS:4.0/AV:N/AC:L").unwrap_err();
        assert!(e.reason.contains("mandatory"), "{e}");
        assert_eq!(parse_vector("").unwrap_err().reason, "empty");
        assert_eq!(parse_vector("()").unwrap_err().reason, "empty");
        assert!(parse_vector("CVSS:9.9/AV:N").is_err());
        assert!(parse_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/").is_err());
        let long = format!("CVSS:3.1/{}", "AV:N/".repeat(10_000));
        let e = parse_vector(&long).unwrap_err();
        assert!(e.to_string().len() < 400, "{}", e.to_string().len());
    }

    proptest! {
        #[test]
        fn never_panics_and_scores_are_bounded(s in ".{0,120}") {
            if let Ok(f) = parse_vector(&s) {
                prop_assert!((0.0..=10.0).contains(&f.base_score.get()));
            }
        }

        #[test]
        fn vector_like_strings_never_panic_and_scores_are_bounded(
            s in "\\(?(CVSS:[234]\\.[01]/)?([A-Za-z]{1,3}:[A-Za-z]{1,2}/){0,34}[A-Z]{1,3}:[A-Z]\\)?"
        ) {
            if let Ok(f) = parse_vector(&s) {
                prop_assert!((0.0..=10.0).contains(&f.base_score.get()));
            }
        }

        #[test]
        fn any_v4_vector_scores_in_range(
            base in ("[NALP]", "[LH]", "[NP]", "[NLH]", "[NPA]", "[HLN]", "[HLN]", "[HLN]", "[HLN]", "[HLN]", "[HLN]"),
            threat_env in ("[XAPU]", "[XHML]", "[XNALP]", "[XLH]", "[XNP]", "[XNLH]", "[XNPA]", "[XHLN]", "[XHLN]", "[XSHLN]", "[XSHLN]"),
        ) {
            let (av, ac, at, pr, ui, vc, vi, va, sc, si, sa) = base;
            let (e, cr, mav, mac, mat, mpr, mui, mvc, msc, msi, msa) = threat_env;
            let v = format!(
                "CVSS:4.0/AV:{av}/AC:{ac}/AT:{at}/PR:{pr}/UI:{ui}/VC:{vc}/VI:{vi}/VA:{va}/SC:{sc}/SI:{si}/SA:{sa}\
                 /E:{e}/CR:{cr}/MAV:{mav}/MAC:{mac}/MAT:{mat}/MPR:{mpr}/MUI:{mui}/MVC:{mvc}/MSC:{msc}/MSI:{msi}/MSA:{msa}"
            );
            let f = parse_vector(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!((0.0..=10.0).contains(&f.base_score.get()));
            prop_assert_eq!(f.total_impact, vc == "H" && vi == "H");
        }

        #[test]
        fn every_v31_metric_combination_scores_in_range(
            av in "[NALP]", ac in "[LH]", pr in "[NLH]", ui in "[NR]", sc in "[UC]",
            c in "[NLH]", i in "[NLH]", a in "[NLH]",
        ) {
            let v = format!("CVSS:3.1/AV:{av}/AC:{ac}/PR:{pr}/UI:{ui}/S:{sc}/C:{c}/I:{i}/A:{a}");
            let f = parse_vector(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!((0.0..=10.0).contains(&f.base_score.get()));
            prop_assert_eq!(f.automatable, av == "N" && ac == "L" && pr == "N" && ui == "N");
            prop_assert_eq!(f.total_impact, c == "H" && i == "H");
        }
    }
}
