#!/bin/bash
# `make demo`: boot Debian's stock 6.1 kernel in QEMU with machexc and its
# tools, and show it at work: a crash caught and reported by
# machexc-supervise, and a program that recovers from its own faults with
# an in-process exception handler.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top"
"$here/vm/setup.sh"
make -s lib tools
mkdir -p build/demo
cc -std=c11 -O1 -g -fno-omit-frame-pointer -fno-inline -static -pthread -o build/demo/crasher \
	selftests/demo/crasher.c
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -Iuapi -Ilib/include -static \
	-o build/demo/lazymap selftests/demo/lazymap.c build/lib/libmachexc.a -pthread
cat > build/demo/job <<'EOS'
echo 0 > /proc/sys/debug/exception-trace
echo "== machexc demo on Linux $(uname -r)"
dmesg | grep 'machexc: version'
echo
echo "== 1. A program crashes under the crash supervisor"
echo "\$ machexc-supervise --json --report-dir /tmp/reports -- crasher"
mkdir -p /tmp/reports
machexc-supervise --json --report-dir /tmp/reports -- crasher
echo "(exit status $?: 128 + SIGSEGV, as if crasher had run alone)"
echo "\$ cat /tmp/reports/crash-*.json"
cat /tmp/reports/crash-*.json
echo
echo "== 2. A program recovers from its own faults (EXC_BAD_ACCESS handler thread)"
echo "\$ lazymap"
lazymap
echo "(exit status $?)"
echo
echo "\$ machexc-info"
machexc-info
EOS
exec "$here/vm/run-cmd.sh" 6.1 "$(cat build/demo/job)" build/tools/machexc-info \
	build/tools/machexc-supervise build/demo/crasher build/demo/lazymap
