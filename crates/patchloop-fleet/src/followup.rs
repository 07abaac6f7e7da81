//! What follows a host's findings: the identity follow-up of a verified patch
//! (rotations, revocations, trust checks, reviews) and, on a few hosts, an exception.
use patchloop_model::{
    Asset, Event, EventKind, Exception, ExceptionScope, Exposure, ResourceId, Text, Timestamp,
};

use crate::findings::{Ctx, HostRows};
use crate::rng::Rng;
use crate::{days, hours};

impl Ctx<'_> {
    /// Identity follow-up on a host with a verified patch (`verified`: its last
    /// verification, `deployed`: its first deployment): done in full on some, in part on
    /// others, not at all on the rest (false confidence).
    pub(crate) fn identity_follow_up(
        &self,
        r: &mut Rng,
        i: usize,
        verified: Timestamp,
        deployed: Timestamp,
        out: &mut HostRows,
    ) {
        let as_of = self.opts.as_of;
        for &si in self
            .estate
            .host_secrets
            .get(i)
            .map_or(&[][..], Vec::as_slice)
        {
            let Some(s) = self.estate.secrets.get(si) else {
                continue;
            };
            if r.chance(0.45) {
                continue;
            }
            let base = Event {
                at: verified,
                kind: EventKind::SecretRotated,
                asset_id: None,
                vuln_id: None,
                secret_id: Some(s.id.clone()),
                resource_id: None,
                reason: None,
                actor: Some(Text::clone(&self.secops)),
                note: None,
                outcome: None,
                external_id: None,
                line: 0,
                derived_from: None,
            };
            // One rotation in ten comes before the patch: the new credential sat on
            // a vulnerable host (re-exposed).
            let rot = if r.chance(0.1) {
                deployed - hours(r.range(24, 24 * 10))
            } else {
                verified + hours(r.range(1, 120))
            };
            // With `--usage`, the rotation names the identifier it retired, so the
            // generated presentations of it after the rotation are reuse alerts.
            let retired = (self.opts.usage > 0)
                .then(|| crate::usage::retired_id(s))
                .flatten();
            let mut push = |at: Timestamp, kind: EventKind, resource_id: Option<ResourceId>| {
                if at < as_of {
                    out.events.push(Event {
                        at,
                        kind,
                        resource_id,
                        external_id: (kind == EventKind::SecretRotated)
                            .then(|| retired.clone())
                            .flatten(),
                        ..base.clone()
                    });
                }
            };
            push(rot, EventKind::SecretRotated, None);
            if r.chance(0.75) {
                push(rot + hours(1), EventKind::SessionsRevoked, None);
            }
            for res in self.estate.trusting.get(si).map_or(&[][..], Vec::as_slice) {
                if r.chance(0.7) {
                    push(
                        rot + hours(r.range(2, 72)),
                        EventKind::TrustVerified,
                        Some(res.clone()),
                    );
                }
            }
            if r.chance(0.6) {
                push(rot + days(2), EventKind::PrivilegeReviewed, None);
            }
            if r.chance(0.55) {
                push(rot + days(3), EventKind::DetectionEnabled, None);
            }
        }
    }

    /// Exceptions on about one host in a hundred: mostly valid, some without an
    /// approver or a control, some expired while the finding is still open. `open`
    /// holds the indexes of the host's open findings in `out.findings`.
    pub(crate) fn exception(&self, r: &mut Rng, a: &Asset, open: &[usize], out: &mut HostRows) {
        if !r.chance(0.01) {
            return;
        }
        let as_of = self.opts.as_of;
        let kind = r.weighted(&[55, 15, 5, 25]);
        let granted = as_of - days(r.range(20, 150));
        let expires = if kind == 3 {
            as_of - days(r.range(1, 15))
        } else {
            as_of + days(r.range(5, 120))
        };
        let scope = match open
            .get(r.below(open.len() as u64) as usize)
            .and_then(|&k| out.findings.get(k))
        {
            Some(f) if !r.chance(0.2) => ExceptionScope::Vuln(f.vuln_id.clone()),
            _ => ExceptionScope::AllFindings,
        };
        out.exception = Some(Exception {
            asset_id: a.id.clone(),
            scope,
            reason: Some(Text::from(
                *r.pick(&[
                    "vendor patch breaks a dependency",
                    "change freeze",
                    "appliance awaiting vendor build",
                    "legacy application certified on this build",
                ])
                .unwrap_or(&"change freeze"),
            )),
            compensating_control: (kind != 2)
                .then(|| Text::from("network segmentation and EDR block rule")),
            approver: (kind != 1).then(|| Text::from("risk-committee")),
            granted_at: granted,
            expires_at: expires.max(granted + days(1)),
            secret_id: None,
            exposure_override: (kind == 0 && r.chance(0.4)).then_some(Exposure::Isolated),
            line: 0,
        });
    }
}
