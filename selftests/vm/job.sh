#!/bin/bash
# Write the shell job a lane's VM runs (see init): load the module, run
# each selftest between markers, the KUnit suites where the kernel has
# KUnit, unload, and scan for leaks where the kernel has kmemleak.
#
#   job.sh LANE TEST... > job
# (lifecycle_test, which unloads and reloads the module, runs after the
# other selftests; yama_final_test, which sets Yama's ptrace_scope to 3
# for the rest of the boot, after everything else, KUnit included, just
# before the module is unloaded.)
set -euo pipefail
lane=$1
shift
tests=()
last=()
final=()
for t in "$@"; do
	case "$t" in
	lifecycle_test) last+=("$t") ;;
	yama_final_test) final+=("$t") ;;
	*) tests+=("$t") ;;
	esac
done
run_tests() {
	for t in "$@"; do
		printf 'echo "MACHEXC-TEST %s"\n/machexc/bin/%s\necho "MACHEXC-TEST-EXIT %s $?"\n' "$t" "$t" "$t"
	done
}
if [ "$lane" = debug ]; then
	# The debug lane exists for these; their absence is a failure.
	cat <<'EOS'
[ -e /sys/kernel/debug/kmemleak ] || echo "MACHEXC-FATAL debug lane without kmemleak"
[ -d /sys/kernel/debug/kunit ] || echo "MACHEXC-FATAL debug lane without KUnit"
[ -e /lib/modules/$(uname -r)/extra/machexc_test.ko ] || echo "MACHEXC-FATAL debug lane without machexc_test.ko"
export MACHEXC_DEBUG_LANE=1
EOS
fi
cat <<'EOS'
kmemleak=/sys/kernel/debug/kmemleak
if [ -e $kmemleak ]; then
	# Forget what boot itself left behind; only our leaks count.  An
	# object is reported only when two scans in a row find it unreferenced
	# and unchanged, hence every scan here is done twice.
	echo scan > $kmemleak; echo scan > $kmemleak; echo clear > $kmemleak
fi
depmod
modprobe machexc || echo "MACHEXC-FATAL modprobe machexc failed"
EOS
run_tests "${tests[@]}" "${last[@]}"
cat <<'EOS'
if [ -e /lib/modules/$(uname -r)/extra/machexc_test.ko ]; then
	modprobe machexc_test || echo "MACHEXC-FATAL modprobe machexc_test failed"
	for r in /sys/kernel/debug/kunit/machexc*/results; do
		echo "MACHEXC-KUNIT $(basename $(dirname $r))"
		cat $r
		echo "MACHEXC-KUNIT-END"
	done
	rmmod machexc_test || echo "MACHEXC-FATAL rmmod machexc_test failed"
fi
EOS
run_tests "${final[@]}"
cat <<'EOS'
rmmod machexc || echo "MACHEXC-FATAL rmmod machexc failed"
if [ -e $kmemleak ]; then
	# kmemleak reports only objects older than 5 s.
	sleep 6
	echo scan > $kmemleak; echo scan > $kmemleak
	echo "MACHEXC-KMEMLEAK"
	cat $kmemleak
	echo "MACHEXC-KMEMLEAK-END"
fi
echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"
EOS
