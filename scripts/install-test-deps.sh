#!/usr/bin/env bash
# Installs the Debian packages the test suite uses: the real apt client and index tools,
# gpgv and GnuPG, dpkg-deb/dpkg-source/dpkg-genchanges, reprepro, aptly and apt-file (oracles and
# fixture makers), strace (durability order), headless Chromium (the browsable page),
# Ceph's RADOS Gateway (the S3 server the tests start on 127.0.0.1), and debootstrap (the
# Debian trixie chroot with apt 3 and sqv, scripts/trixie-chroot.sh). Needs root (or sudo)
# on Debian/Ubuntu; does nothing when all are present.
set -euo pipefail
pkgs=(apt-utils dpkg-dev gnupg xz-utils zstd git curl reprepro aptly apt-file strace chromium ceph-mon ceph-osd radosgw debootstrap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
