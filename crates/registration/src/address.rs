//! The residence text of a card to the province and commune in force since 1 July 2025 (XML1
//! `MATINH_CU_TRU`, `MAXA_CU_TRU`; `shared/domain/his-integration.md`).
//!
//! The text is read from its end, as Vietnamese addresses are written from the smallest unit to
//! the largest: the province, then either a commune of that province (the two-level form in force
//! since 1 July 2025) or an old district and one of its communes (the three-level form before),
//! which is converted through the official old-to-new table. Whatever stands before the commune
//! (house number, street, hamlet) is left alone. Nothing is guessed: a split commune gives the
//! candidates and the source's default, a text that reads both ways with different results gives
//! both, and no match gives empty codes with the reason.

use serde::Serialize;

use crate::index::{Hit, INDEX, Level, Text};
use crate::units::{TABLES, Tables};

/// A unit by code and full name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    /// Its code.
    pub code: &'static str,
    /// Its full name with its type ("Phường Bến Thành").
    pub name: &'static str,
}

/// A commune the address may be in, when it cannot say which.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The commune's 5-digit code.
    pub code: &'static str,
    /// Its full name.
    pub name: &'static str,
    /// Its province's 2-digit code.
    pub province_code: &'static str,
    /// The source's default successor of a split old commune.
    pub default: bool,
}

/// The old units an address was read as, before conversion.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OldUnits {
    /// The old province.
    pub province: UnitRef,
    /// The old district, when one was identified.
    pub district: Option<UnitRef>,
    /// The old commune, when one was identified.
    pub commune: Option<UnitRef>,
}

/// How the address was read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum MatchMethod {
    /// Units in force since 1 July 2025, found directly.
    NewAddress,
    /// Old units (before 1 July 2025), converted through the official table.
    ConvertedFromOld,
    /// The text reads both as a new and as an old address, with different communes: both are
    /// among the candidates.
    NewOrOld,
    /// Nothing found.
    NotMatched,
}

/// The result of [`match_address`].
///
/// JSON (camelCase): `{"province": {"code","name"} | null, "commune": ... | null, "method":
/// "new-address" | "converted-from-old" | "new-or-old" | "not-matched", "candidates":
/// [{"code","name","provinceCode","default"}], "from": {"province","district","commune"} |
/// null, "warnings": [...]}`. `commune` is null when the address is ambiguous (then
/// `candidates` lists the possible communes) or no commune was found (then a warning says why).
/// Warnings never repeat the address.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressMatch {
    /// The province in force, when known.
    pub province: Option<UnitRef>,
    /// The commune in force, when known for certain.
    pub commune: Option<UnitRef>,
    /// How it was read.
    pub method: MatchMethod,
    /// The possible communes when there are several (none otherwise).
    pub candidates: Vec<Candidate>,
    /// The old units read, for a converted address.
    pub from: Option<OldUnits>,
    /// What is uncertain or missing, in plain words.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for AddressMatch {
    /// Redacted: a residence is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AddressMatch({:?}, <redacted>, {} candidates, {} warnings)",
            self.method,
            self.candidates.len(),
            self.warnings.len()
        )
    }
}

impl AddressMatch {
    /// Several communes are possible: see `candidates`.
    pub fn is_ambiguous(&self) -> bool {
        self.commune.is_none() && !self.candidates.is_empty()
    }

    fn none(why: &str) -> Self {
        Self {
            province: None,
            commune: None,
            method: MatchMethod::NotMatched,
            candidates: Vec::new(),
            from: None,
            warnings: vec![why.to_owned()],
        }
    }
}

/// A reading of the text in units in force since 1 July 2025.
struct NewReading {
    province: Hit,
    /// Empty when no commune was found.
    communes: Vec<Hit>,
    /// Words between the commune and the province were passed over.
    skipped: bool,
}

/// How far a reading in old units got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OldDepth {
    /// Province, district and a commune of that district.
    Full,
    /// An island district, which had no communes.
    Island,
    /// Province and district, the commune found in another district of the province (older
    /// boundaries).
    OtherDistrict,
    /// Province and commune, no district written.
    NoDistrict,
    /// Province and commune, the part between them not recognised as a district.
    SkippedPart,
    /// Province and district only.
    DistrictOnly,
    /// Province only.
    ProvinceOnly,
}

struct OldReading {
    province: Hit,
    districts: Vec<Hit>,
    communes: Vec<Hit>,
    depth: OldDepth,
}

