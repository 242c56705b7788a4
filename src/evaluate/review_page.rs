//! The review page: one self-contained HTML file to label a [`Sample`] in a browser.
//!
//! Each ticket shows with the words of the fired rules highlighted in their service's area
//! colour, the predicted services, and every service of the catalog to tick (the first ticked
//! is the primary, or the one chosen). It is driven by the keyboard (type `6.4 6.1` and Enter;
//! `a` accepts the prediction, `x` says no service applies; `?` lists the keys), keeps its
//! progress in the browser's local storage (keyed by the sample, so two samples never mix), and
//! saves the labels CSV that `review -o FILE.csv` writes, with `services`, `primary` and
//! `note` filled in: `evaluate --gold` and `report --calibrate` read it as they read that one.
//!
//! Safety: ticket text is data, never markup. The sample travels as JSON in a
//! `<script type="application/json">` element with `<`, `>` and `&` written as `\u` escapes
//! (no `</script>` in a subject can close it); the page's script puts every text into the
//! document with `textContent`, never as HTML. As in the report, a Content-Security-Policy
//! allows only the page's own scripts (by hash) and inline styles, and the script records any
//! error in `<body data-errors>` for the browser test. The saved CSV gets the same formula
//! guard as the CSV form (a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
//! gets a leading `'`), unless the page was written with `--raw`.

use std::io::{self, Write};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::review::{Sample, ServiceWords, COLUMNS};
use crate::catalog::{Catalog, Kind};
use crate::output::escape::html as h;
use crate::report::html::{csp_hash, ON_ERROR, PALETTE};

const STYLE: &str = include_str!("review_page/style.css");
const SCRIPT: &str = include_str!("review_page/script.js");

/// The schema of the page's embedded data.
pub const SCHEMA: &str = "csirt-tagger/review-page v1";

/// What the page says besides the sample.
#[derive(Debug)]
pub struct PageOptions<'a> {
    /// The inputs, by index (as `Drawn::source` counts them).
    pub inputs: &'a [String],
    /// The file name the page saves the labels under.
    pub save_as: &'a str,
    /// The seed of the draw (shown, and part of the storage key).
    pub seed: u64,
    /// Leave formula-like cells as they are in the saved CSV.
    pub raw: bool,
    /// The tool and version that wrote the page.
    pub tool: &'a str,
}

#[derive(Serialize)]
struct Data<'a> {
    schema: &'static str,
    key: String,
    save_as: &'a str,
    raw: bool,
    seed: u64,
    population: u64,
    columns: [&'static str; 13],
    areas: Vec<Area<'a>>,
    services: Vec<Service<'a>>,
    tickets: Vec<PageTicket<'a>>,
}

#[derive(Serialize)]
struct Area<'a> {
    id: &'a str,
    name: &'a str,
    colour: &'static str,
}

#[derive(Serialize)]
struct Service<'a> {
    id: &'a str,
    name: &'a str,
    area: &'a str,
    /// Other keys a reviewer may type: slug, abbreviation, and the ids of its functions.
    keys: Vec<String>,
}

#[derive(Serialize)]
struct PageTicket<'a> {
    id: &'a str,
    part: &'static str,
    reason: &'static str,
    input: &'a str,
    line: u64,
    time_spent_s: Option<f64>,
    title: &'a str,
    text: &'a str,
    predicted_services: &'a [String],
    predicted_primary: Option<&'a str>,
    words: &'a [ServiceWords],
}

