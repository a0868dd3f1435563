#!/usr/bin/env bash
# Makes sure /usr/bin/python3 imports torch and numpy, for the tests that compare against the PyTorch reference
# (tests/model-parity/export.test.ts runs scripts/reference/llada_reference.py). Idempotent: when both import it
# changes nothing. On Debian/Ubuntu as root, installs the distribution's python3-torch and python3-numpy
# (about 60 MB of packages without recommends; well under a minute on a CI machine), waiting for the apt locks
# as setup-webgpu.sh does. setup-webgpu.sh runs it under CI=true or MMADA_TORCH_TESTS=1. SETUP_TORCH_PYTHON
# names another interpreter to check (its test uses a fake one); the tests themselves use /usr/bin/python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${SETUP_TORCH_PYTHON:-/usr/bin/python3}"
found() { "$python" -c 'import torch, numpy' >/dev/null 2>&1; }

if found; then exit 0; fi

if [ -r /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # shellcheck source=apt-wait.sh
  . "$here/apt-wait.sh"
  echo "setup-torch: $python lacks torch or numpy; installing python3-torch python3-numpy" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq >&2
  apt_get install -y -qq --no-install-recommends python3-torch python3-numpy >&2
  if found; then exit 0; fi
  echo "setup-torch: $python still cannot import torch and numpy after installing python3-torch python3-numpy" >&2
  exit 1
fi

cat >&2 <<'MSG'
setup-torch: /usr/bin/python3 cannot import torch and numpy, and this script can only install them on Debian/Ubuntu
as root. Install PyTorch for /usr/bin/python3 (Debian/Ubuntu: python3-torch python3-numpy; or pip). Without it the
PyTorch export test (tests/model-parity/export.test.ts) is skipped (and fails under CI=true).
MSG
exit 1
