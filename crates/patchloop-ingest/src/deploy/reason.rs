//! Why a deployment failed, from the text the deployment tool printed: an ordered table
//! of phrases (checked case-insensitively, first match wins), and the short excerpt of
//! the message that is shown as the reason's evidence.
//!
//! The table is ordered from the most specific cause to the most generic, because one
//! failure often prints several: a full disk makes Ansible report the host
//! *unreachable* ("Failed to create temporary directory … No space left on device"), and
//! dpkg follows a failed unpack with "dependency problems - leaving unconfigured". The
//! cause that explains the others comes first: disk, then package conflicts and locks,
//! then a pending reboot, then connectivity; anything else is `other`.
use patchloop_model::FailureReason;
use patchloop_model::FailureReason::{Conflict, Connectivity, Disk, RebootPending};

/// How much of each message is looked at (4 KiB): the cause is printed first, and a
/// module's whole stdout (megabytes of apt progress) must not be scanned per rule.
const WINDOW: usize = 4096;

/// Longest context copied around a matched phrase (in characters), before + after.
const CONTEXT: usize = 120;

/// Of [`CONTEXT`], at most this much comes before the phrase.
const BEFORE: usize = 40;

/// Longest detail (in characters).
const MAX_DETAIL: usize = 200;

/// The classification table: (phrase, reason), lower case, checked in this order.
pub const RULES: &[(&str, FailureReason)] = &[
    // Disk: the cause behind many other symptoms, so first. apt says "You don't have
    // enough free space in /var/cache/apt/archives/."; rpm "At least 25MB more space
    // needed on the / filesystem".
    ("no space left on device", Disk),
    ("not enough free space", Disk),
    ("don't have enough free space", Disk),
    ("insufficient space", Disk),
    ("more space needed", Disk),
    ("disk quota exceeded", Disk),
    // Package conflicts, broken dependencies, and a package manager already running (the
    // dpkg or apt lock held): rpm's "file /x from install of a conflicts with file from
    // package b", dnf's "nothing provides libfoo.so.1 needed by bar", Ansible's apt
    // module's "Failed to lock apt for exclusive operation".
    ("conflicts with", Conflict),
    ("held broken packages", Conflict),
    ("unmet dependencies", Conflict),
    ("dependency problems", Conflict),
    ("nothing provides", Conflict),
    ("could not get lock", Conflict),
    ("failed to lock apt", Conflict),
    ("dpkg frontend lock", Conflict),
    ("dpkg was interrupted", Conflict),
    // A reboot the update waits for: win_updates' "A reboot is required before more
    // updates can be installed", Ubuntu's "*** System restart required ***".
    ("reboot required", RebootPending),
    ("reboot is required", RebootPending),
    ("pending reboot", RebootPending),
    ("needs to be rebooted", RebootPending),
    ("system restart required", RebootPending),
    // The host, or its package mirror, could not be reached: ssh errors,
    // wait_for_connection's "timed out waiting for …", apt's "Temporary failure
    // resolving 'archive.ubuntu.com'".
    ("failed to connect to the host", Connectivity),
    ("timed out waiting for", Connectivity),
    ("connection refused", Connectivity),
    ("connection timed out", Connectivity),
    ("operation timed out", Connectivity),
    ("no route to host", Connectivity),
    ("network is unreachable", Connectivity),
    ("name or service not known", Connectivity),
    ("could not resolve host", Connectivity),
    ("temporary failure resolving", Connectivity),
    ("temporary failure in name resolution", Connectivity),
];

/// Words, and prefixes of well-known token formats (GitHub, GitLab, AWS access key ids,
/// Slack, JWTs), that mark a line as possibly holding a credential: such a line is never
/// copied into a detail, only the table's own phrase is.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "key=",
    "api_key",
    "apikey",
    "authorization",
    "bearer",
    "credential",
    "private key",
    "-----begin",
    "ghp_",
    "github_pat_",
    "glpat-",
    "akia",
    "xoxb-",
    "xoxp-",
    "eyjhbgci",
];

/// The reason a failure message gives, by the first rule of [`RULES`] whose phrase
/// appears in the message's first 4 KiB (ASCII case ignored); `other` when none does.
/// A pure function: the same text always gives the same reason.
pub fn classify(message: &str) -> FailureReason {
    let lower = head(message).to_ascii_lowercase();
    find(&[lower.as_str()]).map_or(FailureReason::Other, |m| m.reason)
}

