#!/bin/bash
# `make demo`: boot Debian's stock 6.1 kernel in QEMU with machexc and its
# tools, and show the module at work.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
"$here/vm/setup.sh"
make -s lib tools
cat > build/demo-job <<'EOS'
echo "== machexc demo on Linux $(uname -r)"
echo "\$ modprobe machexc    (done at boot)"
dmesg | grep 'machexc: version'
echo "\$ ls -l /dev/machexc"
ls -l /dev/machexc
echo "\$ machexc-info"
machexc-info
EOS
exec "$here/vm/run-cmd.sh" 6.1 "$(cat build/demo-job)" build/tools/machexc-info
