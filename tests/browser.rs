//! Headless Chromium (Debian's `chromium` and `chromium-driver`) driven over WebDriver (a small
//! client over plain HTTP, no Selenium): the reception page of `cccd demo` shows a read of the
//! virtual card (name, photo, genuine badge, eligibility verdict; screenshot kept in
//! `target/test-artifacts/reception.png`), and a page on another local origin uses the API with
//! fetch + EventSource when `[server] allowed_origins` lists it, and is refused otherwise; and the
//! page of `cccd serve` shows a re-check arriving when the gateway comes back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/daemon.rs"]
mod daemon;
#[path = "common/http.rs"]
mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use browser::{Browser, ENTER};
use common::{Sim, cccd_path, lock_slots};
use daemon::{CAN, Daemon, Gateway, KEY, start_demo, temp_dir, write_config};
use http::{StaticServer, post_json, request};
use serde_json::{Value, json};

fn artifact(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/test-artifacts")
        .join(name)
}

#[test]
fn reception_page_in_demo_mode_shows_a_read_of_the_virtual_card() {
    let (_demo, start) = start_demo(None);
    let url = start["url"].as_str().unwrap().to_owned();

    let browser = Browser::start("demo");
    browser.goto(&url);
    // The reader status shows once the page has asked health (demo mode) and the readers.
    browser.wait_js(
        "the reader status",
        "return document.getElementById('readers').textContent.includes('Virtual')",
    );
    assert_eq!(browser.js("return document.documentElement.lang"), "vi");
    browser.type_into("#access", &format!("{CAN}{ENTER}"));
    browser.wait_js(
        "the tap button",
        "return getComputedStyle(document.getElementById('tap')).display !== 'none' && document.getElementById('prompt').textContent",
    );
    assert_eq!(
        browser.js("return document.getElementById('prompt').textContent"),
        "Đặt thẻ lên đầu đọc"
    );
    browser.click("#tap");
    browser.wait_js(
        "the name",
        "return document.getElementById('name').textContent === 'Nguyễn Văn An'",
    );
    browser.wait_js(
        "the photo",
        "const p = document.getElementById('photo'); return p.complete && p.naturalWidth > 0 && p.naturalHeight > 0",
    );
    browser.wait_js(
        "the genuine badge",
        "const b = document.getElementById('badge'); return b.classList.contains('v-genuine') && b.textContent.includes('THẺ THẬT')",
    );
    let elig = browser.wait_js(
        "the eligibility verdict",
        "const e = document.getElementById('elig'); return e.classList.contains('e-ok') && e.textContent",
    );
    assert!(elig.as_str().unwrap().contains("ĐƯỢC HƯỞNG BHYT"), "{elig}");
    assert_eq!(
        browser.js("return document.getElementById('f-id').textContent"),
        "038095012345"
    );
    assert_eq!(
        browser.js("return getComputedStyle(document.getElementById('error')).display"),
        "none"
    );
    // Labels by what the chip holds, and what a 2024 card prints for them.
    let labels = browser.js("return document.getElementById('result').textContent");
    let labels = labels.as_str().unwrap();
    assert!(
        labels.contains("Nơi cư trú") && labels.contains("Quê quán"),
        "{labels}"
    );
    assert!(labels.contains("Nơi đăng ký khai sinh"), "{labels}");
    assert_eq!(
        browser.js("return document.getElementById('nophoto').hidden"),
        true,
        "a card with a photo"
    );
    browser.screenshot(&artifact("reception.png"));
}

