#!/usr/bin/env bash
# The entry point of the GPU carry (scripts/gpu-bundle.sh copies this to .gpu-bundle/run.sh):
# on a GPU machine with no Node and no registry, unpacks Node, node_modules and the fixtures
# into the working tree, makes Vulkan reachable, and runs `npm run bench -- --gpu` with the
# options given. GPU_RUN_ENTRY=devices runs `transfer-lab devices` instead (a quick look).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
node=${TMPDIR:-/tmp}/transfer-lab-node-$(cat "$here/node.version" 2>/dev/null || echo x)
[ -x "$node" ] || { xz -dc "$here/node.xz" > "$node.part" && chmod +x "$node.part" && mv "$node.part" "$node"; }
[ -d "$root/node_modules/@tensorflow/tfjs-core" ] || tar -xJf "$here/modules.tar.xz" -C "$root"
while read -r d; do
  [ -z "$d" ] || [ -d "$root/$d" ] || { tar -xJf "$here/fixtures.tar.xz" -C "$root" && break; }
done < "$here/fixtures.list"

# root's tools may be off PATH (a shell started with a bare environment)
ldconfig() { "$(type -P ldconfig || echo /sbin/ldconfig)" "$@"; }

# the Vulkan loader (and glvnd, which NVIDIA's libGLX_nvidia needs), where the machine lacks it
has_vulkan() {
  ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' || ls /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /lib/x86_64-linux-gnu/libvulkan.so.1 /usr/lib64/libvulkan.so.1 > /dev/null 2>&1
}
if ! has_vulkan; then
  if [ -w / ] && command -v dpkg > /dev/null && ls "$here"/debs/*.deb > /dev/null 2>&1; then
    for d in "$here"/debs/*.deb; do dpkg -x "$d" /; done
    ldconfig || true
  else
    echo "run.sh: libvulkan.so.1 is missing and cannot be installed here (not root, no dpkg, or no .deb files): the GPU bench will say Dawn found no adapter" >&2
  fi
fi
# NVIDIA's Vulkan ICD, where the driver put it somewhere the loader does not look
if [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json > /dev/null 2>&1; then
  icd=$(find /usr /etc /opt -maxdepth 6 -name 'nvidia_icd*.json' 2>/dev/null | head -1 || true)
  if [ -z "$icd" ]; then
    glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0 / { print $NF; exit }')
    if [ -n "$glx" ]; then
      icd=${TMPDIR:-/tmp}/transfer-lab-nvidia_icd.json
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" > "$icd"
    fi
  fi
  [ -n "$icd" ] && export VK_DRIVER_FILES=$icd
fi

# the peer's Python: the first that imports torch and torchvision (Debian's first, as the bench's default)
if [ -z "${TRANSFER_LAB_PYTHON:-}" ]; then
  for py in /usr/bin/python3 "$(type -P python3 || true)" /usr/local/bin/python3 /opt/conda/bin/python3 "$(type -P python || true)"; do
    if [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import torch, torchvision' > /dev/null 2>&1; then
      export TRANSFER_LAB_PYTHON=$py
      break
    fi
  done
fi

cd "$root"
if [ "${GPU_RUN_ENTRY:-bench}" = devices ]; then
  exec "$node" bin/transfer-lab.cjs devices "$@"
fi
# a machine lent for minutes: wait at most 10 s for quiet before a step, measure a busy one twice
# at most (options given to run.sh come later and win)
exec "$node" bin/run-ts.cjs scripts/bench.ts --gpu --peer-script "$here/peer_pytorch.py" --max-wait 10 --attempts 2 "$@"
