//! Reading and validating catalog TOML files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::error::{Error, LineIndex, Location, Result};

/// The catalogs built into the binary: `(name, file name, TOML text)`. The first is the default.
pub const EMBEDDED: &[(&str, &str, &str)] = &[
    (
        "csirt-2.1",
        "index/first-csirt-2.1.toml",
        include_str!("../../index/first-csirt-2.1.toml"),
    ),
    (
        "psirt-1.1",
        "index/first-psirt-1.1.toml",
        include_str!("../../index/first-psirt-1.1.toml"),
    ),
    (
        "rsit",
        "index/rsit.toml",
        include_str!("../../index/rsit.toml"),
    ),
];

/// The level of an entry in the catalog's tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A service area (RSIT: a class).
    Area,
    /// A service (RSIT: a type).
    Service,
    /// A function of a service.
    Function,
}

impl Kind {
    /// The lower-case name used in the TOML schema and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Area => "area",
            Kind::Service => "service",
            Kind::Function => "function",
        }
    }
}

/// Index of an entry in its [`Catalog`]; cheap to copy and compare.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct EntryId(pub u32);

impl EntryId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One area, service or function.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Entry {
    /// Official id: `6`, `6.3`, `6.3.1`.
    pub id: String,
    /// Area, service or function.
    pub kind: Kind,
    /// The area of a service, the service of a function.
    #[serde(skip)]
    pub parent: Option<EntryId>,
    /// Short stable name for rules files (`artifact-analysis`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Exact official name.
    pub name: String,
    /// Short form of the name (`ISIM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abbr: Option<String>,
    /// Other spellings of the name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// What the entry covers, in our own words.
    pub description: String,
    /// Words and phrases that tickets exercising it use.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vocabulary: Vec<String>,
    /// Ids in the catalog named by `maps_to_catalog` (RSIT -> CSIRT v2.1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maps_to: Vec<String>,
    /// 1-based line of the entry in its file, for messages.
    #[serde(skip)]
    pub line: u64,
}

/// What a catalog says about itself.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogMeta {
    /// Full name of the framework.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Short name, as `--catalog` takes it and reports print it.
    pub short: String,
    /// Where the facts come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Added to the first number of a `rel:` id to get the official id (4 in CSIRT v2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_offset: Option<u32>,
    /// The catalog that `maps_to` ids refer to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maps_to_catalog: Option<String>,
    /// Display names of the three levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_names: Option<[String; 3]>,
    /// The catalog this one is a tailored copy of, keeping its ids (`csirt-2.1`): rules
    /// written for that catalog apply to this one, for the services it kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub based_on: Option<String>,
}

impl CatalogMeta {
    /// Whether rules written for catalog `short` apply: it is this catalog, or the one this
    /// catalog is a tailored copy of.
    pub fn takes_rules_for(&self, short: &str) -> bool {
        self.short == short || self.based_on.as_deref() == Some(short)
    }
}

/// A validated catalog: areas > services > functions, with lookups by id and slug.
#[derive(Clone, Debug)]
pub struct Catalog {
    meta: CatalogMeta,
    /// In tree order: each area, then its services, each followed by its functions.
    entries: Vec<Entry>,
    children: Vec<Vec<EntryId>>,
    by_key: HashMap<String, EntryId>,
    origin: PathBuf,
    fingerprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    catalog: Spanned<CatalogMeta>,
    #[serde(default)]
    area: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    service: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    function: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    #[serde(default)]
    area: Option<Spanned<String>>,
    #[serde(default)]
    service: Option<Spanned<String>>,
    #[serde(default)]
    slug: Option<Spanned<String>>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    abbr: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    vocabulary: Vec<String>,
    #[serde(default)]
    maps_to: Vec<String>,
}

