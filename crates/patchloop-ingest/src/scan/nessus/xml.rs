//! The walk over a Nessus report's XML events: which element is open where, the text of
//! the elements read, the bounds (no DOCTYPE, a nesting limit), line numbers for
//! locations, and values that lossy UTF-8 decoding changed.
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::{Child, Host, Item, ROOT, Tag};
use crate::Parsed;
use crate::scan::ScanError;
use crate::scan::hosts::{Report, unusable};
use crate::scan::multi::MultiHostReport;

/// Deepest element nesting accepted. A Nessus report nests five deep
/// (`NessusClientData_v2/Report/ReportHost/ReportItem/cve`); the limit keeps a hostile
/// document from growing the element stack without bound.
const MAX_DEPTH: usize = 32;

/// What the text of the open element is for.
#[derive(Clone, Copy)]
enum Want {
    Tag(Tag),
    Child(Child),
}

/// The text of an element being read.
struct Capture {
    want: Want,
    /// Depth of the element: text nested deeper is not its own.
    depth: usize,
    /// Its location, for errors.
    at: String,
    text: String,
}

/// A report's XML being walked.
pub(super) struct Doc<'t> {
    text: &'t str,
    rdr: Reader<&'t [u8]>,
    report: Report,
    /// The input was not valid UTF-8 and was decoded lossily.
    lossy: bool,
    /// A value holding U+FFFD was reported.
    replaced: bool,
    /// Names of the open elements, the root first.
    stack: Vec<String>,
    root_closed: bool,
    stop: bool,
    hosts: usize,
    host: Option<Host>,
    item: Option<Item>,
    capture: Option<Capture>,
    /// Newlines counted up to a byte offset: (offset, line there).
    counted: (usize, u64),
}

impl<'t> Doc<'t> {
    pub(super) fn new(text: &'t str, report: Report, lossy: bool) -> Self {
        Doc {
            text,
            rdr: Reader::from_str(text),
            report,
            lossy,
            replaced: false,
            stack: Vec::new(),
            root_closed: false,
            stop: false,
            hosts: 0,
            host: None,
            item: None,
            capture: None,
            counted: (0, 1),
        }
    }

    /// The 1-based line of byte `pos` of the text.
    fn line_of(&mut self, pos: u64) -> u64 {
        let pos = usize::try_from(pos)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        if pos < self.counted.0 {
            self.counted = (0, 1);
        }
        let (from, line) = self.counted;
        let more = self.text.as_bytes().get(from..pos).unwrap_or_default();
        let line = line + more.iter().filter(|&&b| b == b'\n').count() as u64;
        self.counted = (pos, line);
        line
    }

    /// The line the reader has reached.
    pub(super) fn line(&mut self) -> u64 {
        self.line_of(self.rdr.buffer_position())
    }

    /// Walks the whole document.
    pub(super) fn run(&mut self) -> Result<(), ScanError> {
        while !self.stop {
            let event = match self.rdr.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = self.rdr.error_position();
                    return self.broken(&e.to_string(), at);
                }
            };
            match event {
                Event::Start(e) => self.open(&e)?,
                Event::Empty(e) => {
                    self.open(&e)?;
                    if !self.stop {
                        self.close();
                    }
                }
                Event::End(_) => self.close(),
                Event::Text(t) => self.push_text(&t.xml10_content()),
                Event::CData(t) => self.push_text(&t.xml10_content()),
                Event::GeneralRef(r) => self.reference(&r),
                Event::DocType(_) => {
                    let line = self.line();
                    return Err(unusable(
                        self.report.file(),
                        format!(
                            "line {line}: a DOCTYPE declaration; refused (a Nessus report has \
                             none, and DTDs and entities are not read)"
                        ),
                    ));
                }
                Event::Eof => return self.eof(),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
        Ok(())
    }

    /// The report, with an error when invalid UTF-8 changed nothing that was read.
    pub(super) fn finish(mut self) -> Parsed<MultiHostReport, ScanError> {
        if self.lossy && !self.replaced {
            let problem = "not valid UTF-8 in a part of the report that is not read; the \
                           invalid bytes were replaced with U+FFFD";
            self.report.bad("", "", problem);
        }
        self.report.finish()
    }

