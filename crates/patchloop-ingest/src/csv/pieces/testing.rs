//! What the parallel readers' tests share: readers that hand over the input in small
//! steps or fail part-way, thread pools of a given size, results as text, and a
//! measurement on a real file.
use std::io::Read;

use crate::Parsed;
use crate::csv::CsvError;

/// Gives `data` at most `step` bytes a call; once `fail_at` bytes are given, fails.
pub(crate) struct Trickle<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) step: usize,
    pub(crate) fail_at: Option<usize>,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_at == Some(0) {
            return Err(std::io::Error::other("the disk went away"));
        }
        let n = buf
            .len()
            .min(self.step.max(1))
            .min(self.data.len())
            .min(self.fail_at.unwrap_or(usize::MAX));
        let (now, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(now);
        self.data = rest;
        self.fail_at = self.fail_at.map(|f| f - n);
        Ok(n)
    }
}

/// How many pieces `input` is cut into (0: read whole), so a test knows it cut.
pub(crate) fn cuts(input: &[u8], piece: usize) -> usize {
    match crate::csv::pieces::start(input, piece) {
        crate::csv::pieces::Start::Whole(_) => 0,
        crate::csv::pieces::Start::Pieces(mut c) => std::iter::from_fn(|| {
            let b = c.batch(1);
            (!b.is_empty()).then_some(())
        })
        .count(),
    }
}

/// Runs `f` on a rayon pool of `threads` threads.
pub(crate) fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// A reader's whole answer (records, errors, or the fatal error) as text, to compare.
pub(crate) fn show<T: std::fmt::Debug>(r: Result<Parsed<T, CsvError>, CsvError>) -> String {
    match r {
        Ok(p) => {
            let errors: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
            format!("{:#?}\n{errors:#?}\n{:?}", p.value, p.errors)
        }
        Err(e) => format!("fatal: {e} {e:?}"),
    }
}

/// Times the sequential and the parallel reader on the file named by the environment
/// variable `var` (nothing when unset); `PATCHLOOP_MEASURE_READER=seq` or `par` runs one
/// only, so a process's peak memory is that reader's. Threads: `RAYON_NUM_THREADS`.
pub(crate) fn measure<T>(
    var: &str,
    seq: impl Fn(std::io::BufReader<std::fs::File>) -> Result<Parsed<Vec<T>, CsvError>, CsvError>,
    par: impl Fn(std::io::BufReader<std::fs::File>) -> Result<Parsed<Vec<T>, CsvError>, CsvError>,
) {
    let Ok(path) = std::env::var(var) else {
        eprintln!("{var} is not set: nothing measured");
        return;
    };
    let which = std::env::var("PATCHLOOP_MEASURE_READER").unwrap_or_default();
    let open = || std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path).unwrap());
    let time = |name: &str, read: &dyn Fn() -> Result<Parsed<Vec<T>, CsvError>, CsvError>| {
        let t = std::time::Instant::now();
        let p = read().unwrap();
        let secs = t.elapsed().as_secs_f64();
        let rows = p.value.len();
        eprintln!(
            "{path} {name} ({} threads): {rows} rows, {} errors, {secs:.2} s, {:.0} rows/s",
            rayon::current_num_threads(),
            p.errors.len(),
            rows as f64 / secs
        );
    };
    if which != "par" {
        time("sequential", &|| seq(open()));
    }
    if which != "seq" {
        time("parallel", &|| par(open()));
    }
}
