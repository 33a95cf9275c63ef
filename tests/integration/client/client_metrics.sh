#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd's metrics (README, "Metrics") with a pptpx session up, scraped by
# a real Prometheus server:
# - GET /metrics (pptpd.conf's `metrics` and `metrics-per-session`) answers
#   200 with the exposition format's content type; the session counts in
#   pptpx_sessions by its authentication and MPPE mode, its set-up in the
#   histogram, its pings in the byte counters, and user1 on ppp0 in the
#   series per session;
# - `promtool check metrics` (Debian's prometheus package) finds nothing
#   to say about the text: it parses and passes every lint rule;
# - prometheus, started in the server's namespace with a 1 s scrape of
#   pptpxd, reports the target up and answers pptpx_sessions = 1 through
#   its query API; after the client hangs up it answers 0, with the
#   set-up still counted; every query of contrib/grafana-pptpx.json runs
#   there;
# - a bad `metrics` line stops pptpxd with file:line and exit 2, as does a
#   bad --metrics.
# Skipped (77) without root, namespaces, or prometheus and promtool.
# Usage: client_metrics.sh PPTPXD PPTPX SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3
TAG=mt
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
if [ ! -x "$PROMETHEUS" ] || [ ! -x "$PROMTOOL" ]; then
  echo "skip: needs prometheus and promtool (Debian package prometheus)"
  exit 77
fi
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

METRICS=127.0.0.1:9723 PROM=127.0.0.1:9090

# http_get URL [ctype]: the body of a 200 answer on stdout (after its
# Content-Type line with ctype), from the server's namespace; a non-zero
# status otherwise.
http_get() {
  ip netns exec "$NS_S" python3 - "$@" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    if r.status != 200:
        sys.exit(1)
    sys.stdout.write(r.headers["Content-Type"] + "\n" if len(sys.argv) > 2 else "")
    sys.stdout.write(r.read().decode())
PY
}

# prom_value QUERY: the value of the query's single result ("" if none or many).
prom_value() {
  http_get "http://$PROM/api/v1/query?query=$1" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d["data"]["result"] if d.get("status") == "success" else []
print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null
}

# wait_value SECONDS QUERY VALUE: until prometheus answers VALUE.
wait_value() {
  local i
  for i in $(seq $(($1 * 4))); do
    [ "$(prom_value "$2")" = "$3" ] && return 0
    sleep 0.25
  done
  return 1
}

pair_up
server_config

# Configuration errors first: file:line and exit 2, nothing bound.
cp "$T/server/pptpd.conf" "$T/server/bad.conf"
echo "metrics localhost:9723" >> "$T/server/bad.conf"
line=$(wc -l < "$T/server/bad.conf")
ip netns exec "$NS_S" "$PPTPXD" -f --control none -c "$T/server/bad.conf" --ppp-options "" \
  --chap-secrets "$T/server/chap-secrets" > "$T/bad.out" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a bad metrics line exited $rc, not 2"
grep -q "bad.conf:$line: metrics value 'localhost:9723' is not ADDR:PORT" "$T/bad.out" ||
  fail "bad metrics line: $(cat "$T/bad.out")"
ip netns exec "$NS_S" "$PPTPXD" -f --control none -c "$T/server/pptpd.conf" --metrics 127.0.0.1 > "$T/bad.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "is not ADDR:PORT" "$T/bad.out" || fail "--metrics 127.0.0.1: $rc $(cat "$T/bad.out")"
ok "bad metrics settings: file:line or the flag named, exit 2"

printf 'metrics %s\nmetrics-per-session\n' "$METRICS" >> "$T/server/pptpd.conf"
start_server
wait_log 5 "$T/server1.log" "metrics at http://$METRICS/metrics (with series per session)" ||
  fail "pptpxd did not say where its metrics are"
client_files
start_client
wait_link 20 || fail "the link did not come up"
ping_ok || fail "ping through the tunnel"
ok "session up"

http_get "http://$METRICS/metrics" ctype > "$T/answer.txt" || fail "GET /metrics failed"
head -1 "$T/answer.txt" | grep -qx 'text/plain; version=0.0.4; charset=utf-8' ||
  fail "content type: $(head -1 "$T/answer.txt")"
