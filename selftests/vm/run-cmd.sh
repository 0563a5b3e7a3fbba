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
. "$here/lanes.sh"
case " $ALL_LANES " in
*" $lane "*) ;;
*) echo "make vm: no lane '$lane' (lanes: $ALL_LANES)" >&2; exit 2 ;;
esac
out=$top/build/$lane/cmd
mkdir -p "$out"
"$here/setup.sh"
mods=$("$here/build-module.sh" "$lane")
{
	echo 'depmod; modprobe machexc || echo "MACHEXC-FATAL modprobe machexc failed"'
	# In a subshell, so that an exit in CMD still reaches the taint check.
	printf '(\n%s\n)\n' "$cmd"
	echo 'echo "MACHEXC-CMD-STATUS $?"'
	echo 'echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"'
} > "$out/job"
rc=0
# shellcheck disable=SC2086
"$here/vm.sh" "$lane" "$out" "$out/job" $mods "$@" || rc=$?
grep -v '^MACHEXC-' "$out/output.log" 2>/dev/null || true
"$here/report.py" splats "$out" || rc=1
echo "(kernel log: $out/console.log)"
# CMD's own exit status, if the VM got that far.
status=$(sed -n 's/^MACHEXC-CMD-STATUS \([0-9]*\).*/\1/p' "$out/output.log" 2>/dev/null | tail -n1)
if [ -z "$status" ]; then
	echo "make vm: the command did not finish" >&2
	rc=1
elif [ "$status" != 0 ]; then
	echo "make vm: the command exited with status $status" >&2
	[ $rc != 0 ] || rc=$status
fi
exit $rc
