//! Ansible json-callback output (tests/fixtures/ansible/PROVENANCE.md) to one deployment
//! outcome per host: the real runs, the failure classification table on real and typical
//! messages, what the recap decides, hostile input, and secrets never copied.
use patchloop_ingest::IngestError;
use patchloop_ingest::deploy::ansible::{RULES, classify, looks_like, read};
use patchloop_ingest::deploy::{AnsibleError, AnsibleRun, DeployOutcome};
use patchloop_model::{FailureReason, parse_timestamp};

use crate::support::read_fixture;

fn run(bytes: &[u8]) -> (AnsibleRun, Vec<String>) {
    let p = read(bytes, "a.json").unwrap_or_else(|e| panic!("{e}"));
    let errors = p.errors.iter().map(ToString::to_string).collect();
    (p.value, errors)
}

fn unusable(bytes: &[u8]) -> String {
    match read(bytes, "a.json") {
        Err(e @ AnsibleError::Unusable { .. }) => e.to_string(),
        other => panic!("expected unusable, got {other:?}"),
    }
}

/// One line per outcome: `host ok|reason at task`.
fn summary(r: &AnsibleRun) -> Vec<String> {
    r.outcomes
        .iter()
        .map(|o| {
            let what = o.reason.map_or("ok", FailureReason::as_str);
            let at = o.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            assert_eq!(o.succeeded, o.reason.is_none());
            format!("{} {what} {at} {}", o.host, o.task)
        })
        .collect()
}

/// A one-play document: `tasks` is the JSON of the tasks array, `stats` of the recap.
fn doc(tasks: &str, stats: &str) -> String {
    format!(
        r#"{{"plays":[{{"play":{{"name":"p","duration":{{"start":"2026-09-01T10:00:00Z",
        "end":"2026-09-01T10:30:00.000000Z"}}}},"tasks":{tasks}}}],"stats":{stats}}}"#
    )
}

/// A task named `name` ending at minute `min` of 10 o'clock, with host results `hosts`.
fn task(name: &str, min: u32, hosts: &str) -> String {
    format!(
        r#"{{"task":{{"name":"{name}","duration":{{"start":"2026-09-01T10:00:00Z",
        "end":"2026-09-01T10:{min:02}:00.123456Z"}}}},"hosts":{hosts}}}"#
    )
}

const CONNECT: &str = "Wait 300 seconds for target connection to become reachable/usable";

#[test]
fn the_ssh_timeout_run_fails_one_host_on_connectivity() {
    let bytes =
        read_fixture("ansible/claudie_json_callback_failed_wait_for_connection_ssh_timeout.json");
    assert!(looks_like(&bytes));
    let (r, errors) = run(&bytes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        summary(&r),
        [
            format!("hetzner-mh49kks-1 connectivity 2023-07-10T15:41:20.232551Z {CONNECT}"),
            "hetzner-zi5vl5z-1 ok 2023-07-10T15:41:26.442875Z install nfs-common".into(),
        ]
    );
    assert_eq!(
        r.outcomes[0].detail,
        "timed out waiting for ping module test: Failed to connect to the host via ssh: ssh: \
         connect to host 23.88.53.227 port 22: Operation timed out"
    );
    assert_eq!(r.outcomes[1].detail, "");
    assert_eq!(
        r.playbook.as_deref(),
        Some(
            "./github.com/Berops/claudie/services/ansibler/server/ansible-playbooks/longhorn-req.yml"
        )
    );
}

#[test]
fn the_apt_install_run_succeeds_on_both_hosts_and_the_fail_task_is_other() {
    let bytes = read_fixture("ansible/claudie_json_callback_ok_apt_install.json");
    assert!(looks_like(&bytes));
    let (r, errors) = run(&bytes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        summary(&r),
        [
            "hetzner-cskeaz7-1 ok 2023-07-11T10:38:40.518382Z install nfs-common",
            "hetzner-r309ten-1 ok 2023-07-11T10:38:40.518382Z install nfs-common",
        ]
    );
    let bytes = read_fixture("ansible/claudie_json_callback_failed_fail_task_cmdb.json");
    assert!(looks_like(&bytes));
    let (r, errors) = run(&bytes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        summary(&r),
        ["hetzner-fls173h-1 other 2023-07-11T11:15:16.542516Z always fail"]
    );
    let msg = "The system may not be provisioned according to the CMDB status.";
    assert_eq!(r.outcomes[0].detail, msg);
}

