// cccd-client.js: a small ES module for a web HIS page that talks to cccd-bridge on the
// reception PC (http://127.0.0.1:8765 by default). No dependencies, no build step:
//
//   import { CccdClient, fillEmpty } from "./cccd-client.js";
//   const cccd = new CccdClient({ url: "http://127.0.0.1:8765", key: "..." });
//   const events = await cccd.follow({ "card.read": (d) => ..., "eligibility.result": (d) => ... });
//   const session = await cccd.read({ can: "012345" });     // waits for the card, reads, verifies
//   fillEmpty(form, session.registration, FIELDS);           // fills what staff left empty
//
// The page's origin must be in the daemon's [server] allowed_origins. The key is the HIS's: in
// production the page gets it (or a ticket) from its own server, so `key` may be a function
// returning a promise of the key. Errors are CccdError objects whose `vi` and `en` say what
// happened and what to do; the module tells "not running or blocked by the browser" (which a
// page cannot tell apart) from "running but this origin is not allowed".

/** An error of the daemon (its stable `code`) or of the connection to it. */
export class CccdError extends Error {
  constructor(code, message, vi, en) {
    super(message);
    this.name = "CccdError";
    /** The daemon's stable code, or `unreachable`, `origin-refused`, `events-refused`. */
    this.code = code;
    /** What to tell staff, in Vietnamese, then English. */
    this.vi = vi || message;
    this.en = en || message;
  }
}

/** The two sentences for a daemon the page cannot reach, or that refuses the page's origin. */
export function connectionMessage(kind, url, origin) {
  if (kind === "origin-refused") {
    return {
      vi: `cccd-bridge đang chạy tại ${url} nhưng từ chối trang này (${origin}): quản trị viên cần thêm "${origin}" vào [server] allowed_origins trong cấu hình của cccd-bridge.`,
      en: `cccd-bridge is running at ${url} but refuses this page (${origin}): the administrator must add "${origin}" to [server] allowed_origins in cccd-bridge's configuration.`,
    };
  }
  return {
    vi: `Không kết nối được với cccd-bridge tại ${url}. Có hai khả năng: (1) dịch vụ cccd-bridge chưa chạy trên máy này: khởi động dịch vụ (hoặc khởi động lại máy); (2) trình duyệt đã chặn trang này truy cập mạng cục bộ (Local Network Access): bấm "Cho phép" khi trình duyệt hỏi, hoặc nhờ quản trị viên thêm địa chỉ trang vào chính sách LocalNetworkAccessAllowedForUrls / LoopbackNetworkAllowedForUrls.`,
    en: `Cannot reach cccd-bridge at ${url}. Either (1) the cccd-bridge service is not running on this PC: start it (or restart the PC); or (2) the browser blocked this page from the local network (Local Network Access): click "Allow" when the browser asks, or have IT add this page's address to the LocalNetworkAccessAllowedForUrls / LoopbackNetworkAllowedForUrls policy.`,
  };
}

/** The events of the stream (`GET /v1/events`). */
export const EVENT_NAMES = [
  "reader.added", "reader.removed", "card.inserted", "card.progress", "card.read",
  "card.verified", "card.photo", "eligibility.result", "eligibility.copayment",
  "card.removed", "error",
];

export class CccdClient {
  /** `url`: the daemon (default http://127.0.0.1:8765); `key`: an API key, or a function
   * returning one (or a promise of one). */
  constructor({ url = "http://127.0.0.1:8765", key } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.key = key;
  }

  async authorization() {
    const k = typeof this.key === "function" ? await this.key() : this.key;
    return k ? { Authorization: "Bearer " + k } : {};
  }

  /** Why a fetch failed without an answer: a request that needs no CORS grant tells a daemon
   * that answers (it refuses this origin) from one the browser cannot reach at all. */
  async unreachable() {
    let kind = "unreachable";
    try {
      await fetch(this.url + "/v1/health", { mode: "no-cors", cache: "no-store" });
      kind = "origin-refused";
    } catch (e) { /* not running, or blocked by the browser */ }
    const m = connectionMessage(kind, this.url, location.origin);
    return new CccdError(kind, m.en, m.vi, m.en);
  }