/// A child's card without a photo through `cccd serve`: the read completes and the page says
/// the card has no photo, instead of waiting for one.
#[test]
fn the_reception_page_says_a_card_without_a_photo_has_none() {
    let _slots = lock_slots();
    let profile = format!(
        "{}/crates/card-sim/profiles/child-no-photo.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let sim = Sim::start(&["--profile", &profile]);
    let can = sim.info["can"].as_str().unwrap().to_owned();
    let gateway = Gateway::start();
    let dir = temp_dir("page-no-photo");
    let config = write_config(&dir, &gateway.url(), &[]);
    let daemon = Daemon::start(&dir, &config);
    let browser = Browser::start("no-photo");
    browser.goto(&format!("http://{}/", daemon.addr));
    browser.wait_js(
        "the reader status",
        "return document.getElementById('readers').textContent.includes('Virtual PCD 00 00')",
    );
    browser.type_into("#access", &format!("{can}{ENTER}"));
    let text = browser.wait_js(
        "the no-photo note",
        "const n = document.getElementById('nophoto'); return !n.hidden && n.textContent",
    );
    assert!(
        text.as_str().unwrap().contains("Thẻ không có ảnh"),
        "{text}"
    );
    browser.screenshot(&artifact("reception-no-photo.png"));
}

/// A HIS page on another origin: a ticket, EventSource, then a read with fetch. The daemon's
/// address and key come in the query (`?d=host:port&k=key`), an EventSource-only ticket in `t`.
const HIS_PAGE: &str = r#"<!doctype html><meta charset="utf-8"><title>HIS</title><script>
const q = new URLSearchParams(location.search), D = "http://" + q.get("d"), K = q.get("k");
window.r = { events: [], done: false, eventsOpen: false, eventsError: false };
const names = ["card.inserted", "card.progress", "card.read", "card.verified", "card.photo", "eligibility.result", "card.removed", "error"];
function listen(ticket) {
  return new Promise((resolve, reject) => {
    const es = new EventSource(D + "/v1/events?ticket=" + encodeURIComponent(ticket));
    for (const n of names) es.addEventListener(n, () => window.r.events.push(n));
    es.onopen = () => { window.r.eventsOpen = true; resolve(); };
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) { window.r.eventsError = true; reject(new Error("events refused")); } };
  });
}
(async () => {
  try {
    if (q.get("t")) await listen(q.get("t")).catch((e) => { window.r.eventsRefused = String(e); });
    const t = await (await fetch(D + "/v1/events/ticket", { method: "POST", headers: { Authorization: "Bearer " + K } })).json();
    await listen(t.ticket);
    const resp = await fetch(D + "/v1/cards/read", { method: "POST",
      headers: { Authorization: "Bearer " + K, "Content-Type": "application/json" },
      body: JSON.stringify({ can: q.get("can"), waitSeconds: 60 }) });
    window.r.status = resp.status;
    window.r.read = await resp.json();
  } catch (e) { window.r.error = String(e); }
  window.r.done = true;
})();
</script>"#;

