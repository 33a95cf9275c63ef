# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Interop lab: real pppd/pptp-linux/pptpd inside User-Mode Linux guests on
# a bridge in a private network namespace. Sourced by the test scripts
# (bash). Why the guests are booted this way: docs/interop-lab.md.
#
# Layout: namespace $LAB_NS holds bridge br0 with $LAB_HOST_ADDR/24 (the
# address a host-side server under test listens on) and one tap per guest;
# guest N gets 192.168.77.(10+N) unless given an address. Nothing leaves
# the namespace. Each guest has a folder $LAB_WORK/<name> (guest.env,
# etc-ppp/ copied over the guest's /etc/ppp, and every result).
#
# Typical use:
#   . tests/interop/lib.sh
#   lab_init            # work folder, namespace, bridge, cleanup trap
#   guest_new srv server 192.168.77.2; server_files srv <conf dir>; guest_start srv
#   guest_new c1 client; client_files c1 192.168.77.2 user1 secret1; guest_start c1
#   guest_wait c1 60; cat "$(guest_dir c1)/pppd.log"

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_NS=${LAB_NS:-pptpx-lab-$$}
LAB_PREFIX=${LAB_PREFIX:-192.168.77}
LAB_HOST_ADDR=${LAB_HOST_ADDR:-$LAB_PREFIX.1}
LAB_GUEST_MEM=${LAB_GUEST_MEM:-256M}
LAB_GUEST_DEADLINE=${LAB_GUEST_DEADLINE:-180}
LAB_UML=${LAB_UML:-/usr/bin/linux.uml}
LAB_GUESTS=()
LAB_HOST_PIDS=()
LAB_EXTRA_NS=()
LAB_NEXT=0

lab_log() { echo "[$(date +%T)] $*" >&2; }
lab_die() { lab_log "FATAL: $*"; exit 2; }