/// Where the text ends, less a trailing "Việt Nam".
fn end_of_address(w: &Text) -> usize {
    let Some(last) = w.words.last() else { return 0 };
    let start = w
        .words
        .iter()
        .position(|x| x.part == last.part)
        .unwrap_or(0);
    match w.folded_key(start..w.words.len()) {
        "vietnam" | "vn" => start,
        _ => w.words.len(),
    }
}

/// The start of the part holding word `at - 1`: what is passed over when the part before the
/// province names no unit of the level looked for.
fn part_before(w: &Text, at: usize) -> Option<usize> {
    let part = w.words.get(at.checked_sub(1)?)?.part;
    w.words.iter().position(|x| x.part == part)
}

fn read_new(w: &Text, end: usize) -> Option<NewReading> {
    let ix = &*INDEX;
    let (p_start, provinces) = ix.provinces.find(w, end, Level::Province)?;
    let province = *provinces.first()?;
    let communes = &ix.communes[province.unit];
    if let Some((_, hits)) = communes.find(w, p_start, Level::Commune) {
        return Some(NewReading {
            province,
            communes: hits,
            skipped: false,
        });
    }
    let skipped = part_before(w, p_start)
        .and_then(|s| communes.find(w, s, Level::Commune))
        .map(|(_, hits)| hits);
    Some(NewReading {
        province,
        skipped: skipped.is_some(),
        communes: skipped.unwrap_or_default(),
    })
}

fn read_old(w: &Text, end: usize) -> Option<OldReading> {
    let ix = &*INDEX;
    let t = &*TABLES;
    let (p_start, provinces) = ix.old_provinces.find(w, end, Level::Province)?;
    let province = *provinces.first()?;
    let by_province = &ix.old_communes_by_province[province.unit];
    let reading = |districts, communes, depth| OldReading {
        province,
        districts,
        communes,
        depth,
    };
    let in_province = |at: usize| -> Option<Vec<Hit>> {
        by_province
            .find(w, at, Level::OldCommune)
            .map(|(_, hits)| hits)
    };
    let Some((d_start, districts)) =
        ix.old_districts[province.unit].find(w, p_start, Level::District)
    else {
        if let Some(communes) = in_province(p_start) {
            return Some(reading(Vec::new(), communes, OldDepth::NoDistrict));
        }
        if let Some(communes) = part_before(w, p_start).and_then(in_province) {
            return Some(reading(Vec::new(), communes, OldDepth::SkippedPart));
        }
        return Some(reading(Vec::new(), Vec::new(), OldDepth::ProvinceOnly));
    };
    let communes: Vec<Hit> = districts
        .iter()
        .filter_map(|d| ix.old_communes_by_district[d.unit].find(w, d_start, Level::OldCommune))
        .flat_map(|(_, hits)| hits)
        .collect();
    if !communes.is_empty() {
        return Some(reading(districts, communes, OldDepth::Full));
    }
    if let [d] = districts.as_slice()
        && !t.old_districts[d.unit].successors.is_empty()
    {
        return Some(reading(districts, Vec::new(), OldDepth::Island));
    }
    if let Some(communes) = in_province(d_start) {
        return Some(reading(districts, communes, OldDepth::OtherDistrict));
    }
    Some(reading(districts, Vec::new(), OldDepth::DistrictOnly))
}

/// Plain-words warnings for how a unit was found.
fn hit_warnings(hits: &[Hit], what: &str, out: &mut Vec<String>) {
    // A province's aliases are abbreviations and former names everyone knows ("HCM",
    // "Thừa Thiên Huế"): nothing to check.
    if what != "province" && hits.iter().any(|h| h.alias) {
        out.push(format!(
            "the {what} was recognised by a former or variant name the source lists"
        ));
    }
    if hits.iter().any(|h| h.kind_differs) {
        out.push(format!(
            "the {what} is written with another unit type than the table gives it (units change type: a xã becomes a phường)"
        ));
    }
}

fn unit_ref(code: &'static str, name: &'static str) -> UnitRef {
    UnitRef { code, name }
}

fn candidate(t: &Tables, commune: usize, default: bool) -> Candidate {
    let c = &t.communes[commune];
    Candidate {
        code: c.code,
        name: c.name,
        province_code: c.province_code,
        default,
    }
}

