#!/usr/bin/env bash
# Makes sure a Chromium exists for the browser tests (tests/playground, driven by playwright-core; no browser
# is downloaded). Idempotent: when one is found it changes nothing. On Debian/Ubuntu as root, installs the
# distribution's `chromium` package, whose WebGPU runs headless on SwiftShader where there is no GPU.
set -euo pipefail

found() {
  if [ -n "${MMADA_CHROMIUM:-}" ]; then [ -x "$MMADA_CHROMIUM" ]; return; fi
  for c in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do [ -x "$c" ] && return 0; done
  return 1
}

if found; then exit 0; fi

if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup-chromium: no Chromium; installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
  if found; then exit 0; fi
  echo "setup-chromium: still no Chromium after installing the chromium package" >&2
  exit 1
fi

cat >&2 <<'MSG'
setup-chromium: no Chromium was found and this script can only install one on Debian/Ubuntu as root.
Install Chromium or Chrome (with WebGPU), or point MMADA_CHROMIUM at its executable. Without one the browser
tests are skipped (and fail under CI=true).
MSG
exit 1
