//! The LDS files one at a time (ICAO 9303-10 §4.6, §4.7), and the photo shown from DG2.

use icao9303::ca::ChipAuthParams;
use icao9303::card_access::SecurityInfos;
use icao9303::lds::{
    DataGroup1, DataGroup2, DataGroup13, DataGroup14, DataGroup15, EfCom, ImageType,
};

/// EF.COM: its tag list and LDS version.
pub fn ef_com(data: &[u8]) {
    if let Ok(com) = EfCom::parse(data) {
        let _ = com.data_groups();
        let _ = com.lds_version_parts();
    }
}

/// DG1 (the MRZ), and the access key and issuing state read from it.
pub fn dg1(data: &[u8]) {
    if let Ok(dg1) = DataGroup1::parse(data) {
        let _ = dg1.format();
        let _ = dg1.mrz.info();
        let _ = dg1.mrz.lines().first().and_then(|l| l.get(2..5));
    }
}

/// DG2: the face records (ISO/IEC 19794-5 and 39794-5) and the sizes they declare.
pub fn dg2(data: &[u8]) {
    if let Ok(dg2) = DataGroup2::parse(data) {
        for face in &dg2.faces {
            let _ = face.size();
            let _ = face.image_size();
        }
    }
}

/// The photo as the pipeline shows it: DG2's first face through the `photo` crate (JPEG passed
/// through after reading its size, JPEG 2000 decoded and re-encoded). An input that is not a
/// DG2 goes to the image converter as a bare image, so the corpus can hold codestreams too.
pub fn photo(data: &[u8]) {
    match DataGroup2::parse(data) {
        Ok(dg2) => {
            if let Some(face) = dg2.first_face() {
                let _ = photo::face_browser_image(face);
            }
        }
        Err(_) => {
            let _ = photo::browser_image(ImageType::detect(data), data);
        }
    }
}

/// DG13 as numbered raw values, nested values included.
pub fn dg13(data: &[u8]) {
    if let Ok(dg13) = DataGroup13::parse(data) {
        for field in &dg13.fields {
            let _ = field.value();
            for value in &field.values {
                let _ = value.text();
                let _ = value.elements();
            }
        }
    }
}

/// The SecurityInfos as the reader uses them: PACE's choice, chip authentication's candidates
/// and Active Authentication's hash.
fn security_infos(infos: &SecurityInfos) {
    let _ = infos.preferred_pace();
    let _ = ChipAuthParams::candidates(infos);
    let _ = infos
        .active_authentication_info()
        .and_then(|a| a.ecdsa_hash());
}

/// DG14 (SecurityInfos in its `6E` template).
pub fn dg14(data: &[u8]) {
    if let Ok(dg14) = DataGroup14::parse(data) {
        security_infos(&dg14.security_infos);
    }
}

/// EF.CardAccess (SecurityInfos), as `establish_access` reads it.
pub fn card_access(data: &[u8]) {
    if let Ok(infos) = SecurityInfos::parse(data) {
        security_infos(&infos);
    }
}

/// DG15 (Active Authentication's SubjectPublicKeyInfo).
pub fn dg15(data: &[u8]) {
    let _ = DataGroup15::parse(data);
}