/// The new communes an old reading converts to: each old commune's successors (the default
/// kept only when one old unit was identified).
fn successors(t: &Tables, o: &OldReading) -> Vec<Candidate> {
    let lists: Vec<&[crate::units::Successor]> = if o.depth == OldDepth::Island {
        o.districts
            .iter()
            .map(|d| t.old_districts[d.unit].successors.as_slice())
            .collect()
    } else {
        o.communes
            .iter()
            .map(|c| t.old_communes[c.unit].successors.as_slice())
            .collect()
    };
    let one = lists.len() == 1;
    let mut out: Vec<Candidate> = Vec::new();
    for s in lists.into_iter().flatten() {
        let Some(&i) = t.commune_by_code.get(s.commune_code) else {
            continue;
        };
        if !out.iter().any(|c| c.code == s.commune_code) {
            out.push(candidate(t, i, one && s.default));
        }
    }
    out
}

/// Settles the province and commune from the candidates: certain when there is one.
fn settle(m: &mut AddressMatch, candidates: Vec<Candidate>) {
    let t = &*TABLES;
    if let [only] = candidates.as_slice() {
        m.commune = Some(unit_ref(only.code, only.name));
        m.province = t
            .province_by_code
            .get(only.province_code)
            .map(|&p| unit_ref(t.provinces[p].code, t.provinces[p].name));
        return;
    }
    let first = candidates.first().map(|c| c.province_code);
    if let Some(code) = first
        && candidates.iter().all(|c| c.province_code == code)
        && let Some(&p) = t.province_by_code.get(code)
    {
        m.province = Some(unit_ref(t.provinces[p].code, t.provinces[p].name));
    }
    m.candidates = candidates;
}

fn from_new(n: &NewReading) -> AddressMatch {
    let t = &*TABLES;
    let p = &t.provinces[n.province.unit];
    let mut m = AddressMatch {
        province: Some(unit_ref(p.code, p.name)),
        commune: None,
        method: MatchMethod::NewAddress,
        candidates: Vec::new(),
        from: None,
        warnings: Vec::new(),
    };
    hit_warnings(&[n.province], "province", &mut m.warnings);
    if n.communes.is_empty() {
        m.warnings
            .push("no commune of the province was found in the address".to_owned());
        return m;
    }
    hit_warnings(&n.communes, "commune", &mut m.warnings);
    if n.skipped {
        m.warnings.push(
            "a part between the commune and the province was passed over (an old district?)"
                .to_owned(),
        );
    }
    if n.communes.len() > 1 {
        m.warnings.push(format!(
            "the commune's name fits {} communes of the province (written without diacritics?): see candidates",
            n.communes.len()
        ));
    }
    let candidates = n
        .communes
        .iter()
        .map(|h| candidate(t, h.unit, false))
        .collect();
    settle(&mut m, candidates);
    m
}

fn from_old(o: &OldReading) -> AddressMatch {
    let t = &*TABLES;
    let op = &t.old_provinces[o.province.unit];
    let np = t
        .province_by_code
        .get(op.new_province_code)
        .map(|&i| &t.provinces[i]);
    let mut m = AddressMatch {
        province: np.map(|p| unit_ref(p.code, p.name)),
        commune: None,
        method: MatchMethod::ConvertedFromOld,
        candidates: Vec::new(),
        from: None,
        warnings: Vec::new(),
    };
    let commune = match o.communes.as_slice() {
        [c] => Some(&t.old_communes[c.unit]),
        _ => None,
    };
    let district = commune
        .and_then(|c| t.old_district_by_code.get(c.district_code).copied())
        .or(match o.districts.as_slice() {
            [d] => Some(d.unit),
            _ => None,
        })
        .map(|d| &t.old_districts[d]);
    m.from = Some(OldUnits {
        province: unit_ref(op.code, op.name),
        district: district.map(|d| unit_ref(d.code, d.name)),
        commune: commune.map(|c| unit_ref(c.code, c.name)),
    });
    hit_warnings(&[o.province], "province", &mut m.warnings);
    hit_warnings(&o.districts, "district", &mut m.warnings);
    hit_warnings(&o.communes, "commune", &mut m.warnings);
    match o.depth {
        OldDepth::Full | OldDepth::Island => {}
        OldDepth::OtherDistrict => m.warnings.push(
            "the commune is not listed under the district written before it: it was found elsewhere in the province (older boundaries?)"
                .to_owned(),
        ),
        OldDepth::NoDistrict => m
            .warnings
            .push("an old address without its district: the commune was looked up in the whole province".to_owned()),
        OldDepth::SkippedPart => m.warnings.push(
            "the part between the commune and the province is not a district of the province; it was passed over"
                .to_owned(),
        ),
        OldDepth::DistrictOnly => {
            m.warnings
                .push("no commune of the old district was found in the address".to_owned());
            return m;
        }
        OldDepth::ProvinceOnly => {
            m.warnings
                .push("no commune of the province was found in the address".to_owned());
            return m;
        }
    }
    if o.communes.len() > 1 {
        m.warnings.push(format!(
            "the old commune's name fits {} communes (written without diacritics or district?): see candidates",
            o.communes.len()
        ));
    }
    let candidates = successors(t, o);
    if candidates.len() > 1 && commune.is_some() {
        m.warnings.push(format!(
            "the old commune was split between {} new communes: see candidates (the source's default is marked)",
            candidates.len()
        ));
    }
    settle(&mut m, candidates);
    m
}

