#!/bin/bash
# Take the few files machexc uses from Debian's linux-source-6.1 into the
# directory given, once: the kselftest harness headers and checkpatch.pl
# with its data files.
set -euo pipefail
dst=$1
[ -f "$dst/.complete" ] && exit 0
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "source-files: $tarball missing (apt-get install linux-source-6.1, or run make check)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
	'*/tools/testing/selftests/kselftest.h' '*/tools/testing/selftests/kselftest_harness.h' \
	'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
mkdir -p "$dst"
mv "$tmp"/tools/testing/selftests/kselftest.h "$tmp"/tools/testing/selftests/kselftest_harness.h "$dst/"
mkdir -p "$dst/scripts"
mv "$tmp"/scripts/* "$dst/scripts/"
touch "$dst/.complete"
