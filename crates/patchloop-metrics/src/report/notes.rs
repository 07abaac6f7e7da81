//! The `notes` of every report: which inputs were absent, which fallbacks were used and
//! what data was set aside, so a figure computed without an input says so.
use patchloop_model::{InputKind, Timestamp};

use crate::analysis::{Analysis, absent};
use crate::pass::Acc;
use crate::stats::Note;

impl Analysis<'_> {
    /// Notes on absent inputs and fallbacks, in a fixed order.
    pub(super) fn notes(&self, acc: &Acc, as_of: Timestamp) -> Vec<Note> {
        let b = self.bundle;
        let mut n = Vec::new();
        if !self.available.sla_input {
            n.push(Note::new(
                "sla",
                "no SLA facts supplied: due dates are the fallback (first_seen, or the end of the latest expired valid exception, plus policy.sla.severity_days for the CVSS band) and decisions are unknown",
            ));
        } else if acc.due_fallback > 0 {
            n.push(Note::new(
                "sla",
                format!(
                    "{} findings had no SLA row: fallback due dates used",
                    acc.due_fallback
                ),
            ));
        }
        if self.sla_unmatched > 0 {
            n.push(Note::new(
                "sla",
                format!(
                    "{} SLA rows name no finding and were not used",
                    self.sla_unmatched
                ),
            ));
        }
        if acc.score_fallback > 0 {
            n.push(Note::new(
                "score",
                format!(
                    "{} findings use the fallback score (docs/spec.md §3 with blast radius B(h) = 0)",
                    acc.score_fallback
                ),
            ));
        }
        if !self.available.secrets {
            n.push(Note::new(
                "identity",
                "identity/secrets.csv absent: identity closure is undetermined for every finding that needs it (state `remediated`)",
            ));
        }
        if !self.available.trust_input {
            if self.available.access {
                n.push(Note::new(
                    "trust",
                    "no trust facts supplied: trusting resources derived from identity/access.csv (principal = secret id or its identity)",
                ));
            } else {
                n.push(Note::new(
                    "trust",
                    "no trust facts and no identity/access.csv: trust_verified and privilege_reviewed needs are unknown",
                ));
            }
        }
        if self.trust_unmatched > 0 {
            n.push(Note::new(
                "trust",
                format!(
                    "{} trust rows name no known secret and were not used",
                    self.trust_unmatched
                ),
            ));
        }
        if b.kev.is_none() {
            n.push(Note::new(
                "kev",
                "no KEV catalog: no finding counts as KEV (closure basis, p = 1, score threat)",
            ));
        }
        if b.epss.is_none() {
            n.push(Note::new(
                "epss",
                "no EPSS file: every EPSS probability counts as 0",
            ));
        }
        if !self.available.discovery {
            n.push(Note::new(
                "discovery",
                "discovery.csv absent: accuracy, completeness, shadow and stale not computed",
            ));
        }
        if absent(b, InputKind::Events) && b.events.is_empty() {
            n.push(Note::new(
                "events",
                "events.csv absent: no deployment or verification is known; only scanner fixes remediate",
            ));
        }
        let later = b.events.iter().filter(|e| e.at > as_of).count();
        if later > 0 {
            n.push(Note::new(
                "events",
                format!("{later} events after as_of were not considered"),
            ));
        }
        if let Some(k) = b.kev.as_ref().filter(|k| k.added_after_as_of > 0) {
            n.push(Note::new(
                "kev",
                match k.added_after_as_of {
                    1 => "1 KEV entry added after as_of was not considered".to_string(),
                    n => format!("{n} KEV entries added after as_of were not considered"),
                },
            ));
        }
        if let Some(d) = b
            .epss
            .as_ref()
            .and_then(|e| e.score_date)
            .filter(|&d| d > as_of)
        {
            n.push(Note::new(
                "epss",
                format!(
                    "EPSS scores of {} are after as_of and were used as given: there is no EPSS history to replay",
                    d.format("%Y-%m-%d")
                ),
            ));
        }
        if acc.not_yet_seen > 0 {
            n.push(Note::new(
                "findings",
                format!(
                    "{} findings first seen after as_of were not considered",
                    acc.not_yet_seen
                ),
            ));
        }
        if acc.findings_outside_inventory > 0 {
            n.push(Note::new(
                "findings",
                format!(
                    "{} findings are on assets outside the inventory: excluded from compliance, reported apart by owner",
                    acc.findings_outside_inventory
                ),
            ));
        }
        n.sort();
        n
    }
}
