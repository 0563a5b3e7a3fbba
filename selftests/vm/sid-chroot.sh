#!/bin/bash
# The sid lane's kernel and toolchain.  Debian unstable's newest kernel
# needs unstable's gcc and libc to build modules against its headers, so
# they live in a debootstrap chroot made from the machine's own apt source
# and cached outside the checkout ($MACHEXC_CACHE/sid-chroot); the kernel
# image is unpacked into the cache as the stock lanes' are.  Prints the
# kernel's release (uname -r).  The chroot is made once: remove it to move
# to a newer kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lanes.sh
. "$here/lanes.sh"
root=$MACHEXC_CACHE/sid-chroot
if [ ! -s "$root/.machexc-kver" ]; then
	uri=$(lanes_debian_uri)
	[ -n "$uri" ] || { echo "sid-chroot: no Debian apt source on this machine" >&2; exit 1; }
	echo "sid-chroot: debootstrap of unstable from the machine's source (once, a few minutes)" >&2
	rm -rf "$root.new"
	debootstrap --variant=minbase sid "$root.new" "$uri" > "$MACHEXC_CACHE/sid-chroot.log" 2>&1 ||
		{ tail -n 20 "$MACHEXC_CACHE/sid-chroot.log" >&2; exit 1; }
	in_new() { chroot "$root.new" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
	in_new apt-get install -y -qq --no-install-recommends linux-headers-amd64 make \
		>> "$MACHEXC_CACHE/sid-chroot.log" 2>&1 ||
		{ tail -n 20 "$MACHEXC_CACHE/sid-chroot.log" >&2; exit 1; }
	# shellcheck disable=SC2016
	kver=$(in_new dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p')
	[ -n "$kver" ] || { echo "sid-chroot: cannot tell the headers' kernel" >&2; exit 1; }
	img=$(lanes_vmlinuz "$kver")
	if [ ! -f "$img" ]; then
		# The image is in linux-binary-KVER (7.x) or linux-image-KVER
		# (earlier), at /usr/lib/modules/KVER/vmlinuz or /boot/vmlinuz-KVER.
		in_new sh -c "cd /tmp && rm -f ./*.deb && { apt-get download -qq linux-binary-$kver || apt-get download -qq linux-image-$kver; }" \
			>> "$MACHEXC_CACHE/sid-chroot.log" 2>&1 ||
			{ echo "sid-chroot: cannot fetch the image of $kver" >&2; exit 1; }
		deb=$(ls "$root.new"/tmp/*.deb)
		path=$(dpkg-deb -c "$deb" | awk '{print $6}' |
			grep -xF -e "./usr/lib/modules/$kver/vmlinuz" -e "./boot/vmlinuz-$kver" | head -n1)
		[ -n "$path" ] || { echo "sid-chroot: no vmlinuz in $deb" >&2; exit 1; }
		mkdir -p "$(dirname "$img")"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$path" > "$img.tmp"
		mv "$img.tmp" "$img"
		rm -f "$deb"
	fi
	echo "$kver" > "$root.new/.machexc-kver"
	rm -rf "$root"
	mv "$root.new" "$root"
fi
cat "$root/.machexc-kver"
