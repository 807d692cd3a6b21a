#!/usr/bin/env bash
# Shows the outreach of one visit end to end against ./scripts/up.sh (run it
# first, in another terminal): the booking confirmation (V-3), the reminder
# call (V-7) that the sandbox leaves unanswered, and the SMS that replaces
# it, each in the customer's language and each exactly once, while the
# sandbox fails 30 % of provider calls with transient errors.
#
# The appointment is booked 10 minutes ahead, inside the reminder lead, so
# the reminder call goes out at once (rules.ReminderAt).
set -euo pipefail
cd "$(dirname "$0")/.."
API=${API:-http://127.0.0.1:8080}
SANDBOX=${SANDBOX:-http://127.0.0.1:8025}
SECRET=${PARTNER_GLOBEX_SECRET:-local-dev-globex-partner-secret}
B17='Authorization: Bearer local-dev-buddy-token-b17'
REF="DEMO-$(date +%s)"
# This run's own customer address, so the outbox listing below shows this
# visit's messages only, not those of earlier runs or other walkthroughs.
PHONE="+49151$(date +%s | tail -c 8)"
EMAIL="erika+${REF,,}@example.com"
LANG_=${1:-de}

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
booking=$(mktemp)
cat > "$booking" <<JSON
{"booking_ref":"$REF","market":"DE","region":"Berlin",
 "customer":{"name":"Erika Beispiel","phone":"$PHONE","email":"$EMAIL","language":"$LANG_"},
 "address":"Beispielstraße 6, 10115 Berlin","product":"Router","problem":"No internet.",
 "wished_times":[{"from":"$(iso '+5 min')","to":"$(iso '+2 hour')"}]}
JSON
sign() {  # sign METHOD PATH BODY-FILE: X-Signature v2 for partner globex (README "Security")
  t=$(date +%s); n=$(openssl rand -hex 16); d=$(openssl dgst -sha256 -r "$3" | cut -d' ' -f1)
  printf 't=%s,n=%s,v2=%s' "$t" "$n" "$(printf 'jobflow-sig-v2\n%s\n%s\n%s\n%s\n%s\n%s' "$t" "$n" "$1" "$2" globex "$d" |
    openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"
}

echo "sandbox: 30 % transient errors, calls go unanswered"
curl -sf -X POST "$SANDBOX/_control" -d '{"error_rate":0.3,"error_status":503,"call_outcome":"no-answer"}' >/dev/null
trap 'curl -sf -X POST "$SANDBOX/_control" -d "{}" >/dev/null || true' EXIT

curl -sf -X POST "$API/v1/bookings" -H 'Content-Type: application/json' -H 'X-Partner-Id: globex' \
  -H "X-Signature: $(sign POST /v1/bookings "$booking")" --data-binary @"$booking" >/dev/null
V="$API/v1/visits/visit-globex-$REF"
curl -sf -X POST "$V/claim" -H "$B17" >/dev/null
curl -sf -X POST "$V/book" -H "$B17" -d "{\"at\":\"$(iso '+10 min')\",\"clarified_problem\":\"router resets\",\"products_at_home\":true,\"recording\":\"accepted\"}" >/dev/null
echo "booked visit-globex-$REF; waiting for the reminder call and its SMS fallback..."

for _ in $(seq 1 60); do
  sms=$(curl -s "$V" -H "$B17" | grep -c '"visit.reminder_sms"' || true)
  [ "$sms" -ge 1 ] && break
  sleep 2
done
echo
echo "What the visit recorded (deliveries):"
curl -s "$V" -H "$B17" | python3 -c 'import json,sys; [print(" ", d["channel"], d["template"], d["outcome"]) for d in json.load(sys.stdin)["deliveries"]]'
echo
echo "What the customer received (sandbox outbox, this visit's messages):"
curl -s "$SANDBOX/outbox" | PHONE="$PHONE" EMAIL="$EMAIL" python3 -c '
import json,os,sys,collections
msgs=[m for m in json.load(sys.stdin) if m.get("to") in (os.environ["PHONE"],os.environ["EMAIL"])]
c=collections.Counter((m["channel"],m.get("template"),m.get("language")) for m in msgs)
for (ch,t,l),n in sorted(c.items()): print("  %-5s %-28s %s  x%d" % (ch,t,l,n))'
echo
echo "Outbox page: $SANDBOX/   Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/visit-globex-$REF"
