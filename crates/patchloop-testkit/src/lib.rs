//! patchloop's one test kit, for tests, examples and benches (a dev-dependency only,
//! never a dependency of a product crate):
//!
//! - short constructors that panic on bad input, so a test reads as its data: [`aid`],
//!   [`vid`], [`sid`], [`rid`], [`ident`], [`t`] (a timestamp), [`day`] (a date);
//! - one builder per record: [`asset`], [`finding`], [`secret`], [`event`],
//!   [`exception`], [`resource`], [`grant`]; intelligence: [`kev_entry`], [`epss_score`],
//!   [`cvss`]; exchange facts: [`host_identity`], [`sla`];
//! - [`BundleBuilder`], which assembles a [`Bundle`](patchloop_model::Bundle) sorted and
//!   merged as the loader gives it;
//! - synthetic estates at scale for examples and benches: [`segmented_estate`],
//!   [`metrics_estate`];
//! - [`Rng`], the workspace's one random number generator (the fleet generator's
//!   splitmix64, re-exported).
//!
//! ```
//! use patchloop_model::{Criticality, EventKind};
//! use patchloop_testkit::{BundleBuilder, asset, event, finding};
//!
//! let b = BundleBuilder::new()
//!     .asset(asset("web").criticality(Criticality::High))
//!     .finding(finding("web", "CVE-2026-0001", "2026-01-02"))
//!     .event(event(EventKind::DeploySucceeded, "2026-01-05").finding("web", "CVE-2026-0001"))
//!     .build();
//! assert_eq!(b.findings.len(), 1);
//! ```
#![forbid(unsafe_code)]

mod bundle;
mod ids;
mod intel;
mod records;
mod scale;

pub use bundle::BundleBuilder;
pub use ids::{aid, day, ident, rid, sid, t, vid};
pub use intel::{
    CvssBuilder, KevEntryBuilder, cvss, epss_score, epss_set, host_identity, kev_catalog,
    kev_entry, set_epss, set_kev, sla,
};
pub use patchloop_fleet::Rng;
pub use records::{
    AssetBuilder, EventBuilder, ExceptionBuilder, FindingBuilder, ResourceBuilder, SecretBuilder,
    asset, event, exception, finding, grant, resource, secret,
};
pub use scale::{metrics_as_of, metrics_estate, segmented_estate};

/// `From` both ways between a builder and the record it wraps, and `build`.
macro_rules! builder {
    ($builder:ident, $record:ty) => {
        impl $builder {
            /// The record built so far.
            pub fn build(self) -> $record {
                self.into()
            }
        }

        impl From<$record> for $builder {
            fn from(r: $record) -> Self {
                $builder(r)
            }
        }
    };
}
pub(crate) use builder;
