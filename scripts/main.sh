#!/usr/bin/env bash
# The project's main job: build, train a small MMaDA model on ShapesWorld reasoning (question →
# "<think>…</think> The answer is N."), watch the loss fall, then ask the trained model a held-out question
# and (when `mmada eval` exists) score it on 20 items of the ShapesWorld reasoning test split.
#
#   bash scripts/main.sh                       # defaults below; about 3 minutes on a 2-core machine with lavapipe
#   STEPS=2000 CONFIG=mmada-small bash scripts/main.sh
#
# Environment: CONFIG (zoo config, default mmada-tiny), STEPS (400), BATCH (8), LR (3e-3), SEED (0),
# OUT (runs/shapesworld-reasoning), MMADA_DEVICE (cpu|webgpu; default webgpu when an adapter exists, else cpu),
# EVAL_LIMIT (20; 0 skips the evaluation), SKIP_BUILD=1 (use the existing dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG="${CONFIG:-mmada-tiny}"
STEPS="${STEPS:-400}"
BATCH="${BATCH:-8}"
LR="${LR:-3e-3}"
SEED="${SEED:-0}"
OUT="${OUT:-runs/shapesworld-reasoning}"
EVAL_LIMIT="${EVAL_LIMIT:-20}"
mmada() { node packages/cli/dist/main.js "$@"; }

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  echo "== build"
  npx turbo run build --output-logs=errors-only
fi

DEVICE="${MMADA_DEVICE:-}"
if [[ -z "$DEVICE" ]]; then
  if node scripts/probe-webgpu.mjs 2>/dev/null; then DEVICE=webgpu; else DEVICE=cpu; fi
fi
echo "== device: $DEVICE"

echo "== train $CONFIG on ShapesWorld reasoning: $STEPS steps of $BATCH rows, lr $LR → $OUT"
mmada train --config "$CONFIG" --data shapesworld-reasoning --steps "$STEPS" --batch "$BATCH" --lr "$LR" \
  --seed "$SEED" --out "$OUT" --overwrite --device "$DEVICE"

QUESTION="$(node -e "import('@mmada/eval').then((m) => console.log(m.generateShapesWorld('reasoning', { split: 'test', count: 1 })[0].problem.question))")"
GOLD="$(node -e "import('@mmada/eval').then((m) => console.log(m.generateShapesWorld('reasoning', { split: 'test', count: 1 })[0].problem.completion))")"
echo "== generate: a held-out question"
echo "question:  $QUESTION"
echo "reference: $GOLD"
printf 'model:     '
mmada generate --model "$OUT" --chat --prompt "$QUESTION" --gen-length 128 --block-length 32 --steps 64 --device "$DEVICE"

if [[ "$EVAL_LIMIT" != 0 ]] && mmada eval --help >/dev/null 2>&1; then
  echo "== eval: first $EVAL_LIMIT items of the ShapesWorld reasoning test split"
  mmada eval --task shapesworld-reasoning --model "$OUT" --limit "$EVAL_LIMIT" --gen-length 128 --block-length 32 --steps 64 \
    --out "$OUT/eval" --overwrite --device "$DEVICE"
fi

echo "== results"
echo "loss curve  $OUT/loss.svg"
echo "loss log    $OUT/loss.jsonl"
echo "model       $OUT  (config.json, model.safetensors, tokenizer.json; resumable checkpoint in $OUT/checkpoint)"
[[ -d "$OUT/eval" ]] && echo "eval        $OUT/eval/summary.md"
exit 0
