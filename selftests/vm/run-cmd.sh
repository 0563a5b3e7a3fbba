#!/bin/bash
# `make vm`: run a shell command inside a lane's VM, with the module loaded
# and extra files available in /machexc/bin (on PATH), and show its output
# and any kernel splat.
#
#   run-cmd.sh LANE 'COMMAND' [FILE...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
lane=$1 cmd=$2
shift 2
out=$top/build/$lane/cmd
mkdir -p "$out"
"$here/setup.sh"
mods=$("$here/build-module.sh" "$lane")
{
	echo 'depmod; modprobe machexc || echo "MACHEXC-FATAL modprobe machexc failed"'
	printf '%s\n' "$cmd"
	echo 'echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"'
} > "$out/job"
rc=0
# shellcheck disable=SC2086
"$here/vm.sh" "$lane" "$out" "$out/job" $mods "$@" || rc=$?
grep -v '^MACHEXC-' "$out/output.log" 2>/dev/null
"$here/report.py" splats "$out" || rc=1
echo "(kernel log: $out/console.log)"
exit $rc
