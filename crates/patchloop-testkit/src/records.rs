//! One builder per record. Each starts from the model's own constructor (`Asset::new`,
//! `Finding::new`, ...) and sets only what a test names; `build()` (or `into()`) gives
//! the record, and every builder also converts from its record to change one.
use patchloop_model::{
    AccessEdge, Asset, Criticality, Environment, Event, EventKind, Exception, ExceptionScope,
    Exposure, FailureReason, Finding, FindingStatus, HostName, Privilege, Resource, ResourceKind,
    Role, Secret, SecretKind, SecretOrigin, Severity, Text,
};

use crate::{aid, builder, ident, rid, sid, t, vid};

/// An [`Asset`] under construction; see [`asset`].
#[derive(Debug, Clone)]
pub struct AssetBuilder(Asset);
builder!(AssetBuilder, Asset);

impl From<AssetBuilder> for Asset {
    fn from(b: AssetBuilder) -> Asset {
        b.0
    }
}

/// An asset with the spec's defaults (medium criticality and internal exposure, both
/// marked assumed), as [`Asset::new`] gives it.
pub fn asset(id: &str) -> AssetBuilder {
    AssetBuilder(Asset::new(aid(id)))
}

impl AssetBuilder {
    /// Criticality, as given (no longer assumed).
    pub fn criticality(mut self, c: Criticality) -> Self {
        self.0.criticality = c;
        self.0.criticality_assumed = false;
        self
    }

    /// Exposure, as given (no longer assumed).
    pub fn exposure(mut self, e: Exposure) -> Self {
        self.0.exposure = e;
        self.0.exposure_assumed = false;
        self
    }

    /// Role (`None`: the inventory does not say).
    pub fn role(mut self, r: impl Into<Option<Role>>) -> Self {
        self.0.role = r.into();
        self
    }

    /// Environment.
    pub fn environment(mut self, e: Environment) -> Self {
        self.0.environment = Some(e);
        self
    }

    /// Owning team or person.
    pub fn owner(mut self, o: &str) -> Self {
        self.0.owner = Some(Text::from(o));
        self
    }

    /// Short host name, normalised as the loader does.
    pub fn hostname(mut self, h: &str) -> Self {
        self.0.hostname = HostName::new(h);
        self
    }
}

/// A [`Finding`] under construction; see [`finding`].
#[derive(Debug, Clone)]
pub struct FindingBuilder(Finding);
builder!(FindingBuilder, Finding);

impl From<FindingBuilder> for Finding {
    fn from(b: FindingBuilder) -> Finding {
        b.0
    }
}

/// An open finding of `vuln` on `asset`, first seen at `first_seen` ([`Finding::new`]).
pub fn finding(asset: &str, vuln: &str, first_seen: &str) -> FindingBuilder {
    FindingBuilder(Finding::new(aid(asset), vid(vuln), t(first_seen)))
}

impl FindingBuilder {
    /// Reported fixed by the scanner at `at`.
    pub fn fixed(mut self, at: &str) -> Self {
        self.0.status = FindingStatus::Fixed;
        self.0.fixed_at = Some(t(at));
        self
    }

    /// Open or fixed, without a fix time.
    pub fn status(mut self, s: FindingStatus) -> Self {
        self.0.status = s;
        self
    }

    /// Last seen at `at`.
    pub fn seen(mut self, at: &str) -> Self {
        self.0.last_seen = Some(t(at));
        self
    }

    /// The scanner's severity word (`None`: not given).
    pub fn severity(mut self, s: impl Into<Option<Severity>>) -> Self {
        self.0.severity = s.into();
        self
    }
}

/// A [`Secret`] under construction; see [`secret`].
#[derive(Debug, Clone)]
pub struct SecretBuilder(Secret);
builder!(SecretBuilder, Secret);

impl From<SecretBuilder> for Secret {
    fn from(b: SecretBuilder) -> Secret {
        b.0
    }
}

