#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package, end to end (root, Debian 12, after scripts/deps.sh):
#  1. builds it (scripts/package.sh deb; DEB=path.deb tests that file instead);
#  2. lintian: no error (warnings are printed);
#  3. its contents: the three programs in /usr/sbin, the examples, the
#     copyright; man pages, units and bash completion once the tree has
#     docs/man, dist/systemd, dist/bash-completion; nothing of ppp's or
#     pptpd's (/etc/ppp, /etc/pptpd.conf);
#  4. the same files as `cmake --install` with DESTDIR and --prefix /usr of
#     the package's own build tree, up to what Debian changes on purpose
#     (.gz of man pages and large docs, units in /lib, LICENSE replaced by
#     copyright, changelog.gz added);
#  5. apt-get install -y ./pptpx_*.deb; pptpxd, pptpx and pptpxctl
#     --version; `man -w pptpxd`; the service neither enabled nor started;
#  6. with User-Mode Linux (the interop lab): a guest booting systemd on
#     this host's root runs `systemctl enable --now pptpxd` on the
#     installed unit and programs with the seeds' configuration and nothing
#     else, and a client dials in (tests/interop/systemd_test.sh with
#     SYSTEMD_TEST_INSTALLED=1: start, a session, Restart=on-failure,
#     reload, stop, pptpx@.service);
#  7. apt-get purge -y pptpx, then no file or directory the package brought
#     is left.
# A pptpx package installed before the test is purged by it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "deb_test: needs root (apt-get install)"; exit 2; }
NAME=deb_test
. tests/package/common.sh

step "build"
deb=$(package deb "${DEB:-}")

step "lintian"
lintian --fail-on error --display-info "$deb" | tee "$tmp/lintian" || fail "lintian reports errors"
echo "lintian: $(grep -c '^E:' "$tmp/lintian" || true) errors, $(grep -c '^W:' "$tmp/lintian" || true) warnings"

step "contents"
# Paths without the leading "./", directories with a trailing "/".
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./||; /^$/d' | sort >"$tmp/deb.all"
grep -v '/$' "$tmp/deb.all" >"$tmp/deb.files" || true
has() { grep -qx "$1" "$tmp/deb.files" || fail "the package lacks /$1"; }
for p in pptpxd pptpx pptpxctl; do has "usr/sbin/$p"; done
has usr/share/doc/pptpx/copyright
has usr/share/doc/pptpx/examples/server/pptpd.conf
has usr/share/doc/pptpx/examples/client/options.pptp
if grep -E '^(etc/ppp/|etc/pptpd\.conf)' "$tmp/deb.all"; then fail "the package ships files of ppp or pptpd"; fi
if [ -d docs/man ]; then
  has usr/share/man/man8/pptpxd.8.gz
else
  echo "note: no docs/man in this tree yet: the man page checks are skipped"
fi
if [ -d dist/systemd ]; then
  has lib/systemd/system/pptpxd.service
  has lib/systemd/system/pptpx@.service
else
  echo "note: no dist/systemd in this tree yet: the unit checks are skipped"
fi
if [ -d dist/bash-completion ]; then
  grep -q '^usr/share/bash-completion/completions/' "$tmp/deb.files" || fail "the package has no bash completion"
else
  echo "note: no dist/bash-completion in this tree yet: the completion check is skipped"
fi

step "the same files as cmake --install"
# The package's build tree: beside the .deb that package.sh copied out, or
# beside the one dpkg-buildpackage wrote.
obj=obj-$(dpkg-architecture -q DEB_HOST_GNU_TYPE)
obj=$(ls -d "$(dirname "$deb")"/{deb/,}"pptpx-$version/$obj" 2>/dev/null | head -1) || true
if [ -n "${DEB:-}" ] && [ -z "$obj" ]; then
  echo "note: no build tree beside DEB=$deb: comparison skipped"
