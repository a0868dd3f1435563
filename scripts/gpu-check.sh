#!/usr/bin/env bash
# The GPU check: the kernel parity suite on a real adapter, `npm run bench`, a synthetic 8B-shaped forward
# (bench/synthetic-8b.ts) and a CLI smoke test, on a machine that has nothing but a GPU's Vulkan driver.
#
#   bash scripts/gpu-check.sh pack
#       Here, after `npm ci`: builds .gpu-check/ (ignored by git) with everything the other machine lacks:
#       node.xz (this Node, xz-compressed), vendor.tar.xz (webgpu's package.json, index.js and Linux dawn.node,
#       and the node_modules the test runner and the packages need), cli.mjs / bench.mjs / forward.mjs (esbuild
#       bundles with @mmada/* from source) and debs/ (the Vulkan loader, `apt-get download libvulkan1`).
#
#   bash scripts/gpu-check.sh run [--out DIR] [--quick] [--small] [--skip parity,bench,forward,cli]
#       There, in a copy of the repository with .gpu-check/: unpacks Node and node_modules, puts the Vulkan
#       loader on LD_LIBRARY_PATH when the system has none, points VK_DRIVER_FILES at the NVIDIA ICD when it is
#       at /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json and nothing else is set, then runs each step and
#       writes its log and results to DIR (default gpu-check-results/<UTC time>): adapter.txt, parity.log +
#       parity.json, bench.log + bench-results.jsonl + bench-RESULTS.md, forward.log + forward.json, cli.log,
#       summary.md. A failing step is recorded and the next one runs; the exit status is 1 if any failed.
#       --quick: bench --quick and fewer forward tokens. --small: the forward at d 512 (for a software adapter
#       such as lavapipe) with a 1 MiB binding limit, so the embedding and head take their row-block paths.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PACK="$ROOT/.gpu-check"

die() { echo "gpu-check: $*" >&2; exit 2; }

# Packages the parity suite and the bundles load at run time (vitest with its own closure; the packages' deps).
RUNTIME_PACKAGES=(vitest fp-ts @huggingface/tokenizers fast-png fflate hyparquet jpeg-js)
# Optional add-ons and types a run never loads.
EXCLUDES=(@types/ lightningcss tsx esbuild @esbuild/ @vitest/browser @vitest/ui @vitest/coverage happy-dom jsdom @edge-runtime)
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json