/// Writes the review page of `sample`.
pub fn write(
    out: &mut dyn Write,
    sample: &Sample,
    catalog: &Catalog,
    options: &PageOptions<'_>,
) -> io::Result<()> {
    let areas: Vec<Area> = catalog
        .of_kind(Kind::Area)
        .enumerate()
        .map(|(i, a)| Area {
            id: &catalog.entry(a).id,
            name: &catalog.entry(a).name,
            colour: PALETTE[i % PALETTE.len()],
        })
        .collect();
    let services: Vec<Service> = catalog
        .of_kind(Kind::Service)
        .map(|s| {
            let e = catalog.entry(s);
            let mut keys: Vec<String> = e.slug.iter().chain(&e.abbr).cloned().collect();
            keys.extend(
                catalog
                    .children(s)
                    .iter()
                    .map(|f| catalog.entry(*f).id.clone()),
            );
            Service {
                id: &e.id,
                name: &e.name,
                area: &catalog.entry(catalog.area_of(s)).id,
                keys,
            }
        })
        .collect();
    let tickets: Vec<PageTicket> = sample
        .rows()
        .map(|(part, d)| PageTicket {
            id: &d.id,
            part,
            reason: d.reason.as_str(),
            input: options.inputs.get(d.source).map_or("", String::as_str),
            line: d.line,
            time_spent_s: d.time_s,
            title: &d.title,
            text: &d.text,
            predicted_services: &d.services,
            predicted_primary: d.primary.as_deref(),
            words: &d.words,
        })
        .collect();
    // The storage key: the same sample (seed, inputs, tickets) finds its progress again; any
    // other sample starts afresh.
    let mut hash = Sha256::new();
    hash.update(options.seed.to_le_bytes());
    for t in &tickets {
        for part in [t.input, t.id, t.part] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update(t.line.to_le_bytes());
    }
    let key: String = hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let data = Data {
        schema: SCHEMA,
        key,
        save_as: options.save_as,
        raw: options.raw,
        seed: options.seed,
        population: sample.population,
        columns: COLUMNS,
        areas,
        services,
        tickets,
    };
    let json = serde_json::to_string(&data).map_err(io::Error::other)?;
    let title = format!(
        "Review {} tickets — {}",
        data.tickets.len(),
        if options.inputs.len() == 1 {
            options.inputs[0].clone()
        } else {
            format!("{} exports", options.inputs.len())
        }
    );
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src {} {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(ON_ERROR),
        csp_hash(SCRIPT)
    );
    let mut page = String::with_capacity(json.len() + SCRIPT.len() + STYLE.len() + 4096);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<title>{}</title>\n<script>{ON_ERROR}</script>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        h(&title)
    ));
    page.push_str(&format!(
        "<header class=\"top\"><h1>{}</h1><div class=\"bar\"><span id=\"progress\" aria-live=\"polite\"></span><progress id=\"meter\" max=\"1\" value=\"0\"></progress><button type=\"button\" id=\"save\" title=\"Save the labels CSV (s)\">Save labels CSV</button><button type=\"button\" id=\"help-button\" title=\"Keys (?)\">Keys</button></div></header>\n",
        h(&title)
    ));
    page.push_str(
        "<noscript><p class=\"noscript\">This page needs JavaScript to label tickets. Without it, label the CSV form instead: <code>csirt-tagger review EXPORT -o sample.csv</code>.</p></noscript>\n\
<main class=\"review\">\n<nav id=\"list\" aria-label=\"Tickets\"></nav>\n<section id=\"ticket\" aria-live=\"polite\"></section>\n</main>\n",
    );
    page.push_str(&format!(
        "<aside id=\"help\" hidden><h2>Keys</h2><table>\n{}</table><p>Ids are the catalog's (<code>6.4</code>, or <code>64</code>; a function's id counts as its service), slugs or abbreviations. The labels are kept in this browser until you save them; the saved file is what <code>csirt-tagger evaluate --gold</code> and <code>report --calibrate</code> read.</p></aside>\n",
        [
            ("6.4 6.1 Enter", "label the ticket (first = primary) and go to the next; <code>none</code> = no service applies"),
            ("a", "accept the predicted services"),
            ("x", "no service applies"),
            ("c", "clear this ticket's label"),
            ("j / →", "next ticket"),
            ("k / ←", "previous ticket"),
            ("u", "next ticket not labelled yet"),
            ("/ or e", "type services"),
            ("n", "write a note"),
            ("s", "save the labels CSV"),
            ("? / Esc", "show / hide these keys"),
        ]
        .iter()
        .map(|(k, what)| format!("<tr><th scope=\"row\"><kbd>{}</kbd></th><td>{what}</td></tr>\n", h(k)))
        .collect::<String>()
    ));
    page.push_str(&format!(
        "<footer>Made by {} · seed {} · {} drawn of {} tickets read · labels saved as <code>{}</code></footer>\n",
        h(options.tool),
        options.seed,
        data.tickets.len(),
        sample.population,
        h(options.save_as)
    ));
    page.push_str("<script type=\"application/json\" id=\"sample\">");
    page.push_str(&script_safe(&json));
    page.push_str("</script>\n");
    page.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out.write_all(page.as_bytes())
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` (only ever inside strings in
/// JSON) as `\u` escapes, so nothing in it can end the element or open a comment.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Valid in JSON strings, but line terminators in older JavaScript parsers.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::review::{Drawn, Reason};

    fn sample(title: &str) -> Sample {
        Sample {
            random: vec![Drawn {
                rank: 1,
                reason: Reason::Random,
                source: 0,
                line: 2,
                id: "=HYPERLINK(\"x\")".into(),
                title: title.into(),
                text: "Body </script><script>alert(1)</script> & more".into(),
                services: vec!["6.4".into()],
                primary: Some("6.4".into()),
                closeness: 0.0,
                time_s: Some(3600.0),
                words: vec![ServiceWords {
                    service: "6.4".into(),
                    words: vec!["ransomware".into()],
                }],
            }],
            targeted: Vec::new(),
            population: 10,
        }
    }

    fn page(sample: &Sample) -> String {
        let mut out = Vec::new();
        let inputs = ["export <1>.csv".to_string()];
        write(
            &mut out,
            sample,
            &Catalog::default_embedded(),
            &PageOptions {
                inputs: &inputs,
                save_as: "sample.csv",
                seed: 7,
                raw: false,
                tool: "csirt-tagger test",
            },
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ticket_text_cannot_leave_the_data_element() {
        let page = page(&sample("<img src=x onerror=alert(1)> ransomware"));
        let data_start = page
            .find("<script type=\"application/json\" id=\"sample\">")
            .unwrap();
        let data_end = data_start + page[data_start..].find("</script>").unwrap();
        let data = &page[data_start..data_end];
        assert!(!data[1..].contains('<'), "no `<` inside the data element");
        assert!(data.contains("\\u003cimg src=x onerror=alert(1)\\u003e"));
        assert!(data.contains("\\u003c/script\\u003e"));
        // Only our two scripts and the data element: a title cannot add one.
        assert_eq!(page.matches("<script").count(), 3);
        // The input name is escaped in the page's title.
        assert!(page.contains("<title>Review 1 tickets — export &lt;1&gt;.csv</title>"));
        // The JSON parses back to what was given.
        let json = &data[data.find('>').unwrap() + 1..];
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(
            v["tickets"][0]["title"],
            "<img src=x onerror=alert(1)> ransomware"
        );
        assert_eq!(v["tickets"][0]["words"][0]["words"][0], "ransomware");
        assert_eq!(v["services"].as_array().unwrap().len(), 21);
        assert_eq!(v["columns"][10], "services");
    }

    #[test]
    fn the_storage_key_follows_the_sample() {
        let key = |s: &Sample| {
            let page = page(s);
            let at = page.find("\"key\":\"").unwrap() + 7;
            page[at..at + 24].to_string()
        };
        let a = sample("one");
        let mut b = sample("one");
        assert_eq!(key(&a), key(&b), "same sample, same key");
        b.random[0].line = 3;
        assert_ne!(key(&a), key(&b), "another ticket, another key");
    }

    #[test]
    fn the_content_security_policy_allows_exactly_the_page_scripts() {
        let page = page(&sample("t"));
        assert!(page.contains(&csp_hash(SCRIPT)));
        assert!(page.contains(&csp_hash(ON_ERROR)));
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
    }
}
