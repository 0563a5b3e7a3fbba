#!/bin/bash
# checkpatch.pl (from linux-source-6.1) and sparse over the kernel sources.
# Prints one line per check; exits non-zero if either has anything to say.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/vm/lanes.sh"
files=$MACHEXC_CACHE/linux-6.1-files
"$here/source-files.sh" "$files" || exit 1
rc=0

cd "$top" || exit 1
srcs=$(git ls-files -co --exclude-standard 'module/*.c' 'module/*.h' 'uapi/*.h')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
checkpatch() {
	perl "$files/scripts/checkpatch.pl" --no-tree --strict --terse --show-types "$@" >> "$log" 2>&1
}
: > "$log"
cprc=0
# The compat layer is where kernel-version tests belong; nowhere else.
# shellcheck disable=SC2046
checkpatch -f $(echo "$srcs" | grep -v '^module/compat/') || cprc=1
# shellcheck disable=SC2046
checkpatch --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f $(echo "$srcs" | grep '^module/compat/') || cprc=1
if [ $cprc = 0 ]; then
	echo "lint: checkpatch clean ($(echo "$srcs" | wc -w) files)"
else
	echo "lint: checkpatch:"
	grep -v '^total:' "$log" | sed 's/^/  /'
	rc=1
fi

# sparse, on a fresh copy so that every file is checked (C=2).
kdir=/lib/modules/$(lanes_kver 6.1)/build
dst=$top/build/lint
rm -rf "$dst" && mkdir -p "$dst"
cp -r Kbuild dkms.conf module uapi "$dst/"
make -s -C "$kdir" M="$dst" C=2 CHECK="sparse -Wno-unknown-attribute" modules > "$log" 2>&1
if grep -E ' (warning|error): ' "$log" | grep -v 'Skipping BTF' > "$log.w"; then
	echo "lint: sparse:"
	sed 's/^/  /' "$log.w"
	rc=1
else
	echo "lint: sparse clean"
fi
rm -f "$log.w"
exit $rc
