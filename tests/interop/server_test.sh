#!/usr/bin/env bash
# The case functions are called indirectly (case${c}_start).
# shellcheck disable=SC2317
# Interop suite for the PPTP server: real pppd 2.4.9 + pptp-linux clients,
# each in a User-Mode Linux guest, against the server under test, with the
# admin's configuration from examples/server used unchanged.
#
# Knobs (environment):
#   SERVER=pptpxd       (default) run SERVER_CMD on the host side of the lab
#                       namespace, listening on the bridge address 192.168.77.1.
#   SERVER=pptpd-guest  run the reference PoPToP pptpd in a guest instead
#                       (192.168.77.2); validates the suite itself.
#   BUILD_DIR           build tree holding src/cmd/pptpxd (default: build).
#   SERVER_CMD          server command line; @CONF@ and @SECRETS@ are
#                       replaced by the copied pptpd.conf and chap-secrets.
#                       Default: $BUILD_DIR/src/cmd/pptpxd -f -c @CONF@ --chap-secrets @SECRETS@
#   SERVER_CONF         folder with pptpd.conf, options.pptpd, chap-secrets
#                       (default examples/server); the expected DNS, local
#                       and fixed addresses are read from it.
#   EXPECT_DNS, EXPECT_USER2_IP  override what cases 5 and 4 expect.
#   CASES               cases to run (default "1 2 3 4 5").
#   IPERF_SECONDS       iperf3 duration in case 1 (default 3; 0 skips it).
#   LAB_WORK            work folder (default tests/interop/work/<time>-<pid>).
# Needs root, and the packages of tests/interop/README.md. Exit status: 0
# when every case passed, 1 when one failed, 2 when the lab could not run.
#
# Cases: 1 MPPE-128 link, pings both ways (also 1300 bytes), iperf3, the
# server's pppN is gone after hang-up; 2 a wrong password is refused with
# E=691 and the next client still connects; 3 two clients at once get
# distinct addresses; 4 the fixed address of user2 in chap-secrets is
# honoured; 5 ms-dns reaches a client using usepeerdns.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SERVER=${SERVER:-pptpxd}
BUILD_DIR=${BUILD_DIR:-$TOP/build}
CASES=${CASES:-1 2 3 4 5}
IPERF_SECONDS=${IPERF_SECONDS:-3}
EXAMPLES=${SERVER_CONF:-$TOP/examples/server}
SUITE_START=$(date +%s)

. "$HERE/lib.sh"

FAILED=0
pass() { echo "PASS case $1: $2"; }
fail() {
	echo "FAIL case $1: $2"
	FAILED=1
}

# Values the cases expect, taken from the example configuration itself.
DNS_EXPECTED=${EXPECT_DNS:-$(awk '$1 == "ms-dns" { print $2; exit }' "$EXAMPLES/options.pptpd")}
LOCAL_IP=$(awk '$1 == "localip" { print $2; exit }' "$EXAMPLES/pptpd.conf")
USER2_IP=${EXPECT_USER2_IP:-$(awk '$1 == "user2" { print $4; exit }' "$EXAMPLES/chap-secrets")}
is_ipv4() { [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; }
is_ipv4 "$DNS_EXPECTED" || lab_die "no ms-dns address in $EXAMPLES/options.pptpd (or set EXPECT_DNS)"
is_ipv4 "$USER2_IP" || lab_die "no fixed user2 address in $EXAMPLES/chap-secrets (or set EXPECT_USER2_IP)"

# ---- the server under test -------------------------------------------

# server_sh COMMAND: runs a shell command in the server's network
# namespace (the lab namespace, or the pptpd guest).
server_sh() {
	if [ "$SERVER" = pptpd-guest ]; then
		guest_exec srv 30 "$*"
	else
		lab_ns timeout 30 sh -c "$*"
	fi
}

server_listening() { server_sh "ss -ltn" | grep -q ':1723 '; }

server_start() {
	case "$SERVER" in
	pptpd-guest)
		SERVER_ADDR=$LAB_PREFIX.2
		guest_new srv server "$SERVER_ADDR"
		server_files srv "$EXAMPLES"
		guest_start srv 900
		guest_wait_file srv ready 30 || lab_die "pptpd guest did not start (see $LAB_WORK/srv)"
		server_sh "iperf3 -s -D" >/dev/null
		;;
	pptpxd)
		SERVER_ADDR=$LAB_HOST_ADDR
		local conf=$LAB_WORK/server-conf
		mkdir -p "$conf"
		cp "$EXAMPLES/pptpd.conf" "$EXAMPLES/options.pptpd" "$EXAMPLES/chap-secrets" "$conf/"
		sed -i "s#^option .*#option $conf/options.pptpd#" "$conf/pptpd.conf"
		local cmd=${SERVER_CMD:-$BUILD_DIR/src/cmd/pptpxd -f -c @CONF@ --chap-secrets @SECRETS@}
		cmd=${cmd//@CONF@/$conf/pptpd.conf}
		cmd=${cmd//@SECRETS@/$conf/chap-secrets}
		local bin=${cmd%% *}
		[ -x "$bin" ] || lab_die "server binary $bin not found (set BUILD_DIR or SERVER_CMD)"
		lab_log "server: $cmd"
		# Word splitting of $cmd is intended: it is a command line.
		# shellcheck disable=SC2086
		lab_ns_spawn "$LAB_WORK/server.log" $cmd
		SERVER_PID=$LAB_LAST_PID
		lab_ns_spawn "$LAB_WORK/iperf3-server.log" iperf3 -s
		;;
	*) lab_die "unknown SERVER=$SERVER" ;;
	esac
	local n=0
	until server_listening; do
		n=$((n + 1))
		[ "$n" -gt 50 ] && lab_die "server is not listening on TCP 1723 (see $LAB_WORK)"
		sleep 0.2
	done
	lab_log "server ($SERVER) listening on $SERVER_ADDR:1723"
}

