#!/bin/bash
# `make check`: install what is missing, build, lint, prove dkms, then run
# every selftest (and the KUnit suites) in each VM lane.  Ends with one line
# "N passed, M failed" counting every check, selftest and KUnit case.
#
#   check.sh            everything
#   check.sh LANE       one lane only (TEST=name narrows it to one selftest)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top" || exit 1
. "$here/vm/lanes.sh"

lanes=${1:-$ALL_LANES}
res=$top/build/results
rm -rf "$res" && mkdir -p "$res"

# A host-side check counts as one case.  Each starts out failed, so that
# a check that dies before it ends is counted as failed.  They run in two
# groups, the quick ones after the debug lane and the long ones (the
# dkms builds, the Debian packages with their chroot and VM) after the
# stock lanes, so that both cores stay busy to the end.
HOST_QUICK="abi install lint man"
HOST_LONG="dkms deb"
host() {
	local name=$1
	shift
	echo "host: $name failed" > "$res/host-$name.failures"
	echo "0 1 0" > "$res/host-$name.result"
	if "$@"; then
		echo "1 0 0" > "$res/host-$name.result"
		rm -f "$res/host-$name.failures"
	fi
}
host_checks() {
	local n script
	for n in "$@"; do
		case $n in
		lint|dkms) script=$n.sh ;;
		*) script=$n-check.sh ;;
		esac
		host "$n" "$here/$script"
	done
}

# One lane: its VM run, its result, and in the debug lane the kernel it
# needs first and the coverage report after.
lane() {
	local lane=$1
	if [ "$lane" = debug ]; then
		# The first build takes about ten minutes; later runs find it cached.
		"$here/vm/debug-kernel.sh" > /dev/null || echo "0 1 0" > "$res/debug-kernel.result"
	fi
	# shellcheck disable=SC2086
	"$here/vm/lane.sh" "$lane" ${TEST:-}
	cp "$top/build/$lane/vm/result" "$res/lane-$lane.result" 2>/dev/null || echo "0 1 0" > "$res/lane-$lane.result"
	cp "$top/build/$lane/vm/failures" "$res/lane-$lane.failures" 2>/dev/null || true
	if [ "$lane" = debug ]; then
		# Coverage is a figure, not a check; only a missing report fails.
		"$here/vm/coverage.py" "$top/build/debug/vm" "$top/build/debug/src" \
			"$top/build/coverage" ${TEST:+"TEST=$TEST"} || echo "0 1 0" > "$res/coverage.result"
	fi
}

"$here/vm/setup.sh" || { echo "check: setup failed"; echo "0 passed, 1 failed"; exit 1; }
if ! make -s lib tools selftests > "$res/build.log" 2>&1; then
	cat "$res/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "build: library, tools and selftests built with -Wall -Wextra -Werror"

# One lane or one test: no host-side checks.
if [ -n "${1:-}" ]; then
	for l in $lanes; do
		lane "$l"
	done
	"$here/vm/report.py" summary "$res"/*.result
	exit $?
fi

# Everything.  A lane's QEMU keeps one host core busy (vm.sh: one host
# thread for both vCPUs), so the run keeps two things going on the
# machine's two cores: the debug lane (the longest) and then the quick
# host checks on one, the stock lanes and then the long host checks on
# the other.  Output: the stock lanes as they end, then the debug lane's
# and the quick checks', then the long checks'.
for n in $HOST_QUICK $HOST_LONG; do
	echo "0 1 0" > "$res/host-$n.result"
	echo "host: $n did not run" > "$res/host-$n.failures"
done
# shellcheck disable=SC2086
{ lane debug; host_checks $HOST_QUICK; } > "$res/debug.log" 2>&1 &
bgpid=$!
for l in ${lanes/debug/}; do
	lane "$l"
done
# shellcheck disable=SC2086
host_checks $HOST_LONG > "$res/host.log" 2>&1
wait "$bgpid" || true
cat "$res/debug.log" "$res/host.log"
"$here/vm/report.py" summary "$res"/*.result
