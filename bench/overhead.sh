#!/bin/bash
# The cost for processes that never use machexc, in a boot of its own
# where time is instructions: QEMU with -icount shift=0,sleep=off advances
# the guest's clock by one nanosecond per instruction executed (and jumps
# it over idle time), so CLOCK_MONOTONIC in the guest counts the
# instructions a loop ran, the same every run, whatever else the host is
# doing.  One vCPU: icount runs the vCPUs in turn and the 6.x kernels do
# not bring a second one up under it.
#
# Four configurations, interleaved round by round so that whatever drifts
# hits them alike: the module not loaded, loaded and unused, loaded while
# another process has exception ports (every hook attached), and loaded
# while a thread of another process waits in an exception (the stoppable
# wait's kprobes armed as well).
#
#   bench/overhead.sh LANE OUTDIR MODULE... BENCH
# With MACHEXC_OVERHEAD_BEFORE=OTHER.ko, each round also measures that
# build ("before-" lines), for a before/after table from one boot.
# Each round also runs machexc-bench rows (every round trip, "rt row"
# lines; "before-rt" for the other build); after the rounds, machexc-bench
# throughput ("icount throughput" lines).
# Writes OUTDIR/output.log: "CONFIG row NAME MEDIAN MIN MAX" lines
# (instructions per operation), read by bench/report.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
vm=$top/selftests/vm
lane=$1 out=$2
shift 2
rounds=${MACHEXC_OVERHEAD_ROUNDS:-5}
mkdir -p "$out"
cat > "$out/job" <<EOS
rounds=$rounds
EOS
cat >> "$out/job" <<'EOS'
echo "kernel $(uname -r)"
echo "cpus $(grep -c ^processor /proc/cpuinfo)"
echo "clock icount"
echo 0 > /proc/sys/debug/exception-trace
# The same address-space layout every run: where a mapping falls changes
# the page tables a loop of page faults allocates.
echo 0 > /proc/sys/kernel/randomize_va_space
depmod
kprobes() {
	# A direct call shows in ftrace's list, a kprobe in the kprobes' one
	# (and in ftrace's when on the ftrace site): the larger count.
	ef=/sys/kernel/tracing/enabled_functions
	[ -e $ef ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	[ -e $ef ] || ef=/sys/kernel/debug/tracing/enabled_functions
	a=$(grep -c -e '^dequeue_signal ' -e '^recalc_sigpending ' $ef 2>/dev/null)
	n=$(grep -c -e dequeue_signal -e recalc_sigpending /sys/kernel/debug/kprobes/list 2>/dev/null)
	[ "${a:-0}" -gt "${n:-0}" ] && n=$a
	echo "$1 kprobes ${n:-0}"
}
measure() {
	mode=$1
	shift
	case $mode in
	in-use) machexc-bench hold & holder=$! ;;
	waiting) machexc-bench hold-waiting & holder=$! ;;
	esac
	# The holder's port (and its waiting thread) in place, and the
	# deferred work of what came before (a holder's teardown, an unload's
	# RCU frees) done: idle time costs nothing under -icount sleep=off.
	sleep 2
	[ $mode = unloaded ] || kprobes $mode
	machexc-bench overhead --runs 3 --iters 1000 | sed "s/^/$mode /"
	if [ -n "${holder:-}" ]; then
		kill -9 $holder
		wait $holder 2>/dev/null
		holder=
	fi
}
round=0
while [ $round -lt $rounds ]; do
	round=$((round + 1))
	measure unloaded
	# A linger of 1 s: each measurement's 2 s sleep sees the signal
	# kprobes out again after the configuration that waits.
	modprobe machexc kprobe_linger_ms=1000 || echo "MACHEXC-FATAL modprobe machexc failed"
	measure loaded
	measure in-use
	measure waiting
	# The round trips themselves, in instructions: path length, whatever
	# TCG's cost of an address-space switch (one vCPU: both ends on it).
	machexc-bench rows --pin --runs 3 --iters 1000 | sed 's/^/rt /'
	unload-machexc
	# Another build of the module to compare with (MACHEXC_OVERHEAD_BEFORE).
	if [ -e /machexc/bin/machexc-before.ko.bin ]; then
		insmod /machexc/bin/machexc-before.ko.bin || echo "MACHEXC-FATAL insmod before failed"
		for m in loaded in-use waiting; do
			measure $m
		done 2>&1 | sed 's/^\(loaded\|in-use\|waiting\) /before-\1 /'
		machexc-bench rows --pin --runs 3 --iters 1000 | sed 's/^/before-rt /'
		unload-machexc
	fi
done
# Throughput on the one vCPU, where the clock counts instructions: the
# configurations of make bench's throughput table, whose exceptions per
# second here are 10^9 over the instructions an exception costs, all
# threads of both processes included.  What two CPUs would add cannot be
# counted this way (icount runs the vCPUs in turn).
modprobe machexc kprobe_linger_ms=3600000 || echo "MACHEXC-FATAL modprobe machexc failed"
sleep 2
machexc-bench throughput --runs 3 --iters 1000 | sed 's/^/icount /'
unload-machexc
echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"
EOS
extra=()
if [ -n "${MACHEXC_OVERHEAD_BEFORE:-}" ]; then
	cp "$MACHEXC_OVERHEAD_BEFORE" "$out/machexc-before.ko.bin"
	extra=("$out/machexc-before.ko.bin")
fi
echo "bench: lane $lane, overhead for non-users (QEMU -icount)" >&2
MACHEXC_VM_TIMEOUT=1200 MACHEXC_VM_QEMU="-smp 1 -icount shift=0,sleep=off" \
	"$vm/vm.sh" "$lane" "$out" "$out/job" "$@" "${extra[@]}"
"$vm/report.py" splats "$out"
