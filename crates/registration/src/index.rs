//! The name index: for each scope (the country, a province, a district) a hash map from a unit's
//! folded name (and each source alias) to the units of that scope, built once from the tables.
//! A look-up reads a run of words with or without a type prefix ("Phường", "P.", "TP") and never
//! scans a table.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use crate::text::{Words, accented_key, folded_key};
use crate::units::{TABLES, UnitKind};

/// Words a name may take at most (prefix included): the longest name has 5 words, "Phường Văn
/// Miếu - Quốc Tử Giám" 7 with its prefix.
const MAX_SPAN: usize = 9;

/// The level a look-up is at: it decides which type prefixes are read as prefixes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Provinces, old or new.
    Province,
    /// Old districts.
    District,
    /// Communes in force since 1 July 2025.
    Commune,
    /// Old communes.
    OldCommune,
}

impl Level {
    /// The prefixes read as a unit type at this level.
    fn reads(self, kind: UnitKind) -> bool {
        use UnitKind::*;
        match self {
            Self::Province => matches!(kind, Tinh | ThanhPho),
            Self::District => matches!(kind, Quan | Huyen | ThiXa | ThanhPho),
            Self::Commune => matches!(kind, Phuong | Xa | DacKhu | ThiTran),
            Self::OldCommune => matches!(kind, Phuong | Xa | ThiTran),
        }
    }

    /// A written type that differs from the table's but is accepted (with a warning) when no
    /// unit of the written type has the name: units change type (a xã becomes a phường, a thị xã
    /// a thành phố) while old cards keep the old word. "Thị trấn" never names a new commune: it
    /// marks an old address.
    fn tolerates(self, written: UnitKind) -> bool {
        !(self == Self::Commune && written == UnitKind::ThiTran)
    }
}

/// One prefix as it may be written.
struct Prefix {
    /// Each word's folded and accented form.
    words: Vec<(String, String)>,
    kind: UnitKind,
    /// An abbreviation: only read without diacritics, and a one-letter one only with its dot.
    abbreviation: bool,
}

static PREFIXES: LazyLock<Vec<Prefix>> = LazyLock::new(|| {
    let full = UnitKind::ALL.into_iter().map(|kind| Prefix {
        words: kind
            .prefix()
            .split(' ')
            .map(|w| (folded_key(w), accented_key(w)))
            .collect(),
        kind,
        abbreviation: false,
    });
    let short = [
        ("tp", UnitKind::ThanhPho),
        ("t p", UnitKind::ThanhPho),
        ("tx", UnitKind::ThiXa),
        ("tt", UnitKind::ThiTran),
        ("t", UnitKind::Tinh),
        ("q", UnitKind::Quan),
        ("h", UnitKind::Huyen),
        ("p", UnitKind::Phuong),
        ("x", UnitKind::Xa),
    ]
    .into_iter()
    .map(|(text, kind)| Prefix {
        words: text
            .split(' ')
            .map(|w| (w.to_owned(), w.to_owned()))
            .collect(),
        kind,
        abbreviation: true,
    });
    full.chain(short).collect()
});

/// Whether words `at..at + p.words.len()` are written as prefix `p`.
fn is_prefix(p: &Prefix, w: &Words, at: usize) -> bool {
    let n = p.words.len();
    p.words.iter().enumerate().all(|(k, (f, a))| {
        let i = at + k;
        let Some(word) = w.words.get(i) else {
            return false;
        };
        if w.folded_word(i) != f {
            return false;
        }
        if p.abbreviation {
            // "Q1" and "Q. 1" are Quận 1; a lone "h", "t" or "x" is a letter of a name
            // ("Ea H'Leo") unless a dot makes it an abbreviation.
            !word.marked && (f.len() > 1 || n > 1 || word.dotted || *f == "q" || *f == "p")
        } else {
            !word.marked || w.accented_word(i) == a
        }
    })
}

/// A text cut into words, with the type prefix (if any) starting at each word worked out once.
pub(crate) struct Text {
    inner: Words,
    /// For each word, the prefix written from it on: its type and how many words it takes.
    prefixes: Vec<Option<(UnitKind, usize)>>,
}

impl std::ops::Deref for Text {
    type Target = Words;

    fn deref(&self) -> &Words {
        &self.inner
    }
}

impl Text {
    pub fn new(text: &str) -> Self {
        let words = Words::new(text);
        let prefixes = (0..words.words.len())
            .map(|i| {
                PREFIXES
                    .iter()
                    .find(|p| is_prefix(p, &words, i))
                    .map(|p| (p.kind, p.words.len()))
            })
            .collect();
        Self {
            inner: words,
            prefixes,
        }
    }

    fn prefix_from(&self, i: usize) -> Option<(UnitKind, usize)> {
        self.prefixes.get(i).copied().flatten()
    }

    /// The unit type written at the start of `range`, and how many words it takes (leaving one
    /// at least for the name).
    fn prefix_at(&self, range: &Range<usize>) -> Option<(UnitKind, usize)> {
        self.prefix_from(range.start)
            .filter(|(_, n)| range.len() > *n)
    }

