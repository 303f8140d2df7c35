#!/usr/bin/env bash
# Installs and builds the Backstage test app (test/browser/app) for the browser tests:
#   1. `npm pack` of the repository root (build it first: `npm run build`), extracted into
#      test/browser/app/module/, exactly the files an adopter's install gets;
#   2. `yarn install --immutable` with the app's own Yarn release. The backend depends on the
#      extracted package through `portal:../../module`: a portal has no checksum in yarn.lock,
#      so a changed module never meets a stale lockfile entry. When the module's runtime
#      `dependencies` differ from the ones yarn.lock holds for it, only those are resolved
#      (everything else stays locked) and a warning asks to commit the refreshed lockfile;
#      any other difference fails the install (`--update-lockfile` refreshes it on purpose);
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
[ "${1:-}" = --update-lockfile ] && immutable=--no-immutable

# Exit status 0 when the packed module's dependencies are not the ones yarn.lock holds for it.
module_dependencies_changed() {
  (cd "$repo_root" && node -e '
    const fs = require("fs");
    const YAML = require("yaml");
    const [lockFile, packageFile] = process.argv.slice(1);
    const lock = YAML.parse(fs.readFileSync(lockFile, "utf8"));
    const portal = "@goldenpathidp/plugin-scaffolder-backend-module-stateful-app@portal:";
    const key = Object.keys(lock).find(k => k.split(", ").some(d => d.startsWith(portal)));
    const locked = (key && lock[key].dependencies) || {};
    const wanted = JSON.parse(fs.readFileSync(packageFile, "utf8")).dependencies || {};
    const norm = deps => JSON.stringify(Object.entries(deps).map(([n, r]) => [n, String(r).replace(/^npm:/, "")]).sort());
    process.exit(norm(locked) === norm(wanted) ? 1 : 0);
  ' "$app/yarn.lock" "$app/module/package.json")
}

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

if [ "$immutable" = --immutable ] && module_dependencies_changed; then
  echo "warning: the module's runtime dependencies changed since test/browser/app/yarn.lock was made:" >&2
  echo "resolving them now (everything else stays locked); commit the refreshed test/browser/app/yarn.lock" >&2
  immutable=--no-immutable
fi

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

# The frontend does not contain the module: a build newer than everything it is made of stands.
built="$app/packages/app/dist/index.html"
if [ -f "$built" ] && [ -z "$(find "$app/packages/app/src" "$app/packages/app/public" "$app/packages/app/package.json" \
  "$app/app-config.yaml" "$app/yarn.lock" -newer "$built" -print -quit)" ]; then
  build_s="up to date"
else
  start=$(seconds)
  yarn workspace app build > "$app/app-build.log" 2>&1 || { tail -n 40 "$app/app-build.log" >&2; exit 1; }
  build_s="$(elapsed "$start")s"
fi

echo "browser test app: npm pack ${pack_s}s, yarn install ${install_s}s, frontend build ${build_s}"
