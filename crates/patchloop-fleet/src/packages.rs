//! What the generator knows about packages and platforms: plausible versions per
//! package, which platforms a package exists on, and a synthetic CVSS vector per CVE.
use crate::rng::fnv;

/// (package, installed, fixed): plausible versions, not checked against each advisory.
#[rustfmt::skip]
pub(crate) const VERSIONS: &[(&str, &str, &str)] = &[
    ("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15"),
    ("curl", "7.81.0-1ubuntu1.13", "7.81.0-1ubuntu1.16"),
    ("glibc", "2.35-0ubuntu3.1", "2.35-0ubuntu3.6"),
    ("linux-image", "5.15.0-76-generic", "5.15.0-105-generic"),
    ("sudo", "1.9.9-1ubuntu2.3", "1.9.9-1ubuntu2.4"),
    ("openssh-server", "1:8.9p1-3ubuntu0.1", "1:8.9p1-3ubuntu0.10"),
    ("log4j-core", "2.14.1", "2.17.1"),
    ("log4j", "1.2.17", ""),
    ("spring-beans", "5.3.17", "5.3.18"),
    ("spring-cloud-function-context", "3.2.2", "3.2.3"),
    ("spring-core", "5.3.20", "5.3.39"),
    ("jackson-databind", "2.13.2", "2.13.4.2"),
    ("snakeyaml", "1.30", "2.0"),
    ("commons-text", "1.9", "1.10.0"),
    ("zlib", "1.2.11", "1.3.1"),
    ("libxml2", "2.9.13+dfsg-1ubuntu0.3", "2.9.13+dfsg-1ubuntu0.4"),
    ("busybox", "1.32.1", "1.36.1"),
    ("git", "2.34.1", "2.43.0"),
    ("nginx", "1.20.1", "1.26.2"),
    ("apache2", "2.4.49", "2.4.62"),
    ("python3", "3.10.6", "3.10.15"),
    ("nodejs", "18.16.0", "18.20.4"),
    ("xz-utils", "5.6.0", "5.6.1+really5.4.5-1"),
    ("policykit-1", "0.105-31ubuntu0.1", "0.105-33"),
    ("libwebp", "1.2.2-2ubuntu0.22.04.1", "1.2.2-2ubuntu0.22.04.2"),
    ("tomcat", "9.0.62", "9.0.98"),
    ("jenkins", "2.426.2", "2.442"),
    ("activemq", "5.17.5", "5.18.3"),
    ("php", "8.1.2", "8.1.29"),
    ("confluence", "8.3.2", "8.5.4"),
    ("gitlab", "16.1.4", "16.7.2"),
    ("exchange-server", "15.01.2176.2", "15.01.2176.9"),
    ("windows", "10.0.20348.1547", "10.0.20348.2582"),
    ("outlook", "16.0.5383.1000", "16.0.5387.1000"),
    ("netscaler", "13.1-48.47", "13.1-51.15"),
    ("fortios", "7.2.6", "7.2.7"),
    ("pan-os", "11.1.1", "11.1.2-h3"),
    ("cisco-ios-xe", "17.9.3", "17.9.4a"),
    ("big-ip", "16.1.2", "16.1.2.2"),
    ("moveit-transfer", "15.0.2", "15.0.3"),
    ("ivanti-connect-secure", "22.5R2.1", "22.7R2.5"),
    ("vcenter", "7.0.1", "7.0.2"),
    ("runc", "1.1.5", "1.1.12"),
    ("kubernetes", "1.12.2", "1.12.3"),
    ("docker", "24.0.7", "25.0.6"),
    ("grafana", "8.3.0", "8.3.1"),
    ("redis", "5:6.0.16-1+deb11u1", "5:6.0.16-1+deb11u2"),
    ("postgresql", "14.9", "14.14"),
    ("samba", "4.13.13", "4.13.17"),
    ("bind9", "9.18.18", "9.18.24"),
    ("expat", "2.4.7", "2.6.3"),
    ("sqlite3", "3.37.2", "3.41.2"),
    ("gnutls", "3.7.3-4ubuntu1.3", "3.7.3-4ubuntu1.4"),
    ("krb5", "1.19.2", "1.19.4"),
    ("ncurses", "6.3", "6.4"),
    ("perl", "5.34.0", "5.34.3"),
    ("tar", "1.34", "1.35"),
    ("gzip", "1.10", "1.12"),
    ("less", "590", "608"),
    ("pcre2", "10.39", "10.40"),
    ("requests", "2.28.1", "2.32.0"),
    ("urllib3", "1.26.12", "1.26.18"),
    ("cryptography", "39.0.1", "42.0.4"),
    ("pyyaml", "5.3.1", "5.4"),
    ("jinja2", "3.1.2", "3.1.3"),
    ("werkzeug", "2.2.2", "3.0.3"),
    ("pillow", "9.5.0", "10.2.0"),
    ("lodash", "4.17.15", "4.17.21"),
    ("minimist", "1.2.5", "1.2.6"),
    ("semver", "7.5.1", "7.5.2"),
    ("axios", "1.5.1", "1.6.0"),
    ("follow-redirects", "1.15.4", "1.15.6"),
    ("tough-cookie", "4.1.2", "4.1.3"),
    ("ws", "8.16.0", "8.17.1"),
    ("json5", "2.2.1", "2.2.2"),
    ("jquery", "3.3.1", "3.5.0"),
    ("golang-stdlib", "1.20.5", "1.22.4"),
    ("golang.org/x/net", "0.5.0", "0.7.0"),
    ("netty-codec-http", "4.1.65.Final", "4.1.68.Final"),
    ("guava", "30.1-jre", "32.0.0-jre"),
    ("commons-fileupload", "1.4", "1.5"),
    ("h2", "1.4.200", "2.1.210"),
    ("xstream", "1.4.17", "1.4.18"),
    ("shiro-core", "1.2.4", "1.2.5"),
    ("struts2-core", "2.3.31", "2.5.33"),
    ("elasticsearch", "1.4.2", "1.4.3"),
    ("solr", "8.2.0", "8.4.0"),
];