    /// Whether a name starting at word `at` (found in the part from word `from` on) leaves out
    /// a type prefix written before it: one that runs into it ("xã Sơn Tây" of "Thị xã Sơn
    /// Tây") or ends right before it ("Giao Thủy" of "Huyện Giao Thủy"): the name is then
    /// written as a unit of that type, not of the level looked for. At the commune level (the
    /// last of a new address), a prefix anywhere before a name that has none of its own also
    /// rules it out ("Từ Liêm" of "Quận Nam Từ Liêm"), while "Thôn 3 Hạc Thành" keeps "Hạc
    /// Thành".
    fn cuts_a_prefix(&self, from: usize, at: usize, end: usize, level: Level) -> bool {
        let own = self.prefix_at(&(at..end)).is_some();
        (from..at).any(|i| {
            self.prefix_from(i)
                .is_some_and(|(_, n)| i + n >= at || (level == Level::Commune && !own))
        })
    }
}

/// A unit found by a look-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Index in its table.
    pub unit: usize,
    /// Found by one of the source's aliases (a former or variant name), not by its name.
    pub alias: bool,
    /// Written with another type than the table's.
    pub kind_differs: bool,
}

#[derive(Debug)]
struct Entry {
    unit: usize,
    kind: UnitKind,
    accented: Box<str>,
    alias: bool,
    /// A name that is only a number ("Quận 1", "Phường 5"): found only with its type.
    needs_prefix: bool,
}

/// The names and aliases of one scope.
#[derive(Debug, Default)]
pub(crate) struct NameMap {
    map: HashMap<Box<str>, Vec<Entry>>,
}

impl NameMap {
    fn add_name(&mut self, unit: usize, name: &str) {
        let Some((kind, short)) = UnitKind::split(name) else {
            return;
        };
        let key = folded_key(short);
        let needs_prefix = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit());
        self.map.entry(key.into()).or_default().push(Entry {
            unit,
            kind,
            accented: accented_key(short).into(),
            alias: false,
            needs_prefix,
        });
    }

    fn add_alias(&mut self, unit: usize, kind: UnitKind, alias: &str) {
        let key = folded_key(alias);
        let list = self.map.entry(key.clone().into()).or_default();
        if !list.iter().any(|e| e.unit == unit) {
            list.push(Entry {
                unit,
                kind,
                accented: key.into(),
                alias: true,
                needs_prefix: false,
            });
        }
    }

    /// The units named by words `range` at `level`: with a type prefix, those of that type
    /// first, then (flagged) those of another type of the level; then the whole run as a name
    /// or alias. Several units that fold alike are narrowed to those whose diacritics match when
    /// the text has diacritics.
    pub fn lookup(&self, w: &Text, range: Range<usize>, level: Level) -> Vec<Hit> {
        if let Some((kind, n)) = w.prefix_at(&range).filter(|(k, _)| level.reads(*k)) {
            let rest = range.start + n..range.end;
            let entries = self.entries(w.folded_key(rest.clone()));
            // A former or variant name may have had another type: aliases match any type.
            let exact: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.kind == kind || e.alias)
                .collect();
            if !exact.is_empty() {
                return narrow(exact, w, rest, false);
            }
            if level.tolerates(kind) && !entries.is_empty() {
                return narrow(entries.iter().collect(), w, rest, true);
            }
        }
        let whole: Vec<&Entry> = self
            .entries(w.folded_key(range.clone()))
            .iter()
            .filter(|e| !e.needs_prefix)
            .collect();
        narrow(whole, w, range, false)
    }

    fn entries(&self, key: &str) -> &[Entry] {
        self.map.get(key).map_or(&[], Vec::as_slice)
    }

    /// The longest run of words ending at `end`, within one comma-separated part, that names
    /// units of this scope: its start and the units.
    pub fn find(&self, w: &Text, end: usize, level: Level) -> Option<(usize, Vec<Hit>)> {
        let part = w.words.get(end.checked_sub(1)?)?.part;
        let mut first = end - 1;
        while first > 0 && w.words[first - 1].part == part && end - first < MAX_SPAN {
            first -= 1;
        }
        (first..end).find_map(|start| {
            if w.cuts_a_prefix(first, start, end, level) {
                return None;
            }
            let hits = self.lookup(w, start..end, level);
            (!hits.is_empty()).then_some((start, hits))
        })
    }
}

/// Keeps the units whose diacritics match when several fold alike; one hit per unit, by name
/// before alias.
fn narrow(entries: Vec<&Entry>, w: &Words, range: Range<usize>, kind_differs: bool) -> Vec<Hit> {
    let mut entries = entries;
    // A text written with diacritics anywhere means what it says where it has none ("Thanh An"
    // is not "Thạnh An"); a text without any may mean either.
    if entries.len() > 1 && w.marked(0..w.words.len()) {
        let accented = w.accented_key(range);
        let same: Vec<&Entry> = entries
            .iter()
            .copied()
            .filter(|e| &*e.accented == accented)
            .collect();
        if !same.is_empty() {
            entries = same;
        }
    }
    entries.sort_by_key(|e| (e.unit, e.alias));
    entries.dedup_by_key(|e| e.unit);
    entries
        .into_iter()
        .map(|e| Hit {
            unit: e.unit,
            alias: e.alias,
            kind_differs,
        })
        .collect()
}

