#!/usr/bin/env bash
# Builds, once, a minimal Debian trixie chroot whose apt (3.x) verifies signatures with
# Sequoia's sqv, the client raptr's key policy check is measured against. The tests run
# apt and sqv inside it (test/helpers/trixie.ts); the host's own apt may be older.
#
# The packages come from the Debian mirror this machine's apt already uses (the URIs of
# its entry for the host's own release); RAPTR_DEBIAN_MIRROR overrides it. The chroot is
# cached under RAPTR_TRIXIE_DIR (default below) and reused while its marker file, written
# last, is present. Prints the chroot's directory. Needs root and debootstrap.
set -euo pipefail

# Bump LAYOUT when the package list changes: a new directory is built beside the old one.
LAYOUT=1
SUITE=trixie
DIR="${RAPTR_TRIXIE_DIR:-/var/cache/raptr-tests/trixie-$LAYOUT}"
MARKER="$DIR/.raptr-chroot-complete"

[ -f "$MARKER" ] && { echo "$DIR"; exit 0; }

[ "$(id -u)" -eq 0 ] || { echo "trixie-chroot: needs root (debootstrap and chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "trixie-chroot: debootstrap is missing: run scripts/install-test-deps.sh" >&2; exit 1; }

mkdir -p "$(dirname "$DIR")"
# One builder at a time: test workers and CI may ask together.
exec 9>"$DIR.lock"
flock 9
[ -f "$MARKER" ] && { echo "$DIR"; exit 0; }

# The mirror of the host's own release, from deb822 .sources files or sources.list lines.
host_mirror() {
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ -n "$codename" ] || return 1
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$codename" '
      function flush() { if (isdeb && hit && uri != "") { print uri; found = 1; exit } isdeb = 0; hit = 0; uri = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) hit = 1 }
      END { if (!found) flush() }
    ' "$f" | head -n 1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI SUITE COMPONENT...
    sed -E 's/\[[^]]*\]//' "$f" | awk -v want="$codename" '$1 == "deb" && $3 == want { print $2; exit }'
  done
}

MIRROR="${RAPTR_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}"
[ -n "$MIRROR" ] || { echo "trixie-chroot: found no Debian mirror in /etc/apt (set RAPTR_DEBIAN_MIRROR)" >&2; exit 1; }

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
rm -rf "$DIR.partial" "$DIR"
echo "trixie-chroot: building $DIR from $MIRROR (takes a few minutes)" >&2
if ! debootstrap --variant=minbase --include=apt,sqv --keyring="$KEYRING" "$SUITE" "$DIR.partial" "$MIRROR" >"$DIR.log" 2>&1; then
  tail -n 20 "$DIR.log" >&2
  echo "trixie-chroot: debootstrap failed (log: $DIR.log)" >&2
  exit 1
fi

# The point of the chroot: apt new enough to verify with sqv, and sqv itself.
apt_version="$(chroot "$DIR.partial" dpkg-query -W -f='${Version}' apt)"
dpkg --compare-versions "$apt_version" ge 2.9.19 || { echo "trixie-chroot: apt $apt_version is older than 2.9.19 (no sqv)" >&2; exit 1; }
chroot "$DIR.partial" sqv --version >/dev/null || { echo "trixie-chroot: sqv does not run in the chroot" >&2; exit 1; }
[ -f "$DIR.partial/usr/share/apt/default-sequoia.config" ] || { echo "trixie-chroot: apt has no default-sequoia.config" >&2; exit 1; }
rm -rf "$DIR.partial/var/cache/apt/archives/"*.deb

echo "apt $apt_version" >"$DIR.partial/.raptr-chroot-complete"
mv "$DIR.partial" "$DIR"
echo "$DIR"