server_alive() {
	if [ "$SERVER" = pptpd-guest ]; then
		[ ! -e "$LAB_WORK/srv/uml.rc" ]
	else
		kill -0 "$SERVER_PID" 2>/dev/null
	fi
}

# The server-side interface that routes to a client address (a pppN with
# that peer address, or with a host route to it); empty when there is none.
server_ifname_for() {
	server_sh "ip -o route get $1 2>/dev/null" | awk '{ for (i = 1; i < NF; i++) if ($i == "dev" && $(i+1) ~ /^ppp/) print $(i+1) }' | head -n1
}

# client NAME USER PASSWORD [pppd options...]: prepares a client guest.
client() {
	local name=$1 user=$2 pass=$3
	shift 3
	guest_new "$name" client
	client_files "$name" "$SERVER_ADDR" "$user" "$pass" "$@"
}

val() { cat "$LAB_WORK/$1/$2" 2>/dev/null; }
has() { grep -q -- "$3" "$LAB_WORK/$1/$2" 2>/dev/null; }
in_pool() { case "$1" in 10.10.0.1[0-9] | 10.10.0.20) return 0 ;; esac; return 1; }

# ---- cases -----------------------------------------------------------

case1_start() {
	client c1 user1 secret1
	guest_set c1 HOLD 60
	guest_set c1 IPERF_SECONDS "$IPERF_SECONDS"
	guest_start c1 150
}

