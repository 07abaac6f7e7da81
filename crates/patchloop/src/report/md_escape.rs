//! Escaping for Markdown: every value from the bundle goes through [`md_escape`], or
//! [`md_code`] where it is shown as code, so a renderer that passes raw HTML through shows
//! it as text (docs/hardening.md, "Injection into what readers open").
use super::escape_controls;

/// `s` on one line: a line break inside a value would end a table row (and start a
/// forged one) or a list item, so CR, LF, CRLF and tab become one space each.
fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\r', '\n', '\t'], " ")
}

/// `s` as Markdown text that renders as exactly `s`: no markup, no raw HTML, one line,
/// safe in a table cell.
///
/// - `<`, `>` and `&` become `&lt;`, `&gt;` and `&amp;`, so no tag, comment, entity or
///   autolink passes (a backslash cannot escape `<` in every renderer; an entity can).
/// - ``\ ` * { } [ ] # ! | ~`` are backslash-escaped wherever they are: they start code,
///   emphasis, links, images, attribute lists, headings, table cells and strikethrough.
/// - `_` is escaped unless it stands between two letters or digits, where no renderer
///   reads it as emphasis, so `out_of_cycle` stays readable.
/// - `-`, `+` and an ordered-list marker (`1.`, `1)`) are escaped only at the start of
///   the value, the one place they can open a block; `(`, `)` and `.` elsewhere are
///   plain text once `[` and `]` are escaped.
/// - line breaks become spaces and other control characters visible escapes (`\x1b`).
///
/// The one escaping function for Markdown: the report's renderer and the CLI's
/// Markdown tables both use it.
pub fn md_escape(s: &str) -> String {
    let flat = one_line(s);
    let text = escape_controls(&flat, false);
    let chars: Vec<char> = text.chars().collect();
    let lead = chars.iter().take_while(|c| **c == ' ').count();
    let digits = chars[lead..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let ordered_at = (digits > 0
        && matches!(chars.get(lead + digits), Some('.' | ')'))
        && chars.get(lead + digits + 1).is_none_or(|c| *c == ' '))
    .then_some(lead + digits);
    let word = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| c.is_alphanumeric())
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '{' | '}' | '[' | ']' | '#' | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !(word(i.checked_sub(1)) && word(Some(i + 1))) => out.push_str("\\_"),
            '-' | '+' if i == lead => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if ordered_at == Some(i) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` as a Markdown code span: fenced with one backtick more than its longest run of
/// backticks (padded with a space when it starts or ends with one), so nothing in it
/// can close the span early; a code span's content is never read as markup or HTML.
/// On one line, control characters shown as escapes, and in a table cell (`in_table`)
/// a `|` is written `\|`, which GFM tables require even inside code.
pub fn md_code(s: &str, in_table: bool) -> String {
    let flat = one_line(s);
    let mut text = escape_controls(&flat, false).into_owned();
    if text.is_empty() {
        return text;
    }
    if in_table {
        text = text.replace('|', "\\|");
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `s` as a code span inside a table cell.
pub(super) fn code(s: &str) -> String {
    md_code(s, true)
}

/// Shorthand for [`md_escape`].
pub(super) fn t(s: &str) -> String {
    md_escape(s)
}

#[cfg(test)]
mod tests {
    use super::{md_code, md_escape};

    #[test]
    fn no_html_or_link_passes_md_escape() {
        assert_eq!(
            md_escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            md_escape("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            md_escape("<script>a&b</script>"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;"
        );
        assert_eq!(
            md_escape("![i](x) *b* `c` {: onclick=x}"),
            "\\!\\[i\\](x) \\*b\\* \\`c\\` \\{: onclick=x\\}"
        );
        assert_eq!(md_escape("# h ~~s~~"), "\\# h \\~\\~s\\~\\~");
    }

    #[test]
    fn a_value_cannot_break_a_table_row() {
        assert_eq!(md_escape("a\\|b\rc"), "a\\\\\\|b c");
        assert_eq!(md_escape("a|b\r\nc\nd\te"), "a\\|b c d e");
        assert_eq!(md_escape("x\x1by\u{9b}"), "x\\\\x1by\\\\u\\{9b\\}");
    }

    #[test]
    fn ordinary_text_stays_readable() {
        for plain in [
            "ci-runner-01",
            "out_of_cycle",
            "KEV (ransomware) + internet-facing + privileged role ci_runner + blast radius 0.73 → immediate (SSVC row 71)",
            "ciso@example.com",
            "2026.07.23",
            "trust_verified@payments-api",
        ] {
            assert_eq!(md_escape(plain), plain);
        }
        // Block markers only where a block can start: the value's beginning.
        assert_eq!(md_escape("- x"), "\\- x");
        assert_eq!(md_escape("+1"), "\\+1");
        assert_eq!(md_escape("1. x"), "1\\. x");
        assert_eq!(md_escape("2) x"), "2\\) x");
        assert_eq!(md_escape("a - b + c. d"), "a - b + c. d");
        // `_` only between letters is plain; at a word's edge it could open emphasis.
        assert_eq!(md_escape("_a_ b__c"), "\\_a\\_ b\\_\\_c");
    }

    #[test]
    fn code_spans_cannot_be_closed_early() {
        assert_eq!(md_code("CVE-1", true), "`CVE-1`");
        assert_eq!(md_code("a`b", false), "``a`b``");
        assert_eq!(md_code("`x``", false), "``` `x`` ```");
        assert_eq!(md_code("a|b", true), "`a\\|b`");
        assert_eq!(md_code("a|b", false), "`a|b`");
        assert_eq!(md_code("<b>\r\n", false), "`<b> `");
        assert_eq!(md_code("", true), "");
    }
}
