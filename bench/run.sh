#!/bin/bash
# `make bench`: boot each stock lane and run machexc-bench inside it, in
# one boot per lane: every row with both CPUs free and with everything
# pinned to one CPU, throughput, kernel memory, and last a function-graph
# profile of the cross-process round trip (bench/profile.sh); then a
# second boot where the clock counts instructions for the cost to
# processes that never use machexc (bench/overhead.sh), and boots that
# count where a round trip's instructions go (bench/insnprof.sh).  Prints the tables
# and writes them to bench/RESULTS.md (bench/report.py).
#
#   bench/run.sh [LANE...]      (default: the stock lanes)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$top/selftests/vm
. "$vm/lanes.sh"
"$vm/setup.sh"
make -s -C "$top" lib
mkdir -p "$top/build/bench"
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -I"$top/uapi" -I"$top/lib/include" \
	-static -o "$top/build/bench/machexc-bench" "$here/machexc-bench.c" \
	"$top/build/lib/libmachexc.a" -pthread
lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || read -ra lanes <<< "$STOCK_LANES"
outs=()
for lane in "${lanes[@]}"; do
	out=$top/build/bench/$lane
	mkdir -p "$out"
	mods=$("$vm/build-module.sh" "$lane")
	cat "$here/profile.sh" > "$out/job"
	cat >> "$out/job" <<'EOS'
echo "kernel $(uname -r)"
echo "cpus $(grep -c ^processor /proc/cpuinfo)"
# No "traps:" line per unhandled int3 in the kernel log: it would be timed too.
echo 0 > /proc/sys/debug/exception-trace
depmod
# The signal kprobes stay in for the whole boot: no text patching while
# measuring.
modprobe machexc kprobe_linger_ms=3600000 || echo "MACHEXC-FATAL modprobe machexc failed"
machexc-bench rows | sed 's/^/free /'
machexc-bench rows --pin | sed 's/^/pinned /'
machexc-bench legs | sed 's/^/free /'
machexc-bench legs --pin | sed 's/^/pinned /'
# 1-8 faulting threads x 1-2 handler threads, runs of 1000 exceptions,
# the 16 configurations interleaved 7 times (report.py takes medians).
machexc-bench throughput --runs 7 --iters 1000 | sed 's/^/free /'
machexc-bench throughput --pin --runs 7 --iters 1000 | sed 's/^/pinned /'
machexc-bench memory
# Last, since the tracer slows everything: the kernel profile of the
# cross-process round trip (bench/profile.sh).
profile free
profile pinned --pin
echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"
EOS
	echo "bench: lane $lane (this takes a few minutes under TCG)" >&2
	# shellcheck disable=SC2086
	MACHEXC_VM_ACCEL=tcg MACHEXC_VM_TIMEOUT=3600 "$vm/vm.sh" "$lane" "$out" "$out/job" $mods \
		"$top/build/bench/machexc-bench"
	"$vm/report.py" splats "$out"
	# shellcheck disable=SC2086
	"$here/overhead.sh" "$lane" "$out/overhead" $mods "$top/build/bench/machexc-bench"
	# shellcheck disable=SC2086
	"$here/insnprof.sh" "$lane" "$out/insnprof" $mods "$top/build/bench/machexc-bench" \
		machexc_other_process_default seccomp_user_notif
	outs+=("$lane=$out/output.log")
done
"$here/report.py" "$here/RESULTS.md" "${outs[@]}"
