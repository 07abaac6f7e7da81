//! Ansible `json` stdout-callback output (`ANSIBLE_STDOUT_CALLBACK=json ansible-playbook
//! …`) to one deployment outcome per host of the run.
//!
//! The callback prints one document: `plays[].play.{name,duration.{start,end}}`,
//! `plays[].tasks[].task.{name,duration}`, `plays[].tasks[].hosts.<host>` (the module's
//! result: `failed`, `unreachable`, `msg`, `stderr`, `stdout`, …) and `stats.<host>`
//! (the play recap: `failures`, `unreachable`, `ignored`, `rescued`, …). Ansible knows
//! nothing of CVEs, so the reader says only what happened to each host; the bundle
//! loader turns an outcome into events for the findings open on that host.
//!
//! Per host (in host-name order):
//! - **Failed or not.** A task result with `failed: true` or `unreachable: true` is a
//!   failure. The callback does not mark a failure that `ignore_errors` or a `rescue`
//!   absorbed, but the recap counts those apart, so when `stats` has the host its
//!   `failures` + `unreachable` decide; without a recap every failed result counts.
//! - **Which failure.** The last failed result of the host: Ansible stops a host at its
//!   first failure that is not ignored or rescued, so earlier ones were absorbed.
//! - **When.** The end (`duration.end`) of the failing task, or for a success of the
//!   last task the host reported in; else that task's play's end. A host without either
//!   gets no outcome and an error. Times are ISO 8601 (`…T15:41:20.232551Z`); an
//!   offset followed by `Z` (`…+00:00Z`) is read as the offset.
//! - **Why.** [`classify`]'s table (see [`RULES`]) over the failing result's `msg`,
//!   `stderr`, `stdout`, `module_stderr` and `module_stdout`, then the same fields of
//!   failed loop items (`results[]`, at most 16), the first 4 KiB of each. An
//!   unreachable host whose message matches no phrase is `connectivity`.
//! - **Detail.** The matched phrase with up to 120 characters of its own line around it;
//!   only the phrase when that line mentions a password, token, secret, `key=` or
//!   similar; with no match, the first line of `msg` under the same rule.
//!
//! Text before the document (`-v` prints "Using … as config file") and after it (a
//! timer callback's summary) is skipped and reported. A wrongly typed field is an error
//! naming its JSON path (`plays[0].tasks[3].hosts.web-01.failed`); when it leaves a
//! host's outcome unknown, that host gets none. Invalid UTF-8 is replaced with U+FFFD
//! and reported. Module arguments and every other field are never read.
use std::collections::BTreeMap;

use patchloop_model::{FailureReason, Timestamp};
use serde_json::Value;

use super::json::{Document, Fields, has_top_keys, kind, shown};
use super::reason::explain;
pub use super::reason::{RULES, classify};
use crate::Parsed;

/// What one run of a playbook did on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployOutcome {
    /// The inventory name, as Ansible printed it.
    pub host: String,
    /// When: the end of the failing task, or of the host's last task.
    pub at: Timestamp,
    /// True when the host had no failure that counted and was reachable.
    pub succeeded: bool,
    /// Why it failed (only when it failed).
    pub reason: Option<FailureReason>,
    /// The failing task's name, or the host's last task's, clipped to 120 characters.
    pub task: String,
    /// The excerpt the reason was read from (at most 200 characters, never a line that
    /// looks like it holds a secret); empty for a success.
    pub detail: String,
}

/// What a whole `ansible-playbook` run says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnsibleRun {
    /// One outcome per host, in host-name order.
    pub outcomes: Vec<DeployOutcome>,
    /// The playbook file, from the first play's `path` (written by newer callbacks)
    /// without its `:line` suffix.
    pub playbook: Option<String>,
}

/// An error reading Ansible output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnsibleError {
    /// The whole input is unusable (not JSON, truncated, not json-callback output).
    #[error("{file}: {message}")]
    Unusable {
        /// File name.
        file: String,
        /// What is wrong, with line and column for JSON errors.
        message: String,
    },
    /// One field is bad; `problem` says what was done instead.
    #[error("{file}: {path}: {problem}: {value:?}")]
    BadEntry {
        /// File name.
        file: String,
        /// JSON path (`plays[0].tasks[3].hosts.web-01.failed`).
        path: String,
        /// The value, clipped; empty for output fields (never quoted) and containers.
        value: String,
        /// What was expected and what happened.
        problem: String,
    },
    /// More errors than [`crate::MAX_ROW_ERRORS`]; these were only counted.
    #[error("{file}: and {count} more errors")]
    More {
        /// File name.
        file: String,
        /// How many.
        count: u64,
    },
}

/// True when `bytes` is a JSON document with top-level `plays` and `stats` (text before
/// it skipped as [`read`] does).
pub fn looks_like(bytes: &[u8]) -> bool {
    has_top_keys(bytes, &["plays", "stats"])
}

