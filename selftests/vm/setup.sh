#!/bin/bash
# Install what building and testing machexc needs on a Debian 12 machine:
# the toolchain, QEMU, busybox, sparse, dkms, linux-source-6.1, and the
# headers and kernel images of the stock lanes.  Idempotent and quiet when
# everything is already there.  Kernel images are unpacked into the cache,
# never installed on the host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lanes.sh"

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

pkgs="build-essential bc bison flex cpio kmod rsync xz-utils python3 pkg-config
      libelf-dev libssl-dev dwarves ccache sparse dkms qemu-system-x86
      busybox-static linux-source-6.1 libmnl-dev libdw-dev libunwind-dev
      groff-base debhelper dh-dkms lintian debootstrap"
missing=()
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
updated=0
apt_update() { [ $updated = 1 ] || { $SUDO apt-get update -qq; updated=1; }; }

# bookworm-backports carries the 6.12 lane.  Its URI is the one the
# machine already uses for bookworm, so no mirror is named here.
bpo=/etc/apt/sources.list.d/machexc-bookworm-backports.sources
if [ ! -f "$bpo" ]; then
	uri=$(lanes_debian_uri)
	[ -n "$uri" ] || { echo "setup: no bookworm apt source found to derive backports from" >&2; exit 1; }
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" | $SUDO tee "$bpo" >/dev/null
	updated=0
	apt_update
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}" >&2
	apt_update
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Headers (installed: dkms and module builds need them in /lib/modules)
# and images (unpacked into the cache) of each stock lane.
for lane in $STOCK_LANES; do
	kver=$(lanes_kver "$lane") || { apt_update; kver=$(lanes_kver "$lane"); }
	[ -n "$kver" ] || { echo "setup: cannot resolve the kernel of lane $lane" >&2; exit 1; }
	if [ ! -e "/lib/modules/$kver/build/Makefile" ]; then
		echo "setup: installing linux-headers-$kver" >&2
		apt_update
		$SUDO apt-get install -y -qq --no-install-recommends \
			$(lanes_apt_target "$lane") "linux-headers-$kver" >/dev/null
	fi
	img=$(lanes_vmlinuz "$kver")
	if [ ! -f "$img" ]; then
		echo "setup: fetching linux-image-$kver" >&2
		apt_update
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq $(lanes_apt_target "$lane") "linux-image-$kver" >/dev/null)
		mkdir -p "$(dirname "$img")"
		dpkg-deb --fsys-tarfile "$tmp"/linux-image-*.deb | tar -xO "./boot/vmlinuz-$kver" > "$img.tmp"
		mv "$img.tmp" "$img"
		rm -rf "$tmp"
	fi
done