else
  [ -n "$obj" ] || fail "no build tree beside $deb"
  DESTDIR=$tmp/root cmake --install "$obj" --prefix /usr >/dev/null
  # What Debian changes on purpose, applied to CMake's list: gzip names
  # dropped on both sides, units moved to /lib, LICENSE -> copyright, the
  # changelog dh adds.
  (cd "$tmp/root" && find . ! -type d | sed 's|^\./||') |
    sed 's|^usr/lib/systemd/system/|lib/systemd/system/|; s|^usr/share/doc/pptpx/LICENSE$|usr/share/doc/pptpx/copyright|' |
    sed 's|\.gz$||' | sort >"$tmp/cmake.norm"
  echo usr/share/doc/pptpx/changelog >>"$tmp/cmake.norm"
  sort -o "$tmp/cmake.norm" "$tmp/cmake.norm"
  sed 's|\.gz$||' "$tmp/deb.files" | sort >"$tmp/deb.norm"
  diff -u "$tmp/cmake.norm" "$tmp/deb.norm" || fail "the package and cmake --install differ (- cmake, + deb)"
  echo "$(wc -l <"$tmp/deb.norm") files, as cmake --install writes them"
fi

step "install"
export DEBIAN_FRONTEND=noninteractive
dpkg-query -W -f='${Status}' pptpx 2>/dev/null | grep -q 'ok installed' && apt-get purge -y -q pptpx >/dev/null
# The directories the package brings that the system does not have yet.
grep '/$' "$tmp/deb.all" | sed 's|/$||; /^\.\?$/d' | while read -r d; do [ -e "/$d" ] || echo "/$d"; done >"$tmp/new.dirs"
apt-get install -y -q "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get install"; }
for p in pptpxd pptpx pptpxctl; do
  out=$("$p" --version) || fail "$p --version"
  [ "$out" = "$p $version" ] || fail "$p --version printed '$out', not '$p $version'"
  echo "$out"
done
if [ -d docs/man ]; then
  man -w pptpxd || fail "man -w pptpxd finds no man page"
else
  echo "note: no docs/man in this tree yet: 'man -w pptpxd' skipped"
fi
if [ -d dist/systemd ]; then
  [ ! -e /etc/systemd/system/multi-user.target.wants/pptpxd.service ] || fail "the install enabled pptpxd.service"
  if [ -d /run/systemd/system ]; then
    ! systemctl is-active -q pptpxd.service || fail "the install started pptpxd.service"
  fi
fi
dpkg -L pptpx | sort >"$tmp/installed"

step "systemctl enable --now pptpxd under systemd (User-Mode Linux guest)"
rc=0
# A failure from here on leaves no package installed behind.
trap 'apt-get purge -y -q pptpx >/dev/null 2>&1; rm -rf "$tmp"' EXIT
SYSTEMD_TEST_INSTALLED=1 bash tests/interop/systemd_test.sh /usr/sbin/pptpxd /usr/sbin/pptpx \
  /usr/sbin/pptpxctl "$(dirname "$deb")/systemd-lab" || rc=$?
case $rc in
  0) ;;
  77) echo "note: the systemd guest test was skipped (above: why)" ;;
  *) fail "the installed pptpxd.service under systemd" ;;
esac

step "purge"
apt-get purge -y -q pptpx >>"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; fail "apt-get purge"; }
trap 'rm -rf "$tmp"' EXIT
left=()
while read -r f; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  if [ -d "$f" ]; then  # a directory, or a link to one (/lib on merged /usr)
    grep -qxF "$f" "$tmp/new.dirs" && left+=("$f/")
  else
    left+=("$f")
  fi
done <"$tmp/installed"
((${#left[@]} == 0)) || { printf '%s\n' "${left[@]}"; fail "${#left[@]} paths of the package are left after purge"; }
echo "purge: none of the $(wc -l <"$tmp/installed") paths of dpkg -L is left"
step "ok"
