#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a pptpx package from the files of this working tree (tracked and
# untracked-but-not-ignored, as they are now) into build/package/:
#   scripts/package.sh [deb]   pptpx_VERSION_ARCH.deb with dpkg-buildpackage (debian/)
#   scripts/package.sh rpm     pptpx-VERSION-1.ARCH.rpm with rpmbuild (contrib/rpm/pptpx.spec)
#   scripts/package.sh arch    pptpx-VERSION-1-ARCH.pkg.tar.* with makepkg (contrib/arch/PKGBUILD),
#                              as user nobody when run as root (makepkg refuses root)
# Each package is built from scratch in its own folder, build/package/KIND/,
# and copied to build/package/; the script prints its path last.
# VERSION is project(VERSION) of CMakeLists.txt, which is also what the
# programs print (PPTPX_VERSION); debian/changelog must carry the same.
# Env: PACKAGE_DIR (build/package); PACKAGE_REUSE=1 (deb only) keeps the
# previous build tree (obj-*) and does not clean it, so that a change of the
# packaging alone rebuilds in seconds; CI builds from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
kind=${1:-deb}
out=$(realpath -m "${PACKAGE_DIR:-build/package}")
version=$(sed -n 's/^project(pptpx VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "package: no project(pptpx VERSION x.y.z) in CMakeLists.txt"; exit 2; }

# stage DIR [KEEP]: the working tree's files (no build trees, nothing
# ignored) in DIR, which is emptied first except for what matches KEEP.
stage() {
  if [ -n "${2:-}" ] && [ -d "$1" ]; then
    find "$1" -mindepth 1 -maxdepth 1 ! -name "$2" -exec rm -rf {} +
  else
    rm -rf "$1"
  fi
  mkdir -p "$1"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -xf - -C "$1"
}

build_deb() {
  local changelog
  changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
  [ "$changelog" = "$version" ] ||
    { echo "package: debian/changelog is at $changelog, CMakeLists.txt at $version: add a changelog entry (dch -v $version)"; exit 2; }
  local dir=$out/deb arch keep= clean=()
  arch=$(dpkg-architecture -q DEB_HOST_ARCH)
  [ "${PACKAGE_REUSE:-}" = 1 ] && keep='obj-*' clean=(--no-pre-clean)
  stage "$dir/pptpx-$version" "$keep"
  (cd "$dir/pptpx-$version" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
    nice dpkg-buildpackage -b -uc -us "${clean[@]}" >../build.log 2>&1) ||
    { tail -40 "$dir/build.log"; echo "package: dpkg-buildpackage failed (log: $dir/build.log)"; exit 1; }
  cp "$dir/pptpx_${version}_$arch.deb" "$out/"
  echo "$out/pptpx_${version}_$arch.deb"
}

build_rpm() {
  local dir=$out/rpm arch
  arch=$(uname -m)
  rm -rf "$dir"
  mkdir -p "$dir/SOURCES"
  stage "$dir/stage/pptpx-$version"
  tar -C "$dir/stage" -czf "$dir/SOURCES/pptpx-$version.tar.gz" "pptpx-$version"
  # --nodeps: the BuildRequires name Fedora's packages, which Debian's rpm
  # database does not hold; deps.sh installed their Debian equivalents.
  # --noclean keeps the build tree, which tests/package/rpm_test.sh installs
  # with cmake --install to compare with the package.
  nice rpmbuild -bb --nodeps --noclean --define "_topdir $dir" --define "pptpx_version $version" \
    --define "_smp_build_ncpus 2" --define "packager pptpx maintainers <maintainers@users.noreply.b-seed-6af508c6.example>" \
    contrib/rpm/pptpx.spec >"$dir/build.log" 2>&1 ||
    { tail -40 "$dir/build.log"; echo "package: rpmbuild failed (log: $dir/build.log)"; exit 1; }
  cp "$dir/RPMS/$arch/pptpx-$version-1.$arch.rpm" "$out/"
  echo "$out/pptpx-$version-1.$arch.rpm"
}

build_arch() {
  local dir=$out/arch user=() pkg
  rm -rf "$dir"
  mkdir -p "$dir"
  stage "$dir/stage/pptpx-$version"
  tar -C "$dir/stage" -czf "$dir/pptpx-$version.tar.gz" "pptpx-$version"
  rm -rf "$dir/stage"
  sed "s/^pkgver=.*/pkgver=$version/" contrib/arch/PKGBUILD >"$dir/PKGBUILD"
  if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$dir"
    user=(runuser -u nobody --)
  fi
  # --nodeps: pacman's database is empty on Debian; deps.sh installed the
  # Debian equivalents of depends and makedepends.
  (cd "$dir" && HOME=$dir MAKEFLAGS=-j2 nice "${user[@]}" makepkg --nodeps --noconfirm --cleanbuild \
    >build.log 2>&1) ||
    { tail -40 "$dir/build.log"; echo "package: makepkg failed (log: $dir/build.log)"; exit 1; }
  pkg=$(ls "$dir"/pptpx-"$version"-*.pkg.tar.*)
  cp "$pkg" "$out/"
  echo "$out/$(basename "$pkg")"
}

mkdir -p "$out"
case $kind in
  deb) build_deb ;;
  rpm) build_rpm ;;
  arch) build_arch ;;
  *) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
echo "package: built from $src" >&2