    /// An element opens: a host, an item, or a tag or child whose text is read.
    fn open(&mut self, e: &BytesStart<'_>) -> Result<(), ScanError> {
        let name = e.name().as_ref().to_string();
        let depth = self.stack.len() + 1;
        if depth > MAX_DEPTH {
            let line = self.line();
            return Err(unusable(
                self.report.file(),
                format!("line {line}: elements nested more than {MAX_DEPTH} deep; refused"),
            ));
        }
        if self.stack.is_empty() {
            if self.root_closed {
                let at = format!("line {}", self.line());
                let problem = "an element after the root element closed; it and the rest are \
                               not read";
                self.report.bad(&at, &name, problem);
                self.stop = true;
                return Ok(());
            }
            if name != ROOT {
                return Err(unusable(
                    self.report.file(),
                    format!(
                        "not a Nessus v2 report: the root element is <{}>, not <{ROOT}>",
                        crate::clip(&name)
                    ),
                ));
            }
        }
        let parent = self.stack.last().cloned().unwrap_or_default();
        match (parent.as_str(), name.as_str()) {
            ("Report", "ReportHost") if depth == 3 => {
                self.hosts += 1;
                let host = Host::start(self.hosts, e, self);
                self.host = Some(host);
                self.item = None;
            }
            ("ReportHost", "ReportItem") if depth == 4 => {
                if let Some(mut host) = self.host.take() {
                    let item = Item::start(&mut host, e, self);
                    self.host = Some(host);
                    self.item = Some(item);
                }
            }
            ("HostProperties", "tag") => {
                let path = self.host.as_ref().map(|h| h.path.clone());
                if let Some(path) = path {
                    let line = self.line();
                    let tag_name = self.attr(e, "name", &path).unwrap_or_default();
                    if let Some(tag) = Tag::named(&tag_name) {
                        let at = format!("{path}.HostProperties.tag[{tag_name}] (line {line})");
                        self.capture_text(Want::Tag(tag), depth, at);
                    }
                }
            }
            ("ReportItem", child) => {
                let path = self.item.as_ref().map(|i| i.path.clone());
                if let (Some(path), Some(want)) = (path, Child::named(child)) {
                    let at = format!("{path}.{child} (line {})", self.line());
                    self.capture_text(Want::Child(want), depth, at);
                }
            }
            _ => {}
        }
        self.stack.push(name);
        Ok(())
    }

    fn capture_text(&mut self, want: Want, depth: usize, at: String) {
        self.capture = Some(Capture {
            want,
            depth,
            at,
            text: String::new(),
        });
    }

    /// The innermost element closes (the reader has checked that the names match).
    fn close(&mut self) {
        let depth = self.stack.len();
        let Some(name) = self.stack.pop() else { return };
        if let Some(c) = self.capture.take_if(|c| c.depth == depth) {
            self.captured(c);
        }
        match (name.as_str(), depth) {
            ("ReportItem", 4) => {
                if let (Some(item), Some(host)) = (self.item.take(), self.host.as_mut()) {
                    item.finish(host, &mut self.report);
                }
            }
            ("ReportHost", 3) => {
                if let Some(host) = self.host.take() {
                    host.finish(&mut self.report);
                }
            }
            (_, 1) => self.root_closed = true,
            _ => {}
        }
    }

    /// An element's text is complete: it goes to its host or item.
    fn captured(&mut self, c: Capture) {
        if self.lossy && c.text.contains('\u{FFFD}') {
            self.replaced = true;
            let problem = "not valid UTF-8; the invalid bytes were replaced with U+FFFD and \
                           the entry kept";
            self.report.bad(&c.at, &c.text, problem);
        }
        match c.want {
            Want::Tag(tag) => {
                if let Some(host) = self.host.as_mut() {
                    host.tag(tag, &c.text, &c.at, &mut self.report);
                }
            }
            Want::Child(child) => {
                if let Some(item) = self.item.as_mut() {
                    item.child(child, &c.text, &c.at, &mut self.report);
                }
            }
        }
    }

