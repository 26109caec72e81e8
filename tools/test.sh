#!/usr/bin/env bash
# The project's test command (README "Tests"): installs the Python reference implementations the parity tests
# compare against into .venv (once), then runs every crate's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup_venv.sh
cargo test --workspace "$@"
