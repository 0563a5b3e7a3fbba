#!/bin/bash
# The module's private copy of the Mach numbers (module/mach_abi.h) must
# equal what libmachexc's <mach/...> headers give user space, and those
# must have macOS's layouts (lib/abi-check.c).  Compiles both checks.
# The shared library exports only the API listed in lib/libmachexc.symbols.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
	echo '#include <mach/mach.h>'
	echo '#include <mach/notify.h>'
	echo '#include <mach/task_special_ports.h>'
	# Every object-like #define whose value is a plain number (MX_* are ours).
	sed -n 's/^#define \([A-Za-z][A-Za-z0-9_]*\)[[:space:]]\+\(0x[0-9a-fA-F]\+U\?\|[0-9]\+U\?\)$/_Static_assert((\1) == (\2), "\1");/p' \
		"$top/module/mach_abi.h" "$top/module/exc/exc.h" | grep -v '"MX_'
} > "$tmp/kernel-abi.c"
n=$(grep -c _Static_assert "$tmp/kernel-abi.c")
cc -std=c11 -Wall -Wextra -Werror -I"$top/lib/include" -I"$top/uapi" -c "$tmp/kernel-abi.c" -o /dev/null
cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$top/lib/include" -I"$top/uapi" -c "$top/lib/abi-check.c" -o /dev/null

# libmachexc.so exports exactly the API of lib/libmachexc.symbols, each
# symbol under its version node (lib/libmachexc.map).
make -s -C "$top" lib > /dev/null
nm -D --defined-only "$top/build/lib/libmachexc.so.0" | awk '$3 !~ /^MACHEXC_/ { print $3 }' |
	sort > "$tmp/exported"
if ! diff -u "$top/lib/libmachexc.symbols" "$tmp/exported"; then
	echo "abi: libmachexc.so exports differ from lib/libmachexc.symbols (above)" >&2
	exit 1
fi
echo "abi: module and library agree on $n Mach constants; library layouts match macOS; $(wc -l < "$tmp/exported") symbols exported, as listed"
