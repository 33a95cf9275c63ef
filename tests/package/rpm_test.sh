#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The RPM, checked with Debian's rpm tools (no RPM system here):
#  1. builds it (scripts/package.sh rpm; RPM=path.rpm tests that file instead);
#  2. rpmlint: no error (warnings are printed);
#  3. rpm -qlp: the three programs in /usr/sbin, the same files as
#     `cmake --install` of the RPM's own build tree (man pages gzipped by
#     brp-compress; rpmbuild's /usr/lib/.build-id links aside), nothing of
#     ppp's or pptpd's; the scriptlets present;
#  4. rpm2cpio | cpio -idm, and the extracted pptpxd, pptpx and pptpxctl run
#     (--version); they must need no libfmt (compiled in) and no symbol
#     newer than RHEL 9 has: GLIBC_2.34, GLIBCXX_3.4.29 and CXXABI_1.3.13
#     (GCC 11), OPENSSL_3.0.0.
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=rpm_test
. tests/package/common.sh

step "build"
rpm=$(package rpm "${RPM:-}")

step "rpmlint"
# rpmlint exits 64 on errors, 66 on too many warnings (badness).
rpmlint -r contrib/rpm/pptpx.rpmlintrc "$rpm" | tee "$tmp/rpmlint" || true
! grep -q ': E: ' "$tmp/rpmlint" || fail "rpmlint reports errors"

step "contents"
rpm -qlp "$rpm" | sort >"$tmp/rpm.all"
has() { grep -qx "$1" "$tmp/rpm.all" || fail "the package lacks $1"; }
for p in pptpxd pptpx pptpxctl; do has "/usr/sbin/$p"; done
has /usr/share/doc/pptpx/examples/server/pptpd.conf
if grep -E '^/etc/(ppp/|pptpd\.conf)' "$tmp/rpm.all"; then fail "the package ships files of ppp or pptpd"; fi
[ -d docs/man ] && has /usr/share/man/man8/pptpxd.8.gz
[ -d dist/systemd ] && has /usr/lib/systemd/system/pptpxd.service
rpm -qp --scripts "$rpm" | grep -q 'systemctl try-restart pptpxd.service' || fail "no upgrade scriptlet"
obj=$(dirname "$rpm")/rpm/BUILD/pptpx-$version/build
if [ -d "$obj" ]; then
  DESTDIR=$tmp/root cmake --install "$obj" --prefix /usr >/dev/null
  (cd "$tmp/root" && find . ! -type d | sed 's|^\.||; s|\.gz$||') | sort >"$tmp/cmake.list"
  # The RPM also owns its doc folders, and rpmbuild adds the build-id links
  # of the binaries (/usr/lib/.build-id, as on Fedora): compare the rest.
  (cd "$tmp/root" && find ./usr/share/doc/pptpx -type d | sed 's|^\.||') >"$tmp/dirs"
  grep -vxF -f "$tmp/dirs" "$tmp/rpm.all" | grep -v '^/usr/lib/\.build-id' | sed 's|\.gz$||' | sort >"$tmp/rpm.list"
  diff -u "$tmp/cmake.list" "$tmp/rpm.list" || fail "the package and cmake --install differ (- cmake, + rpm)"
  echo "$(wc -l <"$tmp/rpm.list") files, as cmake --install writes them"
else
  echo "note: no build tree $obj beside RPM=$rpm: comparison skipped"
fi

step "extract and run"
(cd "$tmp" && rpm2cpio "$rpm" | cpio -idm --quiet)
for p in pptpxd pptpx pptpxctl; do
  out=$("$tmp/usr/sbin/$p" --version) || fail "extracted $p --version"
  [ "$out" = "$p $version" ] || fail "$p --version printed '$out'"
  echo "$out"
done
# newest SYMBOL_ FILE: the newest version of SYMBOL_ that FILE needs.
newest() { objdump -T "$2" | { grep -o "$1[0-9.]*" || true; } | sort -uV | tail -1; }
for p in pptpxd pptpx pptpxctl; do
  f=$tmp/usr/sbin/$p
  ! readelf -d "$f" | grep -q 'libfmt' || fail "$p links libfmt"
  echo "$p links: $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
  for ceiling in GLIBC_2.34 GLIBCXX_3.4.29 CXXABI_1.3.13 OPENSSL_3.0.0; do
    need=$(newest "${ceiling%%[0-9]*}" "$f")
    [ -z "$need" ] && continue
    echo "  needs $need (RHEL 9: $ceiling)"
    [ "$(printf '%s\n' "$need" "$ceiling" | sort -V | tail -1)" = "$ceiling" ] || fail "$p needs $need, newer than RHEL 9's $ceiling"
  done
done
rpm -qp --requires "$rpm" | sed 's/^/requires: /'
step "ok"
