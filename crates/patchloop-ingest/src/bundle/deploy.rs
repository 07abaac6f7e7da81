//! Deployment evidence in `deploy/ansible/*.json` (the `json` stdout callback of
//! `ansible-playbook`): each host's outcome becomes a `deploy_succeeded` or
//! `deploy_failed` (with its classified reason) for every finding on that host first seen
//! before the run. A patch playbook applies what the host's package manager offers, so
//! the run is a deployment for all of them; the events are marked with the file they come
//! from and are never written back to `events.csv`.
use patchloop_model::hostmatch::{HostMatcher, asset_keys, record_keys};
use patchloop_model::{AssetId, Event, EventKind, InputKind, Text};

use super::IngestError;
use super::provenance::{Ctx, Probe, Want};

/// Reads every `deploy/ansible/*.json` run and adds its events to the bundle; after the
/// findings are merged, before the scan history derives its verifications.
pub(super) fn load_deploy(cx: &mut Ctx<'_>) {
    let dir = cx.dir.join("deploy/ansible");
    match cx.probe(&cx.dir.join("deploy"), Want::Dir) {
        Probe::Absent => return,
        Probe::Refused => return,
        Probe::Found => {}
    }
    match cx.probe(&dir, Want::Dir) {
        Probe::Absent | Probe::Refused => return,
        Probe::Found => {}
    }
    let matcher = HostMatcher::new(
        cx.bundle
            .assets
            .iter()
            .map(|a| asset_keys(a, true))
            .collect(),
    );
    for path in cx.files_in(&dir, &[".json"]) {
        let rel = cx.rel(&path);
        let Some(f) = cx.open(&path) else { return };
        let mut bytes = Vec::new();
        if let Err(e) = std::io::Read::read_to_end(
            &mut std::io::Read::take(f, crate::limits().input_bytes + 1),
            &mut bytes,
        ) {
            cx.refuse(&path, format!("cannot be read: {e}"));
            return;
        }
        if bytes.len() as u64 > crate::limits().input_bytes {
            cx.record(rel.clone(), InputKind::Ansible, "ansible-json", 0, 1);
            cx.errors.push(IngestError::File {
                file: rel,
                message: format!("larger than {} bytes; refused", crate::limits().input_bytes),
            });
            continue;
        }
        let parsed = match crate::deploy::ansible::read(&bytes, &rel) {
            Ok(p) => p,
            Err(e) => {
                cx.record(rel, InputKind::Ansible, "ansible-json", 0, 1);
                cx.errors.push(IngestError::Deploy(e));
                continue;
            }
        };
        let mut errors: Vec<IngestError> =
            parsed.errors.into_iter().map(IngestError::Deploy).collect();
        let mut events = Vec::new();
        let source = Text::from(rel.as_str());
        for o in parsed.value.outcomes {
            let Some(asset) = host(cx, &matcher, &o.host) else {
                errors.push(IngestError::File {
                    file: rel.clone(),
                    message: format!(
                        "Ansible host {:?} matches no single asset (by id, hostname, FQDN or \
                         IP); its outcome was not read",
                        crate::clip(&o.host)
                    ),
                });
                continue;
            };
            let start = cx.bundle.findings.partition_point(|f| f.asset_id < asset);
            for f in cx.bundle.findings[start..]
                .iter()
                .take_while(|f| f.asset_id == asset)
                .filter(|f| f.first_seen <= o.at)
            {
                let kind = if o.succeeded {
                    EventKind::DeploySucceeded
                } else {
                    EventKind::DeployFailed
                };
                let mut e = Event::new(kind, o.at);
                e.asset_id = Some(asset.clone());
                e.vuln_id = Some(f.vuln_id.clone());
                e.reason = o.reason;
                e.actor = Some(Text::from("ansible"));
                let note = if o.detail.is_empty() {
                    o.task.clone()
                } else {
                    format!("{}: {}", o.task, o.detail)
                };
                e.note = Some(Text::from(crate::clip_at(&note, 200)));
                e.derived_from = Some(source.clone());
                events.push(e);
            }
        }
        cx.record(
            rel,
            InputKind::Ansible,
            "ansible-json",
            events.len(),
            errors.len(),
        );
        cx.errors.extend(errors);
        cx.bundle.events.extend(events);
    }
}

/// The asset an Ansible inventory name is: the asset of that id, else the one the
/// name matches as a hostname, FQDN or IP.
fn host(cx: &Ctx<'_>, matcher: &HostMatcher, name: &str) -> Option<AssetId> {
    if let Some(a) = cx.bundle.assets.iter().find(|a| a.id.as_str() == name) {
        return Some(a.id.clone());
    }
    let looks_ip = name.parse::<std::net::IpAddr>().is_ok();
    let keys = if looks_ip {
        record_keys(None, None, None, None, Some(name))
    } else if name.contains('.') {
        record_keys(None, None, Some(name), None, None)
    } else {
        record_keys(None, None, None, Some(name), None)
    };
    match matcher.matches(&keys).as_slice() {
        [one] => cx.bundle.assets.get(*one as usize).map(|a| a.id.clone()),
        _ => None,
    }
}