#[test]
fn a_page_on_an_allowed_origin_reads_and_gets_events_and_another_origin_is_refused() {
    let _slots = lock_slots();
    let _sim = Sim::start(&[]);
    let gateway = Gateway::start();
    let allowed = StaticServer::start(HIS_PAGE.to_owned());
    let refused = StaticServer::start(HIS_PAGE.to_owned());
    let dir = temp_dir("origins");
    let config = write_config(&dir, &gateway.url(), &[allowed.origin()]);
    let daemon = Daemon::start(&dir, &config);
    let browser = Browser::start("origins");

    // From the allowed origin: a ticket, the event stream, a read, and its events.
    browser.goto(&format!(
        "{}/?d={}&k={KEY}&can={CAN}",
        allowed.origin(),
        daemon.addr
    ));
    let r = browser.wait_js(
        "the allowed page's read and its eligibility event",
        "return window.r && window.r.done && window.r.events.includes('eligibility.result') && window.r",
    );
    assert!(r["error"].is_null(), "{r}");
    assert_eq!(r["eventsOpen"], true, "{r}");
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(r["read"]["verification"]["verdict"], "genuine", "{r}");
    assert_eq!(r["read"]["eligibility"]["category"], "eligible", "{r}");
    let events: Vec<&str> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|n| *n != "card.progress")
        .collect();
    let from = events.iter().position(|n| *n == "card.read").unwrap();
    assert_eq!(
        events[from..from + 4],
        [
            "card.read",
            "card.verified",
            "card.photo",
            "eligibility.result"
        ],
        "{events:?}"
    );
    let checks = gateway.stats()["checkRequests"].as_u64().unwrap();

    // From another origin: the fetches are refused (CORS), and so is the event stream even
    // with a valid ticket got by other means.
    let ticket = post_json(&daemon.addr, "/v1/events/ticket", Some(KEY), &json!({})).json();
    let ticket = ticket["ticket"].as_str().unwrap();
    browser.goto(&format!(
        "{}/?d={}&k={KEY}&can={CAN}&t={ticket}",
        refused.origin(),
        daemon.addr
    ));
    let r = browser.wait_js(
        "the refused page giving up",
        "return window.r && window.r.done && window.r",
    );
    assert!(
        r["eventsRefused"]
            .as_str()
            .is_some_and(|e| e.contains("refused")),
        "the event stream was not refused: {r}"
    );
    assert!(
        r["error"].as_str().is_some_and(|e| e.contains("TypeError")),
        "the fetch was not refused: {r}"
    );
    assert!(r["read"].is_null() && r["status"].is_null(), "{r}");
    assert_eq!(gateway.stats()["checkRequests"], checks);
    // What the browser was told: no CORS grant for that origin.
    let origin = refused.origin();
    let pre = request(
        &daemon.addr,
        "OPTIONS",
        "/v1/cards/read",
        &[
            ("Origin", origin.as_str()),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
        ],
        None,
    );
    assert!(pre.header("access-control-allow-origin").is_none());
    assert_eq!(pre.json()["error"]["code"], "origin-not-allowed");
}

/// The law's fallback on the reception page: the gateway is down during a read, so the page
/// says the insurance will be asked again by itself; when the gateway is back, the re-check's
/// result replaces it on the page, marked as such.
#[test]
fn the_reception_page_shows_a_recheck_arriving() {
    let _slots = lock_slots();
    let _sim = Sim::start(&[]);
    let mut gateway = Gateway::start();
    let dir = temp_dir("page-recheck");
    let config = write_config(&dir, &gateway.url(), &[]);
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "timeout_secs = 10\n",
        "timeout_secs = 10\nrecheck_delay_secs = 1\nrecheck_max_delay_secs = 2\n",
    );
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(&dir, &config);
    gateway.kill();
    let browser = Browser::start("recheck");
    browser.goto(&format!("http://{}/", daemon.addr));
    browser.wait_js(
        "the reader status",
        "return document.getElementById('readers').textContent.includes('Virtual PCD 00 00')",
    );
    browser.type_into("#access", &format!("{CAN}{ENTER}"));
    let waiting = browser.wait_js(
        "the gateway error and the re-check note",
        "const r = document.getElementById('recheck'); return r && document.getElementById('elig').textContent",
    );
    let waiting = waiting.as_str().unwrap();
    assert!(waiting.contains("LỖI CỔNG BHXH"), "{waiting}");
    assert!(waiting.contains("tự tra cứu lại"), "{waiting}");
    gateway.restart();
    let done = browser.wait_js(
        "the re-check's result on the page",
        "const e = document.getElementById('elig'); return e.classList.contains('e-ok') && !document.getElementById('recheck') && e.textContent",
    );
    let done = done.as_str().unwrap();
    assert!(done.contains("ĐƯỢC HƯỞNG BHYT"), "{done}");
    assert!(done.contains("tra cứu lại tự động"), "{done}");
    assert_eq!(gateway.stats()["checkRequests"], 1);
    browser.screenshot(&artifact("reception-recheck.png"));
}

