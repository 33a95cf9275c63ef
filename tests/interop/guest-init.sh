#!/bin/sh
# SPDX-License-Identifier: MIT
# PID 1 of a User-Mode Linux guest of the interop lab (see
# docs/interop-lab.md and lib.sh). The host's root is mounted read-only
# through hostfs; everything the guest must know comes from RES, a host
# folder given on the kernel command line, which holds guest.env (sourced),
# an etc-ppp/ tree copied over /etc/ppp, and receives every result.
#
# Modes (GUEST_MODE in guest.env):
#   client  run `pppd call $PEER`, wait for ppp0, record addresses, ping,
#           optionally iperf3, optionally hold the link until the host
#           writes $RES/release, then hang up and halt.
#   server  run real pptpd with $RES/etc-ppp/pptpd.conf and serve commands
#           the host drops into $RES/rpc/ until $RES/stop appears.
# The guest never exits on its own errors: whatever happens it ends in
# `halt -f`, so linux.uml returns and the host reads results.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

note() { echo "guest: $*"; [ -d "$RES" ] && echo "$(date +%T.%N | cut -c1-12) $*" >>"$RES/guest.log"; }
finish() {
	note "halting"
	sync
	halt -f
	sleep 60
}
. "$(dirname "$0")/guest-files.sh"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts
mount -t devpts -o ptmxmode=666,gid=5,mode=620 devpts /dev/pts
for d in /tmp /run /var/log; do mount -t tmpfs tmpfs "$d"; done
mkdir -p /run/lock /run/pptp /var/run 2>/dev/null

# Results: mounted read-write over its own path, so host and guest agree
# on every path below RES.
if [ -z "$RES" ] || ! mount -t hostfs -o "$RES" hostfs "$RES"; then
	echo "guest: cannot mount results folder '$RES'"
	finish
fi
exec >>"$RES/console.log" 2>&1
: >"$RES/guest.log"
# shellcheck source=/dev/null
. "$RES/guest.env"

kver=$(uname -r)
if [ -d "/usr/lib/modules/$kver" ]; then
	mount -t hostfs -o "/usr/lib/uml/modules/$kver" hostfs "/usr/lib/modules/$kver"
fi
for m in ppp_generic ppp_async ppp_mppe pptp; do modprobe "$m" || note "modprobe $m failed"; done
[ -e /dev/ppp ] || mknod /dev/ppp c 108 0

# Writable /etc/ppp: the host's copy, overlaid with what the host prepared.
mkdir -p /tmp/etc-ppp
cp -a /etc/ppp/. /tmp/etc-ppp/
[ -d "$RES/etc-ppp" ] && cp -a "$RES/etc-ppp/." /tmp/etc-ppp/
mount --bind /tmp/etc-ppp /etc/ppp

busybox syslogd -O "$RES/syslog.log"

ip link set lo up
ip link set vec0 up
ip addr add "$GUEST_ADDR/24" dev vec0
hostname "$GUEST_NAME"
note "booted $GUEST_NAME ($GUEST_MODE) $GUEST_ADDR"

run_client() {
	# LINK_TIMEOUT bounds the wait for ppp0's address.
	# PPPD_EXTRA holds several words on purpose.
	# shellcheck disable=SC2086
	pppd call "$PEER" nodetach logfile "$RES/pppd.log" debug $PPPD_EXTRA >/dev/null 2>&1 &
	pppd_pid=$!
	n=0
	up=0
	while [ "$n" -lt $((LINK_TIMEOUT * 5)) ]; do
		if ! kill -0 "$pppd_pid" 2>/dev/null; then break; fi
		if ip -4 addr show dev ppp0 2>/dev/null | grep -q 'inet ' && [ -e /tmp/ip-up.done ]; then
			up=1
			break
		fi
		n=$((n + 1))
		sleep 0.2
	done
	if [ "$up" = 1 ]; then
		note "link up"
		ip addr >"$RES/ip-addr.txt"
		ip route >"$RES/ip-route.txt"
		local_ip=$(ip -4 addr show dev ppp0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p')
		peer_ip=$(ip -4 addr show dev ppp0 | sed -n 's/.*peer \([0-9.]*\).*/\1/p')
		echo "$local_ip" >"$RES/local-ip"
		echo "$peer_ip" >"$RES/peer-ip"
		[ -f /etc/ppp/resolv.conf ] && cp /etc/ppp/resolv.conf "$RES/resolv.conf"
		: >"$RES/up"
		target=${PING_TARGET:-$peer_ip}
		ping -c "$PING_COUNT" -i 0.2 -W 2 "$target" >"$RES/ping.txt" 2>&1
		echo $? >"$RES/ping.rc"
		ping -c "$PING_COUNT" -i 0.2 -W 2 -s 1300 -M 'do' "$target" >"$RES/ping-1300.txt" 2>&1
		echo $? >"$RES/ping-1300.rc"
		if [ "${IPERF_SECONDS:-0}" -gt 0 ]; then
			timeout $((IPERF_SECONDS + 15)) iperf3 -c "${IPERF_TARGET:-$target}" -t "$IPERF_SECONDS" \
				>"$RES/iperf3.txt" 2>&1
			echo $? >"$RES/iperf3.rc"
		fi
		: >"$RES/tests-done"
		if [ "${HOLD:-0}" -gt 0 ]; then
			wait_host_file release "$HOLD" || note "no release from host after ${HOLD}s"
		fi
		note "hanging up"
	else
		note "link did not come up"
	fi
	kill "$pppd_pid" 2>/dev/null
	n=0
	while kill -0 "$pppd_pid" 2>/dev/null && [ "$n" -lt 50 ]; do
		n=$((n + 1))
		sleep 0.2
	done
	wait "$pppd_pid"
	echo $? >"$RES/pppd.rc"
	note "pppd exited $(cat "$RES/pppd.rc")"
}

run_server() {
	mkdir -p "$RES/rpc"
	pptpd -f -c /etc/ppp/pptpd.conf >>"$RES/pptpd.out" 2>&1 &
	note "pptpd started"
	: >"$RES/ready"
	# Commands from the host: N.cmd is run once, with its output in N.out
	# and its status in N.rc (written last, so the host can poll for it).
	while ! host_has stop; do
		for f in "$RES"/rpc/*.cmd; do
			[ -e "$f" ] || continue
			id=${f##*/}
			id=${id%.cmd}
			mv "$f" "$RES/rpc/$id.run"
			sh "$RES/rpc/$id.run" >"$RES/rpc/$id.out" 2>&1 </dev/null
			echo $? >"$RES/rpc/$id.rc.tmp"
			mv "$RES/rpc/$id.rc.tmp" "$RES/rpc/$id.rc"
		done
		sleep 0.2
	done
	note "stop requested"
	killall pptpd pppd 2>/dev/null
	sleep 1
}

case "$GUEST_MODE" in
client) run_client ;;
server) run_server ;;
*) note "unknown GUEST_MODE '$GUEST_MODE'" ;;
esac
: >"$RES/finished"
finish