/// Reads one `ansible-playbook` json-callback document. `Err` only when the whole
/// input is unusable; bad fields are returned in [`Parsed::errors`] beside the outcomes.
pub fn read(bytes: &[u8], source: &str) -> Result<Parsed<AnsibleRun, AnsibleError>, AnsibleError> {
    let unusable = |message: String| AnsibleError::Unusable {
        file: source.to_string(),
        message,
    };
    let Document {
        value: doc,
        skipped,
        trailing,
        lossy,
    } = Document::parse(bytes, source)?;
    let top = doc
        .as_object()
        .filter(|o| o.contains_key("plays") && o.contains_key("stats"))
        .ok_or_else(|| {
            unusable(
                "not ansible-playbook json-callback output (no top-level `plays` and `stats`)"
                    .into(),
            )
        })?;
    let Some(Value::Array(plays)) = top.get("plays") else {
        let found = top.get("plays").map_or("nothing", kind);
        return Err(unusable(format!("`plays` is {found}, not an array")));
    };
    let mut r = Reader {
        f: Fields::new(source),
        hosts: BTreeMap::new(),
        run_end: None,
    };
    r.f.notes(skipped, trailing);
    if lossy {
        r.f.replaced(&doc, String::new());
    }
    let playbook = r.plays(plays);
    let stats = r.stats(top.get("stats"));
    let outcomes = r.outcomes(&stats);
    let errors = r.f.finish();
    Ok(Parsed {
        value: AnsibleRun { outcomes, playbook },
        errors,
    })
}

/// The fields a failure's reason is read from, in order.
const FIELDS: &[&str] = &["msg", "stderr", "stdout", "module_stderr", "module_stdout"];

/// Most failed loop items (`results[]`) looked at per failure.
const MAX_ITEMS: usize = 16;

/// Failures and stats counts of one host, as the tasks are walked.
#[derive(Default)]
struct HostRun {
    /// The last task the host reported in.
    last: Option<Step>,
    /// The last failed or unreachable result.
    failure: Option<(Step, FailureReason, String)>,
    /// A field left its outcome unknown: no outcome.
    unknown: bool,
}

/// What one task result says about its host.
enum Verdict {
    /// Neither failed nor unreachable.
    Ok,
    /// Failed or unreachable: why, and the excerpt that says so.
    Failed(FailureReason, String),
    /// A bad field leaves it unknown.
    Unknown,
}

/// A task as one host's outcome names it.
#[derive(Clone)]
struct Step {
    task: String,
    at: Option<Timestamp>,
    path: String,
}

/// A host's recap counts that matter: failures that were not absorbed, unreachable.
#[derive(Clone, Copy)]
struct Counts {
    failures: u64,
    unreachable: u64,
}

/// Walks one document.
struct Reader<'a> {
    /// The field reader, which keeps the errors.
    f: Fields<'a>,
    hosts: BTreeMap<String, HostRun>,
    /// The latest task or play end seen: a host named only in `stats` is dated by it.
    run_end: Option<Timestamp>,
}