/// `reason|message`, one a line (`\n` stands for a newline): the two failure messages of
/// the fixtures first, then typical ssh, apt, dpkg, yum, dnf and Windows update messages.
const MESSAGES: &str = r#"
connectivity|timed out waiting for ping module test: Failed to connect to the host via ssh: ssh: connect to host 23.88.53.227 port 22: Operation timed out
other|The system may not be provisioned according to the CMDB status.
connectivity|Failed to connect to the host via ssh: ssh: connect to host 10.0.0.5 port 22: Connection refused
connectivity|Failed to connect to the host via ssh: ssh: Could not resolve hostname web-09: Name or service not known
connectivity|Data could not be sent to remote host "10.1.2.3". Make sure this host can be reached over ssh: ssh: connect to host 10.1.2.3 port 22: Connection timed out
connectivity|ssh: connect to host 10.0.0.9 port 22: No route to host
connectivity|Failed to fetch http://archive.ubuntu.com/ubuntu/pool/main/o/openssl/libssl3_3.0.2-0ubuntu1.12_amd64.deb  Temporary failure resolving 'archive.ubuntu.com'
disk|E: You don't have enough free space in /var/cache/apt/archives/.
disk|dpkg: error processing archive /var/cache/apt/archives/linux-image.deb (--unpack):\n cannot copy extracted data for './boot/vmlinuz' to '/boot/vmlinuz.dpkg-new': failed to write (No space left on device)\nErrors were encountered; dependency problems - leaving unconfigured
disk|Error Summary\n-------------\nDisk Requirements:\n  At least 12MB more space needed on the /boot filesystem.
disk|Failed to create temporary directory. In some cases, you may have been able to authenticate and did not have permissions on the target directory. mkdir: cannot create directory '/home/u/.ansible/tmp': No space left on device
disk|NO SPACE LEFT ON DEVICE
conflict|E: Unable to correct problems, you have held broken packages.
conflict|The following packages have unmet dependencies:\n libssl-dev : Depends: libssl3 (= 3.0.2-0ubuntu1.10) but 3.0.2-0ubuntu1.12 is to be installed
conflict|E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2211 (apt)
conflict|Failed to lock apt for exclusive operation: Failed to lock directory /var/lib/apt/lists/: E:Could not get lock /var/lib/apt/lists/lock - open (11: Resource temporarily unavailable)
conflict|file /usr/lib64/libcrypto.so.3 from install of openssl-libs-3.0.7-1.el9.x86_64 conflicts with file from package openssl3-libs-3.0.1-1.x86_64
conflict|Depsolve Error occurred:\n Problem: conflicting requests\n  - nothing provides libfoo.so.1()(64bit) needed by bar-1.0-1.el9.x86_64
conflict|dpkg: dependency problems prevent configuration of nginx:
conflict|E: dpkg was interrupted, you must manually run 'sudo dpkg --configure -a' to correct the problem.
reboot_pending|A reboot is required before more updates can be installed
reboot_pending|*** System restart required ***
reboot_pending|kernel updated; the host needs to be rebooted
reboot_pending|Pending reboot detected
other|non-zero return code
other|MODULE FAILURE\nSee stdout/stderr for the exact error
other|
"#;

#[test]
fn classification_table_on_real_and_typical_messages() {
    for line in MESSAGES.lines().filter(|l| !l.is_empty()) {
        let (reason, message) = line.split_once('|').unwrap();
        let message = message.replace("\\n", "\n");
        assert_eq!(classify(&message).as_str(), reason, "{message}");
    }
    // Only the first 4 KiB is looked at.
    let late = format!("{}No space left on device", "x".repeat(5000));
    assert_eq!(classify(&late), FailureReason::Other);
    // docs/bundle-format.md lists every phrase of the table.
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/bundle-format.md"
    ))
    .unwrap();
    let section = doc.split("## Deployment evidence: Ansible").nth(1).unwrap();
    for (phrase, reason) in RULES {
        let row = section
            .lines()
            .find(|l| l.starts_with(&format!("| `{reason}` |")))
            .unwrap();
        assert!(
            row.contains(phrase),
            "{phrase} is not in the {reason} row of the docs"
        );
    }
}

