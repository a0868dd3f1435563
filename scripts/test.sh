#!/usr/bin/env bash
# Runs every test file of the monorepo with vitest and ends with one line "N passed, N failed, N skipped".
# The device under test comes from MMADA_DEVICE (cpu|webgpu); webgpu tests skip (counted as skipped, with the
# reason) when no adapter exists, unless MMADA_DEVICE=webgpu or CI=true demands one (tests/support/devices.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
node -e '
  const fs = require("fs");
  let r = {};
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { }
  const passed = r.numPassedTests ?? 0, failed = (r.numFailedTests ?? 0), skipped = r.numPendingTests ?? 0;
  const suiteErrors = (r.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).every((a) => a.status !== "failed")).length;
  console.log(`${passed} passed, ${failed + suiteErrors} failed, ${skipped} skipped`);
' "$report"
rm -f "$report"
exit $status
