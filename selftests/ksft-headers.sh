#!/bin/bash
# Put the kernel's kselftest_harness.h and kselftest.h (from Debian's
# linux-source-6.1) into the directory given, once.
set -euo pipefail
dst=$1
[ -f "$dst/kselftest_harness.h" ] && exit 0
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { echo "ksft-headers: $tarball missing (apt-get install linux-source-6.1, or run make check)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --wildcards --strip-components=4 \
	'*/tools/testing/selftests/kselftest.h' '*/tools/testing/selftests/kselftest_harness.h'
mkdir -p "$dst"
mv "$tmp"/kselftest.h "$tmp"/kselftest_harness.h "$dst/"