/// An inventory secret stored on `host` with nothing else known ([`Secret::new`]).
pub fn secret(id: &str, host: &str) -> SecretBuilder {
    SecretBuilder(Secret::new(sid(id), aid(host)))
}

impl SecretBuilder {
    /// Kind.
    pub fn kind(mut self, k: SecretKind) -> Self {
        self.0.kind = Some(k);
        self
    }

    /// The identity it authenticates as (`None`: none).
    pub fn identity<'a>(mut self, i: impl Into<Option<&'a str>>) -> Self {
        self.0.identity = i.into().map(ident);
        self
    }

    /// When it was issued.
    pub fn created(mut self, at: &str) -> Self {
        self.0.created_at = Some(t(at));
        self
    }

    /// When it was last rotated, according to the inventory.
    pub fn rotated(mut self, at: &str) -> Self {
        self.0.rotated_at = Some(t(at));
        self
    }

    /// When it expires.
    pub fn expires(mut self, at: &str) -> Self {
        self.0.expires_at = Some(t(at));
        self
    }

    /// A fingerprint shared by copies of the same credential.
    pub fn fingerprint(mut self, f: &str) -> Self {
        self.0.fingerprint = Some(Text::from(f));
        self
    }

    /// The longest token lifetime, seconds (spec §9, ephemeral credentials).
    pub fn max_ttl(mut self, secs: u32) -> Self {
        self.0.max_ttl = Some(secs);
        self
    }

    /// Who answers for it.
    pub fn owner(mut self, o: &str) -> Self {
        self.0.owner = Some(Text::from(o));
        self
    }

    /// The issuer's key id.
    pub fn external_id(mut self, x: &str) -> Self {
        self.0.external_id = Some(Text::from(x));
        self
    }

    /// Where the record came from.
    pub fn origin(mut self, o: SecretOrigin) -> Self {
        self.0.origin = o;
        self
    }
}

/// An [`Event`] under construction; see [`event`].
#[derive(Debug, Clone)]
pub struct EventBuilder(Event);
builder!(EventBuilder, Event);

/// The event as the loader would accept it: a kind that needs a reason and has none
/// gets `other`.
impl From<EventBuilder> for Event {
    fn from(b: EventBuilder) -> Event {
        let mut e = b.0;
        if e.kind.needs_reason() && e.reason.is_none() {
            e.reason = Some(FailureReason::Other);
        }
        e
    }
}

/// An event of `kind` at `at` naming nothing yet, on line 0 ([`Event::new`]).
pub fn event(kind: EventKind, at: &str) -> EventBuilder {
    EventBuilder(Event::new(kind, t(at)))
}

impl EventBuilder {
    /// The line in `events.csv` (the tie-break between events at the same time).
    pub fn line(mut self, line: u64) -> Self {
        self.0.line = line;
        self
    }

    /// The finding a remediation event is about.
    pub fn finding(mut self, asset: &str, vuln: &str) -> Self {
        self.0.asset_id = Some(aid(asset));
        self.0.vuln_id = Some(vid(vuln));
        self
    }

    /// The secret an identity event is about.
    pub fn secret(mut self, secret: &str) -> Self {
        self.0.secret_id = Some(sid(secret));
        self
    }

    /// The resource (`trust_verified`).
    pub fn resource(mut self, resource: &str) -> Self {
        self.0.resource_id = Some(rid(resource));
        self
    }

    /// The failure reason.
    pub fn reason(mut self, r: FailureReason) -> Self {
        self.0.reason = Some(r);
        self
    }

    /// Who did it and a note (the evidence, spec §9).
    pub fn by(mut self, actor: &str, note: &str) -> Self {
        self.0.actor = Some(Text::from(actor));
        self.0.note = Some(Text::from(note));
        self
    }