# Creates the work folder, the namespace and its bridge, and installs the
# cleanup trap. LAB_WORK may be preset; it defaults to a fresh folder
# under tests/interop/work/.
lab_init() {
	[ "$(id -u)" = 0 ] || lab_die "the lab needs root (network namespaces, taps)"
	local t
	for t in "$LAB_UML" ip pppd pptp pptpd busybox timeout; do
		command -v "$t" >/dev/null || lab_die "missing $t (see tests/interop/README.md)"
	done
	LAB_WORK=${LAB_WORK:-$LAB_DIR/work/$(date +%Y%m%d-%H%M%S)-$$}
	mkdir -p "$(dirname "$LAB_WORK")"
	local parent
	parent=$(cd "$(dirname "$LAB_WORK")" && pwd)
	case "$parent/" in
	/tmp/*)
		# Guests mount a tmpfs on /tmp, which would hide a results folder
		# below it: keep the results in /var/tmp, with a link where the
		# caller expects them.
		local real
		real=/var/tmp/pptpx-lab/$(basename "$LAB_WORK")
		mkdir -p "$real"
		[ -e "$LAB_WORK" ] || ln -s "$real" "$LAB_WORK"
		LAB_WORK=$real
		;;
	esac
	mkdir -p "$LAB_WORK/uml"
	LAB_WORK=$(cd "$LAB_WORK" && pwd -P)
	LAB_KVER=$("$LAB_UML" --version 2>/dev/null | head -n1)
	[ -d "/usr/lib/uml/modules/$LAB_KVER" ] || lab_die "no UML modules for '$LAB_KVER'"
	# The guest's modprobe looks here; the read-only root cannot create it,
	# so it must exist on the host (empty; the guest mounts over it).
	mkdir -p "/usr/lib/modules/$LAB_KVER"
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$LAB_NS" || lab_die "cannot create namespace $LAB_NS"
	lab_ns ip link set lo up
	# A fixed address: a bridge without one takes the lowest of its ports'
	# and changes it when a guest's tap joins, and guests whose ARP cache
	# still holds the old one lose everything sent to the host for half a
	# minute (seen: five pptp clients' Outgoing-Call-Requests vanished).
	lab_ns ip link add br0 address 02:00:00:00:77:01 type bridge
	lab_ns ip link set br0 type bridge forward_delay 0 stp_state 0
	lab_ns ip addr add "$LAB_HOST_ADDR/24" dev br0
	lab_ns ip link set br0 up
	lab_log "lab: namespace $LAB_NS, work $LAB_WORK"
}

# Runs a command inside the lab namespace (the host side of the bridge).
lab_ns() { ip netns exec "$LAB_NS" "$@"; }

# Starts a long-running host-side command in the namespace (e.g. the
# server under test); it is killed by lab_cleanup. Sets LAB_LAST_PID.
lab_ns_spawn() {
	local log=$1
	shift
	ip netns exec "$LAB_NS" "$@" >"$log" 2>&1 </dev/null &
	LAB_LAST_PID=$!
	disown "$LAB_LAST_PID"
	LAB_HOST_PIDS+=("$LAB_LAST_PID")
}

lab_cleanup() {
	local rc=$? g pid ns
	trap - EXIT
	for g in "${LAB_GUESTS[@]}"; do
		pid=$(cat "$LAB_WORK/$g/uml.pid" 2>/dev/null) || continue
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${LAB_HOST_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.5
	for pid in "${LAB_HOST_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	# Anything else still running in the namespace was started by us.
	for pid in $(ip netns pids "$LAB_NS" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${LAB_EXTRA_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	ip netns del "$LAB_NS" 2>/dev/null
	exit "$rc"
}

# lab_peer_ns NAME ADDR: a second namespace, $LAB_NS-NAME, joined to the
# lab bridge by a veth pair and given ADDR/24: a host-side peer that is
# not the server (e.g. to send malformed packets). Deleted at clean-up.
# Sets LAB_PEER_NS to the namespace name (call it directly, not in $(...)).
lab_peer_ns() {
	local ns=$LAB_NS-$1 addr=$2 i=${#LAB_EXTRA_NS[@]}
	ip netns add "$ns" || return 1
	LAB_EXTRA_NS+=("$ns")
	lab_ns ip link add "lv$i" type veth peer name "lp$i" || return 1
	lab_ns ip link set "lp$i" netns "$ns" || return 1
	lab_ns ip link set "lv$i" master br0
	lab_ns ip link set "lv$i" up
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" ip link set "lp$i" name eth0
	ip netns exec "$ns" ip addr add "$addr/24" dev eth0
	ip netns exec "$ns" ip link set eth0 up
	# shellcheck disable=SC2034 # read by the scripts that source this file
	LAB_PEER_NS=$ns
}

guest_dir() { echo "$LAB_WORK/$1"; }

# guest_new NAME MODE [ADDR]: a guest folder with its guest.env.
guest_new() {
	local name=$1 mode=$2 addr=${3:-}
	local dir=$LAB_WORK/$name
	[ -z "$addr" ] && addr=$LAB_PREFIX.$((10 + LAB_NEXT))
	LAB_NEXT=$((LAB_NEXT + 1))
	mkdir -p "$dir/etc-ppp/peers"
	cat >"$dir/guest.env" <<-EOF
		GUEST_NAME=$name
		GUEST_MODE=$mode
		GUEST_ADDR=$addr
		LINK_TIMEOUT=30
		PING_COUNT=5
		IPERF_SECONDS=0
		HOLD=0
		PEER=lab
		PPPD_EXTRA=
	EOF
	echo "$addr" >"$dir/addr"
}

# guest_set NAME KEY VALUE: overrides a guest.env setting (last one wins).
guest_set() { printf '%s=%q\n' "$2" "$3" >>"$LAB_WORK/$1/guest.env"; }

# An ip-up that records its arguments and environment for the checks;
# it replaces Debian's run-parts one (so nothing touches /etc/resolv.conf).
write_ip_up() {
	local dir=$1
	cat >"$dir/etc-ppp/ip-up" <<-EOF
		#!/bin/sh
		# Written by the interop lab: record what pppd hands to ip-up.
		{ echo "ARGS: \$*"; env | sort; } >"$dir/ip-up.txt"
		: >/tmp/ip-up.done
	EOF
	chmod +x "$dir/etc-ppp/ip-up"
}

# client_files NAME SERVER USER PASSWORD [EXTRA_PPPD_OPTIONS...]: a
# pptp-linux client set-up in the style of examples/client (peers file
# "lab", options.pptp, chap-secrets with remotename PPTP).
client_files() {
	local name=$1 server=$2 user=$3 pass=$4
	shift 4
	local dir=$LAB_WORK/$name
	cp "$LAB_DIR/../../examples/client/options.pptp" "$dir/etc-ppp/options.pptp"
	sed -e "s/^pty .*/pty \"pptp $server --nolaunchpppd\"/" \
		-e "s/^name .*/name $user/" \
		-e "s/^ipparam .*/ipparam lab/" \
		"$LAB_DIR/../../examples/client/peers/vpn-connection1" >"$dir/etc-ppp/peers/lab"
	local o
	for o in "$@"; do echo "$o" >>"$dir/etc-ppp/peers/lab"; done
	printf '# lab client secrets\n%s PPTP %s *\n' "$user" "$pass" >"$dir/etc-ppp/chap-secrets"
	write_ip_up "$dir"
}

# server_files NAME CONF_DIR: real pptpd set-up from a folder holding
# pptpd.conf, options.pptpd and chap-secrets (examples/server layout). The
# options gain `debug` and a logfile so the server's pppd can be read.
server_files() {
	local name=$1 src=$2
	local dir=$LAB_WORK/$name
	sed -e 's#^option .*#option /etc/ppp/options.pptpd#' "$src/pptpd.conf" >"$dir/etc-ppp/pptpd.conf"
	cp "$src/options.pptpd" "$dir/etc-ppp/options.pptpd"
	printf '\n# added by the interop lab\ndebug\nlogfile %s/server-pppd.log\n' "$dir" \
		>>"$dir/etc-ppp/options.pptpd"
	cp "$src/chap-secrets" "$dir/etc-ppp/chap-secrets"
	write_ip_up "$dir"
}