/// Network appliances: (operating system, the package its CVEs are filed under).
pub(crate) const APPLIANCES: &[(&str, &str)] = &[
    ("fortios 7.2", "fortios"),
    ("pan-os 11.1", "pan-os"),
    ("netscaler 13.1", "netscaler"),
    ("ios-xe 17.9", "cisco-ios-xe"),
    ("big-ip 16.1", "big-ip"),
    ("ivanti ics 22.7", "ivanti-connect-secure"),
];

/// Packages of the Linux base system: never on Windows or macOS hosts.
pub(crate) const LINUX_ONLY: &[&str] = &[
    "glibc",
    "linux-image",
    "sudo",
    "openssh-server",
    "policykit-1",
    "xz-utils",
    "busybox",
    "tar",
    "gzip",
    "less",
    "ncurses",
    "perl",
    "pcre2",
    "bind9",
    "samba",
    "krb5",
    "gnutls",
    "runc",
    "docker",
    "kubernetes",
    "libxml2",
    "expat",
    "apache2",
    "redis",
];

/// Packages of Windows hosts.
pub(crate) const WINDOWS_ONLY: &[&str] = &["windows", "outlook", "exchange-server"];

/// Packages whose flaws are mostly local privilege escalation.
pub(crate) const LOCAL_CLASS: &[&str] = &[
    "linux-image",
    "sudo",
    "policykit-1",
    "glibc",
    "runc",
    "xz-utils",
];

/// The kind of host a finding can land on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Platform {
    Linux,
    Windows,
    Mac,
    /// An index into [`APPLIANCES`].
    Appliance(u8),
}