    /// The capture open at the current depth, if any.
    fn open_capture(&mut self) -> Option<&mut Capture> {
        let depth = self.stack.len();
        self.capture.as_mut().filter(|c| c.depth == depth)
    }

    fn push_text(&mut self, s: &str) {
        if let Some(c) = self.open_capture() {
            c.text.push_str(s);
        }
    }

    /// `&amp;` or `&#x41;` inside a value read; an entity no DTD could have declared
    /// (DTDs are refused) is reported and kept as written.
    fn reference(&mut self, r: &BytesRef<'_>) {
        let name: &str = r;
        let resolved = match r.resolve_char_ref() {
            Ok(Some(ch)) => Ok(ch.to_string()),
            Ok(None) => resolve_predefined_entity(name)
                .map(str::to_string)
                .ok_or("an entity no DTD declares (DTDs are not read); kept as written"),
            Err(_) => Err("not a valid character reference; kept as written"),
        };
        let Some(c) = self.open_capture() else { return };
        match resolved {
            Ok(s) => c.text.push_str(&s),
            Err(problem) => {
                let written = format!("&{name};");
                c.text.push_str(&written);
                let at = c.at.clone();
                self.report.bad(&at, &written, problem);
            }
        }
    }

    /// An attribute's value (entities resolved); a malformed one is reported.
    pub(super) fn attr(&mut self, e: &BytesStart<'_>, key: &str, at: &str) -> Option<String> {
        for a in e.attributes() {
            let a = match a {
                Ok(a) => a,
                Err(err) => {
                    let problem = format!("malformed attributes: {err}; not read");
                    self.report.bad(at, "", crate::clip_at(&problem, 200));
                    return None;
                }
            };
            if a.key.as_ref() != key {
                continue;
            }
            let at = format!("{at}@{key} (line {})", self.line());
            return match a.normalized_value(XmlVersion::Implicit1_0) {
                Ok(v) => {
                    if self.lossy && v.contains('\u{FFFD}') {
                        self.replaced = true;
                        let problem = "not valid UTF-8; the invalid bytes were replaced with \
                                       U+FFFD and the entry kept";
                        self.report.bad(&at, &v, problem);
                    }
                    Some(v.into_owned())
                }
                Err(err) => {
                    let problem = format!("{err}; not read");
                    self.report
                        .bad(&at, &a.value, crate::clip_at(&problem, 200));
                    None
                }
            };
        }
        None
    }

    /// The document ends: a host or item still open means it was truncated.
    fn eof(&mut self) -> Result<(), ScanError> {
        if self.stack.is_empty() && !self.root_closed {
            return Err(unusable(
                self.report.file(),
                "no XML element: not a Nessus v2 report",
            ));
        }
        if let Some(open) = self.stack.last() {
            let open = crate::clip(open);
            let at = format!("line {}", self.line());
            let problem = format!(
                "the report ends inside <{open}>: truncated; {}",
                self.lost()
            );
            self.report.bad(&at, "", problem);
        }
        Ok(())
    }

    /// The XML is malformed at byte `pos`: unusable before the root element opened, else
    /// the hosts closed so far are kept.
    fn broken(&mut self, message: &str, pos: u64) -> Result<(), ScanError> {
        let line = self.line_of(pos);
        let message = crate::clip_at(message, 200);
        if self.stack.is_empty() && !self.root_closed {
            return Err(unusable(
                self.report.file(),
                format!("not XML: {message} (line {line})"),
            ));
        }
        let problem = format!("malformed XML: {message}; {}", self.lost());
        self.report.bad(&format!("line {line}"), "", problem);
        Ok(())
    }

    /// What a break loses.
    fn lost(&self) -> String {
        match &self.host {
            Some(h) => format!(
                "{} (opened at line {}) and any host after it are not read",
                h.path, h.line
            ),
            None => "nothing after this point is read".to_string(),
        }
    }
}
