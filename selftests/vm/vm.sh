#!/bin/bash
# Boot a lane's kernel in QEMU (TCG) with an initramfs of busybox, the
# module(s) and the given files, and run a job inside it as PID 1.
#
#   vm.sh LANE OUTDIR JOBFILE [FILE...]
#
# FILEs land in /machexc/bin (executables) inside the VM, with
# unload-machexc (the retried rmmod every job ends with); *.ko files in
# /lib/modules/$(uname -r)/extra.  OUTDIR receives console.log (ttyS0,
# kernel messages) and output.log (ttyS1, the job's own output).  Exits
# non-zero if the VM did not reach the end of the job in time.
# MACHEXC_VM_QEMU adds QEMU options (bench/overhead.sh: -icount),
# MACHEXC_VM_APPEND kernel parameters.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lanes.sh"

lane=$1 out=$2 job=$3
shift 3
case "$lane" in
debug) kdir=$("$here/debug-kernel.sh"); kimg=$kdir/arch/x86/boot/bzImage
       kver=$(cat "$kdir/include/config/kernel.release") ;;
*)     kver=$(lanes_kver "$lane"); kimg=$(lanes_vmlinuz "$kver") ;;
esac
mem=1G
# A hang's bound, not a speed test: the debug kernel (KASAN, lockdep,
# kmemleak, gcov) runs the suite several times slower than a stock one,
# and in make check it shares the machine with the other lanes.
case "$lane" in
debug) timeout=${MACHEXC_VM_TIMEOUT:-1800} ;;
*)     timeout=${MACHEXC_VM_TIMEOUT:-600} ;;
esac

mkdir -p "$out"
root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,machexc/bin,lib/modules/"$kver"/extra}
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$here/init" "$root/init"
install -m 755 "$here/unload-machexc" "$root/machexc/bin/unload-machexc"
cp "$job" "$root/machexc/job"
for f in "$@"; do
	case "$f" in
	*.ko) cp "$f" "$root/lib/modules/$kver/extra/" ;;
	*)    cp -r "$f" "$root/machexc/bin/"
	      # A dynamically linked program brings its libraries along.
	      if readelf -l "$f" 2>/dev/null | grep -q INTERP; then
		      for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
			      cp -L --parents "$lib" "$root/"
		      done
	      fi ;;
	esac
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.gz"

rm -f "$out/console.log" "$out/output.log"
rc=0
# The debug kernel (KASAN, 5-level paging built in) can report a wild
# access in an interrupt taken during early CPU identification when the
# CPU offers LA57 (seen on 6.1.192 under TCG, before any module loads):
# its lane runs on 4-level paging.
cpu=max
[ "$lane" != debug ] || cpu=max,la57=off
# One host thread runs both vCPUs (thread=single) unless told otherwise.
# With a thread per vCPU, QEMU 7.2 let a vCPU run the int3 of a
# text_poke_bp() after the other vCPU had finished the patch and sent its
# sync IPI: Oops int3 in __schedule() (sid, a tracepoint's static key), a
# hang on recalc_sigpending()'s int3, both vCPUs calling 0 from its ftrace
# site.  Our hooks patch text (kprobes, ftrace direct calls) and so do the
# tests' tracefs probes.  The cost was a lane 14% slower (sid: 98 s against
# 86 s).  make bench keeps a thread per vCPU (MACHEXC_VM_ACCEL=tcg) for
# its "both CPUs free" column.
accel=${MACHEXC_VM_ACCEL:-tcg,thread=single}
# shellcheck disable=SC2086
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" -smp 2 -m "$mem" \
	-kernel "$kimg" -initrd "$out/initramfs.gz" \
	-append "console=ttyS0 printk.time=0 panic=-1 ignore_loglevel kmemleak=on ${MACHEXC_VM_APPEND:-}" \
	-display none -monitor none -no-reboot -nodefaults ${MACHEXC_VM_QEMU:-} \
	-serial "file:$out/console.log" -serial "file:$out/output.log" || rc=$?
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "vm: lane $lane did not finish within ${timeout}s" >&2
	exit 1
fi
grep -q '^MACHEXC-END' "$out/output.log" 2>/dev/null || { echo "vm: lane $lane stopped before the end of its job" >&2; exit 1; }
exit 0
