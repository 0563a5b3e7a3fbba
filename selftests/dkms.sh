#!/bin/bash
# Prove that dkms.conf builds (and installs, into a private tree) the module
# for every stock lane's headers, the way a user's `dkms install` would.
# Modules land in a temporary tree (dkms may create its signing key).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/vm/lanes.sh"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/machexc-$ver" "$tmp/dkms" "$tmp/install"
cd "$top" && git ls-files -co --exclude-standard Kbuild dkms.conf module uapi |
	cpio -pdm --quiet "$tmp/src/machexc-$ver"
opts=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms" --installtree "$tmp/install")
rc=0
dkms add -m machexc -v "$ver" "${opts[@]}" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
for lane in $STOCK_LANES; do
	kver=$(lanes_kver "$lane")
	mkdir -p "$tmp/install/$kver"
	if dkms build -m machexc -v "$ver" -k "$kver" "${opts[@]}" >"$tmp/log" 2>&1 &&
	   dkms install -m machexc -v "$ver" -k "$kver" "${opts[@]}" --force >>"$tmp/log" 2>&1 &&
	   ls "$tmp/install/$kver"/updates/dkms/machexc.ko* >/dev/null 2>&1; then
		echo "dkms: built and installed for $kver"
	else
		echo "dkms: FAILED for $kver"
		sed 's/^/  /' "$tmp/log" | tail -30
		cat "$tmp/dkms/machexc/$ver/build/make.log" 2>/dev/null | tail -20 | sed 's/^/  | /'
		rc=1
	fi
done
exit $rc
