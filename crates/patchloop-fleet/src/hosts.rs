//! The inventory: assets with a plausible mix of roles, platforms, criticality and
//! exposure, and discovery rows that disagree with it a little (shadow, stale,
//! unmanaged, ambiguous).
use patchloop_model::{
    Asset, AssetId, Criticality, DiscoveryRecord, Environment, Exposure, HostName, Role, Text,
};

use crate::packages::{APPLIANCES, Platform};
use crate::rng::{Rng, purpose};
use crate::{GenOptions, days, hours};

const ROLES: &[(Role, u32)] = &[
    (Role::Server, 350),
    (Role::Endpoint, 300),
    (Role::Workload, 150),
    (Role::Database, 50),
    (Role::NetworkDevice, 30),
    (Role::CiRunner, 20),
    (Role::Orchestrator, 10),
    (Role::AdminConsole, 10),
    (Role::ApiGateway, 10),
    (Role::IdentityProvider, 3),
    (Role::Other, 67),
];

fn prefix(role: Role) -> &'static str {
    match role {
        Role::Server => "srv",
        Role::Endpoint => "ws",
        Role::Workload => "wl",
        Role::Database => "db",
        Role::NetworkDevice => "net",
        Role::CiRunner => "ci",
        Role::Orchestrator => "k8s",
        Role::AdminConsole => "adm",
        Role::ApiGateway => "gw",
        Role::IdentityProvider => "idp",
        Role::Other => "misc",
    }
}

/// Share of each role exposed to the internet (about 5% of the fleet overall).
fn internet_share(role: Role) -> f64 {
    match role {
        Role::ApiGateway => 0.4,
        Role::NetworkDevice => 0.15,
        Role::CiRunner => 0.08,
        Role::Server => 0.06,
        Role::Workload => 0.05,
        Role::Endpoint => 0.01,
        Role::Database => 0.005,
        _ => 0.02,
    }
}

fn platform_and_os(r: &mut Rng, role: Role) -> (Platform, &'static str) {
    const LINUX: &[(&str, u32)] = &[("ubuntu 22.04", 45), ("debian 12", 25), ("rhel 9", 30)];
    let linux = |r: &mut Rng| (Platform::Linux, r.choose(LINUX).unwrap_or("linux"));
    let windows_share = match role {
        Role::Endpoint => {
            return match r.weighted(&[60, 25, 15]) {
                0 => (Platform::Windows, "windows 11"),
                1 => (Platform::Mac, "macos 14"),
                _ => linux(r),
            };
        }
        Role::NetworkDevice => {
            let k = r.below(APPLIANCES.len() as u64) as usize;
            return (
                Platform::Appliance(k as u8),
                APPLIANCES.get(k).map_or("appliance", |a| a.0),
            );
        }
        Role::Server => 0.25,
        Role::AdminConsole => 0.5,
        Role::IdentityProvider => 0.4,
        Role::Other => 0.3,
        _ => 0.0,
    };
    if r.chance(windows_share) {
        (Platform::Windows, "windows server 2022")
    } else {
        linux(r)
    }
}

