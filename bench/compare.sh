#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Before and after, in instructions: two builds (each a module and a
# machexc-bench, which carries its libmachexc) measured in one boot of the
# lane's kernel under QEMU -icount (bench/overhead.sh has the method: the
# guest's clock counts instructions executed, one vCPU), the two
# interleaved round by round.  For a change to the module, the library or
# both; a minute or two per lane, and the same figures every run (a
# spread of a few tenths of a percent).
#
#   bench/compare.sh LANE BEFORE.ko BEFORE-BENCH [AFTER.ko AFTER-BENCH]
#
# AFTER defaults to this tree's (built here).  ROWS (the machexc-bench
# rows to run, all by default) and ROUNDS (3) may be set.  Prints one
# line per row: the median instructions per round trip of each build,
# the change, and each build's rounds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$top/selftests/vm
[ $# = 3 ] || [ $# = 5 ] || { echo "usage: $0 LANE BEFORE.ko BEFORE-BENCH [AFTER.ko AFTER-BENCH]" >&2; exit 2; }
lane=$1
rows=${ROWS:-"machexc_other_process_default machexc_other_process_state_identity machexc_same_process_thread ptrace seccomp_user_notif sigsegv_handler pipe futex"}
out=$top/build/bench/compare-$lane
rm -rf "$out"
mkdir -p "$out/before" "$out/after"
cp "$2" "$out/before/machexc.ko.bin"
cp "$3" "$out/before/machexc-bench"
if [ $# = 5 ]; then
	cp "$4" "$out/after/machexc.ko.bin"
	cp "$5" "$out/after/machexc-bench"
else
	"$vm/setup.sh"
	make -s -C "$top" lib
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -I"$top/uapi" \
		-I"$top/lib/include" -static -o "$out/after/machexc-bench" \
		"$here/machexc-bench.c" "$top/build/lib/libmachexc.a" -pthread
	mods=$("$vm/build-module.sh" "$lane")
	cp "$mods" "$out/after/machexc.ko.bin"
fi
cat > "$out/job" <<EOS
rounds=${ROUNDS:-3}
rows="$rows"
EOS
cat >> "$out/job" <<'EOS'
echo 0 > /proc/sys/debug/exception-trace
echo 0 > /proc/sys/kernel/randomize_va_space
round=0
while [ $round -lt $rounds ]; do
	round=$((round + 1))
	for build in before after; do
		insmod /machexc/bin/$build/machexc.ko.bin kprobe_linger_ms=3600000 ||
			echo "MACHEXC-FATAL insmod $build failed"
		sleep 1
		for row in $rows; do
			/machexc/bin/$build/machexc-bench rows --pin --runs 3 --iters 1000 \
				--only "$row" | sed "s/^/$build /"
		done
		unload-machexc
	done
done
echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"
EOS
echo "bench: lane $lane, before and after in instructions (QEMU -icount)" >&2
MACHEXC_VM_TIMEOUT=1800 MACHEXC_VM_QEMU="-smp 1 -icount shift=0,sleep=off" \
	"$vm/vm.sh" "$lane" "$out" "$out/job" "$out/before" "$out/after" >&2
"$vm/report.py" splats "$out"
python3 - "$out/output.log" <<'EOS'
import statistics
import sys

runs = {}
with open(sys.argv[1], errors="replace") as f:
    for line in f:
        w = line.split()
        if len(w) == 6 and w[1] == "row" and w[0] in ("before", "after"):
            runs.setdefault((w[2], w[0]), []).append(int(w[3]))
for row in sorted({r for r, _ in runs}):
    b, a = runs.get((row, "before"), []), runs.get((row, "after"), [])
    if not a or not b:
        continue
    mb, ma = statistics.median(b), statistics.median(a)
    print(f"{row:40} before {mb:8.0f}  after {ma:8.0f}  {100 * (ma - mb) / mb:+6.1f}%"
          f"  (before {b}, after {a})")
EOS
