#!/bin/bash
# `make deb`, checked: the packages build, lintian finds nothing (every
# override in debian/ says why), and they install into a Debian 12 chroot
# (cached, outside the checkout) where DKMS builds the module for both
# stock lanes' kernels.  The 6.1 lane then boots with that module and runs
# the demo from the installed tools.  Purging the packages must leave no
# file of theirs behind.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=vm/lanes.sh
. "$here/vm/lanes.sh"
cd "$top" || exit 1
log=$top/build/deb-check.log
mkdir -p build
: > "$log"
fail() { echo "deb: $*"; tail -n 30 "$log" | sed 's/^/  | /'; exit 1; }

make -s deb >>"$log" 2>&1 || fail "make deb failed"
lintian --fail-on warning,error -I --pedantic build/deb/machexc_*_amd64.changes >>"$log" 2>&1 ||
	fail "lintian"
echo "deb: built; lintian clean"

# The chroot: Debian 12 with dkms and both lanes' headers, from the apt
# source this machine already uses.
root=$MACHEXC_CACHE/deb-chroot
kvers=$(for l in $STOCK_LANES; do lanes_kver "$l"; done)
# shellcheck disable=SC2086
want=$(printf "%s " $kvers)
if [ "$(cat "$root/.machexc-ready" 2>/dev/null)" != "$want" ]; then
	uri=$(lanes_debian_uri)
	rm -rf "$root"
	debootstrap --variant=minbase bookworm "$root" "$uri" >>"$log" 2>&1 || fail "debootstrap"
	# The machine's own suites (updates, security, backports: where the
	# lanes' kernels come from), as this machine names them.
	rm -f "$root/etc/apt/sources.list"
	cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
	[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$root/etc/apt/"
fi
mount -t proc proc "$root/proc" || fail "cannot mount /proc in the chroot"
trap 'umount "$root/proc"' EXIT
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@" >>"$log" 2>&1; }
if [ "$(cat "$root/.machexc-ready" 2>/dev/null)" != "$want" ]; then
	in_root apt-get update -qq || fail "apt-get update in the chroot"
	for k in $kvers; do
		t=; case $k in 6.12*) t="-t bookworm-backports" ;; esac
		# shellcheck disable=SC2086
		in_root apt-get install -y -qq --no-install-recommends $t dkms "linux-headers-$k" ||
			fail "linux-headers-$k in the chroot"
	done
	echo "$want" > "$root/.machexc-ready"
fi

# Install: the package's postinst has dkms build for every kernel whose
# headers are there.
# What an interrupted earlier run may have left goes first.
pkgs="machexc-dkms libmachexc0 libmachexc-dev machexc-tools"
# shellcheck disable=SC2086
in_root apt-get purge -y -qq $pkgs || true
rm -rf "$root/var/lib/dkms/machexc" "$root"/usr/lib/modules/*/updates/dkms/machexc.ko*
before=$(mktemp)
after=$(mktemp)
trap 'umount "$root/proc"; rm -f "$before" "$after"' EXIT
(cd "$root" && find . -xdev -path ./proc -prune -o -path ./var/cache -prune -o -print | sort) > "$before"
rm -rf "$root/debs" && mkdir "$root/debs" && cp build/deb/*.deb "$root/debs/"
rm -f "$root"/debs/*-dbgsym_*.deb
in_root sh -c 'apt-get install -y -qq --no-install-recommends /debs/*.deb' || fail "installing the packages"
for k in $kvers; do
	ko=$(find "$root/lib/modules/$k/updates/dkms" -name 'machexc.ko*' 2>/dev/null | head -n1)
	[ -n "$ko" ] || fail "dkms built no module for $k"
	echo "deb: dkms built and installed the module for $k"
done
grep -q 'MODE="0666"' "$root/lib/udev/rules.d/60-machexc-dkms.rules" || fail "no udev rule"
in_root pkg-config --exists machexc 2>/dev/null || true

# Boot the 6.1 lane with the packaged module and tools, and run the demo.
k61=$(lanes_kver 6.1)
ko=$(find "$root/lib/modules/$k61/updates/dkms" -name 'machexc.ko*' | head -n1)
case $ko in *.xz) xz -dc "$ko" > build/deb/machexc.ko ;; *.zst) zstd -dqc "$ko" > build/deb/machexc.ko ;; *) cp "$ko" build/deb/machexc.ko ;; esac
cc -std=c11 -O1 -g -static -o build/deb/crasher selftests/demo/crasher.c >>"$log" 2>&1 || fail "crasher"
out=$top/build/deb/vm
cat > build/deb/job <<'EOS'
insmod /lib/modules/$(uname -r)/extra/machexc.ko || echo "MACHEXC-FATAL insmod failed"
mkdir -p /tmp/reports
machexc-supervise --json --report-dir /tmp/reports -- crasher
echo "demo: supervise exited $?"
ls /tmp/reports/crash-*.json >/dev/null && echo "demo: report written"
machexc-info | grep -q . && echo "demo: machexc-info ran"
EOS
"$here/vm/vm.sh" 6.1 "$out" build/deb/job build/deb/machexc.ko build/deb/crasher \
	"$root/usr/bin/machexc-supervise" "$root/usr/bin/machexc-info" >>"$log" 2>&1 || fail "the VM did not finish"
cat "$out/output.log" >>"$log"
"$here/vm/report.py" splats "$out" >>"$log" 2>&1 || fail "kernel splat in the packaged module's VM"
for want_line in "demo: supervise exited 139" "demo: report written" "demo: machexc-info ran"; do
	grep -q "^$want_line" "$out/output.log" || fail "the demo from the installed files: no '$want_line'"
done
echo "deb: the 6.1 lane ran the demo from the installed packages"

# Purge: nothing of the packages is left.
# shellcheck disable=SC2086
in_root apt-get purge -y -qq $pkgs ||
	fail "purging the packages"
# What apt installed for them (libmnl0, elfutils' libraries) goes too.
in_root apt-get autoremove -y -qq --purge || fail "autoremove after the purge"
rm -rf "$root/debs"
(cd "$root" && find . -xdev -path ./proc -prune -o -path ./var/cache -prune -o -print | sort) > "$after"
# depmod's indexes (modules.dep and the like) are the kernel's, not ours.
left=$(comm -13 "$before" "$after" | grep -v -e '^./var/lib/dpkg' -e '^./var/lib/apt' -e '^./var/log' \
	-e '^./tmp' -e '^./usr/lib/modules/[^/]*/modules\.[a-z.]*$' || true)
[ -z "$left" ] || { echo "$left" >>"$log"; fail "apt purge left files behind"; }
echo "deb: apt purge left nothing behind"