pub(crate) fn make_assets(opts: &GenOptions) -> (Vec<Asset>, Vec<Platform>, Vec<bool>) {
    let as_of = opts.as_of;
    let mut rows: Vec<(Asset, Platform, bool)> = Vec::with_capacity(opts.hosts);
    for i in 0..opts.hosts {
        let mut r = Rng::stream(opts.seed, purpose::ASSET, i as u64);
        let role = r.choose(ROLES).unwrap_or(Role::Other);
        let env = r
            .choose(&[
                (Environment::Prod, 60),
                (Environment::Staging, 15),
                (Environment::Dev, 15),
                (Environment::Test, 8),
                (Environment::Other, 2),
            ])
            .unwrap_or(Environment::Prod);
        let name = format!("{}-{i:06}", prefix(role));
        let (Ok(id), Some(host)) = (AssetId::new(&name), HostName::new(&name)) else {
            continue;
        };
        let (platform, os) = platform_and_os(&mut r, role);
        let mut a = Asset::new(id);
        a.fqdn = HostName::new(&format!("{name}.{}.corp.example", env.as_str()));
        a.hostname = Some(host);
        a.ip = Some(Text::from(format!(
            "10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )));
        a.mac = Some(Text::from(format!(
            "02:00:{:02x}:{:02x}:{:02x}:{:02x}",
            (i >> 24) & 255,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )));
        // Cloned VMs: every 200th host carries its neighbour's serial, so discovery
        // rows keyed on that serial are ambiguous.
        a.serial = Some(Text::from(format!(
            "SN{:08X}",
            if i % 200 == 199 { i - 1 } else { i }
        )));
        a.role = Some(role);
        let crit_weights: [u32; 5] = match role {
            Role::Database | Role::IdentityProvider => [5, 20, 40, 33, 2],
            Role::Endpoint => [45, 40, 12, 1, 2],
            _ => [20, 42, 28, 8, 2],
        };
        // The fifth weight leaves criticality unset, so some defaults are assumed.
        let crit = [
            Some(Criticality::Low),
            Some(Criticality::Medium),
            Some(Criticality::High),
            Some(Criticality::Critical),
            None,
        ]
        .get(r.weighted(&crit_weights))
        .copied()
        .flatten();
        if let Some(c) = crit {
            a.criticality = c;
            a.criticality_assumed = false;
        }
        let exposure = if r.chance(internet_share(role)) {
            Some(Exposure::Internet)
        } else {
            [Some(Exposure::Internal), Some(Exposure::Isolated), None]
                .get(r.weighted(&[88, 9, 3]))
                .copied()
                .flatten()
        };
        if let Some(e) = exposure {
            a.exposure = e;
            a.exposure_assumed = false;
        }
        a.environment = Some(env);
        a.owner = Some(Text::from(format!("team-{:02}", 1 + r.below(30))));
        a.os = Some(Text::from(os));
        // Appliances are patched by hand, outside the agent's workflow, more often.
        let unmanaged = if matches!(platform, Platform::Appliance(_)) {
            30
        } else {
            6
        };
        a.patch_agent =
            [Some(true), Some(false), None][r.weighted(&[98 - unmanaged, unmanaged, 2])];
        a.last_scanned = match r.weighted(&[90, 7, 3]) {
            0 => Some(as_of - days(r.range(1, 8))),
            1 => Some(as_of - days(r.range(40, 120))),
            _ => None,
        };
        rows.push((a, platform, i % 200 == 199));
    }
    // The bundle keeps assets sorted by id; every later draw is keyed by this order.
    rows.sort_by(|x, y| x.0.id.cmp(&y.0.id));
    let mut assets = Vec::with_capacity(rows.len());
    let mut platforms = Vec::with_capacity(rows.len());
    let mut clones = Vec::with_capacity(rows.len());
    for (a, p, c) in rows {
        assets.push(a);
        platforms.push(p);
        clones.push(c);
    }
    (assets, platforms, clones)
}

pub(crate) fn make_discovery(
    opts: &GenOptions,
    assets: &[Asset],
    clones: &[bool],
) -> Vec<DiscoveryRecord> {
    let as_of = opts.as_of;
    let mut discovery = Vec::with_capacity(assets.len() + assets.len() / 40);
    let sources: &[(&str, u32)] = &[
        ("agent", 50),
        ("netscan", 25),
        ("cloud-api", 15),
        ("mdm", 10),
    ];
    for (i, a) in assets.iter().enumerate() {
        let mut r = Rng::stream(opts.seed, purpose::DISCOVERY, i as u64);
        // 95% seen lately, 3% last seen long ago (stale), 2% never seen at all.
        let last_seen = match r.weighted(&[95, 3, 2]) {
            0 => as_of - hours(r.range(1, 24 * 5)),
            1 => as_of - days(r.range(40, 200)),
            _ => continue,
        };
        let clone = clones.get(i).copied().unwrap_or(false);
        discovery.push(DiscoveryRecord {
            hostname: if r.chance(0.8) {
                a.hostname.clone()
            } else {
                None
            },
            fqdn: if r.chance(0.3) { a.fqdn.clone() } else { None },
            ip: a.ip.clone(),
            // The agent of a cloned VM reports only the serial it shares with its twin.
            mac: if clone { None } else { a.mac.clone() },
            serial: if clone { a.serial.clone() } else { None },
            last_seen,
            source: r.choose(sources).map(Text::from),
            patch_agent: a.patch_agent,
            line: 0,
        });
    }
    // Shadow hosts: about 2% more than the inventory, with cloud-default names.
    for k in 0..assets.len() / 50 {
        let mut r = Rng::stream(opts.seed, purpose::SHADOW, k as u64);
        let (x, y) = ((k >> 8) & 255, k & 255);
        discovery.push(DiscoveryRecord {
            hostname: HostName::new(&format!("ip-172-16-{x}-{y}")),
            fqdn: None,
            ip: Some(Text::from(format!("172.16.{x}.{y}"))),
            mac: Some(Text::from(format!("06:00:00:00:{x:02x}:{y:02x}"))),
            serial: None,
            last_seen: as_of - hours(r.range(1, 24 * 10)),
            source: Some(Text::from(if r.chance(0.7) {
                "cloud-api"
            } else {
                "netscan"
            })),
            patch_agent: Some(false),
            line: 0,
        });
    }
    for (k, d) in discovery.iter_mut().enumerate() {
        d.line = k as u64 + 2;
    }
    discovery
}