/// Every scope's names.
pub(crate) struct Index {
    pub provinces: NameMap,
    /// By province (index in the provinces table).
    pub communes: Vec<NameMap>,
    pub old_provinces: NameMap,
    /// By old province.
    pub old_districts: Vec<NameMap>,
    /// By old district.
    pub old_communes_by_district: Vec<NameMap>,
    /// By old province, for addresses that leave the district out.
    pub old_communes_by_province: Vec<NameMap>,
}

fn scopes(n: usize) -> Vec<NameMap> {
    (0..n).map(|_| NameMap::default()).collect()
}

impl Index {
    fn build() -> Self {
        let t = &*TABLES;
        let mut ix = Self {
            provinces: NameMap::default(),
            communes: scopes(t.provinces.len()),
            old_provinces: NameMap::default(),
            old_districts: scopes(t.old_provinces.len()),
            old_communes_by_district: scopes(t.old_districts.len()),
            old_communes_by_province: scopes(t.old_provinces.len()),
        };
        for (i, p) in t.provinces.iter().enumerate() {
            ix.provinces.add_name(i, p.name);
            for a in &t.province_aliases[i] {
                ix.provinces.add_alias(i, p.kind, a);
            }
        }
        for (i, c) in t.communes.iter().enumerate() {
            let scope = &mut ix.communes[t.commune_province[i]];
            scope.add_name(i, c.name);
            for a in &t.commune_aliases[i] {
                scope.add_alias(i, c.kind, a);
            }
        }
        for (i, p) in t.old_provinces.iter().enumerate() {
            ix.old_provinces.add_name(i, p.name);
            for a in &t.old_province_aliases[i] {
                ix.old_provinces.add_alias(i, p.kind, a);
            }
        }
        for (i, d) in t.old_districts.iter().enumerate() {
            let scope = &mut ix.old_districts[t.old_district_province[i]];
            scope.add_name(i, d.name);
            for a in &t.old_district_aliases[i] {
                scope.add_alias(i, d.kind, a);
            }
        }
        for (i, c) in t.old_communes.iter().enumerate() {
            let d = t.old_commune_district[i];
            let p = t.old_district_province[d];
            for scope in [
                &mut ix.old_communes_by_district[d],
                &mut ix.old_communes_by_province[p],
            ] {
                scope.add_name(i, c.name);
                for a in &t.old_commune_aliases[i] {
                    scope.add_alias(i, c.kind, a);
                }
            }
        }
        ix
    }
}

pub(crate) static INDEX: LazyLock<Index> = LazyLock::new(Index::build);

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(map: &NameMap, text: &str, level: Level) -> Vec<&'static str> {
        let w = Text::new(text);
        let hits = map.lookup(&w, 0..w.words.len(), level);
        hits.iter()
            .map(|h| match level {
                Level::Province => TABLES.provinces[h.unit].code,
                _ => TABLES.communes[h.unit].code,
            })
            .collect()
    }

    #[test]
    fn prefixes_abbreviations_and_numbers() {
        let hcm = TABLES.province_by_code["79"];
        let ix = &*INDEX;
        for text in [
            "Thành phố Hồ Chí Minh",
            "TP. Hồ Chí Minh",
            "tp ho chi minh",
            "T.P. HCM",
            "HCM",
            "Hồ Chí Minh",
        ] {
            assert_eq!(
                codes(&ix.provinces, text, Level::Province),
                ["79"],
                "{text}"
            );
        }
        assert!(codes(&ix.provinces, "Tỉnh Hồ Chí Minh", Level::Province) == ["79"]);
        assert!(codes(&ix.provinces, "Quận Hồ Chí Minh", Level::Province).is_empty());
        assert_eq!(
            codes(&ix.communes[hcm], "P. Bến Thành", Level::Commune),
            ["26743"]
        );
        assert!(codes(&ix.communes[hcm], "Thị trấn Bến Thành", Level::Commune).is_empty());
        assert!(codes(&ix.communes[hcm], "Quận Bến Thành", Level::Commune).is_empty());
    }

    #[test]
    fn diacritics_tell_apart_names_that_fold_alike() {
        let tn = TABLES.province_by_code["19"];
        let map = &INDEX.communes[tn];
        let lang = codes(map, "Xã Văn Lang", Level::Commune);
        let lang_breve = codes(map, "Xã Văn Lăng", Level::Commune);
        assert_eq!((lang.len(), lang_breve.len()), (1, 1));
        assert_ne!(lang, lang_breve);
        assert_eq!(codes(map, "Xa Van Lang", Level::Commune).len(), 2);
    }
}
