//! `inspect` on every CSV of the shared corpus (`../shared/corpus`), skipped when it is absent.

use std::path::Path;

use super::{counts, inspect, mapped, text_columns, text_names};

/// Every CSV of the shared corpus: counts add up, and id, created, title and description are
/// mapped and filled in as the file has them.
#[test]
fn the_shared_corpus_is_read_whole_and_mapped() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let p = path.to_str().unwrap();
        let s = inspect(p, &[]);
        let expected = csv::Reader::from_path(&path).unwrap().records().count() as u64;
        let (read, tickets, rejected) = counts(&s);
        assert_eq!((read, tickets + rejected), (expected, read), "{p}");
        assert_eq!(rejected, 0, "{p}");
        assert_eq!(s["flavour"], "generic", "{p}");
        assert_eq!(
            (mapped(&s, "id"), mapped(&s, "title"), mapped(&s, "created")),
            ("id".into(), "title".into(), "created".into()),
            "{p}"
        );
        assert_eq!(text_columns(&s), ["title", "description"], "{p}");
        let all = s["tickets"].as_array().unwrap();
        assert_eq!(all.len() as u64, tickets);
        // Check against the file itself, read by the csv crate.
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        for (t, rec) in all.iter().zip(rdr.records()) {
            let rec = rec.unwrap();
            assert_eq!(t["id"].as_str().unwrap(), &rec[0], "{p}");
            let created = t["created"]
                .as_str()
                .map(|c| c[..10].to_string())
                .unwrap_or_default();
            assert_eq!(created, &rec[1], "{p}: {}", &rec[0]);
            let has_description = !rec[4].trim().is_empty();
            assert_eq!(
                text_names(t).contains(&"description"),
                has_description,
                "{p}: {}",
                &rec[0]
            );
        }
        assert!(
            s["warnings"].as_u64().unwrap() == 0,
            "{p}: {}",
            s["diagnostics"]
        );
    }
}