pack() {
  [ -d node_modules/webgpu ] || die "node_modules/webgpu is missing: run npm ci first"
  mkdir -p "$PACK/debs"
  local node_bin; node_bin="$(command -v node)" || die "no node on PATH"
  if [ ! -s "$PACK/node.xz" ] || [ "$node_bin" -nt "$PACK/node.xz" ]; then
    echo "gpu-check: compressing $node_bin ($(node --version))"
    xz -T0 -6 -c "$node_bin" > "$PACK/node.xz.tmp" && mv "$PACK/node.xz.tmp" "$PACK/node.xz" || die "xz failed"
  fi
  echo "gpu-check: collecting node_modules"
  local args=("${RUNTIME_PACKAGES[@]}")
  for e in "${EXCLUDES[@]}"; do args+=(--exclude "$e"); done
  local list; list="$(node scripts/gpu-check/dependency-closure.mjs "${args[@]}")" || die "dependency closure failed"
  {
    echo "$list"
    printf '%s\n' node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/dist/linux-x64/dawn.node
  } | tar -cJf "$PACK/vendor.tar.xz.tmp" --exclude='*.d.ts' --exclude='*.map' --exclude='*.md' -T - && mv "$PACK/vendor.tar.xz.tmp" "$PACK/vendor.tar.xz" || die "tar failed"
  echo "gpu-check: bundling the CLI, the bench and the synthetic forward"
  local esb=(npx --no-install esbuild --bundle --platform=node --format=esm --target=node20 --log-level=warning
    --tsconfig=tsconfig.json --external:webgpu --external:@resvg/resvg-js
    "--banner:js=import { createRequire as __gpuCheckRequire } from 'node:module'; const require = __gpuCheckRequire(import.meta.url);")
  "${esb[@]}" packages/cli/src/main.ts --outfile="$PACK/cli.mjs" || die "bundling the CLI failed"
  "${esb[@]}" bench/run.ts --outfile="$PACK/bench.mjs" || die "bundling the bench failed"
  "${esb[@]}" bench/synthetic-8b.ts --outfile="$PACK/forward.mjs" || die "bundling the synthetic forward failed"
  cp bench/train-step-torch.py "$PACK/" # bench/train-step.ts finds it next to the module
  # The bench's modules each run themselves when they are the entry point (import.meta.url = argv[1]); in one
  # bundle all would, so the bundle is imported from a separate entry file.
  printf '%s\n' '// Entry of the bundled bench (see scripts/gpu-check.sh pack).' "await import('./bench.mjs');" > "$PACK/bench-entry.mjs"
  echo "gpu-check: downloading the Vulkan loader"
  if ! (cd "$PACK/debs" && apt-get download libvulkan1 >/dev/null 2>&1); then
    local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/gpu-check-apt-lists)
    mkdir -p /tmp/gpu-check-apt-lists/partial
    apt-get "${o[@]}" update >/dev/null && (cd "$PACK/debs" && apt-get "${o[@]}" download libvulkan1) || die "apt-get download libvulkan1 failed"
  fi
  du -sh "$PACK"/* | sed 's/^/gpu-check: /'
  echo "gpu-check: packed $(du -sh "$PACK" | cut -f1) into .gpu-check/"
}

run() {
  local out="" quick=0 small=0 skip=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out="$2"; shift 2 ;;
      --quick) quick=1; shift ;;
      --small) small=1; shift ;;
      --skip) skip="$2"; shift 2 ;;
      *) die "unknown option $1 (see the header of scripts/gpu-check.sh)" ;;
    esac
  done
  out="${out:-gpu-check-results/$(date -u +%Y%m%dT%H%M%SZ)}"
  mkdir -p "$out" || die "cannot create $out"
  out="$(cd "$out" && pwd)"
  local work="${GPU_CHECK_WORK:-/tmp/gpu-check}"
  mkdir -p "$work"

  # Node: the packed one, else the system's
  local node
  if [ -s "$PACK/node.xz" ]; then
    if [ ! -x "$work/node" ]; then
      if command -v xz >/dev/null; then xz -dc "$PACK/node.xz" > "$work/node"
      else python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$PACK/node.xz" > "$work/node"
      fi || die "cannot unpack node.xz"
      chmod +x "$work/node"
    fi
    node="$work/node"
  else
    node="$(command -v node)" || die "no .gpu-check/node.xz and no node on PATH: run 'bash scripts/gpu-check.sh pack' first"
  fi
  export PATH="$(dirname "$node"):$PATH"

  # node_modules: the packed subset where the checkout has none
  if [ ! -d node_modules ]; then
    [ -s "$PACK/vendor.tar.xz" ] || die "no node_modules and no .gpu-check/vendor.tar.xz: run 'bash scripts/gpu-check.sh pack' first"
    if command -v xz >/dev/null; then tar -xJf "$PACK/vendor.tar.xz"
    else python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(".")' "$PACK/vendor.tar.xz"
    fi || die "cannot unpack vendor.tar.xz"
  fi

  # Vulkan loader and ICD
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
    for deb in "$PACK"/debs/*.deb; do [ -f "$deb" ] && dpkg -x "$deb" "$work/root"; done
    export LD_LIBRARY_PATH="$work/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$ICD" ]; then export VK_DRIVER_FILES="$ICD"; fi

  local failed=0
  declare -A status
  step() { # step NAME command...: runs unless skipped, logs to $out/NAME.log, records pass/fail and seconds
    local name="$1"; shift
    if [[ ",$skip," == *",$name,"* ]]; then status[$name]="skipped"; return; fi
    local t0=$SECONDS
    echo "gpu-check: $name"
    if "$@" > "$out/$name.log" 2>&1; then status[$name]="passed in $((SECONDS - t0)) s"
    else status[$name]="FAILED in $((SECONDS - t0)) s (see $name.log)"; failed=1
    fi
  }

  {
    "$node" scripts/probe-webgpu.mjs 2>&1
    echo "node $("$node" --version); VK_DRIVER_FILES=${VK_DRIVER_FILES:-}; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    uname -a; nproc
  } > "$out/adapter.txt" 2>&1

  step parity env MMADA_DEVICE=webgpu CI=true "$node" node_modules/vitest/vitest.mjs run packages/tensor/test tests/model-parity \
    --reporter=default --reporter=json --outputFile.json="$out/parity.json"

  local bench_args=(--no-blas); [ "$quick" = 1 ] && bench_args+=(--quick)
  step bench "$node" "$PACK/bench-entry.mjs" "${bench_args[@]}"
  [ -f bench/out/results.jsonl ] && cp bench/out/results.jsonl "$out/bench-results.jsonl"
  [ -f bench/out/RESULTS.md ] && cp bench/out/RESULTS.md "$out/bench-RESULTS.md"

  local fwd_args=(--check --out "$out/forward.json" --tokens "$([ "$quick" = 1 ] && echo 64 || echo 64,512)")
  if [ "$small" = 1 ]; then
    fwd_args+=(--d-model 512 --heads 4 --mlp 1536 --vocab 8192 --trials 2)
    step forward env MMADA_WEBGPU_MAX_BINDING_BYTES=1048576 "$node" "$PACK/forward.mjs" "${fwd_args[@]}"
  else
    step forward "$node" "$PACK/forward.mjs" "${fwd_args[@]}"
  fi

  step cli "$node" "$PACK/cli.mjs" generate --model models/mmada-tiny --prompt "How many red squares?" --gen-length 16 --steps 8 --block-length 16 --device webgpu

  {
    echo "# GPU check, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo '```'; cat "$out/adapter.txt"; echo '```'
    echo
    echo "| step | result |"; echo "|---|---|"
    for name in parity bench forward cli; do echo "| $name | ${status[$name]:-not run} |"; done
    echo
    [ -f "$out/parity.log" ] && { echo "parity: $(grep -E 'Tests .*(passed|failed)' "$out/parity.log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')"; echo; }
    [ -f "$out/forward.json" ] && { echo "forward:"; echo '```json'; cat "$out/forward.json"; echo '```'; }
  } > "$out/summary.md"
  cat "$out/summary.md"
  echo "gpu-check: results in $out"
  return $failed
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
