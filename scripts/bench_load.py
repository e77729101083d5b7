#!/usr/bin/env python3
"""The load half of `scripts/bench-daemon --readers R` (issue 18): against a running `cccd demo
--readers R`, every virtual reader is read in a loop (tap, POST /v1/cards/read with the gateway
simulator's eligibility check and the photo, DELETE the session, as a HIS does) while POLLERS
clients poll GET /v1/readers once a second each and STREAMS clients hold the event stream, until
READS reads or MAX_SECONDS. Prints reads per second, p50/p95/p99 of the read request and of the
polls, the errors (any unexpected status, a stream closed, events-lost notices) and the daemon's
VmRSS before the reads, after 1,000 and at the end. Standard library only.

    bench_load.py START_LINE_JSON DAEMON_PID READS POLLERS STREAMS MAX_SECONDS"""

import http.client
import json
import socket
import sys
import threading
import time

START, PID = json.loads(sys.argv[1]), int(sys.argv[2])
READS, POLLERS, STREAMS, MAX_SECONDS = (int(a) for a in sys.argv[3:7])
HOSTPORT = START["listen"][0]
KEY, CAN = START["apiKey"], START["can"]
HEADERS = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}

lock = threading.Lock()
stop = threading.Event()
read_ms, poll_ms, errors = [], [], []
counts = {"reads": 0, "events": 0, "lost": 0}
rss = {}


def rss_mb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def quantile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")


def connection():
    return http.client.HTTPConnection(HOSTPORT, timeout=60)


def call(c, method, path, body=None):
    c.request(method, path, body=body, headers=HEADERS)
    r = c.getresponse()
    return r.status, r.read()


def error(what):
    with lock:
        errors.append(what)


def reader_loop(name):
    c = connection()
    tap = json.dumps({"reader": name})
    body = json.dumps({"reader": name, "can": CAN, "waitSeconds": 10})
    while not stop.is_set():
        status, data = call(c, "POST", "/v1/demo/tap", tap)
        if status != 204:
            error(f"tap {status} {data[:100]!r}")
            continue
        t0 = time.perf_counter()
        status, data = call(c, "POST", "/v1/cards/read", body)
        took = (time.perf_counter() - t0) * 1000
        if status != 200:
            error(f"read {status} {data[:100]!r}")
            continue
        status, _ = call(c, "DELETE", "/v1/sessions/" + json.loads(data)["sessionId"])
        if status != 204:
            error(f"delete {status}")
        with lock:
            read_ms.append(took)
            counts["reads"] += 1
            n = counts["reads"]
        if n % 1000 == 0:
            rss[n] = rss_mb()
        if n >= READS:
            stop.set()


def poller(i):
    c = connection()
    time.sleep(i / max(POLLERS, 1))  # spread over the second
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            status, _ = call(c, "GET", "/v1/readers")
        except (OSError, http.client.HTTPException) as e:
            status = type(e).__name__
            c = connection()
        took = (time.perf_counter() - t0) * 1000
        with lock:
            poll_ms.append(took)
        if status != 200:
            error(f"poll {status}")
        time.sleep(max(0.0, 1.0 - took / 1000))


def stream():
    host, port = HOSTPORT.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.sendall(
        f"GET /v1/events HTTP/1.1\r\nHost: {HOSTPORT}\r\nAuthorization: Bearer {KEY}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    s.settimeout(1.0)
    while not stop.is_set():
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        if not b:
            error("an event stream closed")
            return
        # Counted in C, not parsed: the client must not be what is measured.
        with lock:
            counts["events"] += b.count(b"event:")
            counts["lost"] += b.count(b"events-lost")


def main():
    c = connection()
    names = [r["name"] for r in json.loads(call(c, "GET", "/v1/readers")[1])]
    background = [threading.Thread(target=stream, daemon=True) for _ in range(STREAMS)]
    background += [threading.Thread(target=poller, args=(i,), daemon=True) for i in range(POLLERS)]
    for t in background:
        t.start()
    time.sleep(2)
    rss["start"] = rss_mb()
    t0 = time.time()
    workers = [threading.Thread(target=reader_loop, args=(n,), daemon=True) for n in names]
    for w in workers:
        w.start()
    while not stop.is_set() and time.time() - t0 < MAX_SECONDS:
        time.sleep(0.5)
    stop.set()
    elapsed = time.time() - t0
    for w in workers:
        w.join(60)
    rss["end"] = rss_mb()
    n = counts["reads"]
    print(f"readers: {len(names)}; pollers: {POLLERS} (GET /v1/readers once a second each); event streams: {STREAMS}")
    print(f"reads: {n} in {elapsed:.0f} s = {n / elapsed:.1f} reads/s")
    print(f"read request (tap and delete excluded): p50 {quantile(read_ms, .5):.1f} ms, "
          f"p95 {quantile(read_ms, .95):.1f} ms, p99 {quantile(read_ms, .99):.1f} ms")
    print(f"polls: {len(poll_ms)}, p50 {quantile(poll_ms, .5):.2f} ms, "
          f"p95 {quantile(poll_ms, .95):.2f} ms, p99 {quantile(poll_ms, .99):.2f} ms")
    print(f"events received on the streams: {counts['events']}; events-lost notices: {counts['lost']}")
    print(f"errors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
    line = f"VmRSS: {rss['start']:.1f} MB before the reads"
    if 1000 in rss:
        line += f", {rss[1000]:.1f} MB after 1,000 reads"
    line += f", {rss['end']:.1f} MB after {n} reads"
    if 1000 in rss:
        line += f" ({(rss['end'] / rss[1000] - 1) * 100:+.1f}% since 1,000)"
    print(line)
    series = [f"{k // 1000}k {v:.1f}" for k, v in sorted((k, v) for k, v in rss.items() if isinstance(k, int))]
    print("VmRSS every 1,000 reads (MB): " + ", ".join(series))


if __name__ == "__main__":
    main()