/// The reason and detail for a failure whose output is `texts` (in the order their
/// fields are searched): the first rule found in any text's first 4 KiB and the excerpt
/// around it; else `other`, with the first line of `msg`.
pub(crate) fn explain(texts: &[&str], msg: Option<&str>) -> (FailureReason, String) {
    let heads: Vec<&str> = texts.iter().map(|t| head(t)).collect();
    let lowered: Vec<String> = heads.iter().map(|h| h.to_ascii_lowercase()).collect();
    let refs: Vec<&str> = lowered.iter().map(String::as_str).collect();
    match find(&refs) {
        Some(m) => {
            let detail = heads
                .get(m.text)
                .map_or_else(String::new, |h| excerpt(h, m.at, m.len));
            (m.reason, detail)
        }
        None => (
            FailureReason::Other,
            msg.map(first_line).unwrap_or_default(),
        ),
    }
}

/// Where a rule matched: which rule's reason, which text, at which byte, how long.
struct Match {
    reason: FailureReason,
    text: usize,
    at: usize,
    len: usize,
}

/// The first rule (in table order) found in any of `lowered` (texts already cut to
/// [`WINDOW`] and ASCII-lowercased), and where. Rule order comes before text order, so
/// the reason is the one [`classify`] gives for the texts joined.
fn find(lowered: &[&str]) -> Option<Match> {
    RULES.iter().find_map(|&(phrase, reason)| {
        lowered.iter().enumerate().find_map(|(text, l)| {
            l.find(phrase).map(|at| Match {
                reason,
                text,
                at,
                len: phrase.len(),
            })
        })
    })
}

/// The first [`WINDOW`] bytes of `s`, cut on a character boundary.
fn head(s: &str) -> &str {
    let mut end = s.len().min(WINDOW);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// True when a line may hold a credential (see [`SECRET_WORDS`]).
fn looks_secret(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

/// The detail for a match at `at..at + len` of `text` (the original, not lowered: ASCII
/// lowering keeps byte offsets): the phrase with up to [`CONTEXT`] characters of its
/// own line around it, or the phrase alone when that line looks like it holds a secret.
fn excerpt(text: &str, at: usize, len: usize) -> String {
    let (Some(before), Some(phrase), Some(after)) =
        (text.get(..at), text.get(at..at + len), text.get(at + len..))
    else {
        return String::new();
    };
    let before = before.rsplit('\n').next().unwrap_or_default();
    let after = after.split('\n').next().unwrap_or_default();
    if looks_secret(&format!("{before}{phrase}{after}")) {
        return clean(phrase);
    }
    let n_before = before.chars().count();
    let take_before = n_before.min(BEFORE);
    let start = before
        .char_indices()
        .nth(n_before - take_before)
        .map_or(before.len(), |(i, _)| i);
    let take_after = CONTEXT - take_before;
    let end = after
        .char_indices()
        .nth(take_after)
        .map_or(after.len(), |(i, _)| i);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(before.get(start..).unwrap_or_default());
    out.push_str(phrase);
    out.push_str(after.get(..end).unwrap_or_default());
    if end < after.len() {
        out.push('…');
    }
    clean(&out)
}

/// The first non-blank line of `msg` as a detail when no rule matched, or nothing when
/// that line looks like it holds a secret.
fn first_line(msg: &str) -> String {
    match head(msg).lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(line) if !looks_secret(line) => {
            let cut: String = line.chars().take(CONTEXT).collect();
            let more = cut.len() < line.len();
            clean(&(cut + if more { "…" } else { "" }))
        }
        _ => String::new(),
    }
}

/// Control characters (terminal escapes, CR) become spaces, and the whole is trimmed and
/// cut to [`MAX_DETAIL`] characters.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_DETAIL)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phrase_is_lower_case_and_classifies_to_its_own_reason() {
        for &(phrase, reason) in RULES {
            assert_eq!(phrase, phrase.to_ascii_lowercase());
            // An earlier rule must not shadow a later one.
            assert_eq!(classify(phrase), reason, "{phrase}");
        }
    }

    #[test]
    fn excerpt_keeps_context_on_the_line_and_drops_secret_lines() {
        let t = "first line\nE: Could not get lock /var/lib/dpkg/lock-frontend\nlast";
        let at = t
            .to_ascii_lowercase()
            .find("could not get lock")
            .unwrap_or(0);
        assert_eq!(
            excerpt(t, at, 18),
            "E: Could not get lock /var/lib/dpkg/lock-frontend"
        );
        let t = "token=abc123 Connection refused by peer";
        let at = t
            .to_ascii_lowercase()
            .find("connection refused")
            .unwrap_or(0);
        assert_eq!(excerpt(t, at, 18), "Connection refused");
        let long = format!(
            "{}No space left on device{}",
            "a".repeat(300),
            "b".repeat(300)
        );
        let d = excerpt(&long, 300, 23);
        assert!(d.starts_with("…aaaa") && d.ends_with("bbb…"), "{d}");
        assert_eq!(d.chars().count(), 23 + 120 + 2);
    }

    #[test]
    fn head_cuts_on_a_character_boundary() {
        let s = "é".repeat(WINDOW);
        assert!(head(&s).len() <= WINDOW);
        assert_eq!(head("short"), "short");
    }
}
