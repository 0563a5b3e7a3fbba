#!/bin/bash
# `make stress`: the selftests as `make check` runs them, lane by lane, but
# with a host thread per vCPU (QEMU's MTTCG: MACHEXC_VM_ACCEL=tcg) and busy
# loops on the host, so that a vCPU is preempted inside short kernel
# windows.  The lanes of make check run both vCPUs on one host thread,
# which almost never switches inside a spinlocked section: the fork race
# of 2026-12-04 (a child's first faults finding its task without the
# inherited ports) showed only this way.  Outside make check: slower, and
# what it finds is a race to fix, not a flake to retry.
#
#   stress.sh [LANE...]       default: every lane
# STRESS_LOAD busy loops (default: one per host CPU), STRESS_ROUNDS passes
# over the lanes (default 1), TEST narrows each lane to one selftest.
#
# One thing it can show that is QEMU's, not ours: with a thread per vCPU,
# QEMU 7.2 may let a vCPU run the int3 of a text_poke_bp() the other vCPU
# has finished (an "int3" Oops in the patched function; see vm.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm/lanes.sh
. "$here/vm/lanes.sh"

lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || read -ra lanes <<< "$ALL_LANES"
load=${STRESS_LOAD:-$(nproc)}
rounds=${STRESS_ROUNDS:-1}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
for ((i = 0; i < load; i++)); do
	( while :; do :; done ) &
	pids+=($!)
done
echo "stress: ${lanes[*]}, $rounds round(s), $load busy loop(s) on the host, a host thread per vCPU"
failed=0
for ((r = 1; r <= rounds; r++)); do
	for lane in "${lanes[@]}"; do
		echo "stress: round $r, lane $lane"
		MACHEXC_VM_ACCEL=tcg "$here/check.sh" "$lane" || failed=$((failed + 1))
	done
done
if [ $failed = 0 ]; then
	echo "stress: every lane passed in every round"
else
	echo "stress: $failed lane run(s) failed"
	exit 1
fi
