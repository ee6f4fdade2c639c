#!/bin/sh
# The engine benchmark against PyTorch CPU on the same machine, in the same run. Installs Debian's
# python3-torch (with libopenblas0-pthread) for the comparison only: never a dependency of the product or CI.
set -e
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHON
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  SUDO=$(command -v sudo || true)
  $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread
fi
exec npx tsx bench/engine/engine.ts --torch "$@"
