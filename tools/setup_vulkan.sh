#!/usr/bin/env bash
# Makes sure a Vulkan driver is installed so the wgpu tests can run: Mesa's lavapipe (a CPU Vulkan driver,
# Debian package mesa-vulkan-drivers) when no driver is present. Idempotent; does nothing when one is installed.
set -euo pipefail
has_icd() {
  [ -n "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && return 0
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    compgen -G "$d/*.json" > /dev/null && return 0
  done
  return 1
}
if has_icd; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "installing Mesa's lavapipe Vulkan driver (mesa-vulkan-drivers) for the wgpu tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mesa-vulkan-drivers > /dev/null
  has_icd && exit 0
fi
echo "no Vulkan driver: install Mesa's lavapipe (Debian/Ubuntu: sudo apt-get install mesa-vulkan-drivers) for the" \
  "wgpu tests, or skip them with: tools/test.sh -- --skip on_wgpu (under CI=true they fail without a driver)" >&2
