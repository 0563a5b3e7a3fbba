#!/bin/bash
# Run the selftests (and, in the debug lane, the KUnit suites and a
# kmemleak scan) in one lane's VM and judge the result.
#
#   lane.sh LANE [TEST...]     (default: every selftest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
lane=$1
shift
out=$top/build/$lane/vm
mkdir -p "$out"
rm -f "$out/result"

mods=$("$here/build-module.sh" "$lane")
if [ $# -eq 0 ]; then
	set -- $(cd "$top/build/selftests" && ls)
fi
bins=()
for t in "$@"; do
	[ -x "$top/build/selftests/$t" ] || { echo "lane: no selftest $t (see build/selftests/)" >&2; exit 2; }
	bins+=("$top/build/selftests/$t")
done
"$here/job.sh" "$lane" "$@" > "$out/job"
# The tools are on the VM's PATH too (the supervisor's tests run it), and
# the programs the selftests debug (build/selftests-progs/, dbg_test's).
tools=()
for t in "$top"/build/tools/* "$top"/build/selftests-progs/*; do
	[ -f "$t" ] && [ -x "$t" ] && tools+=("$t")
done
vmrc=0
"$here/vm.sh" "$lane" "$out" "$out/job" $mods "${bins[@]}" "${tools[@]}" || vmrc=$?
"$here/report.py" lane "$lane" "$out" && [ $vmrc = 0 ]
