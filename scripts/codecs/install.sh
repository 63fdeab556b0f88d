#!/usr/bin/env bash
# Installs the run-time libraries of the Parquet codecs the writer loads when a dataset asks for them
# (Debian's libsnappy1v5 for SNAPPY, libzstd1 for ZSTD; no headers: the build does not need them).
# Idempotent; root, as apt-get needs.
set -euo pipefail
missing=()
for package in libsnappy1v5 libzstd1; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "codecs: libsnappy1v5 and libzstd1 already installed"
  exit 0
fi
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
echo "codecs: installed ${missing[*]}"
