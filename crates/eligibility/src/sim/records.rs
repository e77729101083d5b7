//! The seeded records: fictional people whose cards cover every result the client must handle.

use jiff::civil::Date;
use serde_json::{Map, Value, json};

use super::VIRTUAL_CARD_ID;

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
            "maDKBD": "01001", "gtTheTu": jan1, "gtTheDen": dec31, "maSoBHXH": "0185000021"
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
        // 124: báo giảm, stopped participating.
        rec(json!({
            "cccd": "001075000091", "maKetQua": "124", "maThe": "DN4010175000091",
            "hoTen": "Ngô Văn Minh", "ngaySinh": "30/04/1975"
        })),
    ]
}
