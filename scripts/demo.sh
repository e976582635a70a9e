#!/usr/bin/env bash
# The main job end to end on a local directory: create an archive, add the fixture
# packages, promote one from staging to production, sign and publish to a directory,
# and print the apt source lines. Usage: scripts/demo.sh [DIR] (default ./demo).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-demo}" && cd "${1:-demo}" && pwd)"
raptr() { node "$here/bin/run.js" "$@"; }

rm -rf "$out/archive" "$out/www" "$out/signing.asc" "$out/signing.pub.asc"
export RAPTR_ARCHIVE="$out/archive"
raptr init "$out/archive"
raptr distribution add staging --architectures amd64,arm64 --origin raptr-demo
raptr distribution add production --architectures amd64,arm64 --origin raptr-demo
raptr category add public --to staging --to production
raptr package add "$here/fixtures" --category public --link staging
raptr package link hello-zst --latest --to production
raptr package list --distribution staging
raptr key generate --name "raptr demo" --email demo@example.org --out "$out/signing.asc"
raptr backend add local "file://$out/www"
raptr publish --sign-key "$out/signing.asc"
raptr log -n 3
echo
echo "published to $out/www; point apt at it with the lines above after:"
echo "  sudo install -D -m 644 $out/www/raptr.gpg /etc/apt/keyrings/raptr.gpg"