impl Catalog {
    /// Loads an embedded catalog by name (`csirt-2.1`), or a TOML file by path.
    ///
    /// Fails with the list of embedded names when `name_or_path` is neither.
    pub fn load(name_or_path: &str) -> Result<Catalog> {
        if let Some((_, file, text)) = EMBEDDED.iter().find(|(n, _, _)| *n == name_or_path) {
            return Catalog::from_toml(text, Path::new(&format!("<embedded:{file}>")));
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            let names: Vec<&str> = EMBEDDED.iter().map(|(n, _, _)| *n).collect();
            return Err(Error::Usage(format!(
                "--catalog {name_or_path}: no such file, and not an embedded catalog ({})",
                names.join(", ")
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Catalog::from_toml(&text, path)
    }

    /// The default catalog (CSIRT Services Framework v2.1).
    pub fn default_embedded() -> Catalog {
        Catalog::from_toml(
            EMBEDDED[0].2,
            Path::new("<embedded:index/first-csirt-2.1.toml>"),
        )
        .expect("the embedded catalog is validated by the test suite")
    }

    /// Parses and validates a catalog; `origin` names it in messages.
    ///
    /// Errors name the file, the line and, where there is one, the id at fault.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Catalog> {
        let lines = LineIndex::new(origin, text);
        let at = |offset: usize| lines.at(offset);
        let raw: RawCatalog = toml::from_str(text).map_err(|e| {
            let loc = e
                .span()
                .map_or_else(|| Location::file(origin), |s| at(s.start));
            Error::invalid(
                loc,
                format!("not a valid catalog: {}", e.message().trim_end()),
                "see docs/catalog.md for the schema; unknown fields are refused so typos show",
            )
        })?;
        let meta_span = raw.catalog.span();
        let meta = raw.catalog.into_inner();
        for (field, value) in [
            ("name", &meta.name),
            ("version", &meta.version),
            ("short", &meta.short),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid(
                    at(meta_span.start),
                    format!("[catalog] has an empty `{field}`"),
                    "give the catalog a name, a version and a short name",
                ));
            }
        }

        let mut builder = Builder {
            lines: &lines,
            entries: Vec::new(),
            by_key: HashMap::new(),
        };
        for raw in raw.area {
            builder.add(raw, Kind::Area)?;
        }
        for raw in raw.service {
            builder.add(raw, Kind::Service)?;
        }
        for raw in raw.function {
            builder.add(raw, Kind::Function)?;
        }
        if builder.entries.is_empty() {
            return Err(Error::invalid(
                Location::file(origin),
                "the catalog has no [[area]]",
                "a catalog needs at least one area and one service",
            ));
        }
        let fingerprint = format!("sha256:{:x}", Sha256::digest(text.as_bytes()));
        Ok(builder.finish(meta, fingerprint))
    }

    /// What the catalog says about itself.
    pub fn meta(&self) -> &CatalogMeta {
        &self.meta
    }

    /// Where it was loaded from (`<embedded:...>` or a path).
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// SHA-256 of the catalog's text, as `sha256:<hex>`, for reports that must be reproducible.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Every entry in tree order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The ids of every entry in tree order.
    pub fn ids(&self) -> impl Iterator<Item = EntryId> + '_ {
        (0..self.entries.len() as u32).map(EntryId)
    }

    /// The entry behind an id.
    pub fn entry(&self, id: EntryId) -> &Entry {
        &self.entries[id.index()]
    }