/// Both readings are complete and disagree: every candidate of both, no default.
fn conflict(n: &NewReading, o: &OldReading) -> AddressMatch {
    let t = &*TABLES;
    let mut m = from_old(o);
    let mut all: Vec<Candidate> = n
        .communes
        .iter()
        .map(|h| candidate(t, h.unit, false))
        .collect();
    for c in successors(t, o) {
        if !all.iter().any(|a| a.code == c.code) {
            all.push(Candidate {
                default: false,
                ..c
            });
        }
    }
    m.method = MatchMethod::NewOrOld;
    m.commune = None;
    m.province = None;
    m.candidates = Vec::new();
    m.warnings.push(
        "the address reads both as a new two-level address and as an old three-level one, with different communes: see candidates"
            .to_owned(),
    );
    settle(&mut m, all);
    m
}

/// Finds the province and commune in force since 1 July 2025 for a residence as a card holds it:
/// old three-level ("Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh") or new two-level
/// ("Phường Hạc Thành, Tỉnh Thanh Hóa"), with or without type prefixes and diacritics, any case,
/// abbreviations ("TP.", "Q.", "P.", "TX.", "TT.", "H.", "X."), and a house, street or hamlet part
/// before the commune.
pub fn match_address(text: &str) -> AddressMatch {
    let w = Text::new(text);
    let end = end_of_address(&w);
    if end == 0 {
        return AddressMatch::none("the address is empty");
    }
    let new = read_new(&w, end);
    let old = read_old(&w, end);
    let new_full = new
        .as_ref()
        .filter(|n| !n.communes.is_empty() && !n.skipped);
    let old_full = old
        .as_ref()
        .filter(|o| matches!(o.depth, OldDepth::Full | OldDepth::Island));
    match (new_full, old_full) {
        (Some(n), Some(o)) => {
            let t = &*TABLES;
            let mut converted: Vec<&str> = successors(t, o).iter().map(|c| c.code).collect();
            let mut direct: Vec<&str> =
                n.communes.iter().map(|h| t.communes[h.unit].code).collect();
            converted.sort_unstable();
            direct.sort_unstable();
            let within = |a: &[&str], b: &[&str]| a.iter().all(|x| b.contains(x));
            if converted == direct {
                from_new(n)
            } else if within(&direct, &converted) || within(&converted, &direct) {
                // One reading's communes include the other's: the old reading says no less
                // (and gives the default of a split commune).
                from_old(o)
            } else {
                conflict(n, o)
            }
        }
        (Some(n), None) => from_new(n),
        (None, Some(o)) => from_old(o),
        (None, None) => {
            let old_commune = old.as_ref().filter(|o| {
                matches!(
                    o.depth,
                    OldDepth::OtherDistrict | OldDepth::NoDistrict | OldDepth::SkippedPart
                )
            });
            if let Some(o) = old_commune {
                from_old(o)
            } else if let Some(n) = new.as_ref().filter(|n| !n.communes.is_empty()) {
                from_new(n)
            } else if let Some(o) = old.as_ref().filter(|o| o.depth == OldDepth::DistrictOnly) {
                from_old(o)
            } else if let Some(n) = &new {
                from_new(n)
            } else if let Some(o) = &old {
                from_old(o)
            } else {
                AddressMatch::none(
                    "no province or centrally-run city was found at the end of the address",
                )
            }
        }
    }
}