# guest_start NAME [DEADLINE_S]: boots the guest in the background on a
# new tap; it is SIGKILLed after the deadline whatever it is doing. Its
# PID 1 is guest-init.sh, or $LAB_GUEST_INIT.
guest_start() {
	local name=$1 deadline=${2:-$LAB_GUEST_DEADLINE}
	local dir=$LAB_WORK/$name
	local tap=lt${#LAB_GUESTS[@]}
	lab_ns ip tuntap add mode tap name "$tap" || return 1
	lab_ns ip link set "$tap" master br0
	lab_ns ip link set "$tap" up
	LAB_GUESTS+=("$name")
	rm -f "$dir/finished" "$dir/uml.rc"
	date +%s.%N >"$dir/start-time"
	(
		ip netns exec "$LAB_NS" timeout -s KILL "$deadline" "$LAB_UML" \
			mem="$LAB_GUEST_MEM" umid="lab-$$-$name" uml_dir="$LAB_WORK/uml" \
			root=/dev/root rootfstype=hostfs rootflags=/ ro \
			con=null con0=fd:0,fd:1 "vec0:transport=tap,ifname=$tap" \
			init="${LAB_GUEST_INIT:-$LAB_DIR/guest-init.sh}" RES="$dir" \
			</dev/null >"$dir/uml-console.log" 2>&1
		echo $? >"$dir/uml.rc"
		date +%s.%N >"$dir/end-time"
	) &
	echo $! >"$dir/uml.pid"
	# Waited for through uml.rc; disowned so a kill at clean-up is silent.
	disown $!
}

# guest_wait NAME TIMEOUT_S: waits for the guest to power off. Returns 1
# on timeout (the guest is then killed).
guest_wait() {
	local dir=$LAB_WORK/$1 n=0 limit=$(($2 * 5))
	while [ ! -e "$dir/uml.rc" ]; do
		n=$((n + 1))
		if [ "$n" -gt "$limit" ]; then
			guest_kill "$1"
			return 1
		fi
		sleep 0.2
	done
	return 0
}

guest_kill() {
	local pid
	pid=$(cat "$LAB_WORK/$1/uml.pid" 2>/dev/null) || return 0
	# The subshell's child is `ip netns exec` -> timeout -> linux.uml.
	pkill -KILL -P "$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
	local p
	for p in $(ip netns pids "$LAB_NS" 2>/dev/null); do
		tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | grep -q "umid=lab-$$-$1 " && kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# guest_wait_file NAME FILE TIMEOUT_S: waits for a result file to appear
# (or the guest to stop). Returns 1 if it did not appear.
guest_wait_file() {
	local dir=$LAB_WORK/$1 n=0 limit=$(($3 * 5))
	while [ ! -e "$dir/$2" ]; do
		[ -e "$dir/uml.rc" ] && [ ! -e "$dir/$2" ] && return 1
		n=$((n + 1))
		[ "$n" -gt "$limit" ] && return 1
		sleep 0.2
	done
	return 0
}

# guest_release NAME: lets a client guest with HOLD hang up.
guest_release() { : >"$LAB_WORK/$1/release"; }

# guest_stop NAME: asks a server guest to stop pptpd and halt.
guest_stop() { : >"$LAB_WORK/$1/stop"; }

# guest_exec NAME TIMEOUT_S COMMAND...: runs a shell command inside a
# server guest (through its rpc folder); prints its output, returns its
# status (124 on timeout).
guest_exec() {
	local name=$1 limit=$(($2 * 5)) n=0
	shift 2
	local dir=$LAB_WORK/$name/rpc
	mkdir -p "$dir"
	LAB_RPC_SEQ=$((${LAB_RPC_SEQ:-0} + 1))
	local id=$LAB_RPC_SEQ-$RANDOM
	printf '%s\n' "$*" >"$dir/$id.tmp"
	mv "$dir/$id.tmp" "$dir/$id.cmd"
	while [ ! -e "$dir/$id.rc" ]; do
		n=$((n + 1))
		[ "$n" -gt "$limit" ] && return 124
		sleep 0.2
	done
	cat "$dir/$id.out"
	return "$(cat "$dir/$id.rc")"
}

# guest_elapsed NAME: seconds from start to power-off (one decimal).
guest_elapsed() {
	local dir=$LAB_WORK/$1
	awk -v a="$(cat "$dir/start-time")" -v b="$(cat "$dir/end-time" 2>/dev/null || date +%s.%N)" \
		'BEGIN { printf "%.1f", b - a }'
}
