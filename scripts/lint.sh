#!/usr/bin/env bash
# Checks the code's format with the toolchain's swift-format against .swift-format (Hummingbird's
# settings: 4 spaces, 150 columns), strictly, as the model codebases do in CI. The generated Spark
# Connect protocol (Sources/SparkConnectProtocol) is left as protoc wrote it.
# Usage: scripts/lint.sh [--fix]   (--fix rewrites the files first)
set -euo pipefail
cd "$(dirname "$0")/.."
PATHS=(Package.swift Benchmarks Tests)
for module in Sources/*/; do
  [ "$module" = "Sources/SparkConnectProtocol/" ] || PATHS+=("$module")
done
if [ "${1:-}" = "--fix" ]; then swift format format --in-place --recursive "${PATHS[@]}"; fi
swift format lint --strict --recursive "${PATHS[@]}"
