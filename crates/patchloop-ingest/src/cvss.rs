//! CVSS vectors (v2, v3.0, v3.1, v4.0) to the facts the decision rules need.
//!
//! The RustSec `cvss` crate validates each vector and computes its score (v2 and v3: the
//! base score; v4: the CVSS-B/BT/BE score its metrics give). The facts of contract
//! section 3 — automatable, technical impact, confidentiality impact, v4 exploit maturity —
//! are read from the vector's own `key:value` pairs once the crate has accepted it.
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use patchloop_model::{CvssFacts, CvssScore, CvssVersion, ExploitMaturity};

/// Why a vector could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CVSS vector {vector:?}: {reason}")]
pub struct CvssError {
    /// The vector as given (clipped).
    pub vector: String,
    /// What is wrong.
    pub reason: String,
}

/// Parses a vector and computes its base score and facts.
///
/// Accepts `CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…` (including NVD's long form with every
/// `X` metric), and prefix-less v2 vectors, optionally in parentheses as NVD writes them
/// (`(AV:N/AC:L/Au:N/C:P/I:P/A:P)`).
pub fn parse_vector(vector: &str) -> Result<CvssFacts, CvssError> {
    let err = |reason: String| CvssError {
        vector: crate::clip(vector),
        reason,
    };
    let v = vector.trim();
    let v = v
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(v)
        .trim();
    if v.is_empty() {
        return Err(err("empty".to_string()));
    }
    let parsed = cvss::Cvss::from_str(v).map_err(|e| err(e.to_string()))?;
    let (version, score) = match &parsed {
        cvss::Cvss::CvssV20(x) => (CvssVersion::V2, x.score().value()),
        cvss::Cvss::CvssV30(x) => (CvssVersion::V3_0, x.score().value()),
        cvss::Cvss::CvssV31(x) => (CvssVersion::V3_1, x.score().value()),
        cvss::Cvss::CvssV40(x) => (CvssVersion::V4_0, x.score().value()),
        _ => return Err(err("unsupported CVSS version".to_string())),
    };
    let base_score = CvssScore::new(score).map_err(|e| err(e.to_string()))?;
    let m: BTreeMap<&str, &str> = v
        .split('/')
        .filter_map(|part| part.split_once(':'))
        .collect();
    let is = |k: &str, val: &str| m.get(k).is_some_and(|x| *x == val);
    let (automatable, total_impact, confidentiality_high) = match version {
        CvssVersion::V2 => (
            is("AV", "N") && is("AC", "L") && is("Au", "N"),
            is("C", "C") && is("I", "C"),
            is("C", "C"),
        ),
        CvssVersion::V3_0 | CvssVersion::V3_1 => (
            is("AV", "N") && is("AC", "L") && is("PR", "N") && is("UI", "N"),
            is("C", "H") && is("I", "H"),
            is("C", "H"),
        ),
        CvssVersion::V4_0 => (
            is("AV", "N") && is("AC", "L") && is("AT", "N") && is("PR", "N") && is("UI", "N"),
            is("VC", "H") && is("VI", "H"),
            is("VC", "H"),
        ),
    };
    let exploit_maturity = match (version, m.get("E")) {
        (CvssVersion::V4_0, Some(&"A")) => Some(ExploitMaturity::Attacked),
        (CvssVersion::V4_0, Some(&"P")) => Some(ExploitMaturity::Poc),
        (CvssVersion::V4_0, Some(&"U")) => Some(ExploitMaturity::Unreported),
        _ => None,
    };
    Ok(CvssFacts {
        version,
        vector: Arc::from(v),
        base_score,
        automatable,
        total_impact,
        confidentiality_high,
        exploit_maturity,
    })
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
    fn v2_in_parentheses_and_v4_long_form() {
        let f = parse_vector("(AV:N/AC:L/Au:N/C:C/I:C/A:C)").unwrap();
        assert_eq!((f.version, f.base_score.get()), (CvssVersion::V2, 10.0));
        assert!(f.automatable && f.total_impact);
        let f = parse_vector("CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X").unwrap();
        assert_eq!(f.base_score.get(), 8.5);
        assert!(!f.automatable && f.total_impact);
        let f = parse_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A")
            .unwrap();
        assert_eq!(f.exploit_maturity, Some(ExploitMaturity::Attacked));
        assert!(f.automatable);
    }

    #[test]
    fn malformed_vectors_say_why() {
        let e = parse_vector("CVSS:3.1/AV:X/AC:L").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("malformed CVSS vector \"CVSS:3.1/AV:X/AC:L\": "),
            "{e}"
        );
        assert!(parse_vector("").is_err());
        assert!(parse_vector("CVSS:9.9/AV:N").is_err());
        assert!(parse_vector("()").is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_scores_are_bounded(s in ".{0,120}") {
            if let Ok(f) = parse_vector(&s) {
                prop_assert!((0.0..=10.0).contains(&f.base_score.get()));
            }
        }

        #[test]
        fn never_panics_on_vector_like_strings(s in "(CVSS:[34]\\.[01]/)?([A-Z]{1,3}:[A-Z]{1,2}/){0,12}[A-Z]{1,3}:[A-Z]") {
            let _ = parse_vector(&s);
        }
    }
}
