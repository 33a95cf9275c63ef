#!/bin/sh
# SPDX-License-Identifier: MIT
# PID 1 of the systemd guest of tests/interop/systemd_test.sh, until it
# hands over to systemd. The root is the host's, read-only through hostfs
# (docs/interop-lab.md); this prepares what systemd and pptpxd.service
# must find on it, from the host folder RES (TUN, the lab network, units,
# binaries, configuration), then execs systemd, which boots to
# pptpx-systemd-test.target and runs systemd-checks.sh.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

die() {
	echo "systemd guest: $*"
	halt -f
	sleep 60
}

mount -t proc proc /proc
if [ -z "$RES" ] || ! mount -t hostfs -o "$RES" hostfs "$RES"; then
	die "cannot mount the results folder '$RES'"
fi
# shellcheck source=/dev/null
. "$RES/guest.env"
# TUN for pptpx@.service's ppp0: modprobe looks in /usr/lib/modules/<version>,
# which lab_init creates empty on the host, over which go the UML modules.
kver=$(uname -r)
mount -t hostfs -o "/usr/lib/uml/modules/$kver" hostfs "/usr/lib/modules/$kver"
modprobe tun || echo "systemd guest: modprobe tun failed"
# The lab bridge, for pptpx@lab.service to dial pptpxd on the host side.
ip link set lo up
ip link set vec0 up
ip addr add "$GUEST_ADDR/24" dev vec0
hostname "$GUEST_NAME"
# systemd leaves an existing /run alone: a tmpfs with the files below.
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/pptpx-test
cp -a "$RES/stage/." /run/pptpx-test/ || die "cannot copy $RES/stage"

# The host's own settings and enabled services (its /etc/systemd) stay
# hidden under a tmpfs holding only this test's units. No generators: they
# would turn the host's fstab and init.d scripts into units, and each one
# costs a UML guest seconds.
mount -t tmpfs tmpfs /etc/systemd
mkdir -p /etc/systemd/system /etc/systemd/system-generators
cp /run/pptpx-test/units/* /etc/systemd/system/
for g in /lib/systemd/system-generators/*; do
	ln -s /dev/null "/etc/systemd/system-generators/${g##*/}"
done
# systemd-tmpfiles-setup walks the whole hostfs root, a minute or more; the
# rest of sysinit's work is not needed here and costs a UML guest seconds.
for u in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service modprobe@.service \
	systemd-modules-load.service systemd-sysctl.service systemd-journal-flush.service \
	systemd-update-utmp.service systemd-remount-fs.service systemd-random-seed.service \
	systemd-binfmt.service kmod-static-nodes.service apparmor.service keyboard-setup.service \
	console-setup.service systemd-sysusers.service systemd-firstboot.service \
	systemd-machine-id-commit.service dev-hugepages.mount dev-mqueue.mount \
	sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
	sys-fs-fuse-connections.mount; do
	ln -s /dev/null "/etc/systemd/system/$u"
done

# pptpxd, pptpx and pptpxctl of this build, where the units run them: a
# build tree under /home would be hidden by the units' ProtectHome=. (An
# installed package's are in /usr/sbin already.)
[ -e /run/pptpx-test/installed ] || mount -t hostfs -o "$RES/bin" hostfs /usr/local/sbin
# pptpxd's configuration at the paths pptpxd.service reads, and a writable
# /etc/ppp: the host's, with the test's files (pptpd-options, chap-secrets,
# peers/lab, options.pptp, an ip-up.d script) laid over it.
mount --bind /run/pptpx-test/etc/pptpd.conf /etc/pptpd.conf
mkdir -p /run/pptpx-test/etc-ppp
cp -a /etc/ppp/. /run/pptpx-test/etc-ppp/
cp -a /run/pptpx-test/etc/ppp/. /run/pptpx-test/etc-ppp/
mount --bind /run/pptpx-test/etc-ppp /etc/ppp

cut -d' ' -f1 /proc/uptime >"$RES/systemd-exec-at.txt"
umount /proc
# In a container (here: the host's /.dockerenv is visible) systemd reads its
# options from its own command line, not the kernel's.
exec /lib/systemd/systemd systemd.unit=pptpx-systemd-test.target
