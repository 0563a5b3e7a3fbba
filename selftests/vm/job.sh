#!/bin/bash
# Write the shell job a lane's VM runs (see init): load the module, run
# each selftest between markers, the KUnit suites where the kernel has
# KUnit, unload, and scan for leaks where the kernel has kmemleak; the
# debug lane then hands the module's gcov counts out.
#
#   job.sh LANE TEST... > job
# (lifecycle_test and fault_hook_test, which unload and reload the module,
# run after the other selftests; yama_final_test, which sets Yama's
# ptrace_scope to 3 for the rest of the boot, after everything else, KUnit
# included, just before the module is unloaded.)
set -euo pipefail
lane=$1
shift
tests=()
last=()
final=()
for t in "$@"; do
	case "$t" in
	lifecycle_test | fault_hook_test) last+=("$t") ;;
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
# The signal kprobes stay in from the first stoppable wait to the end (the
# tests about their coming and going set kprobe_linger_ms themselves):
# each arming and disarming patches hot kernel text, which QEMU's
# multi-threaded TCG has been seen to miss (a stale translation of
# recalc_sigpending()'s ftrace site; README, kprobe_linger_ms).
modprobe machexc kprobe_linger_ms=3600000 || echo "MACHEXC-FATAL modprobe machexc failed"
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
unload-machexc
if [ -e $kmemleak ]; then
	# kmemleak reports only objects older than 5 s.
	sleep 6
	echo scan > $kmemleak; echo scan > $kmemleak
	echo "MACHEXC-KMEMLEAK"
	cat $kmemleak
	echo "MACHEXC-KMEMLEAK-END"
fi
EOS
if [ "$lane" = debug ]; then
	# The module's gcov counts (Kbuild's MACHEXC_GCOV), read after the
	# unload: gcov_persist (on by default) keeps an unloaded module's
	# counts and adds a reloaded one's, so they cover lifecycle_test's
	# reloads and the module's exit.  They leave the VM as a tarball in
	# base64 on the output; coverage.py turns them into figures.  debugfs
	# gives its files no size, hence copies for tar.
	cat <<'EOS'
gcov=/sys/kernel/debug/gcov
mkdir -p /tmp/gcov
for f in $(cd $gcov 2>/dev/null && find . -name '*.gcda'); do
	mkdir -p /tmp/gcov/${f%/*}
	cat $gcov/$f > /tmp/gcov/$f
done
if [ -n "$(find /tmp/gcov -name '*.gcda')" ]; then
	echo "MACHEXC-GCOV"
	tar czf - -C /tmp/gcov . | base64
	echo "MACHEXC-GCOV-END"
else
	echo "MACHEXC-FATAL debug lane without gcov counts of the module"
fi
EOS
fi
cat <<'EOS'
echo "MACHEXC-TAINT $(cat /proc/sys/kernel/tainted)"
EOS