/// Which platforms a vulnerability's package exists on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Applications and libraries: any host but an appliance.
    Any,
    Linux,
    Windows,
    Appliance(u8),
}

impl Family {
    pub(crate) fn of_package(pkg: &str) -> Family {
        if LINUX_ONLY.contains(&pkg) {
            Family::Linux
        } else if WINDOWS_ONLY.contains(&pkg) {
            Family::Windows
        } else if let Some(k) = APPLIANCES.iter().position(|a| a.1 == pkg) {
            Family::Appliance(k as u8)
        } else {
            Family::Any
        }
    }

    /// A real KEV entry's family, from its vendor (for `--intel` catalogs).
    pub(crate) fn of_vendor(vendor: &str) -> Family {
        let appliance = |pkg: &str| APPLIANCES.iter().position(|a| a.1 == pkg);
        let k = match vendor {
            "Microsoft" => return Family::Windows,
            "Linux" => return Family::Linux,
            "Fortinet" => appliance("fortios"),
            "Palo Alto Networks" => appliance("pan-os"),
            "Citrix" => appliance("netscaler"),
            "Cisco" => appliance("cisco-ios-xe"),
            "F5" => appliance("big-ip"),
            "Ivanti" => appliance("ivanti-connect-secure"),
            _ => None,
        };
        k.map_or(Family::Any, |k| Family::Appliance(k as u8))
    }

    pub(crate) fn fits(self, p: Platform) -> bool {
        match (self, p) {
            (Family::Any, Platform::Appliance(_)) => false,
            (Family::Any, _) => true,
            (Family::Linux, Platform::Linux) | (Family::Windows, Platform::Windows) => true,
            (Family::Appliance(a), Platform::Appliance(b)) => a == b,
            _ => false,
        }
    }
}

/// Synthetic vectors, chosen per class of flaw (the CVSS crate scores them).
const V_NET_CRIT: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V_NET_SCOPE: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H";
const V_NET_UI: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H";
const V_LOCAL: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
const V_INFO: &str = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N";
const V_DOS: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";
const V_LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N";
const V_MED: &str = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N";
const V_ADJ: &str = "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const V_V4: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
const V_V2: &str = "AV:N/AC:L/Au:N/C:P/I:P/A:P";

/// A plausible vector for a CVE: none for one in ten (the scanner's severity word is
/// then all there is), v2 for old CVEs, local for kernel-class packages, network and
/// critical for most KEV entries, a mix otherwise.
pub(crate) fn vector_for(id: &str, package: &str, in_kev: bool) -> Option<&'static str> {
    let h = fnv(id);
    if h.is_multiple_of(10) {
        return None;
    }
    let year: u32 = id.get(4..8).and_then(|y| y.parse().ok()).unwrap_or(2020);
    let mix = (h >> 8) % 100;
    Some(if year < 2016 {
        V_V2
    } else if LOCAL_CLASS.contains(&package) {
        V_LOCAL
    } else if in_kev {
        [V_NET_CRIT, V_NET_CRIT, V_NET_SCOPE, V_NET_UI][(mix % 4) as usize]
    } else {
        match mix {
            0..15 => V_NET_CRIT,
            15..25 => V_NET_UI,
            25..40 => V_INFO,
            40..60 => V_DOS,
            60..70 => V_LOW,
            70..85 => V_MED,
            85..90 => V_V4,
            _ => V_ADJ,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_package_has_versions_and_every_vector_scores() {
        for c in crate::builtin::cves() {
            assert!(VERSIONS.iter().any(|v| v.0 == c.package), "{}", c.package);
        }
        for v in [
            V_NET_CRIT,
            V_NET_SCOPE,
            V_NET_UI,
            V_LOCAL,
            V_INFO,
            V_DOS,
            V_LOW,
            V_MED,
            V_ADJ,
            V_V4,
            V_V2,
        ] {
            assert!(patchloop_ingest::cvss::parse_vector(v).is_ok(), "{v}");
        }
    }
}