    /// The entries of one kind, in tree order.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = EntryId> + '_ {
        self.ids().filter(move |&i| self.entry(i).kind == kind)
    }

    /// The services of an area or the functions of a service, in order.
    pub fn children(&self, id: EntryId) -> &[EntryId] {
        &self.children[id.index()]
    }

    /// The service an entry counts toward: itself for a service, its service for a function,
    /// `None` for an area.
    pub fn service_of(&self, id: EntryId) -> Option<EntryId> {
        match self.entry(id).kind {
            Kind::Area => None,
            Kind::Service => Some(id),
            Kind::Function => self.entry(id).parent,
        }
    }

    /// The area an entry belongs to (itself for an area).
    pub fn area_of(&self, id: EntryId) -> EntryId {
        let mut id = id;
        while let Some(parent) = self.entry(id).parent {
            id = parent;
        }
        id
    }

    /// Counts of areas, services and functions.
    pub fn counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for e in &self.entries {
            counts[e.kind as usize] += 1;
        }
        counts
    }

    /// The display name of a level (`service`, or `type` in RSIT).
    pub fn level_name(&self, kind: Kind) -> &str {
        match &self.meta.level_names {
            Some(names) => &names[kind as usize],
            None => kind.as_str(),
        }
    }

    /// Finds an entry by official id, slug or (in catalogs with a relative offset) `rel:` id.
    ///
    /// The relative scheme is never guessed: a bare `2.3` is the official `2.3`. When nothing
    /// matches, the error says what was tried and suggests close matches.
    pub fn resolve(&self, key: &str) -> std::result::Result<EntryId, String> {
        let key = key.trim();
        if let Some(&id) = self.by_key.get(key) {
            return Ok(id);
        }
        if let Some(&id) = self.by_key.get(&key.to_ascii_lowercase()) {
            return Ok(id);
        }
        if let Some(rel) = key.strip_prefix("rel:") {
            let Some(offset) = self.meta.relative_offset else {
                return Err(format!(
                    "`{key}`: catalog {} has no relative numbering",
                    self.meta.short
                ));
            };
            let official = to_official(rel, offset)
                .ok_or_else(|| format!("`{key}`: not a relative id such as rel:2.3"))?;
            return self.by_key.get(&official).copied().ok_or_else(|| {
                format!(
                    "`{key}` (official {official}) is not in catalog {}",
                    self.meta.short
                )
            });
        }
        let mut msg = format!(
            "`{key}` is not an id or slug of catalog {}",
            self.meta.short
        );
        if let Some(offset) = self.meta.relative_offset {
            if let Some(official) = to_official(key, offset) {
                if self.by_key.contains_key(&official) {
                    msg.push_str(&format!(
                        " (if you meant the relative numbering, write rel:{key}, which is {official})"
                    ));
                    return Err(msg);
                }
            }
        }
        let close = self.close_to(key);
        if !close.is_empty() {
            msg.push_str(&format!("; did you mean {}?", close.join(" or ")));
        }
        Err(msg)
    }

    /// Up to three ids or slugs close to a mistyped `key` (`6.44` -> `6.4`, `incident-anlysis`
    /// -> `incident-analysis`), as "`6.4` (Mitigation and recovery)", closest first.
    fn close_to(&self, key: &str) -> Vec<String> {
        let key = key.to_lowercase();
        // Ids are short: one edit apart is close. Slugs and names are words: by similarity.
        let mut scored: Vec<(f64, &str, EntryId)> = self
            .by_key
            .iter()
            .filter_map(|(k, &id)| {
                let numeric = k.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                let score = if numeric {
                    let d = strsim::levenshtein(&key, k);
                    (d <= 1).then(|| 1.0 - d as f64 / 10.0)?
                } else {
                    let s = strsim::jaro_winkler(&key, k);
                    (s >= 0.85).then_some(s)?
                };
                Some((score, k.as_str(), id))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut seen: Vec<EntryId> = Vec::new();
        let mut out = Vec::new();
        for (_, k, id) in scored {
            if seen.contains(&id) || out.len() == 3 {
                continue;
            }
            seen.push(id);
            out.push(format!("`{k}` ({})", self.entry(id).name));
        }
        out
    }

    /// The id and name, as `6.3 Artifact and forensic evidence analysis`.
    pub fn label(&self, id: EntryId) -> String {
        let e = self.entry(id);
        format!("{} {}", e.id, e.name)
    }
}

/// `2.3` with offset 4 -> `6.3`.
fn to_official(relative: &str, offset: u32) -> Option<String> {
    let (first, rest) = match relative.split_once('.') {
        Some((f, r)) => (f, Some(r)),
        None => (relative, None),
    };
    let n: u32 = first.parse().ok()?;
    let official = n.checked_add(offset)?;
    Some(match rest {
        Some(rest) => format!("{official}.{rest}"),
        None => official.to_string(),
    })
}

struct Builder<'a> {
    lines: &'a LineIndex<'a>,
    entries: Vec<Entry>,
    by_key: HashMap<String, EntryId>,
}

