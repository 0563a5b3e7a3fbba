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

# A host-side check counts as one case.
host() {
	local name=$1
	shift
	if "$@"; then echo "1 0 0" > "$res/host-$name.result"; else
		echo "0 1 0" > "$res/host-$name.result"
		echo "host: $name failed" > "$res/host-$name.failures"
	fi
}

"$here/vm/setup.sh" || { echo "check: setup failed"; echo "0 passed, 1 failed"; exit 1; }
if ! make -s lib tools selftests > "$res/build.log" 2>&1; then
	cat "$res/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "build: library, tools and selftests built with -Wall -Wextra -Werror"

# The host-side checks run beside the lanes: a lane's QEMU keeps one
# core busy (vm.sh: one host thread for both vCPUs), these the other.
# Their output comes after the lanes'.
hostpid=
if [ -z "${1:-}" ]; then
	(
		host abi "$here/abi-check.sh"
		host install "$here/install-check.sh"
		host lint "$here/lint.sh"
		host man "$here/man-check.sh"
		host dkms "$here/dkms.sh"
		host deb "$here/deb-check.sh"
	) > "$res/host.log" 2>&1 &
	hostpid=$!
fi

if [[ " $lanes " == *" debug "* ]]; then
	# The first build takes about ten minutes; later runs find it cached.
	"$here/vm/debug-kernel.sh" > /dev/null || echo "0 1 0" > "$res/debug-kernel.result"
fi
for lane in $lanes; do
	# shellcheck disable=SC2086
	"$here/vm/lane.sh" "$lane" ${TEST:-}
	cp "$top/build/$lane/vm/result" "$res/lane-$lane.result" 2>/dev/null || echo "0 1 0" > "$res/lane-$lane.result"
	cp "$top/build/$lane/vm/failures" "$res/lane-$lane.failures" 2>/dev/null || true
	if [ "$lane" = debug ]; then
		# Coverage is a figure, not a check; only a missing report fails.
		"$here/vm/coverage.py" "$top/build/debug/vm" "$top/build/debug/src" \
			"$top/build/coverage" ${TEST:+"TEST=$TEST"} || echo "0 1 0" > "$res/coverage.result"
	fi
done
if [ -n "$hostpid" ]; then
	wait "$hostpid" || true
	cat "$res/host.log"
fi
"$here/vm/report.py" summary "$res"/*.result
