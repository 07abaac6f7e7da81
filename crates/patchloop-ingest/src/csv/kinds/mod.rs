//! One loader per CSV kind: the canonical columns and how each row becomes a model record.
//!
//! Each file below holds a kind's column list beside its row loader, because the loader
//! reads columns by their index in that list and the two change together:
//! `inventory.rs` (assets, discovery), `findings.rs`, `events.rs` (events, exceptions),
//! `identity.rs` (secrets, access, resources), `usage.rs` and `cvss.rs`. The big files
//! also have parallel readers with the same results: `findings_par.rs`, `events_par.rs`
//! and `usage_par.rs` (with `usage_fast.rs`).
mod cvss;
mod events;
mod events_par;
mod findings;
mod findings_par;
mod identity;
mod inventory;
#[cfg(test)]
mod tests;
mod usage;
mod usage_fast;
mod usage_par;

use super::{Col, CsvKind};

pub use cvss::read_cvss;
pub use events::{read_events, read_exceptions};
pub use events_par::read_events_parallel;
pub use findings::read_findings;
pub use findings_par::read_findings_parallel;
pub use identity::{read_access, read_resources, read_secrets};
pub use inventory::{read_assets, read_discovery};
pub use usage::{read_usage, read_usage_summary};
pub use usage_par::read_usage_parallel;

pub(crate) use events::events_rows;
pub(crate) use findings::findings_rows;
pub(crate) use inventory::assets_rows;

/// A column the file must have.
const fn req(name: &'static str) -> Col {
    Col {
        name,
        required: true,
    }
}
/// A column the file may have.
const fn opt(name: &'static str) -> Col {
    Col {
        name,
        required: false,
    }
}

/// The canonical columns of `kind`, in the order its loader reads them by index.
pub(super) fn columns(kind: CsvKind) -> &'static [Col] {
    match kind {
        CsvKind::Assets => inventory::ASSETS,
        CsvKind::Discovery => inventory::DISCOVERY,
        CsvKind::Findings => findings::FINDINGS,
        CsvKind::Events => events::EVENTS,
        CsvKind::Exceptions => events::EXCEPTIONS,
        CsvKind::Secrets => identity::SECRETS,
        CsvKind::Access => identity::ACCESS,
        CsvKind::Resources => identity::RESOURCES,
        CsvKind::Cvss => cvss::CVSS,
        CsvKind::Usage => usage::USAGE,
    }
}
