#!/usr/bin/env bash
# Static analysis of contracts/ with Slither (PyPI), failing on any medium or high finding.
# No native solc is available offline (the npm solc is JavaScript), so Slither reads the
# compilation Hardhat 3 already made: its build info (input + output, split in two files)
# is merged into the Hardhat 2 layout crytic-compile understands, and the sources are laid
# out under the paths the AST names.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/node.sh

SLITHER_VERSION=0.11.6
cache="${RXTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rxtrace}/slither/$SLITHER_VERSION"
if [ ! -x "$cache/bin/slither" ]; then
  echo "slither: installing slither-analyzer $SLITHER_VERSION into $cache" >&2
  python3 -m venv "$cache"
  "$cache/bin/pip" install --quiet "slither-analyzer==$SLITHER_VERSION"
fi

npx hardhat build --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import json, os, re, sys
root = sys.argv[1]
os.makedirs(f"{root}/artifacts/build-info")
# Only the build that produced the current SupplyChain artifact (older ones linger).
current = json.load(open("artifacts/contracts/SupplyChain.sol/SupplyChain.json"))["buildInfoId"]
for path in [f"artifacts/build-info/{current}.json"]:
    info = json.load(open(path))
    output = json.load(open(path[: -len(".json")] + ".output.json"))["output"]
    merged = {"_format": "hh-sol-build-info-1", "id": info["id"], "solcVersion": info["solcVersion"],
              "solcLongVersion": info["solcLongVersion"], "input": info["input"], "output": output}
    json.dump(merged, open(f"{root}/artifacts/build-info/{info['id']}.json", "w"))
    for name, source in info["input"]["sources"].items():
        # "npm/@scope/pkg@1.2.3/x.sol" -> "@scope/pkg/x.sol"; "project/x.sol" -> "x.sol"
        plain = re.sub(r"^project/", "", re.sub(r"^npm/(@[^/]+/[^@/]+)@[^/]+/", r"\1/", name))
        for target in {name, plain}:
            os.makedirs(os.path.dirname(f"{root}/{target}"), exist_ok=True)
            open(f"{root}/{target}", "w").write(source["content"])
open(f"{root}/hardhat.config.js", "w").write("module.exports = {};\n")
PY

cd "$work"
# Only our contracts are judged: OpenZeppelin, the bench baseline and tests are filtered out.
# incorrect-equality is off: a decommissioned pack's word holds the decommission time, so
# Slither's taint from block.timestamp reaches every comparison of any field of any pack word
# (`word == 0`, status and flag tests); the time itself is compared only with `>` (the undo window).
"$cache/bin/slither" . --compile-force-framework hardhat --hardhat-ignore-compile \
  --hardhat-artifacts-directory artifacts --filter-paths "npm/|@openzeppelin|bench/|test/" \
  --exclude incorrect-equality --exclude-informational --exclude-low --exclude-optimization --fail-medium 2>&1 \
  | grep -v "Problem executing hardhat\|npx canceled\|complete log of this run"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then echo "slither: medium or high findings (or analysis failed)"; exit "$rc"; fi
echo "slither: no medium or high findings"
