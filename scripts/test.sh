#!/usr/bin/env bash
# `npm test`: typecheck, then every vitest project (unit + real-Chromium e2e). When this machine
# can make a network namespace (root, or unprivileged user namespaces), the tests run inside one
# (scripts/isolated.sh) so that WebRTC traffic never leaves the machine. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx tsc -p workers/tsconfig.json --noEmit
mkdir -p .cache
runner=()
if [ "${CARBONEDGE_ISOLATED:-}" != "1" ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  if [ "$(id -u)" = "0" ] || unshare --user --map-root-user --net true 2>/dev/null; then
    runner=(scripts/isolated.sh)
  fi
fi
status=0
"${runner[@]}" npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-results.json "$@" || status=$?
# One plain closing line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".cache/vitest-results.json", "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' 2>/dev/null || true
exit "$status"
