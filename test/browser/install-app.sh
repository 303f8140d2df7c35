#!/usr/bin/env bash
# Installs and builds the Backstage test app (test/browser/app) for the browser tests:
#   1. `npm pack` of the repository root (build it first: `npm run build`), extracted into
#      test/browser/app/module/, exactly the files an adopter's install gets;
#   2. `yarn install --immutable` with the app's own Yarn release. The backend depends on the
#      extracted package through `portal:../../module`: a portal has no checksum in yarn.lock,
#      so a changed module never meets a stale lockfile entry; only a change to the module's
#      runtime `dependencies` needs a lockfile refresh (`--update-lockfile`);
#   3. the frontend build (packages/app/dist), which the backend's app plugin serves.
# Prints how long each part took. Needs Node 22 (source .ci/use-node.sh).
#
# Usage: test/browser/install-app.sh [--update-lockfile]
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
app="$repo_root/test/browser/app"
yarn_release=("$app"/.yarn/releases/yarn-*.cjs)
yarn() { (cd "$app" && node "${yarn_release[0]}" "$@"); }

# Yarn 4 does not read npm's registry setting; the cache stays inside the app folder
# (git-ignored), so a clean clone downloads everything, as CI does.
export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER:-$(npm config get registry)}"
export YARN_ENABLE_GLOBAL_CACHE=false YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=false
immutable=--immutable
[ "${1:-}" = --update-lockfile ] && immutable=

seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

[ -f "$repo_root/dist/index.js" ] || { echo "dist/index.js is missing: run npm run build first" >&2; exit 1; }
start=$(seconds)
pack_dir="$(mktemp -d)"
tarball="$(cd "$repo_root" && npm pack --silent --pack-destination "$pack_dir")"
rm -rf "$app/module" && mkdir -p "$app/module"
tar -xzf "$pack_dir/$tarball" -C "$app/module" --strip-components=1
rm -rf "$pack_dir"
pack_s=$(elapsed "$start")

start=$(seconds)
if ! yarn install $immutable > "$app/yarn-install.log" 2>&1; then
  tail -n 40 "$app/yarn-install.log" >&2
  if grep -q 'YN0028' "$app/yarn-install.log"; then
    echo "The app's yarn.lock is out of date (did the module's runtime dependencies change?)." >&2
    echo "Refresh it with: test/browser/install-app.sh --update-lockfile, and commit test/browser/app/yarn.lock" >&2
  fi
  exit 1
fi
install_s=$(elapsed "$start")

start=$(seconds)
yarn workspace app build > "$app/app-build.log" 2>&1 || { tail -n 40 "$app/app-build.log" >&2; exit 1; }
build_s=$(elapsed "$start")

echo "browser test app: npm pack ${pack_s}s, yarn install ${install_s}s, frontend build ${build_s}s"
