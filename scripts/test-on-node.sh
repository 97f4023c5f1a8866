#!/usr/bin/env bash
# The whole suite on another Node.js major: `scripts/test-on-node.sh 22` (or 24, ...). The node binary comes from the
# npm registry's node-<platform>-<arch> package; the suite runs in a fresh clone of the committed HEAD, since native
# addons (better-sqlite3, @ronomon/reed-solomon) must be built for that Node, and node-gyp gets its headers from
# that package too (no download). The working tree and its node_modules are left alone.
set -euo pipefail
major=${1:?usage: scripts/test-on-node.sh <Node.js major, e.g. 22>}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/omnigate-node$major-XXXXXX")
package="node-$(node -p process.platform)-$(node -p process.arch)"
npm install --prefix "$work/node" --no-save --no-package-lock --no-audit --no-fund "$package@$major" >/dev/null
node_dir="$work/node/node_modules/$package"
git clone --quiet "$root" "$work/repo"
cd "$work/repo"
export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
echo "Node $(node --version) in $work/repo"
npm ci --no-audit --no-fund
npm test
