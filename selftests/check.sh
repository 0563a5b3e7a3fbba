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
# a check that dies before it ends is counted as failed.
HOST_CHECKS="abi install lint man dkms deb"
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
	host abi "$here/abi-check.sh"
	host install "$here/install-check.sh"
	host lint "$here/lint.sh"
	host man "$here/man-check.sh"
	host dkms "$here/dkms.sh"
	host deb "$here/deb-check.sh"
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

# A lane's QEMU keeps one host core busy (vm.sh: one host thread for both
# vCPUs), so the whole run keeps two things going on the machine's two
# cores: the debug lane (the longest) on one, the stock lanes and then the
# host-side checks on the other.  The debug lane's output and the host
# checks' come after the stock lanes'.
bgpid=
if [ -z "${1:-}" ] && [[ " $lanes " == *" debug "* ]]; then
	lanes=${lanes/debug/}
	lane debug > "$res/debug.log" 2>&1 &
	bgpid=$!
fi
for l in $lanes; do
	lane "$l"
done
if [ -z "${1:-}" ]; then
	for n in $HOST_CHECKS; do
		echo "0 1 0" > "$res/host-$n.result"
		echo "host: $n did not run" > "$res/host-$n.failures"
	done
	host_checks > "$res/host.log" 2>&1
fi
if [ -n "$bgpid" ]; then
	wait "$bgpid" || true
	cat "$res/debug.log"
fi
if [ -z "${1:-}" ]; then
	cat "$res/host.log"
fi
"$here/vm/report.py" summary "$res"/*.result