  /** One API call: the parsed JSON answer, or a CccdError. */
  async call(method, path, body) {
    const headers = await this.authorization();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(this.url + path, {
        method, headers, cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw await this.unreachable();
    }
    if (r.status === 204) return null;
    const type = r.headers.get("Content-Type") || "";
    const answer = type.includes("json") ? await r.json() : await r.blob();
    if (!r.ok) {
      const e = (answer && answer.error) || { code: "http-" + r.status, message: r.statusText };
      throw new CccdError(e.code, e.message);
    }
    return answer;
  }

  /** `GET /v1/health` (no key needed). */
  health() { return this.call("GET", "/v1/health"); }

  /** `POST /v1/cards/read`: `{can | id | qr | mrz, waitSeconds?, consent?, ...}`; resolves with
   * the session (citizen, registration, verification, eligibility, photoUrl) once the card
   * is read and verified. */
  read(request) { return this.call("POST", "/v1/cards/read", Object.assign({ waitSeconds: 60 }, request)); }

  /** `POST /v1/identify`: `{qr}` or `{id | card, name, dob}`, without the chip. */
  identify(request) { return this.call("POST", "/v1/identify", request); }

  /** The session's photo as an object URL (for an <img>), or null. */
  async photo(session) {
    if (!session.photoUrl) return null;
    return URL.createObjectURL(await this.call("GET", session.photoUrl));
  }

  /** `POST /v1/demo/tap`: puts the demo's virtual card on its reader (demo only). */
  tap() { return this.call("POST", "/v1/demo/tap"); }

  /** Follows the event stream: a one-time ticket (`POST /v1/events/ticket`, with the key),
   * then an EventSource, which cannot send the key itself. `handlers` maps event names to
   * functions of the event's data; `handlers.onError(CccdError)` hears of a refused or lost
   * stream, which is opened again with a new ticket. Resolves once the stream is open, with
   * `{ close() }`. */
  async follow(handlers = {}) {
    let closed = false, source = null;
    const tell = (e) => { if (handlers.onError) handlers.onError(e); };
    const open = async () => {
      const t = await this.call("POST", "/v1/events/ticket");
      await new Promise((resolve, reject) => {
        const es = new EventSource(this.url + t.url);
        source = es;
        let up = false;
        for (const n of EVENT_NAMES) {
          if (!handlers[n]) continue;
          es.addEventListener(n, (ev) => {
            let data;
            try { data = JSON.parse(ev.data); } catch (e) { return; }
            handlers[n](data, n);
          });
        }
        es.onopen = () => { up = true; resolve(); };
        es.onerror = () => {
          if (es.readyState !== EventSource.CLOSED || closed) return;
          const err = new CccdError("events-refused", "the event stream was refused or lost",
            "cccd-bridge từ chối hoặc mất luồng sự kiện.", "cccd-bridge refused or lost the event stream.");
          // A ticket is good once: the browser cannot reconnect with it. A stream that was up
          // is opened again with a new ticket; one refused at once is the caller's to handle.
          if (up) { tell(err); reconnect(); } else reject(err);
        };
      });
    };
    const reconnect = () => setTimeout(() => {
      if (!closed) open().catch((e) => { tell(e); reconnect(); });
    }, 2000);
    await open();
    return { close() { closed = true; if (source) source.close(); } };
  }
}

/** The registration block's values by XML1 key (`{HO_TEN: "...", ...}`). */
export function registrationValues(block) {
  const out = {};
  for (const [k, f] of Object.entries(block || {})) {
    if (f && typeof f === "object" && "value" in f && "source" in f) out[k] = f.value;
  }
  return out;
}

/** `yyyymmddHHMM` (XML1's NGAY_SINH, `00` for an unknown day or month) as `dd/mm/yyyy`,
 * `mm/yyyy` or `yyyy`. */
export function xml1Date(v) {
  if (!/^\d{8}/.test(v || "")) return "";
  const [y, m, d] = [v.slice(0, 4), v.slice(4, 6), v.slice(6, 8)];
  return m === "00" ? y : d === "00" ? `${m}/${y}` : `${d}/${m}/${y}`;
}

/** Fills the form's empty fields from a registration block, and leaves alone what staff
 * already typed (a complaint about one vendor's reader: a card read overwrote the phone number
 * and the name typed first). `fields` maps XML1 keys to the form's input names, or to
 * `[name, format]` where `format` turns the value into the input's text. Each field filled
 * gets `data-source` (chip-verified, chip-unverified, qr, typed) and, when doubtful,
 * `data-uncertain`. Returns the names filled. */
export function fillEmpty(form, block, fields) {
  const filled = [];
  for (const [key, target] of Object.entries(fields)) {
    const [name, format] = Array.isArray(target) ? target : [target, (v) => v];
    const input = form.elements.namedItem(name);
    const f = block && block[key];
    if (!input || !f || !f.value) continue;
    if (String(input.value).trim() !== "") continue;
    input.value = format(f.value);
    input.dataset.source = f.source;
    if (f.uncertain) input.dataset.uncertain = f.uncertain; else delete input.dataset.uncertain;
    filled.push(name);
  }
  return filled;
}
