#!/usr/bin/env bash
# Re-vendor the page's one JS library from npm, reproducibly: pinned version, integrity
# checked by npm, files copied as published. Run from anywhere; commit what changes.
set -euo pipefail
VERSION=1.6.32
HERE="$(cd "$(dirname "$0")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "uplot@$VERSION" >/dev/null && tar -xzf "uplot-$VERSION.tgz")
cp "$TMP/package/dist/uPlot.iife.min.js" "$TMP/package/dist/uPlot.min.css" "$TMP/package/LICENSE" "$HERE/"
mv "$HERE/LICENSE" "$HERE/uPlot.LICENSE"
(cd "$HERE" && sha256sum uPlot.iife.min.js uPlot.min.css > SHA256SUMS)
echo "uPlot $VERSION vendored into $HERE"
