#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where the instructions of a round trip go, function by function: every
# instruction the guest's kernel executes, counted per translation block
# by a QEMU plugin (bench/insnprof/tbcount.c), in -icount boots of the
# lane's kernel with one vCPU.  Each row is run twice, in a boot of its
# own each, HI and LO times; the difference over HI - LO is one more round
# trip, boot and setup cancelled (bench/insnprof/insnprof.py).  Nothing is
# left out, unlike the function-graph profile (bench/profile.sh): inlined
# code, memset, user copies, trampolines.
#
#   bench/insnprof.sh LANE OUTDIR MODULE BENCH [ROW...]
#
# ROW defaults to the cross-process EXCEPTION_DEFAULT row; make bench
# profiles seccomp user notification beside it.  (Not every peer suits
# the method: futex ping-pong settles into one of two rates, 9k or 12k
# instructions, boot by boot, so two boots do not differ by the extra
# round trips alone; the "clock" line below catches that.)  Writes
# OUTDIR/ROW.txt: "total N" (kernel instructions per round trip), "clock
# N" (the same from the guest's clock, user space included: the check),
# "cat N CATEGORY", "insn N SYMBOL" and "calls N SYMBOL" (runs of the
# function's first block per round trip) lines, read by bench/report.py.
# With MACHEXC_INSNPROF_LINES=N, also OUTDIR/ROW.lines: the module's N
# costliest source lines (bench/insnprof/lines.py), for finding what to cut.
# Exits 0 without figures (and says why) where QEMU refuses the plugin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$top/selftests/vm
lane=$1 out=$2 module=$3 bench=$4
shift 4
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(machexc_other_process_default)
hi=${MACHEXC_INSNPROF_HI:-6000} lo=${MACHEXC_INSNPROF_LO:-1000}
mkdir -p "$out"
plugin=$out/tbcount.so
cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
	-o "$plugin" "$here/insnprof/tbcount.c"
# A QEMU that takes the plugin sits idle here until the timeout (124).
rc=0
timeout 5 qemu-system-x86_64 -M none -display none -nodefaults -S \
	-plugin "$plugin,out=/dev/null" > /dev/null 2>&1 || rc=$?
if [ $rc != 124 ]; then
	echo "bench: this QEMU does not take the instruction-counting plugin: no profile" >&2
	exit 0
fi
for row in "${rows[@]}"; do
	for n in $hi $lo; do
		run=$out/$row-$n
		mkdir -p "$run"
		cat > "$run/job" <<EOS
echo 0 > /proc/sys/debug/exception-trace
echo 0 > /proc/sys/kernel/randomize_va_space
depmod
modprobe machexc kprobe_linger_ms=3600000 || echo "MACHEXC-FATAL modprobe machexc failed"
sleep 2
machexc-bench rows --pin --runs 1 --iters $n --only $row
grep ' [tT] ' /proc/kallsyms > /dev/ttyS1
echo "MACHEXC-TAINT \$(cat /proc/sys/kernel/tainted)"
EOS
		rm -f "$run/tb.out"
		echo "bench: lane $lane, instruction profile of $row ($n round trips)" >&2
		MACHEXC_VM_APPEND=nokaslr MACHEXC_VM_TIMEOUT=1200 \
			MACHEXC_VM_QEMU="-smp 1 -icount shift=0,sleep=off -plugin $plugin,out=$run/tb.out" \
			"$vm/vm.sh" "$lane" "$run" "$run/job" "$module" "$bench" >&2
		"$vm/report.py" splats "$run"
		[ -s "$run/tb.out" ] || { echo "bench: the plugin wrote no counts" >&2; exit 1; }
	done
	{
		"$here/insnprof/insnprof.py" "$out/$row-$hi/output.log" "$out/$row-$hi/tb.out" \
			"$out/$row-$lo/tb.out" $((hi - lo)) > "$out/$row.insn"
		awk '$1 == "insn" { s += $2 } END { printf "total %.0f\n", s }' "$out/$row.insn"
		# The same extra round trips timed by the guest's clock, which
		# under -icount counts instructions too, the user's included: a
		# check on the counts (a row whose boots differ otherwise, as
		# futex ping-pong's settle into one of two rates, fails it).
		awk -v hi="$hi" -v lo="$lo" '$1 == "row" { t[FILENAME] = $3 }
			END { for (f in t) if (f ~ /-'"$hi"'\//) a = t[f]; else b = t[f]
			      printf "clock %.0f\n", (hi * a - lo * b) / (hi - lo) }' \
			"$out/$row-$hi/output.log" "$out/$row-$lo/output.log"
		"$here/insnprof/insnprof.py" --categories "$out/$row.insn"
		cat "$out/$row.insn"
	} > "$out/$row.txt"
	if [ -n "${MACHEXC_INSNPROF_LINES:-}" ]; then
		"$here/insnprof/lines.py" "$out/$row-$hi/output.log" "$out/$row-$hi/tb.out" \
			"$out/$row-$lo/tb.out" $((hi - lo)) "$module" \
			"$MACHEXC_INSNPROF_LINES" > "$out/$row.lines"
	fi
	rm -f "$out/$row.insn" "$out/$row-$hi/tb.out" "$out/$row-$lo/tb.out"
done