/// Staff logins on the reception page of `cccd serve` (`[[server.page_logins]]`, the hash made
/// by `cccd config hash-password`): the page asks for a login before anything else, refuses a
/// wrong password, shows who is logged in as the operator, reads a card, and asks again after
/// the logout.
#[test]
fn the_reception_page_asks_for_a_staff_login_when_logins_are_configured() {
    let _slots = lock_slots();
    let _sim = Sim::start(&[]);
    let gateway = Gateway::start();
    let dir = temp_dir("page-login");
    let config = write_config(&dir, &gateway.url(), &[]);
    let mut hasher = Command::new(cccd_path())
        .args(["config", "hash-password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        hasher.stdin.as_mut().unwrap(),
        "mật khẩu của Bình\n".as_bytes(),
    )
    .unwrap();
    let hashed = hasher.wait_with_output().unwrap();
    assert!(hashed.status.success());
    let line = String::from_utf8(hashed.stdout).unwrap();
    assert!(line.starts_with("password_hash = \"$argon2id$"), "{line}");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text += &format!(
        "[[server.page_logins]]\nusername = \"binh\"\n{line}operator_name = \"Trần Thị Bình\"\noperator_id = \"038190000001\"\n"
    );
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(&dir, &config);
    let browser = Browser::start("login");
    browser.goto(&format!("http://{}/", daemon.addr));
    let title = browser.wait_js(
        "the login form",
        "const l = document.getElementById('login'); return getComputedStyle(l).display !== 'none' && l.textContent",
    );
    assert!(
        title
            .as_str()
            .unwrap()
            .contains("Đăng nhập nhân viên tiếp đón"),
        "{title}"
    );
    assert_eq!(
        browser.js("return getComputedStyle(document.getElementById('app')).display"),
        "none"
    );
    browser.type_into("#username", "binh");
    browser.type_into("#password", "sai mật khẩu");
    browser.click("#loginButton");
    browser.wait_js(
        "the wrong password refused",
        "return document.getElementById('loginError').textContent === 'Sai tên đăng nhập hoặc mật khẩu.'",
    );
    browser.type_into("#password", "mật khẩu của Bình");
    browser.click("#loginButton");
    browser.wait_js(
        "the page after the login",
        "return getComputedStyle(document.getElementById('app')).display !== 'none' && document.getElementById('readers').textContent.includes('Virtual PCD 00 00')",
    );
    assert_eq!(
        browser.js("return document.getElementById('who').textContent"),
        "Cán bộ tra cứu: Trần Thị Bình"
    );
    browser.type_into("#access", &format!("{CAN}{ENTER}"));
    let elig = browser.wait_js(
        "the eligibility verdict",
        "const e = document.getElementById('elig'); return e.classList.contains('e-ok') && e.textContent",
    );
    assert!(elig.as_str().unwrap().contains("ĐƯỢC HƯỞNG BHYT"), "{elig}");
    browser.click("#logout");
    browser.wait_js(
        "the login form after the logout",
        "return getComputedStyle(document.getElementById('login')).display !== 'none' && getComputedStyle(document.getElementById('app')).display === 'none'",
    );
    // The page's credential never reached the HIS's routes (no key in the page either).
    let html = http::get(&daemon.addr, "/", None);
    assert!(
        html.header("set-cookie").is_none(),
        "no credential without a login"
    );
}

/// The reception page of a private facility (`[server] private_facility`, which `cccd demo`
/// honours) asks for the patient's consent before reading the chip and sends it with the read;
/// and the page identifies a patient without a chip: the card's QR code alone (scanned: typed
/// and ended with Enter), and a child's BHYT card number typed with the name and date of birth,
/// each shown as not read from a chip, with the insurance check's verdict.
#[test]
fn the_reception_page_asks_consent_and_identifies_without_a_chip() {
    let dir = temp_dir("page-nochip");
    let config = dir.join("config.toml");
    std::fs::write(&config, "[server]\nprivate_facility = true\n").unwrap();
    let (_demo, start) = start_demo(Some(&config));
    let url = start["url"].as_str().unwrap().to_owned();
    let browser = Browser::start("nochip");
    browser.goto(&url);
    let consent = browser.wait_js(
        "the consent box",
        "const b = document.getElementById('consentBox'); return getComputedStyle(b).display !== 'none' && b.textContent",
    );
    assert!(
        consent
            .as_str()
            .unwrap()
            .starts_with("Người bệnh đồng ý cho đọc thông tin trong chip"),
        "{consent}"
    );
    browser.wait_js(
        "the reader status",
        "return document.getElementById('readers').textContent.includes('Virtual')",
    );
    // Without the consent ticked, nothing is read.
    browser.type_into("#access", &format!("{CAN}{ENTER}"));
    browser.wait_js(
        "the consent asked for",
        "return document.getElementById('errBig').textContent === 'Cần sự đồng ý của người bệnh'",
    );
    assert_eq!(
        browser.js("return getComputedStyle(document.getElementById('wait')).display"),
        "none"
    );
    // Ticked: the read goes ahead with the consent, and the box is cleared for the next patient.
    browser.click("#consent");
    browser.type_into("#access", &format!("{CAN}{ENTER}"));
    browser.wait_js(
        "the tap button",
        "return getComputedStyle(document.getElementById('tap')).display !== 'none'",
    );
    browser.click("#tap");
    browser.wait_js(
        "the genuine badge",
        "return document.getElementById('badge').classList.contains('v-genuine')",
    );
    browser.wait_js(
        "the consent box cleared",
        "return document.getElementById('consent').checked === false",
    );

    // The card's QR code, scanned into the no-chip form (a scanner ends with Enter).
    browser.click("#nochipDetails summary");
    let qr_text = "038095012345|381234567|Nguyễn Văn An|17081995|Nam|Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa|12042021";
    browser.type_into("#idQr", &format!("{qr_text}{ENTER}"));
    let badge = browser.wait_js(
        "the QR badge",
        "const b = document.getElementById('badge'); return b.classList.contains('v-qr') && b.textContent",
    );
    assert!(
        badge
            .as_str()
            .unwrap()
            .contains("THEO MÃ QR · KHÔNG ĐỌC CHIP"),
        "{badge}"
    );
    assert_eq!(
        browser.js("return document.getElementById('name').textContent"),
        "Nguyễn Văn An"
    );
    assert_eq!(
        browser.js("return document.getElementById('f-dob').textContent"),
        "17/08/1995"
    );
    assert_eq!(
        browser.js("return document.getElementById('f-issued').textContent"),
        "12/04/2021"
    );
    let elig = browser.wait_js(
        "the QR's eligibility",
        "const e = document.getElementById('elig'); return e.classList.contains('e-ok') && e.textContent",
    );
    assert!(elig.as_str().unwrap().contains("ĐƯỢC HƯỞNG BHYT"), "{elig}");
    assert_eq!(
        browser.js("return document.getElementById('photo').getAttribute('src')"),
        Value::Null
    );

    // A child with only a BHYT card, typed.
    // The gateway simulator's seeded child was born on 20 May last year (in Vietnam's time).
    let year = eligibility::vietnam_date(jiff::Timestamp::now()).year() - 1;
    browser.type_into("#idCard", "TE1383825000111");
    browser.type_into("#idName", "Nguyễn Minh Khôi");
    browser.type_into("#idDob", &format!("20/05/{year}"));
    browser.click("#identifyButton");
    let badge = browser.wait_js(
        "the typed badge",
        "const b = document.getElementById('badge'); return b.classList.contains('v-typed') && document.getElementById('name').textContent === 'Nguyễn Minh Khôi' && b.textContent",
    );
    assert!(
        badge
            .as_str()
            .unwrap()
            .contains("NHẬP TAY · KHÔNG ĐỌC CHIP"),
        "{badge}"
    );
    assert_eq!(
        browser.js("return document.getElementById('f-id').textContent"),
        ""
    );
    let elig = browser.wait_js(
        "the child's eligibility",
        "const e = document.getElementById('elig'); return e.classList.contains('e-ok') && e.textContent",
    );
    assert!(elig.as_str().unwrap().contains("TE1383825000111"), "{elig}");
    assert_eq!(
        browser.js("return getComputedStyle(document.getElementById('error')).display"),
        "none"
    );
    browser.screenshot(&artifact("reception-nochip.png"));
}
