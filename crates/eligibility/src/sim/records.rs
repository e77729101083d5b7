//! The seeded records: fictional people whose cards cover every result the client must handle.

use jiff::civil::Date;
use serde_json::{Map, Value, json};

use super::VIRTUAL_CARD_ID;

/// The simulator's answer for a held card ("tạm giữ"): BHXH has published no code, so this one
/// is the simulator's own choice, outside the official list on purpose.
pub const HELD_CODE: &str = "901";
/// The simulator's answer for a locked card ("tạm khóa"), likewise its own choice.
pub const LOCKED_CODE: &str = "902";

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// The seeded records, with validity dates placed around `today` so that the demo keeps working
/// whatever the date. Names and numbers are fictional.
pub fn seeded_records(today: Date) -> Vec<Map<String, Value>> {
    let y = today.year();
    let day = |y: i16, m: i8, d: i8| Date::new(y, m, d).map(dmy).unwrap_or_default();
    let (jan1, dec31) = (day(y, 1, 1), day(y, 12, 31));
    let (last_jan1, last_dec31) = (day(y - 1, 1, 1), day(y - 1, 12, 31));
    let yesterday = today.yesterday().map(dmy).unwrap_or_default();
    let rec = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    vec![
        // The default virtual card's citizen: valid this year at the simulator's facility.
        rec(json!({
            "cccd": VIRTUAL_CARD_ID, "maKetQua": "000", "ghiChu": "Thông tin thẻ chính xác",
            "maThe": "DN4383895012345", "hoTen": "Nguyễn Văn An", "ngaySinh": "17/08/1995",
            "gioiTinh": "Nam", "diaChi": "Phường Hạc Thành, Thanh Hóa", "maDKBD": "38001",
            "cqBHXH": "BHXH tỉnh Thanh Hóa", "gtTheTu": jan1, "gtTheDen": dec31, "maKV": "",
            "ngayDu5Nam": day(y - 2, 1, 1), "maSoBHXH": "3895012345",
            // The year's co-payment, newest discharge first: above six months' base salary.
            "copayment": [
                {"Id": "SIMCCT2", "ngayTraCuu": format!("{y}0301"), "maThe": "DN4383895012345",
                 "maCskcb": "38001", "ngayVao": format!("{y}02100800"),
                 "ngayRa": format!("{y}02151000"), "maDoiTuongKCB": "1.1",
                 "tBNCCTMCCT": 1500000, "tBNCCTLuyKe": 15600000,
                 "ngayNhanCong": format!("{y}0101"), "ngayNhan": format!("{y}0216")},
                {"Id": "SIMCCT1", "ngayTraCuu": format!("{y}0301"), "maThe": "DN4383895012345",
                 "maCskcb": "38001", "ngayVao": format!("{y}01050800"),
                 "ngayRa": format!("{y}01201000"), "maDoiTuongKCB": "1.1",
                 "tBNCCTMCCT": 14100000, "tBNCCTLuyKe": 14100000,
                 "ngayNhanCong": format!("{y}0101"), "ngayNhan": format!("{y}0121")}
            ],
            "history": [
                {"maHoSo": "SIM0001", "maCSKCB": "38001", "ngayVao": format!("{}03100800", y - 1),
                 "ngayRa": format!("{}03101130", y - 1), "tenBenh": "Viêm họng cấp",
                 "tinhTrang": "1", "kqDieuTri": "1", "lyDoVV": "1"}
            ]
        })),
        // Valid, registered at another facility.
        rec(json!({
            "cccd": "001085000021", "maKetQua": "000", "maThe": "HT3010185000021",
            "hoTen": "Lê Văn Cường", "ngaySinh": "1985", "gioiTinh": "Nam",
            "maDKBD": "01001", "gtTheTu": jan1, "gtTheDen": dec31, "maSoBHXH": "0185000021",
            // A co-payment below the threshold.
            "copayment": [
                {"Id": "SIMCCT3", "maThe": "HT3010185000021", "maCskcb": "01001",
                 "ngayVao": format!("{y}02010800"), "ngayRa": format!("{y}02031000"),
                 "tBNCCTMCCT": "3200000", "tBNCCTLuyKe": "3200000"}
            ]
        })),
        // Valid, registered at the second facility (38002).
        rec(json!({
            "cccd": "038196000121", "maKetQua": "000", "maThe": "DN4383896000121",
            "hoTen": "Trương Thị Ngọc", "ngaySinh": "06/06/1996", "gioiTinh": "Nữ",
            "maDKBD": "38002", "gtTheTu": jan1, "gtTheDen": dec31, "maSoBHXH": "3896000121"
        })),
        // A child under 6 with a BHYT number only (its permanent TE1 card, registered at a
        // real facility: on the gateway, unlike a temporary newborn card).
        rec(json!({
            "cccd": "038225000111", "maKetQua": "000", "maThe": "TE1383825000111",
            "hoTen": "Nguyễn Minh Khôi", "ngaySinh": day(y - 1, 5, 20), "gioiTinh": "Nam",
            "maDKBD": "38001", "gtTheTu": day(y - 1, 5, 20), "gtTheDen": day(y + 4, 5, 19),
            "maSoBHXH": "3825000111"
        })),
        // Valid until yesterday, and the gateway has not caught up (the client checks dates).
        rec(json!({
            "cccd": "001190000022", "maKetQua": "000", "maThe": "GD4010190000022",
            "hoTen": "Mai Thị Hạnh", "ngaySinh": "03/02/1990", "gioiTinh": "Nữ",
            "maDKBD": "38001", "gtTheTu": last_jan1, "gtTheDen": yesterday,
            "maSoBHXH": "0190000022"
        })),
        // Expired.
        rec(json!({
            "cccd": "036180000031", "maKetQua": "010", "ghiChu": "Thẻ hết giá trị sử dụng",
            "maThe": "DN4363680000031", "hoTen": "Phạm Thị Dung", "ngaySinh": "12/05/1980",
            "maDKBD": "36001", "gtTheTu": last_jan1, "gtTheDen": last_dec31,
            "maSoBHXH": "3680000031"
        })),
        // 003: old card expired, new card issued for this year.
        rec(json!({
            "cccd": "038200000041", "maKetQua": "003", "maThe": "HS4383800000041",
            "hoTen": "Hoàng Văn Em", "ngaySinh": "01/09/2000", "maDKBD": "38002",
            "gtTheTu": last_jan1, "gtTheDen": last_dec31, "maSoBHXH": "3800000041",
            "maTheCu": "HS4383800000041", "maTheMoi": "SV4383800000041",
            "gtTheTuMoi": jan1, "gtTheDenMoi": dec31, "maDKBDMoi": "38001",
            "tenDKBDMoi": "Phòng khám mô phỏng 38001"
        })),
        // 004: old card still valid, new card issued and already in force.
        rec(json!({
            "cccd": "038192000051", "maKetQua": "004", "maThe": "DN4383892000051",
            "hoTen": "Vũ Thị Giang", "ngaySinh": "20/11/1992", "maDKBD": "38001",
            "gtTheTu": last_jan1, "gtTheDen": dec31, "maSoBHXH": "3892000051",
            "maTheMoi": "HC4383892000051", "gtTheTuMoi": jan1, "gtTheDenMoi": day(y + 4, 12, 31),
            "maDKBDMoi": "38001", "tenDKBDMoi": "Phòng khám mô phỏng 38001"
        })),
        // 001: Ministry of Defence.
        rec(json!({
            "cccd": "001088000061", "maKetQua": "001", "maThe": "QN5970188000061",
            "hoTen": "Đặng Văn Hùng", "ngaySinh": "07/07/1988", "gtTheTu": jan1, "gtTheDen": dec31
        })),
        // 002: Ministry of Public Security.
        rec(json!({
            "cccd": "001090000071", "maKetQua": "002", "maThe": "CA5970190000071",
            "hoTen": "Bùi Văn Khánh", "ngaySinh": "15/03/1990", "gtTheTu": jan1, "gtTheDen": dec31
        })),
        // 110: revoked.
        rec(json!({
            "cccd": "001195000081", "maKetQua": "110", "maThe": "DN4010195000081",
            "hoTen": "Đỗ Thị Lan", "ngaySinh": "25/12/1995"
        })),
        // Held and locked: no published code (the simulator's own, see HELD_CODE).
        rec(json!({
            "cccd": "001196000101", "maKetQua": HELD_CODE, "ghiChu": "Thẻ BHYT đang bị tạm giữ",
            "maThe": "DN4010196000101", "hoTen": "Trịnh Thị Oanh", "ngaySinh": "02/02/1996"
        })),
        rec(json!({
            "cccd": "001197000111", "maKetQua": LOCKED_CODE, "ghiChu": "Thẻ BHYT đang bị tạm khóa",
            "maThe": "DN4010197000111", "hoTen": "Lý Văn Phúc", "ngaySinh": "03/03/1997"
        })),
        // 124: báo giảm, stopped participating.
        rec(json!({
            "cccd": "001075000091", "maKetQua": "124", "maThe": "DN4010175000091",
            "hoTen": "Ngô Văn Minh", "ngaySinh": "30/04/1975"
        })),
    ]
}