#[test]
fn the_recap_decides_ignored_rescued_and_unreachable() {
    let failed = r#"{"failed":true,"msg":"non-zero return code","rc":1}"#;
    let ok = r#"{"changed":true}"#;
    let tasks = format!(
        "[{},{},{}]",
        task(
            "probe",
            5,
            &format!(r#"{{"web-01":{failed},"web-02":{failed},"web-03":{failed}}}"#)
        ),
        task(
            "install",
            10,
            &format!(
                r#"{{"web-01":{ok},"web-02":{{"failed":true,"msg":"E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 7"}},
                "db-01":{{"unreachable":true,"changed":false,"msg":"Failed to create temporary directory: mkdir: No space left on device"}},
                "db-02":{{"unreachable":true}}}}"#
            )
        ),
        task("restart", 12, &format!(r#"{{"web-01":{ok}}}"#)),
    );
    let stats = r#"{"web-01":{"ok":2,"failures":0,"ignored":1,"unreachable":0},
        "web-02":{"failures":1,"ignored":1},"db-01":{"unreachable":1},"db-02":{"unreachable":1},
        "quiet":{"ok":0,"failures":0,"unreachable":0}}"#;
    let (r, errors) = run(doc(&tasks, stats).as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    let t = "2026-09-01T10";
    assert_eq!(
        summary(&r),
        [
            format!("db-01 disk {t}:10:00.123456Z install"),
            format!("db-02 connectivity {t}:10:00.123456Z install"),
            // Named only in the recap: dated by the run's end.
            format!("quiet ok {t}:30:00.000000Z "),
            // The failure in "probe" was ignored (the recap counts none).
            format!("web-01 ok {t}:12:00.123456Z restart"),
            // The last failure is the one that stopped the host.
            format!("web-02 conflict {t}:10:00.123456Z install"),
            // Not in the recap: every failed result counts.
            format!("web-03 other {t}:05:00.123456Z probe"),
        ]
    );
    assert_eq!(r.outcomes[1].detail, "");
    assert_eq!(r.outcomes[5].detail, "non-zero return code");
    assert!(
        r.outcomes[4]
            .detail
            .contains("Could not get lock /var/lib/dpkg/lock-frontend")
    );
}

#[test]
fn loop_items_times_and_text_around_the_document() {
    let item = r#"{"failed":true,"item":"openssl","msg":"E: Unable to correct problems, you have held broken packages."}"#;
    let host = format!(
        r#"{{"web-01":{{"failed":true,"msg":"One or more items failed","results":[{{"item":"curl"}},{item}]}}}}"#
    );
    // The task has no end: the play's is used.
    let tasks = format!(
        r#"[{{"task":{{"name":"upgrade","duration":{{"start":"2026-09-01T10:00:00Z"}}}},"hosts":{host}}},
        {{"task":{{"name":"t2","duration":{{"end":"2026-09-01T11:00:00.5+00:00Z"}}}},"hosts":{{"web-02":{{}}}}}}]"#
    );
    let text = format!(
        "Using /etc/ansible/ansible.cfg as config file\n{}\nPlaybook run took 0 days, 0 hours",
        doc(&tasks, "{}")
    );
    let (r, errors) = run(text.as_bytes());
    assert_eq!(
        errors,
        [
            "a.json: (before the JSON): 1 line of text skipped: \"\"",
            "a.json: (after the JSON): text after the JSON document ignored: \"\"",
        ]
    );
    let o = &r.outcomes[0];
    assert_eq!(
        (o.reason, o.task.as_str()),
        (Some(FailureReason::Conflict), "upgrade")
    );
    assert_eq!(o.at, parse_timestamp("2026-09-01T10:30:00Z").unwrap());
    assert_eq!(
        o.detail,
        "E: Unable to correct problems, you have held broken packages."
    );
    assert_eq!(
        r.outcomes[1].at,
        parse_timestamp("2026-09-01T11:00:00.5Z").unwrap()
    );
    assert!(looks_like(text.as_bytes()));
}

