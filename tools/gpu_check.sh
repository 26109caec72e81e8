#!/usr/bin/env bash
# The CUDA check of docs/performance.md ("CUDA"), in two halves so that the GPU machine needs no Rust toolchain:
#
#   tools/gpu_check.sh build          # here, with the toolchain: the release trainer with --features cuda,
#                                     # copied to target/gpu_check/trainer (carry that file to the GPU machine)
#   tools/gpu_check.sh run [TRAINER]  # on the GPU machine, from the repository root: the model's speed at 512
#                                     # (`trainer bench`), then 300 training iterations of configs/quickstart.toml
#                                     # on cuda:0, printing iterations per second and the losses
#
# DEVICE=cuda:1 picks another GPU; ITERS=N changes the 300; OUT=DIR (default output/gpu_check) holds the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="${1:-}"
case "$cmd" in
  build)
    cargo build --release -p trainer --features cuda
    mkdir -p target/gpu_check
    cp target/release/trainer target/gpu_check/trainer
    echo "built target/gpu_check/trainer (CUDA); run it on the GPU machine with: tools/gpu_check.sh run target/gpu_check/trainer"
    ;;
  run)
    trainer="${2:-target/gpu_check/trainer}"
    device="${DEVICE:-cuda:0}"
    iters="${ITERS:-300}"
    out="${OUT:-output/gpu_check}"
    [ -x "$trainer" ] || { echo "no trainer binary at $trainer: build it with tools/gpu_check.sh build" >&2; exit 2; }
    mkdir -p "$out"
    command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
    echo "== trainer bench, 512 px, $device"
    "$trainer" bench --config configs/hvisnet.toml --set "device=\"$device\"" --size 512 --runs 10 --warmup 3 --json | tee "$out/bench_512.json"
    echo "== $iters training iterations of configs/quickstart.toml on $device"
    # The quickstart has 64 iterations an epoch: enough epochs for $iters, stopped there with a checkpoint.
    epochs=$(( (iters + 63) / 64 ))
    "$trainer" train configs/quickstart.toml --set "device=\"$device\"" --set "output_dir=\"$out/quickstart\"" \
      --set "solver.epochs=$epochs" --set "eval.period_epochs=0" --stop-after "$iters" 2>&1 | tee "$out/train.log"
    # Iterations per second (steps 21.. to leave out kernel compilation and autotuning) and the losses, from
    # the run's metrics.jsonl.
    awk -v iters="$iters" '
      /"loss_total"/ {
        match($0, /"iteration":[0-9]+/); it = substr($0, RSTART + 12, RLENGTH - 12) + 0
        match($0, /"step_s":[0-9.eE+-]+/); s = substr($0, RSTART + 9, RLENGTH - 9) + 0
        match($0, /"loss_total":[0-9.eE+-]+/); l = substr($0, RSTART + 13, RLENGTH - 13) + 0
        if (it > 20) { t += s; n += 1 }
        if (it <= 10) { first += l; nf += 1 }
        if (it > iters - 10) { last += l; nl += 1 }
      }
      END {
        if (n == 0) { print "no training iterations logged"; exit 1 }
        printf "steps 21-%d: %.2f iterations/s (%.1f ms a step); loss_total %.3f (first 10) -> %.3f (last 10)\n", iters, n / t, 1000 * t / n, first / nf, last / nl
      }' "$out/quickstart/metrics.jsonl" | tee "$out/summary.txt"
    ;;
  *)
    echo "usage: tools/gpu_check.sh build | run [TRAINER]" >&2
    exit 2
    ;;
esac
