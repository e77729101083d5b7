#!/usr/bin/env python3
"""cccd-bridge client for a HIS written in Python (standard library only).

    CCCD_URL=http://127.0.0.1:8765 CCCD_KEY=... python3 examples/client.py --can 012345

Reads a card (waiting for it to be put on the reader), prints the person, the chip verdict and
the health-insurance eligibility, while printing the daemon's events from a second thread.
"""

import argparse
import json
import os
import sys
import threading
import urllib.error
import urllib.request

URL = os.environ.get("CCCD_URL", "http://127.0.0.1:8765").rstrip("/")
KEY = os.environ.get("CCCD_KEY", "")


def call(method, path, body=None, timeout=60):
    """One API call; returns (status, parsed JSON or bytes)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + KEY)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            ctype = r.headers.get("Content-Type", "")
            return r.status, json.loads(raw) if "json" in ctype else raw
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def events(stop):
    """Prints server-sent events (name and data) until stop is set."""
    req = urllib.request.Request(URL + "/v1/events")
    req.add_header("Authorization", "Bearer " + KEY)
    req.add_header("Accept", "text/event-stream")
    with urllib.request.urlopen(req, timeout=3600) as stream:
        name = None
        for line in stream:
            if stop.is_set():
                return
            line = line.decode().rstrip("\r\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:") and name and name != "card.progress":
                print(f"  event {name}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--can", help="the card's 6-digit CAN")
    g.add_argument("--id", help="the 12-digit ID number")
    g.add_argument("--qr", help="the text of the card's QR code")
    p.add_argument("--reader", help="reader name (default: the one with a card)")
    p.add_argument("--wait", type=int, default=30, help="seconds to wait for the card")
    args = p.parse_args()
    if not KEY:
        sys.exit("set CCCD_KEY to one of [server] api_keys")

    status, health = call("GET", "/v1/health")
    print(f"daemon {health.get('version')}, readers: {', '.join(health.get('readers', [])) or 'none'}")
    stop = threading.Event()
    threading.Thread(target=events, args=(stop,), daemon=True).start()
    if health.get("demo"):
        call("POST", "/v1/demo/tap")

    body = {k: v for k, v in (("can", args.can), ("id", args.id), ("qr", args.qr), ("reader", args.reader)) if v}
    body["waitSeconds"] = args.wait
    status, read = call("POST", "/v1/cards/read", body, timeout=args.wait + 60)
    stop.set()
    if status != 200:
        err = read.get("error", {})
        sys.exit(f"read failed: {err.get('code')}: {err.get('message')}")
    c, v, e = read["citizen"], read["verification"], read.get("eligibility")
    print(f"{c.get('fullName')}  ID {c.get('idNumber')}  born {c.get('dateOfBirth')}  {c.get('sex')}")
    print(f"chip verdict: {v['verdict']}")
    if e:
        print(f"eligibility: {e['category']} - {e['message']['en']}")
    status, photo = call("GET", read["photoUrl"])
    if status == 200:
        with open("photo.jpg", "wb") as f:
            f.write(photo)
        print("photo.jpg written")
    # Wipe the data now rather than when the card is removed.
    call("DELETE", "/v1/sessions/" + read["sessionId"])


if __name__ == "__main__":
    main()
