#!/usr/bin/env bash
# The project's main job: a held-out demonstration of the shipped model, models/mmada-tiny (trained by
# `npm run train:tiny`, see its MODEL_CARD.md). It builds the packages, then `mmada demo`:
#   1. answers a held-out arithmetic question with its <think> trace;
#   2. answers questions about a held-out ShapesWorld image;
#   3. draws images for held-out prompts (PNG files + a contact sheet), judged by the pixel verifier;
#   4. inpaints one masked cell of an image;
#   5. scores COUNT held-out items per task family and prints the table;
#   6. writes runs/main/report.html with all of the above, images inline.
#
#   bash scripts/main.sh                              # about 4 minutes after the build on a 2-core machine with lavapipe
#   MODEL=runs/mmada-tiny COUNT=600 bash scripts/main.sh
#
# Environment: MODEL (default models/mmada-tiny), OUT (runs/main), COUNT (100), MMADA_DEVICE (cpu|webgpu;
# default webgpu when an adapter exists, else cpu), SKIP_BUILD=1 (use the existing dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${MODEL:-models/mmada-tiny}"
OUT="${OUT:-runs/main}"
COUNT="${COUNT:-100}"
mmada() { node packages/cli/dist/main.js "$@"; }

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  echo "== build"
  npx turbo run build --output-logs=errors-only
fi

DEVICE="${MMADA_DEVICE:-}"
if [[ -z "$DEVICE" ]]; then
  if node scripts/probe-webgpu.mjs 2>/dev/null; then DEVICE=webgpu; else DEVICE=cpu; fi
fi
echo "== device: $DEVICE; model: $MODEL"
mmada demo --model "$MODEL" --out "$OUT" --count "$COUNT" --device "$DEVICE"

echo "== results"
echo "report        $OUT/report.html   (open it in a browser)"
echo "contact sheet $OUT/contact-sheet.png"
echo "scores        $OUT/scores.json"
exit 0
