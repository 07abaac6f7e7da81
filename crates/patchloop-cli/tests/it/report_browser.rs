//! The HTML report in a real browser (headless Chromium): screenshots at three widths,
//! and the layout at each (issue 16 item 21). Skipped without Chromium unless
//! `PATCHLOOP_REQUIRE_CHROMIUM` is set, as CI does.
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{ok, scratch};

/// Chromium (`PATCHLOOP_CHROMIUM`, else Debian's or Ubuntu's path); `None` skips the
/// test, which fails instead when `PATCHLOOP_REQUIRE_CHROMIUM` is set.
fn chromium() -> Option<PathBuf> {
    let found = match std::env::var_os("PATCHLOOP_CHROMIUM") {
        Some(p) => Some(PathBuf::from(p)),
        None => ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists()),
    };
    if found.is_none() {
        assert!(
            std::env::var_os("PATCHLOOP_REQUIRE_CHROMIUM").is_none(),
            "PATCHLOOP_REQUIRE_CHROMIUM is set but Chromium is not installed"
        );
        eprintln!("skipped: no Chromium (apt-get install chromium)");
    }
    found
}

/// The widths the layout is checked at: a wide desktop window, a small laptop (the queue
/// must stay readable), and a narrow window (its rows must stack).
const WIDTHS: [u32; 3] = [1400, 1024, 760];

/// Runs headless Chromium at `width` × 2400 on `url` with `extra` flags; returns what it
/// printed, stdout then stderr (for the DOM it dumps, or the reason it failed).
fn run_chromium(chrome: &Path, profile: &Path, width: u32, extra: &[String], url: &str) -> String {
    let o = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--window-size={width},2400"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Renders the example's report in headless Chromium, as a person would open it, at
/// each of [`WIDTHS`], and checks each screenshot shows a page: mostly white paper with
/// text, tables and charts in several colours. Skipped without Chromium unless
/// `PATCHLOOP_REQUIRE_CHROMIUM` is set (CI sets it after installing Debian's package).
/// [`layout_fits_each_width`] checks the layout itself.
#[test]
fn html_renders_in_chromium() {
    let Some(chrome) = chromium() else {
        return;
    };
    let d = scratch("report-chromium");
    let html = d.join("report.html");
    ok(&["report", "examples/fleet", "--out", html.to_str().unwrap()]);
    for width in WIDTHS {
        let png = d.join(format!("report-{width}.png"));
        let log = run_chromium(
            &chrome,
            &d.join("profile"),
            width,
            &[format!("--screenshot={}", png.display())],
            &format!("file://{}", html.display()),
        );
        assert!(png.exists(), "no screenshot at {width} px: {log}");
        let (w, h, pixels) = decode_rgb(&png);
        assert_eq!((w, h), (width, 2400));
        let total = pixels.len();
        let ink = pixels.iter().filter(|p| p.iter().any(|&c| c < 200)).count();
        let colours: HashSet<[u8; 3]> = pixels.iter().copied().collect();
        // A blank or error page is one or two colours; the report has text, tables,
        // badges and charts.
        assert!(
            ink * 100 > total * 3,
            "{width} px: the page is nearly blank: {ink} dark pixels of {total}"
        );
        assert!(
            colours.len() > 100,
            "{width} px: only {} colours: not the report",
            colours.len()
        );
        // The decision badges' red and the charts' reds are drawn.
        assert!(
            pixels.iter().any(|p| p[0] > 150 && p[1] < 60 && p[2] < 60),
            "{width} px: no red on the page: charts or badges did not render"
        );
    }
}

/// A test-only probe: appended to a copy of the report (the report itself has no script),
/// it measures the laid-out page and writes what it found into the DOM, which
/// `--dump-dom` prints. It states facts (widths, the boxes of the queue's first row, the
/// label a stacked cell shows); the assertions are in Rust.
const PROBE: &str = r#"<script>(function(){
var d=document.documentElement,t=document.querySelectorAll('#queue table')[1];
var cells=[].map.call(t.querySelector('tbody tr').cells,function(c){
var b=c.getBoundingClientRect();
return {label:c.dataset.label,left:b.left,top:b.top,width:b.width,
before:getComputedStyle(c,'::before').content};});
var p=document.createElement('pre');p.id='layout-probe';
p.textContent=JSON.stringify({viewport:d.clientWidth,page:d.scrollWidth,
table:t.getBoundingClientRect().width,cells:cells});
document.body.appendChild(p);})();</script>"#;

/// The probe's findings at `width`.
fn probe(chrome: &Path, dir: &Path, width: u32) -> serde_json::Value {
    let dom = run_chromium(
        chrome,
        &dir.join("profile"),
        width,
        &["--dump-dom".to_string()],
        &format!("file://{}", dir.join("probe.html").display()),
    );
    let start = dom
        .find("<pre id=\"layout-probe\">")
        .unwrap_or_else(|| panic!("{width} px: the probe did not run:\n{dom}"))
        + "<pre id=\"layout-probe\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// Issue 16 item 21: the layout at each of [`WIDTHS`], in Chromium. At every width the
/// page is no wider than the window (no horizontal scrolling). At 1400 px the queue is a
/// table: a row's cells side by side on one line. At 1024 px the queue stays readable:
/// the short cells on one line, the why under them across most of the table. At 760 px
/// the rows stack: each cell on its own line, at the same left edge, with its column's
/// name beside it. Layout facts, not pixels or timings, so fonts do not change the
/// verdict.
#[test]
fn layout_fits_each_width() {
    let Some(chrome) = chromium() else {
        return;
    };
    let d = scratch("report-layout");
    let html = ok(&["report", "examples/fleet", "--format", "html"]);
    assert!(!html.contains("<script"));
    std::fs::write(
        d.join("probe.html"),
        html.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    for width in WIDTHS {
        let p = probe(&chrome, &d, width);
        assert_eq!(f(&p["viewport"]), f64::from(width));
        assert!(
            f(&p["page"]) <= f(&p["viewport"]),
            "{width} px: the page is {} px wide, wider than the window",
            p["page"]
        );
        let cells = p["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 9, "{width} px: {p}");
        let (why, short) = cells.split_last().unwrap();
        assert_eq!(why["label"], "why");
        let one_line = short.iter().all(|c| f(&c["top"]) == f(&short[0]["top"]));
        match width {
            1400 => {
                assert!(one_line && f(&why["top"]) == f(&short[0]["top"]), "{p}");
                assert!(f(&why["width"]) >= 400.0, "why squeezed: {p}");
            }
            1024 => {
                assert!(one_line, "the short cells wrapped onto two lines: {p}");
                assert!(f(&why["top"]) > f(&short[0]["top"]), "{p}");
                assert!(
                    f(&why["width"]) >= 0.8 * f(&p["table"]),
                    "why squeezed: {p}"
                );
            }
            _ => {
                for pair in cells.windows(2) {
                    assert_eq!(f(&pair[0]["left"]), f(&pair[1]["left"]), "{p}");
                    assert!(f(&pair[1]["top"]) > f(&pair[0]["top"]), "not stacked: {p}");
                }
                for c in cells {
                    let label = c["label"].as_str().unwrap();
                    assert_eq!(c["before"], format!("\"{label}\""), "{p}");
                }
            }
        }
    }
}

fn decode_rgb(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(step)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, pixels)
}