impl Reader<'_> {
    /// Every play and its tasks; returns the playbook path.
    fn plays(&mut self, plays: &[Value]) -> Option<String> {
        let mut playbook = None;
        for (i, play) in plays.iter().enumerate() {
            let at = format!("plays[{i}]");
            let Some(play) = self.f.object(Some(play), &at, "play skipped") else {
                continue;
            };
            let info = self
                .f
                .object(play.get("play"), &format!("{at}.play"), "ignored");
            let play_end = self.f.end(info, &format!("{at}.play"));
            if i == 0 {
                let path = info.and_then(|p| self.f.text(p, "path", &format!("{at}.play"), true));
                playbook = path.map(|p| {
                    let file = p.rsplit_once(':').filter(|(_, n)| n.parse::<u32>().is_ok());
                    crate::clip_at(file.map_or(p, |(f, _)| f), 200)
                });
            }
            for (j, task) in self.f.list(play, "tasks", &at).iter().enumerate() {
                let at = format!("{at}.tasks[{j}]");
                self.task(task, play_end, &at);
            }
            self.run_end = self.run_end.max(play_end);
        }
        playbook
    }

    fn task(&mut self, task: &Value, play_end: Option<Timestamp>, at: &str) {
        let Some(task) = self.f.object(Some(task), at, "task skipped") else {
            return;
        };
        let info = self
            .f
            .object(task.get("task"), &format!("{at}.task"), "ignored");
        let name = info
            .and_then(|t| self.f.text(t, "name", &format!("{at}.task"), true))
            .map(clean_name)
            .unwrap_or_default();
        let end = self.f.end(info, &format!("{at}.task")).or(play_end);
        self.run_end = self.run_end.max(end);
        let hosts = match task.get("hosts") {
            None | Some(Value::Null) => return,
            Some(Value::Object(h)) => h,
            Some(other) => {
                let problem = format!("expected an object, found {}; task skipped", kind(other));
                return self.f.bad(&format!("{at}.hosts"), &shown(other), &problem);
            }
        };
        for (host, result) in hosts {
            let path = format!("{at}.hosts.{}", crate::clip(host));
            let verdict = self.result(result, &path);
            let step = Step {
                task: name.clone(),
                at: end,
                path,
            };
            let run = self.hosts.entry(host.clone()).or_default();
            match verdict {
                Verdict::Unknown => run.unknown = true,
                Verdict::Failed(reason, detail) => {
                    run.failure = Some((step.clone(), reason, detail))
                }
                Verdict::Ok => {}
            }
            run.last = Some(step);
        }
    }

    /// One host's result in one task.
    fn result(&mut self, v: &Value, at: &str) -> Verdict {
        let unknown = "this host's outcome is unknown and left out";
        let Some(r) = self.f.object(Some(v), at, unknown) else {
            return Verdict::Unknown;
        };
        let (Some(failed), Some(unreachable)) = (
            self.f.flag(r, "failed", at),
            self.f.flag(r, "unreachable", at),
        ) else {
            return Verdict::Unknown;
        };
        if !(failed || unreachable) {
            return Verdict::Ok;
        }
        let mut texts: Vec<&str> = FIELDS
            .iter()
            .filter_map(|f| self.f.text(r, f, at, false))
            .collect();
        let items = match r.get("results") {
            Some(Value::Array(items)) => items.as_slice(),
            _ => &[],
        };
        let failed_items = items
            .iter()
            .enumerate()
            .filter_map(|(k, item)| Some((k, item.as_object()?)))
            .filter(|(_, item)| item.get("failed") == Some(&Value::Bool(true)))
            .take(MAX_ITEMS);
        let mut item_msg = None;
        for (k, item) in failed_items {
            let path = format!("{at}.results[{k}]");
            for f in FIELDS {
                if let Some(t) = self.f.text(item, f, &path, false) {
                    texts.push(t);
                    item_msg = item_msg.or((*f == "msg").then_some(t));
                }
            }
        }
        // Only the result's own `msg` (or a failed item's) is shown when nothing matched.
        let msg = r.get("msg").and_then(Value::as_str).or(item_msg);
        let (reason, detail) = explain(&texts, msg);
        match reason {
            FailureReason::Other if unreachable => {
                Verdict::Failed(FailureReason::Connectivity, detail)
            }
            reason => Verdict::Failed(reason, detail),
        }
    }

    /// `stats`: each host's counts, or `None` where they cannot be read.
    fn stats(&mut self, stats: Option<&Value>) -> BTreeMap<String, Option<Counts>> {
        let Some(stats) = self
            .f
            .object(stats, "stats", "ignored; task results alone decide")
        else {
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for (host, s) in stats {
            let at = format!("stats.{}", crate::clip(host));
            let counts = self.f.object(Some(s), &at, "ignored").and_then(|s| {
                Some(Counts {
                    failures: self.f.count(s, "failures", &at)?,
                    unreachable: self.f.count(s, "unreachable", &at)?,
                })
            });
            out.insert(host.clone(), counts);
        }
        out
    }

    /// One outcome per host named in a task result or in `stats`.
    fn outcomes(&mut self, stats: &BTreeMap<String, Option<Counts>>) -> Vec<DeployOutcome> {
        for host in stats.keys() {
            self.hosts.entry(host.clone()).or_default();
        }
        let mut out = Vec::new();
        for (host, run) in std::mem::take(&mut self.hosts) {
            if run.unknown {
                continue;
            }
            let counts = stats.get(&host).copied().flatten();
            let failed = counts.map_or(run.failure.is_some(), |c| {
                c.failures.saturating_add(c.unreachable) > 0
            });
            let (step, reason, detail) = match (failed, run.failure, run.last) {
                (true, Some((step, reason, detail)), _) => (step, Some(reason), detail),
                (true, None, last) => {
                    // The recap counts a failure no task result shows (output cut short).
                    let unreachable = counts.is_some_and(|c| c.unreachable > 0);
                    let reason = if unreachable {
                        FailureReason::Connectivity
                    } else {
                        FailureReason::Other
                    };
                    let detail = "the play recap counts a failure no task result shows";
                    (self.step_or_run(&host, last), Some(reason), detail.into())
                }
                (false, _, last) => (self.step_or_run(&host, last), None, String::new()),
            };
            let Some(at) = step.at else {
                let problem = format!(
                    "no end time in the task or its play; no outcome for host {:?}",
                    crate::clip(&host)
                );
                self.f.bad(&step.path, "", &problem);
                continue;
            };
            out.push(DeployOutcome {
                host,
                at,
                succeeded: reason.is_none(),
                reason,
                task: step.task,
                detail,
            });
        }
        out
    }

    /// The host's last step, or the run's end for a host named only in `stats`.
    fn step_or_run(&self, host: &str, last: Option<Step>) -> Step {
        last.unwrap_or_else(|| Step {
            task: String::new(),
            at: self.run_end,
            path: format!("stats.{}", crate::clip(host)),
        })
    }
}

/// A task name as an outcome carries it: control characters as spaces, trimmed, at
/// most 120 characters.
fn clean_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    s.trim().to_string()
}