case1_check() {
	local why=() ip ifn rx
	if ! guest_wait_file c1 tests-done 90; then
		fail 1 "link did not come up (see $LAB_WORK/c1/pppd.log)"
		guest_release c1
		return
	fi
	ip=$(val c1 local-ip)
	has c1 pppd.log "MPPE 128-bit stateless compression enabled" || why+=("no 'MPPE 128-bit stateless compression enabled' in the client log")
	[ "$(val c1 ping.rc)" = 0 ] || why+=("client -> $LOCAL_IP ping failed")
	[ "$(val c1 ping-1300.rc)" = 0 ] || why+=("client -> $LOCAL_IP 1300-byte ping failed")
	if [ "$IPERF_SECONDS" -gt 0 ]; then
		rx=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i ~ /bits\/sec$/) print $(i-1), $i }' "$LAB_WORK/c1/iperf3.txt" 2>/dev/null | tail -n1)
		if [ "$(val c1 iperf3.rc)" = 0 ] && [ -n "$rx" ]; then
			echo "  case 1: iperf3 TCP ${IPERF_SECONDS}s client -> server: $rx"
		else
			why+=("iperf3 failed (see $LAB_WORK/c1/iperf3.txt)")
		fi
	fi
	server_sh "ping -c 3 -i 0.2 -W 2 $ip" >"$LAB_WORK/c1/server-ping.txt" 2>&1 || why+=("server -> client $ip ping failed")
	server_sh "ping -c 3 -i 0.2 -W 2 -s 1300 -M do $ip" >"$LAB_WORK/c1/server-ping-1300.txt" 2>&1 ||
		why+=("server -> client $ip 1300-byte ping failed")
	ifn=$(server_ifname_for "$ip")
	[ -n "$ifn" ] || why+=("no server interface with peer $ip")
	guest_release c1
	guest_wait c1 30 || why+=("client guest did not finish after hang-up")
	if [ -n "$ifn" ]; then
		local n=0
		while [ "$(server_ifname_for "$ip")" = "$ifn" ]; do
			n=$((n + 1))
			if [ "$n" -gt 25 ]; then
				why+=("server interface $ifn (peer $ip) still there 5 s after hang-up")
				break
			fi
			sleep 0.2
		done
	fi
	if ((${#why[@]})); then
		fail 1 "$(IFS=';'; echo "${why[*]}")"
	else
		pass 1 "MPPE-128 link ($ip via server $ifn), pings both ways incl. 1300 bytes, iperf3, $ifn gone after hang-up"
	fi
}

case2_start() {
	client c2 user1 wrong-password
	guest_start c2 90
}

case2_check() {
	local why=()
	guest_wait c2 60 || why+=("wrong-password client guest did not finish")
	[ -e "$LAB_WORK/c2/up" ] && why+=("the link came up with a wrong password")
	has c2 pppd.log "MS-CHAP authentication failed" || why+=("no 'MS-CHAP authentication failed' in the client log")
	has c2 pppd.log "E=691" || why+=("no E=691 in the client log")
	client c3 user1 secret1
	guest_start c3 90
	guest_wait c3 60 || why+=("next client guest did not finish")
	[ -e "$LAB_WORK/c3/up" ] || why+=("next client did not connect (see $LAB_WORK/c3/pppd.log)")
	[ "$(val c3 ping.rc)" = 0 ] || why+=("next client's ping failed")
	if ((${#why[@]})); then
		fail 2 "$(IFS=';'; echo "${why[*]}")"
	else
		pass 2 "wrong password refused with E=691 (pppd exit $(val c2 pppd.rc)); next client got $(val c3 local-ip)"
	fi
}

case3_start() {
	local g
	for g in c4 c5; do
		client "$g" user1 secret1
		guest_set "$g" HOLD 60
		guest_start "$g" 150
	done
}

case3_check() {
	local why=() a b
	guest_wait_file c4 tests-done 90 || why+=("first client did not come up")
	guest_wait_file c5 tests-done 90 || why+=("second client did not come up")
	a=$(val c4 local-ip)
	b=$(val c5 local-ip)
	# Both must be up at the same moment: neither has been released yet.
	[ -e "$LAB_WORK/c4/finished" ] && why+=("first client went down before the second was checked")
	guest_release c4
	guest_release c5
	if [ -n "$a" ] && [ -n "$b" ]; then
		[ "$a" != "$b" ] || why+=("both clients got $a")
		in_pool "$a" || why+=("$a is not in remoteip")
		in_pool "$b" || why+=("$b is not in remoteip")
	fi
	[ "$(val c4 ping.rc)" = 0 ] || why+=("first client's ping failed")
	[ "$(val c5 ping.rc)" = 0 ] || why+=("second client's ping failed")
	guest_wait c4 30
	guest_wait c5 30
	if ((${#why[@]})); then
		fail 3 "$(IFS=';'; echo "${why[*]}")"
	else
		pass 3 "two clients at once got $a and $b"
	fi
}

case4_start() {
	client c6 user2 secret2
	guest_start c6 90
}

case4_check() {
	local why=() ip
	guest_wait c6 60 || why+=("client guest did not finish")
	ip=$(val c6 local-ip)
	[ -e "$LAB_WORK/c6/up" ] || why+=("user2 did not connect (see $LAB_WORK/c6/pppd.log)")
	[ "$ip" = "$USER2_IP" ] || why+=("user2 got '$ip', chap-secrets says $USER2_IP")
	[ "$(val c6 ping.rc)" = 0 ] || why+=("ping from $ip failed")
	if ((${#why[@]})); then
		fail 4 "$(IFS=';'; echo "${why[*]}")"
	else
		pass 4 "user2 got its fixed address $ip"
	fi
}

case5_start() {
	client c7 user1 secret1 usepeerdns
	guest_start c7 90
}

case5_check() {
	local why=() dns
	guest_wait c7 60 || why+=("client guest did not finish")
	[ -e "$LAB_WORK/c7/up" ] || why+=("client did not connect (see $LAB_WORK/c7/pppd.log)")
	dns=$(sed -n 's/^DNS1=//p' "$LAB_WORK/c7/ip-up.txt" 2>/dev/null)
	[ "$dns" = "$DNS_EXPECTED" ] || why+=("ip-up DNS1 is '$dns', expected $DNS_EXPECTED")
	grep -qx "nameserver $DNS_EXPECTED" "$LAB_WORK/c7/resolv.conf" 2>/dev/null ||
		why+=("/etc/ppp/resolv.conf lacks 'nameserver $DNS_EXPECTED'")
	if ((${#why[@]})); then
		fail 5 "$(IFS=';'; echo "${why[*]}")"
	else
		pass 5 "usepeerdns client got DNS1=$dns (ip-up environment and /etc/ppp/resolv.conf)"
	fi
}

# ---- run -------------------------------------------------------------

lab_init
server_start
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

# Case 1 runs alone: iperf3 saturates the shared CPUs, and its hang-up
# check should not see other sessions come and go. The rest run together.
if want 1; then
	t0=$(date +%s)
	case1_start
	case1_check
	echo "  case 1 took $(($(date +%s) - t0)) s"
fi
rest=$(for c in 2 3 4 5; do want "$c" && printf '%s ' "$c"; done)
if [ -n "$rest" ]; then
	t0=$(date +%s)
	for c in $rest; do "case${c}_start"; done
	for c in $rest; do "case${c}_check"; done
	echo "  cases ${rest}took $(($(date +%s) - t0)) s together"
fi

if ! server_alive; then
	echo "FAIL server: the server process is gone at the end of the suite"
	FAILED=1
fi
echo "suite ($SERVER) finished in $(($(date +%s) - SUITE_START)) s; results in $LAB_WORK"
if [ "$SERVER" = pptpd-guest ]; then
	guest_stop srv
	guest_wait srv 15
fi
exit "$FAILED"
