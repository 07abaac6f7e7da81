//! What a scanner's words mean for the model: the secret kind a rule or detector name
//! implies, where on a host a file path puts the secret, and the date forms leak
//! scanners write.
use patchloop_model::{SecretKind, SecretLocation, Timestamp, parse_timestamp};

/// The secret kind a scanner's rule or detector name implies. Matches on the name's
/// words (`github-pat` → `github`, `pat`), so `path` is not a `pat`.
pub(super) fn kind_of(rule: &str) -> SecretKind {
    let lower = rule.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.concat();
    let word = |w: &str| words.contains(&w);
    let any = |ws: &[&str]| ws.iter().any(|w| word(w));
    if joined.contains("privatekey")
        || joined.contains("ssh")
        || any(&["rsa", "pk", "pem", "dsa", "ecdsa", "ed25519"])
    {
        SecretKind::SshKey
    } else if joined.contains("serviceaccount") {
        SecretKind::ServiceAccountKey
    } else if joined.starts_with("aws") || any(&["aws", "alibaba"]) {
        SecretKind::CloudAccessKey
    } else if joined.contains("apikey") {
        SecretKind::ApiKey
    } else if joined.contains("token")
        || joined.starts_with("github")
        || joined.starts_with("gitlab")
        || any(&["pat", "jwt", "slack"])
    {
        SecretKind::Token
    } else if joined.contains("password")
        || any(&[
            "uri", "url", "passwd", "basic", "jdbc", "ftp", "ldap", "postgres", "mysql", "mongodb",
            "redis",
        ])
    {
        SecretKind::Password
    } else if any(&["certificate", "pkcs12", "pfx", "p12"]) {
        SecretKind::Certificate
    } else {
        SecretKind::Other
    }
}

/// Where on the host a file path suggests the secret sits.
pub(super) fn location_of(file: Option<&str>) -> SecretLocation {
    let Some(f) = file else {
        return SecretLocation::Other;
    };
    let f = f.to_ascii_lowercase().replace('\\', "/");
    let name = f.rsplit('/').next().unwrap_or(&f);
    const CONFIG: &[&str] = &[
        ".yml",
        ".yaml",
        ".json",
        ".toml",
        ".ini",
        ".conf",
        ".cfg",
        ".config",
        ".properties",
        ".xml",
        ".tf",
        ".tfvars",
        ".env",
    ];
    if f.contains(".github/workflows/")
        || f.contains(".circleci/")
        || name == ".gitlab-ci.yml"
        || name == "jenkinsfile"
        || name == "azure-pipelines.yml"
        || name == "bitbucket-pipelines.yml"
    {
        SecretLocation::Pipeline
    } else if name.starts_with(".env") || CONFIG.iter().any(|x| name.ends_with(x)) {
        SecretLocation::Config
    } else {
        SecretLocation::Disk
    }
}

/// Dates as leak scanners write them: RFC 3339 (and what [`parse_timestamp`] reads),
/// gitleaks' test `10-19-2003`, and Go's `2022-06-16 10:17:40 -0700 PDT` (the zone
/// abbreviation, or a repeated offset, is ignored).
pub(super) fn loose_date(s: &str) -> Option<Timestamp> {
    if let Ok(t) = parse_timestamp(s) {
        return Some(t);
    }
    let t = if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%m-%d-%Y") {
        d.and_hms_opt(0, 0, 0)?.and_utc()
    } else {
        let mut parts = s.split_whitespace();
        let head = [parts.next()?, parts.next()?, parts.next()?].join(" ");
        chrono::DateTime::parse_from_str(&head, "%Y-%m-%d %H:%M:%S %z")
            .ok()?
            .with_timezone(&chrono::Utc)
    };
    // The same sanity range parse_timestamp applies.
    (1970..=2999)
        .contains(&chrono::Datelike::year(&t))
        .then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        for (rule, kind) in [
            ("aws-access-token", SecretKind::CloudAccessKey),
            ("AWS", SecretKind::CloudAccessKey),
            ("AWSSessionKey", SecretKind::CloudAccessKey),
            ("AWS API Key", SecretKind::CloudAccessKey),
            ("PrivateKey", SecretKind::SshKey),
            ("private-key", SecretKind::SshKey),
            ("RSA-PK", SecretKind::SshKey),
            ("OpenSSH", SecretKind::SshKey),
            ("generic-api-key", SecretKind::ApiKey),
            ("gcp-api-key", SecretKind::ApiKey),
            ("gcp-service-account", SecretKind::ServiceAccountKey),
            ("github-pat", SecretKind::Token),
            ("pypi-upload-token", SecretKind::Token),
            ("JWT", SecretKind::Token),
            ("URI", SecretKind::Password),
            ("Postgres", SecretKind::Password),
            ("pkcs12-file", SecretKind::Certificate),
            ("test-rule", SecretKind::Other),
            ("path-traversal", SecretKind::Other),
            ("", SecretKind::Other),
        ] {
            assert_eq!(kind_of(rule), kind, "{rule}");
        }
    }

    #[test]
    fn locations() {
        assert_eq!(location_of(None), SecretLocation::Other);
        assert_eq!(location_of(Some("app/.env")), SecretLocation::Config);
        assert_eq!(
            location_of(Some("app/.env.production")),
            SecretLocation::Config
        );
        assert_eq!(
            location_of(Some(".github/workflows/ci.yml")),
            SecretLocation::Pipeline
        );
        assert_eq!(location_of(Some("conf/app.yaml")), SecretLocation::Config);
        assert_eq!(location_of(Some("/conf/aws.tf")), SecretLocation::Config);
        assert_eq!(location_of(Some("src/main.py")), SecretLocation::Disk);
        assert_eq!(location_of(Some("keys")), SecretLocation::Disk);
    }

    #[test]
    fn dates() {
        assert_eq!(
            loose_date("10-19-2003").map(|t| t.to_rfc3339()),
            Some("2003-10-19T00:00:00+00:00".into())
        );
        assert_eq!(
            loose_date("2021-10-14T17:05:15Z").map(|t| t.to_rfc3339()),
            Some("2021-10-14T17:05:15+00:00".into())
        );
        for s in [
            "2022-06-16 10:17:40 -0700 PDT",
            "2022-06-16 10:17:40 -0700 -0700",
            "2022-06-16 10:17:40 -0700",
        ] {
            assert_eq!(
                loose_date(s).map(|t| t.to_rfc3339()),
                Some("2022-06-16T17:17:40+00:00".into()),
                "{s}"
            );
        }
        assert_eq!(
            loose_date("2017-03-13 09:39:39").map(|t| t.to_rfc3339()),
            Some("2017-03-13T09:39:39+00:00".into())
        );
        assert_eq!(loose_date("9999-01-01 00:00:00 +0000"), None);
        assert_eq!(loose_date("yesterday"), None);
        assert_eq!(loose_date("2022-13-45 10:17:40 -0700"), None);
    }
}
