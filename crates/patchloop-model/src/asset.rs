//! Assets of the inventory of record and what discovery observed.
use serde::{Deserialize, Serialize};

use crate::{AssetId, Criticality, Environment, Exposure, HostName, Role, Text, Timestamp};

/// One asset of the inventory of record (a row of `assets.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// The inventory id.
    pub id: AssetId,
    /// Short host name, normalised.
    pub hostname: Option<HostName>,
    /// Fully qualified name, normalised.
    pub fqdn: Option<HostName>,
    /// IP address as given.
    pub ip: Option<Text>,
    /// MAC address, lower case with `:` separators.
    pub mac: Option<Text>,
    /// Hardware or cloud instance serial.
    pub serial: Option<Text>,
    /// Role; `None` when the inventory does not say.
    pub role: Option<Role>,
    /// Business criticality (medium when missing; see `criticality_assumed`).
    pub criticality: Criticality,
    /// True when `criticality` was not given and the default was assumed.
    pub criticality_assumed: bool,
    /// Network exposure (internal when missing; see `exposure_assumed`).
    pub exposure: Exposure,
    /// True when `exposure` was not given and the default was assumed.
    pub exposure_assumed: bool,
    /// Environment, when given.
    pub environment: Option<Environment>,
    /// Owning team or person.
    pub owner: Option<Text>,
    /// Operating system as given.
    pub os: Option<Text>,
    /// Enrolled in the patch workflow; `None` when the inventory does not say.
    pub patch_agent: Option<bool>,
    /// Last vulnerability scan, when known.
    pub last_scanned: Option<Timestamp>,
}

impl Asset {
    /// A minimal asset with the spec's defaults, for tests and generators.
    pub fn new(id: AssetId) -> Self {
        Asset {
            id,
            hostname: None,
            fqdn: None,
            ip: None,
            mac: None,
            serial: None,
            role: None,
            criticality: Criticality::Medium,
            criticality_assumed: true,
            exposure: Exposure::Internal,
            exposure_assumed: true,
            environment: None,
            owner: None,
            os: None,
            patch_agent: None,
            last_scanned: None,
        }
    }

    /// Whether the asset's role is privileged (spec §1.1).
    pub fn is_privileged(&self) -> bool {
        self.role.is_some_and(Role::is_privileged)
    }

    /// The name to show: hostname, else the FQDN, else the id.
    pub fn display_name(&self) -> &str {
        self.hostname
            .as_ref()
            .or(self.fqdn.as_ref())
            .map_or(self.id.as_str(), HostName::as_str)
    }
}

/// One observation by discovery, an agent or a network scan (a row of `discovery.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryRecord {
    /// Short host name, normalised.
    pub hostname: Option<HostName>,
    /// Fully qualified name, normalised.
    pub fqdn: Option<HostName>,
    /// IP address as given.
    pub ip: Option<Text>,
    /// MAC address, lower case with `:` separators.
    pub mac: Option<Text>,
    /// Serial.
    pub serial: Option<Text>,
    /// When it was last seen.
    pub last_seen: Timestamp,
    /// Which discovery source reported it.
    pub source: Option<Text>,
    /// Whether a patch agent was observed.
    pub patch_agent: Option<bool>,
    /// 1-based line in the source file, for reports that point back at the row.
    pub line: u64,
}
