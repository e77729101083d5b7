#!/usr/bin/env python3
"""Receives the events a cccd-bridge desk pushes ([push] in its configuration), standard
library only: verifies the Standard Webhooks signature and the timestamp, and processes each
event once (by its webhook-id). Prints one JSON line per request; replace `handle` with the HIS.

    python3 webhook_receiver.py --port 8099 --secret-file /etc/his/cccd-push.secret

The secret file holds the same line as the desk's `secret_file` (whsec_...). Serve it behind
HTTPS (a reverse proxy) unless the desks are configured with trusted_network = true."""

import argparse, base64, hashlib, hmac, json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300  # seconds either way (Standard Webhooks recommends five minutes)
SEEN = {}        # webhook-id -> time first processed; keep them at least TOLERANCE seconds


def verify(key, headers, body, now):
    """Why the request is refused, or None when it is authentic and fresh."""
    msg_id, ts, sigs = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and ts and sigs):
        return "missing webhook headers"
    if not ts.isdigit() or abs(now - int(ts)) > TOLERANCE:
        return "timestamp outside the tolerance"
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    if not any(hmac.compare_digest(expected, s) for s in sigs.split(" ")):
        return "bad signature"
    return None


def handle(event):
    """The HIS's work: `event` is {"id", "type", "timestamp", "desk", "data"}."""
    print(json.dumps({"accepted": event["id"], "type": event["type"], "desk": event["desk"],
                      "session": event["data"].get("sessionId")}), flush=True)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = time.time()
        refused = verify(self.server.key, self.headers, body, now)
        if refused:
            print(json.dumps({"refused": refused}), flush=True)
            self.send_response(401)
        elif self.headers["webhook-id"] in SEEN:
            print(json.dumps({"duplicate": self.headers["webhook-id"]}), flush=True)
            self.send_response(200)  # already processed: acknowledge, do nothing
        else:
            handle(json.loads(body))
            SEEN[self.headers["webhook-id"]] = now
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # the events hold personal data: no access log
        pass


if __name__ == "__main__":
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--port", type=int, default=8099)
    args.add_argument("--bind", default="127.0.0.1")
    args.add_argument("--secret-file", required=True)
    a = args.parse_args()
    secret = open(a.secret_file).readline().strip()
    if not secret.startswith("whsec_"):
        sys.exit("the secret file must hold whsec_<base64>")
    server = ThreadingHTTPServer((a.bind, a.port), Receiver)
    server.key = base64.b64decode(secret[len("whsec_"):])
    print(json.dumps({"listening": server.server_address[1]}), flush=True)
    server.serve_forever()
