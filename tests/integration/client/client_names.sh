#!/bin/bash
# SPDX-License-Identifier: MIT
# Peer-chosen user names reach scripts verbatim and logs escaped (pptpx
# against pptpxd in two network namespaces; the server's options name a
# real ip-up and ip-down that record their arguments and environment):
# MODE shell:    the user 'a;b$(touch /tmp/x)' logs in: the session comes
#                up, /tmp/x is not touched (neither created nor, when
#                it is there, given new times), ip-up gets the name byte for
#                byte as PEERNAME (and ip-down too), pptpxd logs
#                'a\x3bb\x24\x28touch /tmp/x\x29' and never the raw name;
# MODE newline:  the user "a<newline>b" (written "a\nb" in the peers file
#                and both chap-secrets): PEERNAME holds the newline, the
#                log says 'a\nb', and every line of either log is one
#                whole log line (starts with a timestamp);
# MODE nosecret: a user 'x$(touch /tmp/x)<newline>' the server has no
#                secret for: refused, logged as
#                "no secret for user 'x\x24\x28touch /tmp/x\x29\n'", no
#                script runs, /tmp/x not touched.
# Usage: client_names.sh PPTPXD PPTPX SOURCE_DIR MODE
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=nm
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

has() { grep -qF -- "$2" "$1" || fail "no '$2' in $(basename "$1"): $(cat "$1")"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "'$2' in $(basename "$1")"; }
# whole_lines FILE: every line starts with the log's timestamp, so no log
# line was split by a raw newline.
whole_lines() {
  ! grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [a-z]+: ' "$1" ||
    fail "a line of $(basename "$1") is not a whole log line: $(grep -vE '^[0-9]{4}-' "$1" | head -3)"
}

case "$MODE" in
  shell) NAME='a;b$(touch /tmp/x)' WRITTEN='a;b$(touch /tmp/x)' LOGGED='a\x3bb\x24\x28touch /tmp/x\x29' ;;
  newline) NAME=$'a\nb' WRITTEN='a\nb' LOGGED='a\nb' ;;
  nosecret) NAME=$'x$(touch /tmp/x)\n' WRITTEN='x$(touch /tmp/x)\n' LOGGED='x\x24\x28touch /tmp/x\x29\n' ;;
  *) echo "unknown mode $MODE"; exit 2 ;;
esac

pair_up
server_config
# /tmp/x may be there already (even as a folder): touch would give it new
# times.
marker() { stat -c '%x %y' /tmp/x 2>/dev/null || echo absent; }
before=$(marker)
# ip-up and ip-down of the server: their arguments one per line in brackets,
# PEERNAME byte for byte, the whole environment.
for s in ip-up ip-down; do
  cat > "$T/server/$s" <<EOT
#!/bin/sh
printf '[%s]\n' "\$@" > "$T/$s.args"
printf '%s' "\$PEERNAME" > "$T/$s.peername"
env > "$T/$s.env"
EOT
  chmod 755 "$T/server/$s"
done
sed -i "s|^ip-up-script .*|ip-up-script $T/server/ip-up|; s|^ip-down-script .*|ip-down-script $T/server/ip-down|" \
  "$T/server/options.pptpd"
[ "$MODE" = nosecret ] || printf '"%s" pptpd secret1 *\n' "$WRITTEN" >> "$T/server/chap-secrets"
start_server
client_files
sed -i "s|^name .*|name \"$(printf '%s' "$WRITTEN" | sed 's/[\\&|]/\\&/g')\"|" "$T/client/peers/office"
printf '"%s" PPTP secret1 *\n' "$WRITTEN" > "$T/client/chap-secrets"
start_client

if [ "$MODE" = nosecret ]; then
  wait_exit 30 || fail "pptpx still runs after 30 s"
  [ "$RC" != 0 ] || fail "pptpx logged in"
  has "$T/server1.log" "no secret for user '$LOGGED' (server 'pptpd')"
  [ ! -e "$T/ip-up.args" ] || fail "ip-up ran"
else
  wait_link 20 || fail "the link did not come up: $(tail -5 "$T/client.log")"
  for i in $(seq 50); do [ -s "$T/ip-up.env" ] && break; sleep 0.1; done
  [ -f "$T/ip-up.peername" ] || fail "ip-up did not run"
  printf '%s' "$NAME" | cmp -s - "$T/ip-up.peername" ||
    fail "PEERNAME in ip-up: $(od -c "$T/ip-up.peername" | head -3), want $(printf '%s' "$NAME" | od -c | head -3)"
  ok "ip-up got PEERNAME byte for byte: $(od -An -c "$T/ip-up.peername" | tr -s ' ')"
  # pppd's six arguments; the name is in none of them.
  [ "$(wc -l < "$T/ip-up.args")" = 6 ] || fail "ip-up arguments: $(cat "$T/ip-up.args")"
  hasnt "$T/ip-up.args" "touch"
  has "$T/server1.log" "user $LOGGED authenticated with MS-CHAP-v2"
  kill -TERM "$CLIENT_PID"
  wait_exit 15 || fail "pptpx still runs 15 s after SIGTERM"
  for i in $(seq 50); do [ -s "$T/ip-down.env" ] && break; sleep 0.1; done
  printf '%s' "$NAME" | cmp -s - "$T/ip-down.peername" || fail "PEERNAME in ip-down differs"
  ok "ip-down got PEERNAME byte for byte"
fi
[ "$(marker)" = "$before" ] || fail "/tmp/x was touched ($before, now $(marker)): a shell ran a name"
ok "/tmp/x not touched ($before)"
hasnt "$T/server1.log" 'touch /tmp/x)'
hasnt "$T/server1.log" '$('
whole_lines "$T/server1.log"
whole_lines "$T/client.log"
ok "pptpxd logged the name as '$LOGGED': $(grep -F -m1 -- "$LOGGED" "$T/server1.log")"
exit 0
