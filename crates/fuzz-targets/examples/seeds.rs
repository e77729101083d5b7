//! Writes the seeds of the fuzz targets that are not files of `fixtures/`: conversations with a
//! card (secure-messaging answers; PACE and BAC replaying the ICAO 9303-11 worked examples of
//! `fixtures/icao9303_p11_worked_examples.json`; chip authentication with the fuzzed chip's
//! key), whole cards from the independent card images (`card-images`), the gateway simulator's
//! seeded records as the gateway's answers, API bodies, and `packaging/*.toml` with
//! environment overrides for the configuration file.
//!
//! `cargo run -p fuzz-targets --example seeds -- DIR` writes `DIR/<target>/<name>`
//! (`fuzz/seed-corpus.sh` runs it); `tests/seeds.rs` checks that each conversation goes as far
//! as it should (a seed that stops early would leave the fuzzer at the door).

use std::path::{Path, PathBuf};

use card_images::{CardImage, Parents, Relative};
use fuzz_targets::{CA_CURVE, CA_PRIVATE_KEY, join};
use icao9303::Cipher;
use icao9303::ca::{chip_authentication_info_der, chip_authentication_public_key_info_der};
use serde_json::{Value, json};

/// One seed: its target, a file name, the bytes.
pub struct Seed {
    /// The target.
    pub target: &'static str,
    /// The file name in the target's folder.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

fn seed(target: &'static str, name: &str, data: Vec<u8>) -> Seed {
    Seed {
        target,
        name: name.to_owned(),
        data,
    }
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The worked examples (ICAO 9303-11 appendices D, G, H) as JSON.
fn worked_examples() -> Value {
    let path = repository().join("fixtures/icao9303_p11_worked_examples.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_default()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// A plain answer protected by the chip (mode `01` of the fuzzed card).
fn wrapped(data: &[u8], sw: [u8; 2]) -> Vec<u8> {
    [&[1][..], data, &sw].concat()
}

/// Data objects MACed by the chip (mode `02`).
fn authenticated(objects: &[u8], sw: [u8; 2]) -> Vec<u8> {
    [&[2][..], objects, &sw].concat()
}

const OK: [u8; 2] = [0x90, 0x00];

/// The card images the seeds take their files from: the default CCCD, other DG13 shapes, and a
/// passport (no DG13).
fn images() -> Vec<(&'static str, CardImage)> {
    let build = |b: card_images::Builder| b.build().unwrap_or_else(|e| panic!("{e}"));
    vec![
        ("cccd", build(CardImage::builder())),
        (
            "cccd-flat-parents-spouse",
            build(
                CardImage::builder()
                    .parents(Parents::Flat {
                        father: "Lê Văn Hùng".into(),
                        mother: "Phạm Thị Lan".into(),
                    })
                    .spouse(Some(Relative::named("Hoàng Thị Mai")))
                    .old_id_number(None),
            ),
        ),
        (
            "passport",
            build(CardImage::builder().passport(card_images::Passport::default())),
        ),
    ]
}

/// The files a read asks for in turn (as the fuzzed card's `read_files`): EF.COM, DG1, DG13,
/// EF.SOD, DG14, DG2, each answered whole and wrapped; a file the image lacks is refused twice
/// (`6A82` to the READ BINARY by SFI, then to the SELECT the reader tries next).
fn read_answers(image: &CardImage) -> Vec<Vec<u8>> {
    let files: [Option<&[u8]>; 6] = [
        Some(image.ef_com()),
        image.data_group(1),
        image.data_group(13),
        Some(image.ef_sod()),
        image.data_group(14),
        image.data_group(2),
    ];
    files
        .iter()
        .flat_map(|f| match f {
            Some(bytes) => vec![wrapped(bytes, OK)],
            None => vec![wrapped(&[], [0x6A, 0x82]); 2],
        })
        .collect()
}

fn joined(first: &[u8], rest: &[Vec<u8>]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = vec![first];
    parts.extend(rest.iter().map(Vec::as_slice));
    join(&parts)
}

fn sm_seeds(images: &[(&str, CardImage)]) -> Vec<Seed> {
    let mut out = Vec::new();
    for (name, image) in images {
        let answers = read_answers(image);
        // The session choice is the first byte, then the answers.
        let mut aes = vec![0];
        aes.extend(join(&answers.iter().map(Vec::as_slice).collect::<Vec<_>>()));
        out.push(seed("sm_response", &format!("aes-{name}"), aes.clone()));
        aes[0] = 1;
        out.push(seed("sm_response", &format!("tdes-{name}"), aes));
    }
    // Unusual answers: a bare status word, objects of the chip's choosing, the card removed.
    let odd: Vec<Vec<u8>> = vec![
        vec![0, 0x6A, 0x82],
        authenticated(&hex::decode("99029000").unwrap_or_default(), OK),
        authenticated(
            &hex::decode("8709010011223344556677990290008E").unwrap_or_default(),
            OK,
        ),
        wrapped(&[], [0x62, 0x82]),
        vec![3],
    ];
    let mut data = vec![0];
    data.extend(join(&odd.iter().map(Vec::as_slice).collect::<Vec<_>>()));
    out.push(seed("sm_response", "aes-odd-answers", data));
    out
}

fn pace_seeds(v: &Value, image: &CardImage) -> Vec<Seed> {
    let g1 = &v["pace_G1_ecdh_gm"];
    let files = read_answers(image);
    // G.1: PACE with the MRZ, the chip's answers of the appendix, then SELECT of the application
    // and a read under the session keys of G.1.
    let mut answers: Vec<Vec<u8>> = vec![
        vec![0x90, 0x00],
        hx(&g1["GA1_rsp"]),
        hx(&g1["GA2_rsp"]),
        hx(&g1["GA3_rsp"]),
        hx(&g1["GA4_rsp"]),
        wrapped(&[], OK),
    ];
    answers.extend(files.iter().cloned());
    let first = [&[0][..], &hx(&g1["EF_CardAccess"])].concat();
    let mut out = vec![seed("pace", "g1-pace-mrz", joined(&first, &answers))];
    // D.3: no EF.CardAccess, so BAC: SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE, then a read
    // under the session keys of D.3.
    let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
    let mut answers: Vec<Vec<u8>> = vec![
        vec![0x90, 0x00],
        [hx(&d3["RND_IC"]), OK.to_vec()].concat(),
        [hx(&d3["resp_data"]), OK.to_vec()].concat(),
    ];
    answers.extend(files.iter().cloned());
    out.push(seed("pace", "d3-bac-mrz", joined(&[1], &answers)));
    // A CAN with the CCCD's EF.CardAccess (PACE with brainpoolP256r1), answered with G.1's
    // first answers: the nonce does not decrypt to anything usable.
    let cccd = hex::decode("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d").unwrap_or_default();
    let answers = vec![vec![0x90, 0x00], hx(&g1["GA1_rsp"]), hx(&g1["GA2_rsp"])];
    out.push(seed(
        "pace",
        "cccd-can",
        joined(&[&[2][..], &cccd].concat(), &answers),
    ));
    out
}

/// DG14 `6E { SET { ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo } }` for the fuzzed
/// chip's key.
fn dg14_of_the_fuzzed_chip(cipher: Cipher) -> Vec<u8> {
    let public =
        icao9303::ec::public_key(CA_CURVE, None, &CA_PRIVATE_KEY).unwrap_or_else(|e| panic!("{e}"));
    let info = chip_authentication_info_der(cipher, None);
    let key = chip_authentication_public_key_info_der(CA_CURVE, &public, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut set = Vec::new();
    asn1::push_tlv(&mut set, &[0x31], &[info, key].concat());
    let mut dg14 = Vec::new();
    asn1::push_tlv(&mut dg14, &[0x6E], &set);
    dg14
}

fn ca_seeds(image: &CardImage) -> Vec<Seed> {
    let files = read_answers(image);
    let mut out = Vec::new();
    // AES: MSE:Set AT, General Authenticate (7C 00), then the confirmation and a read under the
    // new keys. 3DES: MSE:Set KAT, then the same.
    for (name, cipher, ca_answers) in [
        (
            "fuzzed-chip-aes128",
            Cipher::Aes128,
            vec![wrapped(&[], OK), wrapped(&[0x7C, 0x00], OK)],
        ),
        ("fuzzed-chip-tdes", Cipher::Tdes, vec![wrapped(&[], OK)]),
    ] {
        let mut answers = ca_answers;
        answers.push(wrapped(&[], OK));
        answers.extend(files.iter().cloned());
        out.push(seed(
            "chip_authentication",
            name,
            joined(&dg14_of_the_fuzzed_chip(cipher), &answers),
        ));
    }
    // A chip whose key the card does not hold: the confirmation fails.
    if let Some(dg14) = image.data_group(14) {
        let answers = vec![
            wrapped(&[], OK),
            wrapped(&[0x7C, 0x00], OK),
            wrapped(&[], OK),
        ];
        out.push(seed(
            "chip_authentication",
            "card-image-key",
            joined(dg14, &answers),
        ));
    }
    out
}

fn verdict_seeds(images: &[(&str, CardImage)]) -> Vec<Seed> {
    let mut out = Vec::new();
    for (name, image) in images {
        let dg = |n| image.data_group(n).unwrap_or_default();
        for (proof_name, proof) in [("no-proof", vec![]), ("ca-passed", vec![0])] {
            let parts: Vec<&[u8]> =
                vec![image.ef_sod(), dg(1), dg(2), dg(13), dg(14), dg(15), &proof];
            out.push(seed(
                "verdict",
                &format!("{name}-{proof_name}"),
                join(&parts),
            ));
        }
        let challenge_and_signature = [&[0xFF][..], &[0x11; 8], &[0x22; 128]].concat();
        let parts: Vec<&[u8]> = vec![
            image.ef_sod(),
            dg(1),
            &[],
            &[],
            dg(14),
            dg(15),
            &challenge_and_signature,
        ];
        out.push(seed("verdict", &format!("{name}-aa"), join(&parts)));
    }
    // The published test documents with their own data groups (fixtures/pymrtd).
    let fixture = |f: &str| {
        let p = repository().join("fixtures/pymrtd").join(f);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    for (name, prefix, dg15) in [
        ("bsi-hjp", "BSI_TR03105-5_HJP", "DG15_not_in_SOD"),
        ("etsi-eacaa", "ETSI_TR103200_EACAA", "DG15"),
    ] {
        let (sod, dg1) = (
            fixture(&format!("{prefix}_EF_SOD.bin")),
            fixture(&format!("{prefix}_DG1.bin")),
        );
        let (dg14, dg15) = (
            fixture(&format!("{prefix}_DG14.bin")),
            fixture(&format!("{prefix}_{dg15}.bin")),
        );
        let parts: Vec<&[u8]> = vec![&sod, &dg1, &[], &[], &dg14, &dg15, &[0]];
        out.push(seed("verdict", name, join(&parts)));
    }
    out
}

fn identity_seeds(images: &[(&str, CardImage)]) -> Vec<Seed> {
    let mut out = Vec::new();
    for (name, image) in images {
        let dg1 = image.data_group(1).unwrap_or_default();
        let dg13 = image.data_group(13).unwrap_or_default();
        if !dg13.is_empty() {
            out.push(seed("dg13", name, dg13.to_vec()));
        }
        for target in ["citizen_record", "registration_block"] {
            out.push(seed(target, name, join(&[dg13, dg1])));
            if !dg13.is_empty() {
                out.push(seed(target, &format!("{name}-dg13-only"), dg13.to_vec()));
            }
        }
        if let Some(dg2) = image.data_group(2) {
            out.push(seed("photo", &format!("{name}-dg2"), dg2.to_vec()));
        }
    }
    out
}

fn card_access_seeds(v: &Value) -> Vec<Seed> {
    let g1 = &v["pace_G1_ecdh_gm"];
    let g2_info = hx(&v["pace_G2_dh_gm"]["PACEInfo"]);
    let mut g2 = Vec::new();
    asn1::push_tlv(&mut g2, &[0x31], &g2_info);
    let cccd = hex::decode("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d").unwrap_or_default();
    vec![
        seed("card_access", "g1", hx(&g1["EF_CardAccess"])),
        seed("card_access", "g2-dh", g2),
        seed("card_access", "cccd", cccd),
        seed(
            "dg14",
            "fuzzed-chip-aes128",
            dg14_of_the_fuzzed_chip(Cipher::Aes128),
        ),
    ]
}

/// The gateway's answers: the simulator's seeded records as card checks, histories and
/// co-payments, the login, and what goes wrong (refusals, a proxy's page, truncated JSON).
fn gateway_seeds() -> Vec<Seed> {
    // Byte 0: token 0, card check 1, history 2, co-payment 3; byte 1: the status index of
    // `GATEWAY_STATUSES` (200 0, 401 1, 403 2, 500 3, 502 4).
    let answer =
        |endpoint: u8, status: u8, body: &str| [&[endpoint, status][..], body.as_bytes()].concat();
    let mut out = vec![
        seed(
            "gateway_answer",
            "token",
            answer(
                0,
                0,
                r#"{"maKetQua":"200","APIKey":{"access_token":"a1","id_token":"b2","token_type":"bearer","username":"38001_BV","expires_in":"2026-05-20T07:31:44.6200586Z"}}"#,
            ),
        ),
        seed(
            "gateway_answer",
            "token-refused",
            answer(
                0,
                0,
                r#"{"maKetQua":"401","ghiChu":"Tài khoản hoặc mật khẩu không đúng"}"#,
            ),
        ),
        seed(
            "gateway_answer",
            "token-seconds",
            answer(
                0,
                0,
                r#"{"MAKETQUA":200,"apikey":{"ACCESS_TOKEN":"a","id_token":"b","expires_in":600}}"#,
            ),
        ),
        seed(
            "gateway_answer",
            "forbidden",
            answer(
                1,
                2,
                r#"{"maKetQua":"403","ghiChu":"Tài khoản không có quyền tra cứu thông tin thẻ BHYT"}"#,
            ),
        ),
        seed(
            "gateway_answer",
            "proxy-page",
            answer(
                1,
                4,
                "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
        ),
        seed(
            "gateway_answer",
            "truncated",
            answer(1, 0, "{\"maKetQua\":\"000\",\"hoTen\":\"NGUY"),
        ),
        seed(
            "gateway_answer",
            "server-error",
            answer(3, 3, r#"{"MaKetQua":"500","GhiChu":"Có lỗi hệ thống"}"#),
        ),
    ];
    let today = jiff::civil::date(2026, 5, 20);
    for (i, record) in eligibility::sim::seeded_records(today)
        .into_iter()
        .enumerate()
    {
        let mut check = record.clone();
        for private in ["cccd", "history", "copayment"] {
            check.remove(private);
        }
        check.insert("dsLichSuKT2018".into(), json!([{"userKT": "38001_BV", "thoiGianKT": "202605200800", "thongBao": "Thông tin thẻ chính xác", "maLoi": "000"}]));
        out.push(seed(
            "gateway_answer",
            &format!("check-{i}"),
            answer(1, 0, &Value::Object(check).to_string()),
        ));
        if let Some(history) = record.get("history") {
            let body = json!({"maKetQua": "000", "ghiChu": "", "dsLichSuKCB2025": history});
            out.push(seed(
                "gateway_answer",
                &format!("history-{i}"),
                answer(2, 0, &body.to_string()),
            ));
        }
        if let Some(stays) = record.get("copayment") {
            let body = json!({"MaKetQua": "200", "GhiChu": "Thành công", "DataCCT": stays,
                "ThongTinSoThe": {"ngayKetThuc": "31/12/2026", "maBHXH": "3895012345"}});
            out.push(seed(
                "gateway_answer",
                &format!("copayment-{i}"),
                answer(3, 0, &body.to_string()),
            ));
        }
    }
    out
}

/// The API's bodies: byte 0 the route (`cards/read` 0, `eligibility/check` 1,
/// `eligibility/copayment` 2, `page/login` 3, `demo/tap` 4, `identify` 5).
fn api_seeds(image: &CardImage) -> Vec<Seed> {
    let mrz = image.mrz_lines().join("\n");
    let bodies = [
        ("read-can", 0, json!({"can": "123456"}).to_string()),
        ("read-id", 0, json!({"id": "001089012345", "photo": false, "eligibility": true, "facility": "38001", "operator": {"name": "Trần Thị Bình", "id": "038190000001"}, "waitSeconds": 30, "reader": "ACS"}).to_string()),
        ("read-mrz", 0, json!({"mrz": mrz}).to_string()),
        ("read-qr", 0, json!({"qr": "001089012345|123456789|Nguyễn Văn An|05071989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|10032021"}).to_string()),
        ("check-card", 1, json!({"card": "DN4383895012345", "name": "Nguyễn Văn An", "dob": "17/08/1995", "facility": "38001", "registeredFacility": "38001", "operator": {"name": "Trần Thị Bình", "id": "038190000001"}}).to_string()),
        ("check-id", 1, json!({"id": "038095012345", "name": "Nguyễn Văn An", "dob": "1995-08"}).to_string()),
        ("copayment", 2, json!({"card": "3895012345", "name": "Nguyễn Văn An", "dob": "08/1995", "refresh": true}).to_string()),
        ("login", 3, json!({"username": "reception1", "password": "correct horse"}).to_string()),
        ("tap", 4, json!({"present": false, "reader": "Virtual reader"}).to_string()),
        ("tap-empty", 4, String::new()),
        ("identify-qr", 5, json!({"qr": "001089012345|123456789|Nguyễn Văn An|05071989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|10032021", "facility": "38001"}).to_string()),
        ("identify-card", 5, json!({"card": "TE1383895012345", "name": "Nguyễn Bé", "dob": "2026-03", "registeredFacility": "38000", "eligibility": false}).to_string()),
    ];
    bodies
        .into_iter()
        .map(|(name, route, body)| seed("api_body", name, [&[route][..], body.as_bytes()].concat()))
        .collect()
}

/// `packaging/**/*.toml` and the TOML examples of the documentation, alone and with
/// environment overrides (the second part, one `NAME=value` a line).
fn config_seeds() -> Vec<Seed> {
    let read = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut texts: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, file) in [
        ("packaging", "packaging/config.toml"),
        ("packaging-windows", "packaging/windows/config.toml"),
    ] {
        texts.push((name.to_owned(), read(&repository().join(file))));
    }
    for doc in ["configuration", "eligibility", "push"] {
        let text = String::from_utf8_lossy(&read(&repository().join(format!("docs/{doc}.md"))))
            .into_owned();
        for (i, block) in text.split("```toml\n").skip(1).enumerate() {
            let block = block.split("```").next().unwrap_or_default();
            texts.push((format!("docs-{doc}-{i}"), block.as_bytes().to_vec()));
        }
    }
    let env = b"CCCD_READER__SHARE_MODE=exclusive\nCCCD_SERVER__API_KEYS=[\"0123456789abcdef0123\"]\nCCCD_ELIGIBILITY__TIMEOUT_SECS=30";
    let mut out = Vec::new();
    for (name, text) in texts {
        out.push(seed("config", &format!("{name}-env"), join(&[&text, env])));
        out.push(seed("config", &name, text));
    }
    out.push(seed(
        "config",
        "empty-env",
        join(&[b"", b"CCCD_READER__NAME=ACS ACR1252"]),
    ));
    out
}

/// Every seed.
pub fn all() -> Vec<Seed> {
    let v = worked_examples();
    let images = images();
    let cccd = &images[0].1;
    let mut out = sm_seeds(&images);
    out.extend(pace_seeds(&v, cccd));
    out.extend(ca_seeds(cccd));
    out.extend(verdict_seeds(&images));
    out.extend(identity_seeds(&images));
    out.extend(card_access_seeds(&v));
    out.extend(gateway_seeds());
    out.extend(api_seeds(cccd));
    out.extend(config_seeds());
    out
}

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: seeds DIR (writes DIR/<target>/<name>)");
        std::process::exit(2);
    };
    let seeds = all();
    for s in &seeds {
        let folder = dir.join(s.target);
        std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        let path = folder.join(format!("seed-{}", s.name));
        std::fs::write(&path, &s.data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    println!("{} seeds written under {}", seeds.len(), dir.display());
}
