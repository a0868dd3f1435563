#!/usr/bin/env bash
# Makes sure a WebGPU adapter exists for Node (Dawn through the `webgpu` npm package).
# Idempotent: when an adapter is already found it changes nothing.
# On Debian/Ubuntu as root with no adapter, installs Mesa's lavapipe (software Vulkan) from
# bookworm-backports — bookworm's own 22.x lavapipe is rejected by Dawn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
probe() { node "$here/probe-webgpu.mjs"; }

# The browser tests (tests/playground) need Chromium: CI asks for it, and so does MMADA_BROWSER_TESTS=1.
if [ "${CI:-}" = true ] || [ "${MMADA_BROWSER_TESTS:-}" = 1 ]; then bash "$here/setup-chromium.sh"; fi
# The PyTorch export test (tests/model-parity/export.test.ts) needs /usr/bin/python3 with torch: CI asks for it,
# and so does MMADA_TORCH_TESTS=1 (adds about a minute to a fresh CI machine).
if [ "${CI:-}" = true ] || [ "${MMADA_TORCH_TESTS:-}" = 1 ]; then bash "$here/setup-torch.sh"; fi
# shellcheck source=apt-wait.sh
. "$here/apt-wait.sh"

if probe; then exit 0; fi

if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  echo "setup-webgpu: no WebGPU adapter; installing Mesa lavapipe (software Vulkan) from ${codename}-backports" >&2
  list=/etc/apt/sources.list.d/mmada-backports.list
  if [ "$codename" = bookworm ] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" > "$list"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq >&2
  if [ "$codename" = bookworm ]; then
    apt_get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >&2
  else
    apt_get install -y -qq mesa-vulkan-drivers libvulkan1 >&2
  fi
  echo "setup-webgpu: installed; probing again" >&2
  if probe; then exit 0; fi
  echo "setup-webgpu: still no adapter after installing lavapipe" >&2
  exit 1
fi

cat >&2 <<'MSG'
setup-webgpu: no WebGPU adapter was found and this script can only install one on Debian/Ubuntu as root.
Install one of:
  - a GPU driver with Vulkan (Linux), Metal (macOS) or D3D12 (Windows) support, or
  - Mesa's software Vulkan driver "lavapipe" (Debian/Ubuntu: mesa-vulkan-drivers >= 23 and libvulkan1;
    Fedora: mesa-vulkan-drivers; Arch: vulkan-swrast)
or run on the cpu device: MMADA_DEVICE=cpu.
MSG
exit 1
