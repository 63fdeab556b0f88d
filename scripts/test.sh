#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs and starts what the tests need, then
# `swift test`. The README's test command and CI's .ci/run both call exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ../shared/fixtures ]; then
  echo "note: ../shared/fixtures is absent; conformance and recorded-traffic suites will be skipped."
fi

swift build --build-tests
swift test --skip-build