tail -n +2 "$T/answer.txt" > "$T/metrics.txt"
m() { grep -q -- "^$1 $2\$" "$T/metrics.txt" || fail "no '$1 $2' in the metrics: $(grep -- "${1%%\{*}" "$T/metrics.txt")"; }
m 'pptpx_sessions{auth="MS-CHAP-v2",mppe="128-bit stateless"}' 1
m pptpx_session_setups_total 1
m pptpx_session_setup_seconds_count 1
m 'pptpx_session_setup_seconds_bucket{le="+Inf"}' 1
m 'pptpx_auth_successes_total{method="MS-CHAP-v2"}' 1
m 'pptpx_control_connections{state="established"}' 1
m pptpx_pool_addresses_free 10
grep -q '^pptpx_session_received_bytes_total{user="user1",interface="ppp[0-9]*"} [1-9]' "$T/metrics.txt" ||
  fail "no series for user1: $(grep pptpx_session_ "$T/metrics.txt")"
# Three pings of 84 octets each way at least.
bytes=$(sed -n 's/^pptpx_received_bytes_total //p' "$T/metrics.txt")
[ "${bytes:-0}" -ge 252 ] || fail "received bytes: '$bytes'"
grep -q '^process_resident_memory_bytes [1-9]' "$T/metrics.txt" || fail "no process memory"
ok "GET /metrics: the session, its set-up, authentication, traffic and user1's series"

"$PROMTOOL" check metrics < "$T/metrics.txt" > "$T/promtool.log" 2>&1
rc=$?
[ "$rc" = 0 ] && [ ! -s "$T/promtool.log" ] || fail "promtool check metrics (exit $rc): $(cat "$T/promtool.log")"
ok "promtool check metrics: no problem found"

cat > "$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pptpxd
    static_configs:
      - targets: ['$METRICS']
EOF
"$PROMTOOL" check config "$T/prometheus.yml" > /dev/null 2>&1 || fail "prometheus.yml"
ip netns exec "$NS_S" "$PROMETHEUS" --config.file="$T/prometheus.yml" \
  --storage.tsdb.path="$T/tsdb" --web.listen-address="$PROM" > "$T/prometheus.log" 2>&1 &
echo $! > "$T/prometheus.pid"
wait_value 30 'up{job="pptpxd"}' 1 || fail "prometheus did not scrape pptpxd"
wait_value 10 pptpx_sessions 1 || fail "prometheus answers pptpx_sessions = '$(prom_value pptpx_sessions)'"
ok "prometheus scraped pptpxd: up = 1, pptpx_sessions = 1"

# Every query of the Grafana dashboard is PromQL prometheus takes, and its
# "Sessions up" panel shows the session.
ip netns exec "$NS_S" python3 - "$SRC/contrib/grafana-pptpx.json" "$PROM" <<'PY' || fail "the dashboard's queries"
import json, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert len(exprs) >= 10, exprs
for e in exprs:
    q = e.replace("$job", ".*").replace("$instance", ".*").replace("$__rate_interval", "10s")
    url = "http://%s/api/v1/query?query=%s" % (sys.argv[2], urllib.parse.quote(q))
    d = json.load(urllib.request.urlopen(url, timeout=5))
    assert d["status"] == "success", (e, d)
sessions = [p for p in dash["panels"] if p["title"] == "Sessions up"][0]["targets"][0]["expr"]
url = "http://%s/api/v1/query?query=%s" % (sys.argv[2], urllib.parse.quote(sessions.replace("$job", ".*").replace("$instance", ".*")))
r = json.load(urllib.request.urlopen(url, timeout=5))["data"]["result"]
assert r and r[0]["value"][1] == "1", r
print("%d queries" % len(exprs))
PY
ok "contrib/grafana-pptpx.json: every query runs, Sessions up shows 1"

kill "$CLIENT_PID"
wait_exit 10 || fail "the client did not exit"
wait_value 15 pptpx_sessions 0 || fail "after the hang-up pptpx_sessions = '$(prom_value pptpx_sessions)'"
[ "$(prom_value pptpx_session_setups_total)" = 1 ] || fail "setups after the hang-up"
[ "$(prom_value 'pptpx_session_setup_failures_total{reason="auth_failed"}')" = 0 ] ||
  fail "an authentication failure counted"
ok "after the hang-up: pptpx_sessions = 0, the set-up still counted"

kill "$(cat "$T/prometheus.pid")"
wait "$(cat "$T/prometheus.pid")" 2>/dev/null
rm -f "$T/prometheus.pid"
echo "PASS"
