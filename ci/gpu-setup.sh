#!/usr/bin/env bash
# Makes gpu.js's 'headlessgl' mode work in CI (Debian/Ubuntu, root or sudo): the X/Mesa packages, the
# optional native `gl` package built with node-gyp, and a check that a GL context opens under Xvfb
# (Mesa llvmpipe: software rendering, no GPU needed). Idempotent and timed; run from the repo root:
#   bash ci/gpu-setup.sh && xvfb-run -a npx vitest run test/kernels/gpu
#
# Why gl is built here and not by `npm ci`: npm 11 skips install scripts not listed in package.json's
# allowScripts, and gl's script (prebuild-install || node-gyp rebuild) takes minutes when no prebuilt
# binary can be downloaded, so it runs only where asked. It is built once into $GL_PREFIX (cache that
# directory between CI runs: a warm run takes seconds) and linked into node_modules/gl, where gpu.js's
# require('gl') finds it; `npm ci` removes the link again, this script restores it.
set -euo pipefail

GL_VERSION="${GL_VERSION:-8.1.6}"   # the version gpu.js 2.24.1 pins as its optional dependency
GL_PREFIX="${GL_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/whittle-gl/node-$(node -p process.versions.modules)-gl-$GL_VERSION}"
APT_PACKAGES=(build-essential python3 pkg-config libx11-dev libxi-dev libxext-dev libgl1-mesa-dev libglu1-mesa-dev libgl1-mesa-dri xvfb xauth)

started=$SECONDS
step() { echo "gpu-setup: $1 ($((SECONDS - started)) s so far)"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. System packages: skipped when all are installed.
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
step "system packages ready"

# 2. Build gl into $GL_PREFIX unless a build that loads is already there.
gl_loads() { node -e "require(process.argv[1])" "$1" >/dev/null 2>&1; }
if ! gl_loads "$GL_PREFIX/node_modules/gl"; then
  step "building gl@$GL_VERSION into $GL_PREFIX (prebuild-install, else node-gyp: minutes)"
  rm -rf "$GL_PREFIX"
  mkdir -p "$GL_PREFIX"
  cat >"$GL_PREFIX/package.json" <<EOF
{ "name": "whittle-gl-build", "private": true, "dependencies": { "gl": "$GL_VERSION" }, "allowScripts": { "gl@$GL_VERSION": true } }
EOF
  # nodedir: node-gyp uses the installed headers instead of downloading them; JOBS: parallel make.
  nodedir="$(dirname "$(dirname "$(command -v node)")")"
  [ -f "$nodedir/include/node/node.h" ] && export npm_config_nodedir="$nodedir"
  (cd "$GL_PREFIX" && JOBS=max npm install --no-audit --no-fund --foreground-scripts --loglevel=error >"$GL_PREFIX/build.log" 2>&1) || {
    tail -40 "$GL_PREFIX/build.log"
    echo "gpu-setup: building gl failed; headlessgl tests will be skipped with the reason" >&2
    exit 1
  }
  gl_loads "$GL_PREFIX/node_modules/gl" || { echo "gpu-setup: gl built but does not load" >&2; exit 1; }
fi
step "gl@$GL_VERSION built in $GL_PREFIX"

# 3. Link it where gpu.js looks (replacing the unbuilt copy npm ci extracts, if any).
if [ "$(readlink node_modules/gl 2>/dev/null || true)" != "$GL_PREFIX/node_modules/gl" ]; then
  rm -rf node_modules/gl
  ln -s "$GL_PREFIX/node_modules/gl" node_modules/gl
fi

# 4. A context must open under Xvfb, with float textures (gpu.js 'single' precision needs them).
xvfb-run -a node -e "
  const gl = require('gl')(1, 1);
  if (!gl) { console.error('gpu-setup: gl created no context under Xvfb'); process.exit(1); }
  if (!gl.getExtension('OES_texture_float')) { console.error('gpu-setup: no OES_texture_float'); process.exit(1); }
  console.log('gpu-setup: headless GL ok:', gl.getParameter(gl.VERSION), '/', gl.getParameter(gl.RENDERER));
"
step "done"