impl Builder<'_> {
    fn at(&self, offset: usize) -> Location {
        self.lines.at(offset)
    }

    fn add(&mut self, raw: Spanned<RawEntry>, kind: Kind) -> Result<()> {
        let span = raw.span();
        let raw = raw.into_inner();
        let id = raw.id.get_ref().trim().to_string();
        let id_at = self.at(raw.id.span().start);
        let here = self.at(span.start);
        let bad =
            |at: Location, message: String, hint: &str| Err(Error::invalid(at, message, hint));
        if id.is_empty() {
            return bad(
                id_at,
                format!("a {} has an empty id", kind.as_str()),
                "give every entry an id such as 6.3",
            );
        }
        if let Some(&prev) = self.by_key.get(&id) {
            let prev = &self.entries[prev.index()];
            return bad(
                id_at,
                format!(
                    "duplicate id `{id}` (already used at line {} by `{}`)",
                    prev.line, prev.name
                ),
                "ids must be unique across areas, services and functions",
            );
        }
        if raw.name.trim().is_empty() {
            return bad(
                here,
                format!("`{id}` has an empty name"),
                "give every entry its official name",
            );
        }
        if raw.description.trim().is_empty() {
            return bad(
                here,
                format!("`{id}` has an empty description"),
                "describe in a sentence what the team does in it",
            );
        }
        // The parent field that this level needs, and the ones it must not have.
        let (parent_field, parent_kind, wrong) = match kind {
            Kind::Area => (
                None,
                None,
                [
                    ("area", raw.area.as_ref()),
                    ("service", raw.service.as_ref()),
                ],
            ),
            Kind::Service => (
                raw.area.as_ref().map(|p| ("area", p)),
                Some(Kind::Area),
                [("service", raw.service.as_ref()), ("", None)],
            ),
            Kind::Function => (
                raw.service.as_ref().map(|p| ("service", p)),
                Some(Kind::Service),
                [("area", raw.area.as_ref()), ("", None)],
            ),
        };
        if let Some((field, value)) = wrong.iter().find_map(|(f, v)| v.map(|v| (*f, v))) {
            return bad(
                self.at(value.span().start),
                format!("`{id}`: a {} has no `{field}` field", kind.as_str()),
                "services name their `area`, functions their `service`",
            );
        }
        let parent = match (parent_kind, parent_field) {
            (None, _) => None,
            (Some(pk), None) => {
                return bad(
                    here,
                    format!(
                        "{} `{id}` does not say which {} it belongs to",
                        kind.as_str(),
                        pk.as_str()
                    ),
                    if kind == Kind::Service {
                        "add area = \"...\""
                    } else {
                        "add service = \"...\""
                    },
                )
            }
            (Some(pk), Some((field, value))) => {
                let target = value.get_ref().trim();
                match self.by_key.get(target).copied() {
                    Some(p)
                        if self.entries[p.index()].kind == pk
                            && self.entries[p.index()].id == target =>
                    {
                        Some(p)
                    }
                    _ => {
                        return bad(
                            self.at(value.span().start),
                            format!(
                                "{} `{id}`: its {field} `{target}` is not defined",
                                kind.as_str()
                            ),
                            if kind == Kind::Service {
                                "add an [[area]] with that id, or fix the id"
                            } else {
                                "add a [[service]] with that id, or fix the id"
                            },
                        )
                    }
                }
            }
        };
        let slug = match raw.slug {
            Some(s) => {
                let slug = s.get_ref().trim().to_string();
                let slug_at = self.at(s.span().start);
                if slug.is_empty()
                    || !slug
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    return bad(
                        slug_at,
                        format!("`{id}`: slug `{slug}` is not made of a-z, 0-9 and -"),
                        "write slugs like artifact-analysis",
                    );
                }
                if let Some(&prev) = self.by_key.get(&slug) {
                    return bad(
                        slug_at,
                        format!(
                            "`{id}`: slug `{slug}` is already taken by `{}`",
                            self.entries[prev.index()].id
                        ),
                        "slugs must be unique and differ from every id",
                    );
                }
                Some(slug)
            }
            None if kind == Kind::Service => {
                return bad(
                    here,
                    format!("service `{id}` has no slug"),
                    "add slug = \"short-name\" so rules files can name it",
                );
            }
            None => None,
        };
        let entry_id = EntryId(self.entries.len() as u32);
        self.by_key.insert(id.clone(), entry_id);
        if let Some(slug) = &slug {
            self.by_key.insert(slug.clone(), entry_id);
        }
        self.entries.push(Entry {
            id,
            kind,
            parent,
            slug,
            name: raw.name.trim().to_string(),
            abbr: raw.abbr,
            aliases: raw.aliases,
            description: raw.description.trim().to_string(),
            vocabulary: raw.vocabulary,
            maps_to: raw.maps_to,
            line: here.line,
        });
        Ok(())
    }

    /// Puts the entries in tree order and indexes them.
    fn finish(self, meta: CatalogMeta, fingerprint: String) -> Catalog {
        let n = self.entries.len();
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            match e.parent {
                Some(p) => kids[p.index()].push(i),
                None => roots.push(i),
            }
        }
        let mut order = Vec::with_capacity(n);
        fn walk(i: usize, kids: &[Vec<usize>], order: &mut Vec<usize>) {
            order.push(i);
            for &k in &kids[i] {
                walk(k, kids, order);
            }
        }
        for r in roots {
            walk(r, &kids, &mut order);
        }
        let mut new_of_old = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            new_of_old[old] = new as u32;
        }
        let mut old_entries: Vec<Option<Entry>> = self.entries.into_iter().map(Some).collect();
        let mut entries = Vec::with_capacity(n);
        for &old in &order {
            let mut e = old_entries[old].take().expect("each entry is placed once");
            e.parent = e.parent.map(|p| EntryId(new_of_old[p.index()]));
            entries.push(e);
        }
        let mut children = vec![Vec::new(); n];
        for (i, e) in entries.iter().enumerate() {
            if let Some(p) = e.parent {
                children[p.index()].push(EntryId(i as u32));
            }
        }
        let by_key = self
            .by_key
            .into_iter()
            .map(|(k, v)| (k, EntryId(new_of_old[v.index()])))
            .collect();
        Catalog {
            meta,
            entries,
            children,
            by_key,
            origin: self.lines.origin().to_path_buf(),
            fingerprint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[catalog]
name = "Small"
version = "1"
short = "small"
relative_offset = 4

[[area]]
id = "6"
name = "Incident Management"
description = "Handling incidents."

[[service]]
id = "6.3"
area = "6"
slug = "artifact-analysis"
name = "Artifact analysis"
description = "Looking at malware."
vocabulary = ["sandbox"]

[[function]]
id = "6.3.2"
service = "6.3"
name = "Reverse engineering"
description = "Taking samples apart."
"#;

    fn load(text: &str) -> Result<Catalog> {
        Catalog::from_toml(text, Path::new("team.toml"))
    }

    fn error_of(text: &str) -> String {
        load(text).expect_err("the catalog is invalid").to_string()
    }

    #[test]
    fn every_embedded_catalog_loads_with_its_counts() {
        let counts: Vec<(&str, [usize; 3])> = EMBEDDED
            .iter()
            .map(|(name, _, _)| {
                (
                    *name,
                    Catalog::load(name)
                        .expect("embedded catalog loads")
                        .counts(),
                )
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("csirt-2.1", [5, 21, 76]),
                ("psirt-1.1", [6, 28, 84]),
                ("rsit", [11, 39, 0])
            ]
        );
    }

    #[test]
    fn ids_slugs_and_prefixed_relative_ids_resolve_to_the_official_entry() {
        let c = load(SMALL).unwrap();
        let id = c.resolve("6.3").unwrap();
        assert_eq!(c.resolve("artifact-analysis"), Ok(id));
        assert_eq!(c.resolve("rel:2.3"), Ok(id));
        assert_eq!(c.entry(c.resolve("rel:2.3.2").unwrap()).id, "6.3.2");
        assert_eq!(c.service_of(c.resolve("6.3.2").unwrap()), Some(id));
    }

    #[test]
    fn a_bare_relative_id_is_not_guessed_but_the_error_suggests_the_prefix() {
        let c = load(SMALL).unwrap();
        let err = c.resolve("2.3").unwrap_err();
        assert!(err.contains("rel:2.3"), "{err}");
    }

    #[test]
    fn a_mistyped_id_or_slug_gets_a_did_you_mean() {
        let c = Catalog::default_embedded();
        let err = c.resolve("6.44").unwrap_err();
        assert!(
            err.contains("did you mean `6.4` (Mitigation and recovery)"),
            "{err}"
        );
        let err = c.resolve("incident-anlysis").unwrap_err();
        assert!(
            err.contains(
                "did you mean `incident-analysis` (Information security incident analysis)"
            ),
            "{err}"
        );
        // Nothing close: no guess.
        let err = c.resolve("printer").unwrap_err();
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn a_duplicate_id_is_reported_with_its_line_and_the_first_definition() {
        let text = format!("{SMALL}\n[[function]]\nid = \"6.3.2\"\nservice = \"6.3\"\nname = \"Again\"\ndescription = \"x\"\n");
        let err = error_of(&text);
        assert!(
            err.starts_with("team.toml:28:6: error: duplicate id `6.3.2` (already used at line 21"),
            "{err}"
        );
    }

    #[test]
    fn a_function_whose_service_is_missing_is_reported_at_the_parent_field() {
        let text = SMALL.replace("service = \"6.3\"", "service = \"6.9\"");
        let err = error_of(&text);
        assert!(
            err.starts_with(
                "team.toml:23:11: error: function `6.3.2`: its service `6.9` is not defined"
            ),
            "{err}"
        );
    }

    #[test]
    fn an_empty_name_and_an_unknown_field_are_errors_with_lines() {
        let err = error_of(&SMALL.replace("name = \"Reverse engineering\"", "name = \"\""));
        assert!(
            err.starts_with("team.toml:21:1: error: `6.3.2` has an empty name"),
            "{err}"
        );
        let err = error_of(&SMALL.replace(
            "vocabulary = [\"sandbox\"]",
            "vocabulary = [\"sandbox\"]\nkeywords = [\"x\"]",
        ));
        assert!(
            err.starts_with("team.toml:20:1: error: not a valid catalog: unknown field `keywords`"),
            "{err}"
        );
    }

    #[test]
    fn a_service_needs_a_valid_unique_slug() {
        let err = error_of(&SMALL.replace(
            "slug = \"artifact-analysis\"",
            "slug = \"Artifact Analysis\"",
        ));
        assert!(
            err.contains("slug `Artifact Analysis` is not made of"),
            "{err}"
        );
        let err = error_of(&SMALL.replace("slug = \"artifact-analysis\"\n", ""));
        assert!(err.contains("service `6.3` has no slug"), "{err}");
        let err = error_of(&SMALL.replace("slug = \"artifact-analysis\"", "slug = \"6\""));
        assert!(err.contains("slug `6` is already taken by `6`"), "{err}");
    }

    #[test]
    fn entries_come_back_in_tree_order_whatever_the_file_order() {
        let text = format!("{SMALL}\n[[service]]\nid = \"5.1\"\narea = \"5\"\nslug = \"mon\"\nname = \"Monitoring\"\ndescription = \"x\"\n[[area]]\nid = \"5\"\nname = \"Events\"\ndescription = \"x\"\n");
        let c = load(&text).unwrap();
        let ids: Vec<&str> = c.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["6", "6.3", "6.3.2", "5", "5.1"]);
        let err = error_of(&text.replace("area = \"5\"", "area = \"4\""));
        assert!(
            err.contains("service `5.1`: its area `4` is not defined"),
            "{err}"
        );
    }
}
