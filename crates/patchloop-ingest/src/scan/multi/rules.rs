//! The value rules the JSON readers of multi-host reports share: spec §1.1's choice of
//! CVSS vector, severity words, EC2 instance ids and package versions.
use patchloop_model::Severity;

/// A CVSS vector as a report lists it, with the source that scored it.
#[derive(Debug, Clone)]
pub(crate) struct Vector {
    /// `NVD`, `REDHAT_CVE`..., or empty when the report does not say.
    pub(crate) source: String,
    /// The vector, prefixed by [`with_prefix`].
    pub(crate) vector: String,
}

/// The vector with `CVSS:<version>/` in front when the report leaves it off a v3.x or
/// v4.0 vector (v2 vectors have no prefix); an unknown version leaves it as it is.
pub(crate) fn with_prefix(vector: &str, version: Option<&str>) -> String {
    let v = vector.trim();
    let has = v.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("CVSS:"));
    match version.map(str::trim) {
        Some(ver @ ("3.0" | "3.1" | "4.0")) if !has => format!("CVSS:{ver}/{v}"),
        _ => v.to_string(),
    }
}

/// Where a source comes in spec §1.1's order: nvd, ghsa, redhat, then the rest.
fn source_rank(source: &str) -> u8 {
    let s = source.trim().to_ascii_lowercase();
    let is = |name: &str| {
        s == name
            || s.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(['@', ':', '-', '/', '_']))
    };
    if is("nvd") {
        0
    } else if is("ghsa") || is("github") {
        1
    } else if is("redhat") || s == "secalert@redhat.com" {
        2
    } else {
        3
    }
}

/// v3.x before v4.0 before v2; anything unrecognised last.
fn version_rank(vector: &str) -> u8 {
    let prefix = |p: &str| {
        vector
            .get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    if prefix("CVSS:3.") {
        0
    } else if prefix("CVSS:4.") {
        1
    } else if prefix("CVSS:2.") || prefix("AV:") || prefix("(AV:") {
        2
    } else {
        3
    }
}

/// Spec §1.1's choice: source order, other sources alphabetically, then version order;
/// report order breaks a tie.
pub(crate) fn pick_vector(vectors: &[Vector]) -> Option<String> {
    let key = |(i, v): &(usize, &Vector)| {
        let source = v.source.trim().to_ascii_lowercase();
        (source_rank(&v.source), source, version_rank(&v.vector), *i)
    };
    let usable = vectors
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.vector.is_empty());
    usable.min_by_key(key).map(|(_, v)| v.vector.clone())
}

/// A severity word as [`Severity::from_scanner_word`] reads it; a word it does not know
/// (Inspector's `UNTRIAGED`) is no rating at all.
pub(crate) fn severity(word: Option<&str>) -> Option<Severity> {
    word.map(Severity::from_scanner_word)
        .filter(|s| *s != Severity::Unknown)
}

/// The EC2 instance id a resource id names: an `i-…` id itself, or the last segment of
/// an ARN (`arn:aws:ec2:…:instance/i-0abc`).
pub(crate) fn instance_id(raw: &str) -> Option<&str> {
    let last = raw.trim().rsplit(['/', ':']).next()?;
    let hex = last.strip_prefix("i-")?;
    (!hex.is_empty() && hex.chars().all(|c| c.is_ascii_alphanumeric())).then_some(last)
}

/// An installed version as the report's fixed versions are written
/// (`[epoch:]version[-release]`), so the two compare; epoch `0` is left off.
pub(crate) fn package_version(
    version: Option<&str>,
    release: Option<&str>,
    epoch: Option<&str>,
) -> Option<String> {
    let mut out = version?.to_string();
    if let Some(r) = release {
        out = format!("{out}-{r}");
    }
    match epoch {
        Some(e) if e != "0" => Some(format!("{e}:{out}")),
        _ => Some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(source: &str, vector: &str) -> Vector {
        Vector {
            source: source.into(),
            vector: vector.into(),
        }
    }

    #[test]
    fn vectors_follow_the_spec_order() {
        let pick = |vs: &[Vector]| pick_vector(vs);
        assert_eq!(
            pick(&[v("REDHAT_CVE", "CVSS:3.1/R"), v("NVD", "AV:N/N2")]).as_deref(),
            Some("AV:N/N2")
        );
        assert_eq!(
            pick(&[v("NVD", "AV:N/2"), v("NVD", "CVSS:3.1/3")]).as_deref(),
            Some("CVSS:3.1/3")
        );
        assert_eq!(pick(&[v("", "")]), None);
        assert_eq!(source_rank("REDHAT_CVE"), 2);
        assert_eq!(source_rank("nvdx"), 3);
    }

    #[test]
    fn prefixes_instance_ids_and_versions() {
        assert_eq!(with_prefix("AV:N/AC:L", Some("3.1")), "CVSS:3.1/AV:N/AC:L");
        assert_eq!(with_prefix("CVSS:3.0/AV:N", Some("3.1")), "CVSS:3.0/AV:N");
        assert_eq!(with_prefix("AV:N/AC:L/Au:N", Some("2.0")), "AV:N/AC:L/Au:N");
        assert_eq!(
            instance_id("arn:aws:ec2:us-east-1:1:instance/i-0abc"),
            Some("i-0abc")
        );
        assert_eq!(
            instance_id("arn:aws:ec2:us-east-1:1:i-0abc"),
            Some("i-0abc")
        );
        assert_eq!(instance_id("i-"), None);
        assert_eq!(instance_id("AWS::IAM::AccessKey:123"), None);
        assert_eq!(
            package_version(Some("4.14"), Some("224.amzn2"), Some("0")).as_deref(),
            Some("4.14-224.amzn2")
        );
        assert_eq!(
            package_version(Some("1.0"), None, Some("2")).as_deref(),
            Some("2:1.0")
        );
    }
}
