#![no_main]
//! The bundle's ten CSV kinds: the first byte picks the kind, the rest is the file.
use libfuzzer_sys::fuzz_target;
use patchloop_fuzz::check;
use patchloop_ingest::csv::{self, ColumnMap, CsvKind};
use patchloop_model::Provenance;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let kind = CsvKind::ALL[pick as usize % CsvKind::ALL.len()];
    let map = ColumnMap::new();
    let name = kind.name();
    match kind {
        CsvKind::Assets => check(&csv::read_assets(
            body,
            name,
            &map,
            &mut Provenance::default(),
        )),
        CsvKind::Discovery => check(&csv::read_discovery(body, name, &map)),
        CsvKind::Findings => check(&csv::read_findings(body, name, &map)),
        CsvKind::Events => check(&csv::read_events(body, name, &map)),
        CsvKind::Exceptions => check(&csv::read_exceptions(body, name, &map)),
        CsvKind::Secrets => check(&csv::read_secrets(body, name, &map)),
        CsvKind::Access => check(&csv::read_access(
            body,
            name,
            &map,
            &mut Provenance::default(),
        )),
        CsvKind::Resources => check(&csv::read_resources(body, name, &map)),
        CsvKind::Cvss => check(&csv::read_cvss(body, name, &map)),
        CsvKind::Usage => check(&csv::read_usage(body, name, &map)),
    }
});
