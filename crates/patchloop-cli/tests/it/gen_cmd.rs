//! `patchloop gen`: the same flags give the same bytes, and the result validates.
use crate::{patchloop, scratch};

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn same_seed_same_bytes_and_it_validates() {
    let (a, b) = (scratch("gen_a"), scratch("gen_b"));
    for d in [&a, &b] {
        let o = patchloop(&[
            "gen",
            "--hosts",
            "300",
            "--seed",
            "42",
            "--out",
            d.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.len() >= 9,
        "{:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(fa == fb, "two runs with the same seed differ");
    let o = patchloop(&["validate", a.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
