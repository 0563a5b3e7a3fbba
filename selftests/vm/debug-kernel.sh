#!/bin/bash
# Build (or reuse) the debug lane's kernel: Debian's linux-source-6.1,
# allnoconfig + debug.config, with KUnit, KASAN, lockdep, kmemleak, UBSAN.
# Everything lives under the cache directory; a warm run only checks a stamp.
# Prints nothing on success but the build directory (usable as KDIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MACHEXC_CACHE:-$HOME/.cache/machexc}
tarball=/usr/src/linux-source-6.1.tar.xz
dir=$cache/debug-6.1
src=$dir/src
out=$dir/build

[ -f "$tarball" ] || { echo "debug-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }

pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
want="$pkgver $(sha256sum "$here/debug.config" | cut -c1-16)"
if [ -f "$out/.machexc-stamp" ] && [ "$(cat "$out/.machexc-stamp")" = "$want" ] &&
   [ -f "$out/arch/x86/boot/bzImage" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$dir" "$cache/ccache"
# One build at a time (two `make check`s may start together); the second
# waits and then finds the stamp.
exec 9>"$dir/.lock"
flock 9
if [ -f "$out/.machexc-stamp" ] && [ "$(cat "$out/.machexc-stamp")" = "$want" ] &&
   [ -f "$out/arch/x86/boot/bzImage" ]; then
	echo "$out"
	exit 0
fi
if [ ! -f "$src/.machexc-src" ] || [ "$(cat "$src/.machexc-src")" != "$pkgver" ]; then
	echo "debug-kernel: unpacking linux-source-6.1 $pkgver" >&2
	rm -rf "$src" "$out"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	echo "$pkgver" > "$src/.machexc-src"
fi

export CCACHE_DIR=$cache/ccache CCACHE_MAXSIZE=5G CCACHE_NOHASHDIR=1 CCACHE_BASEDIR=$dir
kmake() { make -C "$src" O="$out" CC="ccache gcc" -j"$(nproc)" "$@"; }

echo "debug-kernel: configuring and building (first time: ~10 min)" >&2
mkdir -p "$out"
kmake -s allnoconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$here/debug.config" >/dev/null
kmake -s olddefconfig >&2
# Every line of the fragment must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qx "$line" "$out/.config"; then
		echo "debug-kernel: config lost $line" >&2
		missing=1
	fi
done < "$here/debug.config"
[ $missing = 0 ] || exit 1
kmake -s bzImage modules >&2 2>"$out/build.log" || { tail -40 "$out/build.log" >&2; exit 1; }
echo "$want" > "$out/.machexc-stamp"
echo "$out"