#[test]
fn unusable_inputs_say_why() {
    let bytes =
        read_fixture("ansible/claudie_json_callback_failed_wait_for_connection_ssh_timeout.json");
    assert_eq!(
        unusable(&bytes[..3000]),
        "a.json: truncated: the JSON ends early at line 64 column 21"
    );
    assert!(
        unusable(b"PLAY [all] ****").starts_with("a.json: invalid JSON: expected value at line 1")
    );
    assert_eq!(unusable(b""), "a.json: empty: no JSON document");
    assert_eq!(
        unusable(br#"{"hello": 1}"#),
        "a.json: not ansible-playbook json-callback output (no top-level `plays` and `stats`)"
    );
    assert_eq!(
        unusable(br#"{"plays": {}, "stats": {}}"#),
        "a.json: `plays` is an object, not an array"
    );
    assert!(unusable(b"\xFF\xFE{\x00").contains("UTF-16"));
    for doc in [
        &br#"{"hello": 1}"#[..],
        b"[1]",
        b"",
        br#"{"plays":[]}"#,
        b"\xFF",
    ] {
        assert!(!looks_like(doc));
    }
    let e = IngestError::from(read(b"{", "a.json").unwrap_err());
    assert!(matches!(e, IngestError::Deploy(_)), "{e}");
}

#[test]
fn wrong_types_are_located_and_only_what_they_spoil_is_left_out() {
    let tasks = format!(
        "[{},{}, 7]",
        task(
            "install",
            5,
            r#"{"web-01":{"failed":"yes"},"web-02":{"failed":true,"msg":{"a":"hunter2"},"stderr":"No space left on device"},"web-03":[]}"#
        ),
        r#"{"task":{"name":3,"duration":{"end":"yesterday"}},"hosts":{"web-04":{}}}"#,
    );
    let stats = r#"{"web-04":{"failures":"one"}}"#;
    let (r, errors) = run(doc(&tasks, stats).as_bytes());
    let at = "a.json: plays[0].tasks";
    assert_eq!(
        errors,
        [
            format!(
                "{at}[0].hosts.web-01.failed: expected true or false, found a string; this host's outcome is unknown and left out: \"yes\""
            ),
            format!("{at}[0].hosts.web-02.msg: expected a string, found an object; ignored: \"\""),
            format!(
                "{at}[0].hosts.web-03: expected an object, found an array; this host's outcome is unknown and left out: \"\""
            ),
            format!("{at}[1].task.name: expected a string, found a number; ignored: \"3\""),
            format!(
                "{at}[1].task.duration.end: not an ISO 8601 timestamp; the play's end (or none) is used: \"yesterday\""
            ),
            format!("{at}[2]: expected an object, found a number; task skipped: \"7\""),
            "a.json: stats.web-04.failures: expected a count; the host's recap is ignored: \"one\""
                .to_string(),
        ]
    );
    let hosts: Vec<_> = r
        .outcomes
        .iter()
        .map(|o| (o.host.as_str(), o.reason))
        .collect();
    assert_eq!(
        hosts,
        [("web-02", Some(FailureReason::Disk)), ("web-04", None)]
    );
    assert_eq!(
        r.outcomes[1].at,
        parse_timestamp("2026-09-01T10:30:00Z").unwrap()
    );
}

#[test]
fn huge_messages_and_invalid_utf8_are_bounded_and_reported() {
    let huge = format!("E: No space left on device {}", "x".repeat(10 << 20));
    let late = format!("{} No space left on device", "y".repeat(10 << 20));
    let hosts = format!(
        r#"{{"web-01":{{"failed":true,"msg":"{huge}"}},"web-02":{{"failed":true,"stdout":"{late}"}}}}"#
    );
    let (r, errors) = run(doc(&format!("[{}]", task("t", 1, &hosts)), "{}").as_bytes());
    assert!(errors.is_empty());
    assert_eq!(r.outcomes[0].reason, Some(FailureReason::Disk));
    assert!(
        r.outcomes[0].detail.chars().count() <= 200,
        "{}",
        r.outcomes[0].detail
    );
    assert_eq!(
        (r.outcomes[1].reason, r.outcomes[1].detail.as_str()),
        (Some(FailureReason::Other), "")
    );

    let mut bytes = doc(
        &format!(
            "[{}]",
            task(
                "t",
                1,
                r#"{"web-01":{"failed":true,"msg":"disk: No space left on device \u00e9 XX"}}"#
            )
        ),
        "{}",
    )
    .into_bytes();
    let at = bytes.windows(2).position(|w| w == b"XX").unwrap();
    bytes[at] = 0xFF;
    let (r, errors) = run(&bytes);
    assert_eq!(
        errors,
        [
            "a.json: plays[0].tasks[0].hosts.web-01.msg: not valid UTF-8; the invalid bytes were replaced with U+FFFD: \"\""
        ]
    );
    assert_eq!(r.outcomes[0].reason, Some(FailureReason::Disk));
}

#[test]
fn no_input_panics_and_every_message_stays_short() {
    for name in [
        "claudie_json_callback_failed_fail_task_cmdb.json",
        "claudie_json_callback_failed_wait_for_connection_ssh_timeout.json",
    ] {
        let bytes = read_fixture(&format!("ansible/{name}"));
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for cut in (0..bytes.len()).step_by(5) {
            // Every prefix, and the whole with one byte changed.
            let mut b = bytes.clone();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let i = (seed >> 33) as usize % b.len();
            b[i] = (seed >> 13) as u8;
            for input in [&bytes[..cut], &b[..]] {
                let _ = looks_like(input);
                match read(input, "a.json") {
                    Ok(p) => p
                        .errors
                        .iter()
                        .for_each(|e| assert!(e.to_string().len() <= 1024)),
                    Err(e) => assert!(e.to_string().len() <= 1024, "{e}"),
                }
            }
        }
    }
}

#[test]
fn secrets_in_output_never_reach_an_outcome_or_an_error() {
    let stdout = "Reading package lists...\\nconnecting with password=hunter2 and token ghp_SECRET1: No space left on device\\napi_key=AKIASECRET2";
    let stderr = "Authorization: Bearer SECRET3 Connection refused";
    let hosts = format!(
        r#"{{"web-01":{{"failed":true,"msg":"non-zero return code","stdout":"{stdout}","stderr":"{stderr}","invocation":{{"module_args":{{"password":"SECRET4"}}}}}},
        "web-02":{{"failed":true,"msg":"login failed: password=SECRET5"}},
        "web-03":{{"failed":true,"stdout":["SECRET6"],"msg":"Connection refused; token=SECRET7"}},
        "web-04":{{"failed":true,"stderr":"git clone https://x:ghp_SECRET8@github.com/o/r: Could not resolve host github.com"}}}}"#
    );
    let mut bytes = doc(&format!("[{}]", task("t", 1, &hosts)), "{}").into_bytes();
    let (r, _) = run(&bytes);
    let reasons: Vec<_> = r.outcomes.iter().map(|o| o.reason).collect();
    use FailureReason::*;
    let four = [
        Some(Disk),
        Some(Other),
        Some(Connectivity),
        Some(Connectivity),
    ];
    assert_eq!(reasons, four);
    assert_eq!(r.outcomes[0].detail, "No space left on device");
    assert_eq!(r.outcomes[1].detail, "");
    assert_eq!(r.outcomes[2].detail, "Connection refused");
    assert_eq!(r.outcomes[3].detail, "Could not resolve host");
    // The same with invalid UTF-8 in the output, which is reported by path.
    let at = bytes.windows(8).position(|w| w == b"Reading ").unwrap();
    bytes[at] = 0xC3;
    let p = read(&bytes, "a.json").unwrap();
    let all = format!(
        "{:?} {}",
        p.value,
        p.errors
            .iter()
            .map(|e| format!("{e} {e:?}"))
            .collect::<String>()
    );
    for secret in ["hunter2", "SECRET", "ghp_"] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
    assert_eq!(p.value.outcomes.len(), 4);
    let _: &DeployOutcome = &p.value.outcomes[0];
}