    /// What an `identity_reviewed` concluded.
    pub fn outcome(mut self, o: patchloop_model::ReviewOutcome) -> Self {
        self.0.outcome = Some(o);
        self
    }
}

/// An [`Exception`] under construction; see [`exception`].
#[derive(Debug, Clone)]
pub struct ExceptionBuilder(Exception);
builder!(ExceptionBuilder, Exception);

impl From<ExceptionBuilder> for Exception {
    fn from(b: ExceptionBuilder) -> Exception {
        b.0
    }
}

/// An exception covering every finding on `asset` from `granted` to `expires`, with no
/// control or approver yet (so not well formed), on line 0 ([`Exception::new`]).
pub fn exception(asset: &str, granted: &str, expires: &str) -> ExceptionBuilder {
    ExceptionBuilder(Exception::new(
        aid(asset),
        ExceptionScope::AllFindings,
        t(granted),
        t(expires),
    ))
}

impl ExceptionBuilder {
    /// Covers only `vuln` (`None`: every finding on the asset).
    pub fn vuln<'a>(mut self, vuln: impl Into<Option<&'a str>>) -> Self {
        self.0.scope = vuln.into().map_or(ExceptionScope::AllFindings, |v| {
            ExceptionScope::Vuln(vid(v))
        });
        self
    }

    /// The compensating control (`None`: none).
    pub fn control<'a>(mut self, c: impl Into<Option<&'a str>>) -> Self {
        self.0.compensating_control = c.into().map(Text::from);
        self
    }

    /// The approver (`None`: none).
    pub fn approver<'a>(mut self, a: impl Into<Option<&'a str>>) -> Self {
        self.0.approver = a.into().map(Text::from);
        self
    }

    /// The exposure to use while valid (`None`: the asset's).
    pub fn exposure_override(mut self, e: impl Into<Option<Exposure>>) -> Self {
        self.0.exposure_override = e.into();
        self
    }

    /// The line in `exceptions.csv`.
    pub fn line(mut self, line: u64) -> Self {
        self.0.line = line;
        self
    }

    /// Makes it an identity exception for `secret` (spec §9).
    pub fn secret(mut self, secret: &str) -> Self {
        self.0.secret_id = Some(sid(secret));
        self
    }
}

/// A [`Resource`] under construction; see [`resource`].
#[derive(Debug, Clone)]
pub struct ResourceBuilder(Resource);
builder!(ResourceBuilder, Resource);

impl From<ResourceBuilder> for Resource {
    fn from(b: ResourceBuilder) -> Resource {
        b.0
    }
}

/// A resource with nothing known ([`Resource::new`]).
pub fn resource(id: &str) -> ResourceBuilder {
    ResourceBuilder(Resource::new(rid(id)))
}

impl ResourceBuilder {
    /// Kind.
    pub fn kind(mut self, k: ResourceKind) -> Self {
        self.0.kind = Some(k);
        self
    }

    /// Criticality (`None`: not given).
    pub fn criticality(mut self, c: impl Into<Option<Criticality>>) -> Self {
        self.0.criticality = c.into();
        self
    }

    /// Whether it is a crown jewel.
    pub fn crown_jewel(mut self, yes: bool) -> Self {
        self.0.crown_jewel = yes;
        self
    }

    /// Adds hosts where control of the resource gives code execution.
    pub fn runs_on(mut self, hosts: &[&str]) -> Self {
        self.0.runs_on.extend(hosts.iter().map(|h| aid(h)));
        self
    }

    /// Adds secrets the resource stores.
    pub fn contains(mut self, secrets: &[&str]) -> Self {
        self.0.contains.extend(secrets.iter().map(|s| sid(s)));
        self
    }
}

/// An access grant: `principal` (a secret id or identity name) reaches `resource` with
/// `privilege` ([`AccessEdge::new`]).
pub fn grant(principal: &str, resource: &str, privilege: Privilege) -> AccessEdge {
    AccessEdge::new(principal, rid(resource), privilege)
}
