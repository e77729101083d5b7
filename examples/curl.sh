#!/usr/bin/env bash
# cccd-bridge's API from the shell: health, a read, the event stream.
#   CCCD_URL=http://127.0.0.1:8765 CCCD_KEY=... examples/curl.sh [CAN]
# With `cccd demo`, take the URL and key from its start-up line; the script taps the virtual
# card first when the daemon is in demo mode.
set -euo pipefail
URL="${CCCD_URL:-http://127.0.0.1:8765}"
KEY="${CCCD_KEY:?set CCCD_KEY to one of [server] api_keys}"
CAN="${1:-012345}"
AUTH=(-H "Authorization: Bearer $KEY")

echo "== health (no key needed)"
curl -fsS "$URL/v1/health"; echo

echo "== readers"
curl -fsS "${AUTH[@]}" "$URL/v1/readers"; echo

echo "== events (in the background for 60 s)"
curl -sN "${AUTH[@]}" "$URL/v1/events" --max-time 60 2>/dev/null | grep --line-buffered "^event:" &
EVENTS=$!
trap 'kill $EVENTS 2>/dev/null || true' EXIT
sleep 0.5

if curl -fsS "$URL/v1/health" | grep -q '"demo":true'; then
  curl -fsS -X POST "${AUTH[@]}" "$URL/v1/demo/tap"
fi

echo "== read (put the card on the reader within 30 s)"
READ="$(curl -sS "${AUTH[@]}" -H 'Content-Type: application/json' \
  -d "{\"can\":\"$CAN\",\"waitSeconds\":30}" "$URL/v1/cards/read")"
echo "$READ"

# The photo, and the session wiped at once instead of after the card is removed.
SID="$(printf '%s' "$READ" | sed -n 's/.*"sessionId":"\([^"]*\)".*/\1/p')"
if [ -n "$SID" ]; then
  curl -fsS "${AUTH[@]}" -o photo.jpg "$URL/v1/sessions/$SID/photo" && echo "photo.jpg written"
  curl -fsS -X DELETE "${AUTH[@]}" "$URL/v1/sessions/$SID" && echo "session $SID deleted"
fi
sleep 1
