#!/bin/bash
# Build machexc.ko (and machexc_test.ko where the kernel has KUnit) for a
# lane, in a copy of the sources under build/LANE so lanes never share
# objects.  Prints the paths of the built modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lanes.sh"
lane=$1
# Only the debug lane's module is built with gcov (its kernel has
# CONFIG_GCOV_KERNEL; coverage.py reads the counts the VM hands back).
gcov=
dst=$top/build/$lane/src
in_root=()
case "$lane" in
debug) kdir=$("$here/debug-kernel.sh"); gcov=y ;;
# Built in unstable's chroot, with its compiler, in a tree inside it.
sid)   kver=$("$here/sid-chroot.sh")
       root=$MACHEXC_CACHE/sid-chroot
       kdir=/usr/src/linux-headers-$kver
       dst=$root/machexc/src
       in_root=(chroot "$root" env LC_ALL=C)
       # objtool reads /proc; one build in the chroot at a time.
       exec 9> "$root/.machexc-build.lock"
       flock 9
       mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
       trap 'umount "$root/proc"' EXIT ;;
*)     kdir=/lib/modules/$(lanes_kver "$lane")/build ;;
esac
mkdir -p "$dst"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod*' --exclude=Module.symvers --exclude=modules.order \
	--exclude='*.gcno' --exclude='*.gcda' \
	"$top/Kbuild" "$top/dkms.conf" "$top/module" "$top/uapi" "$dst/"
# Objects are reused only for the very sources they were built from: make
# trusts mtimes, and a tree edited while another build copied it can leave
# an object older in content but newer in time than its source.  Whether
# it is profiled is part of the key.
sum=$(cd "$dst" && { find Kbuild dkms.conf module uapi -type f \( -name '*.[ch]' -o -name Kbuild -o -name dkms.conf \) |
	LC_ALL=C sort | xargs sha256sum; echo "gcov=$gcov"; } | sha256sum | cut -c1-16)
mdst=${dst#"${root:-}"}
if [ "$(cat "$dst/.machexc-sources" 2>/dev/null)" != "$sum" ]; then
	"${in_root[@]}" make -s -C "$kdir" M="$mdst" clean > /dev/null 2>&1 || true
fi
# Any compiler or modpost warning fails the build.
rc=0
"${in_root[@]}" make -s -C "$kdir" M="$mdst" KCFLAGS=-Werror MACHEXC_GCOV=$gcov modules > "$dst/../build.log" 2>&1 || rc=$?
grep -v '^Skipping BTF' "$dst/../build.log" >&2 || true
[ $rc = 0 ] || exit 1
echo "$sum" > "$dst/.machexc-sources"
# modpost's warnings (missing licence, undefined symbols) are not errors to
# make; they are to us.
! grep -q 'WARNING:' "$dst/../build.log" || exit 1
ls "$dst"/*.ko
