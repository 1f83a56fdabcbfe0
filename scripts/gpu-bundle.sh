#!/usr/bin/env bash
# Makes the carry for a GPU machine that has no Node and no package registry (GPU.md's recipe):
# .gpu-bundle/ (git-ignored) with the Node binary, a trimmed node_modules for linux-x64, the
# test models and images, the PyTorch peer, the Vulkan loader's .deb files and run.sh, the
# entry point. At most 64 MiB in all: the script fails past that.
#
#   scripts/gpu-bundle.sh [OUT]                 build it (default OUT: .gpu-bundle)
#   bash OUT/run.sh [bench options]             there: unpack, then npm run bench -- --gpu …
#
# Not carried: onnxruntime-node (13 MiB compressed; the GPU bench forces the WebGPU path and its
# CPU comparison trains from the cache, so nothing imports it), echarts' browser bundles and the
# other platforms' binaries. The TypeScript sources travel with the working tree, run by tsx.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/.gpu-bundle}" && cd "${1:-$root/.gpu-bundle}" && pwd)
limit=$((64 * 1024 * 1024))
arch=$(node -p 'process.platform + "-" + process.arch')
[ "$arch" = linux-x64 ] || { echo "gpu-bundle: built for linux-x64 only (this is $arch)" >&2; exit 1; }
cd "$root"

# 1. Node itself, compressed (about 24 MiB)
node_bin=$(command -v node)
if [ ! -s "$out/node.xz" ] || [ "$node_bin" -nt "$out/node.xz" ]; then
  xz -T0 -9 -c "$node_bin" > "$out/node.xz"
fi
node --version > "$out/node.version"

# 2. node_modules: the production dependencies' closure, trimmed to what runs on linux-x64
list=$(mktemp)
pkgs=$(mktemp)
trap 'rm -f "$list" "$pkgs"' EXIT
npm ls --omit=dev --all --parseable > "$pkgs" 2>/dev/null || true
python3 - "$root" "$pkgs" > "$list" <<'PY'
import json, os, sys
root = sys.argv[1]
sys.stdin = open(sys.argv[2])
skip_pkgs = {'onnxruntime-node', 'onnxruntime-common', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'}
# the report's charts: their ES modules only, not the 51 MiB of browser bundles
no_dist = {'echarts', 'zrender'}
skip_ext = ('.map', '.d.ts', '.d.mts', '.d.cts', '.md', '.markdown', '.ts', '.tsbuildinfo', '.flow')
skip_dirs = {'test', 'tests', '__tests__', 'docs', 'doc', 'example', 'examples', 'benchmark', 'bench', '.github'}
seen = set()
for line in sys.stdin:
    d = line.strip()
    if not d or d == root or '/node_modules/' not in d:
        continue
    name = d.split('/node_modules/')[-1]
    if name in skip_pkgs or any(name.startswith(p + '/') for p in skip_pkgs):
        continue
    pj = os.path.join(d, 'package.json')
    if not os.path.exists(pj):
        continue
    meta = json.load(open(pj))
    files = []
    if name.startswith('@tensorflow/'):
        # the Node entry (one CommonJS bundle) and the wasm binaries: not the per-op ES modules
        keep = [meta.get('main', 'index.js')]
        keep += [os.path.join('dist', f) for f in os.listdir(os.path.join(d, 'dist')) if f.endswith('.wasm')]
        files = ['package.json'] + [k for k in keep if os.path.exists(os.path.join(d, k))]
    else:
        for base, dirs, fs in os.walk(d):
            rel = os.path.relpath(base, d)
            dirs[:] = [x for x in dirs if x != 'node_modules' and x not in skip_dirs]
            if name in no_dist and rel == '.':
                dirs[:] = [x for x in dirs if x != 'dist']
            if name == 'webgpu' and rel == 'dist':
                dirs[:] = [x for x in dirs if x == 'linux-x64']
            for f in fs:
                if f.endswith(skip_ext) and not f.endswith('.node'):
                    continue
                # esbuild's own copy of its binary: tsx finds @esbuild/linux-x64's
                if name == 'esbuild' and rel == 'bin':
                    continue
                files.append(os.path.normpath(os.path.join(rel, f)))
    for f in files:
        p = os.path.relpath(os.path.join(d, f), root)
        if p not in seen:
            seen.add(p)
            print(p)
PY
[ -s "$list" ] || { echo "gpu-bundle: no package to carry (npm ls found none)" >&2; exit 1; }
tar -cf - -T "$list" | xz -T0 -6 > "$out/modules.tar.xz"

# 3. the test models and images the bench uses by default (unpacked, with their markers), made
#    here where missing; the tar again when the list changed
fixtures=$(node bin/run-ts.cjs scripts/bench/gpuFixtures.ts)
if [ ! -s "$out/fixtures.tar.xz" ] || [ "$fixtures" != "$(cat "$out/fixtures.list" 2>/dev/null)" ]; then
  # shellcheck disable=SC2086 # one folder a line, no spaces
  tar -cf - $fixtures | xz -T0 -9 > "$out/fixtures.tar.xz"
  printf '%s\n' "$fixtures" > "$out/fixtures.list"
fi

# 4. the peer, and the Vulkan loader with the glvnd libraries NVIDIA's driver needs (best effort: apt's cache)
peer="$root/../shared/bench/peer_pytorch.py"
[ -f "$peer" ] || peer=/work/shared/bench/peer_pytorch.py
cp "$peer" "$out/peer_pytorch.py"
mkdir -p "$out/debs"
if ! ls "$out"/debs/libvulkan1_*.deb > /dev/null 2>&1; then
  (cd "$out/debs" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2 > /dev/null 2>&1) || echo "gpu-bundle: could not download the Vulkan .deb files (apt-get download); run.sh will need libvulkan1 there" >&2
fi

cp "$root/scripts/gpu-run.sh" "$out/run.sh"
total=$(du -cb "$out" | tail -1 | cut -f1)
printf 'gpu-bundle: %s, %.1f MiB in all (limit 64 MiB)\n' "$out" "$(echo "$total / 1048576" | bc -l)"
du -b "$out"/* | sort -n | awk '{ printf "  %7.1f MiB  %s\n", $1 / 1048576, $2 }'
[ "$total" -le "$limit" ] || { echo "gpu-bundle: over the 64 MiB limit" >&2; exit 1; }
