#!/usr/bin/env bash
# The project's test command (README "Tests"): installs the Python reference implementations the parity tests
# compare against into .venv (once) and Mesa's lavapipe Vulkan driver when no Vulkan driver is present (for the
# wgpu tests, which run the network on burn's GPU kernels on the CPU), then runs every crate's tests with the
# wgpu backend compiled in. Extra arguments go to cargo test (`tools/test.sh -- --skip on_wgpu` skips the wgpu tests).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup_venv.sh
tools/setup_vulkan.sh
cargo test --workspace --features hvisnet/wgpu,trainer/wgpu "$@"
