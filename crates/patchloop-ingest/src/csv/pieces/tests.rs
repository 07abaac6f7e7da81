//! Tests of the cutting: record ends where the CSV parser ends records, pieces that
//! cover the input on their lines, a read error handed on, the error cap.
use super::testing::Trickle;
use super::*;

#[test]
fn boundaries_skip_quoted_line_breaks() {
    assert_eq!(last_boundary(b"a,b\nc,d"), Some(4));
    assert_eq!(last_boundary(b"a,\"b\nc\"\nd"), Some(8));
    assert_eq!(last_boundary(b"a,\"b\"\"\nc"), None);
    assert_eq!(last_boundary(b"a,b\"\nc"), Some(5));
    assert_eq!(last_boundary(b"x\n\"open\n"), Some(2));
    assert_eq!(
        header_line(b"at,credential\r\nx"),
        Some(&b"at,credential\r\n"[..])
    );
    assert_eq!(header_line(b"\"at\",credential\n"), None);
    assert_eq!(header_line(b"  \nat\n"), None);
}

/// Every piece ends at a record end, the pieces and what is left are the input after
/// the header, and each piece starts on its line of the file.
#[test]
fn pieces_cover_the_input_on_their_lines() {
    let mut input = b"a,b\r\n".to_vec();
    for i in 0..200 {
        let row = match i % 4 {
            0 => format!("{i},\"x\ny\"\r\n"),
            1 => format!("{i},\"q\"\"\"\n"),
            2 => "\n".to_string(),
            _ => format!("{i},plain\n"),
        };
        input.extend(row.bytes());
    }
    for (piece, step) in [(3, 1), (7, 3), (64, 1000), (500, 5)] {
        let reader = Trickle {
            data: &input,
            step,
            fail_at: None,
        };
        let Start::Pieces(mut c) = start(reader, piece) else {
            panic!("a plain header and more than two pieces: cut");
        };
        assert_eq!(c.header(), b"a,b\r\n");
        let mut joined = c.header().to_vec();
        loop {
            let batch = c.batch(3);
            if batch.is_empty() {
                break;
            }
            for p in batch {
                let before = memchr::memchr_iter(b'\n', &joined).count() as u64;
                assert_eq!(p.first_line, before + 1);
                assert!(p.bytes.ends_with(b"\n"), "pieces of {piece}");
                joined.extend_from_slice(&p.bytes);
            }
        }
        assert!(c.rest().is_none());
        assert_eq!(joined, input, "pieces of {piece}");
    }
    // Too small to cut, or no plain header: read whole, every byte again.
    for small in [&b"a,b\nc,d\n"[..], b"\"a\",b\nc,d\n", b""] {
        let Start::Whole(mut w) = start(small, 1 << 20) else {
            panic!("read whole");
        };
        let mut again = Vec::new();
        w.read_to_end(&mut again).unwrap();
        assert_eq!(again, small);
    }
}

/// A read error stops the cutting; the rest, header first, ends with that error.
#[test]
fn a_read_error_goes_to_the_sequential_reader_with_the_rest() {
    let input = b"a,b\n1,2\n3,4\n5,6\n7,8\n".repeat(10);
    let reader = Trickle {
        data: &input,
        step: 5,
        fail_at: Some(30),
    };
    let Start::Pieces(mut c) = start(reader, 4) else {
        panic!("cut");
    };
    let mut got = 0;
    while !c.batch(2).is_empty() {
        got += 1;
    }
    assert!(got > 0);
    let (line, mut rest) = c.rest().unwrap();
    let mut buf = Vec::new();
    let e = rest.read_to_end(&mut buf).unwrap_err();
    assert_eq!(e.to_string(), "the disk went away");
    // The header, then the bytes read but not cut, on their lines.
    let k = 30 - (buf.len() - 4);
    assert_eq!(&buf[..4], b"a,b\n");
    assert_eq!(&buf[4..], &input[k..30]);
    assert_eq!(line, memchr::memchr_iter(b'\n', &input[..k]).count() as u64);
}

fn records(buf: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(buf);
    rdr.byte_records()
        .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
        .collect()
}

proptest::proptest! {
    /// Scanning a buffer in steps finds the record end one scan finds, and the CSV
    /// parser reads the same records from the two sides of it as from the whole.
    #[test]
    fn record_ends_are_where_the_csv_parser_ends_records(
        bytes in proptest::collection::vec(
            proptest::sample::select(&b"ab,\"\r\n"[..]), 0..200),
        steps in proptest::collection::vec(1usize..40, 1..10),
    ) {
        let end = last_boundary(&bytes);
        let mut scan = Scan::default();
        let mut len = 0;
        for step in steps.iter().cycle().take(bytes.len() + 1) {
            len = (len + step).min(bytes.len());
            scan.extend(&bytes[..len]);
            proptest::prop_assert_eq!(scan.last, last_boundary(&bytes[..len]));
        }
        proptest::prop_assert_eq!(scan.last, end);
        if let Some(b) = end {
            let mut split = records(&bytes[..b]);
            split.extend(records(&bytes[b..]));
            proptest::prop_assert_eq!(split, records(&bytes));
        }
    }
}

#[test]
fn newlines_are_counted() {
    let mut buf = b"a\n\n\rb\n".repeat(300);
    buf.extend([b'\n'; 600]);
    assert_eq!(newlines(&buf), 1500);
    assert_eq!(newlines(b""), 0);
}

/// The capped list is what `finish` makes of the full one.
#[test]
fn capped_errors_finish_as_the_full_list() {
    let max = crate::limits().row_errors;
    for n in [0, 1, max - 1, max, max + 1, max + 2, 3 * max + 7] {
        let all: Vec<CsvError> = (0..n as u64)
            .map(|line| CsvError::Row {
                file: format!("f{}.csv", line % 3),
                line,
                message: "bad".into(),
            })
            .collect();
        let want = finish((), all.clone());
        let mut capped = Errors::new();
        for chunk in all.chunks(7) {
            capped.extend(chunk.to_vec());
        }
        let got = capped.finish(());
        assert_eq!(got.errors, want.errors, "{n} errors");
    }
}
