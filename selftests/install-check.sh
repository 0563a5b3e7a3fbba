#!/bin/bash
# `make install` into a scratch root, then build a macOS-style program with
# nothing but `pkg-config --cflags --libs machexc`, statically and against
# the shared library.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" install DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
cat > "$tmp/prog.c" <<'EOC'
#include <mach/mach.h>
#include <stdio.h>

int main(void)
{
	mach_port_t port;
	kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);

	printf("%s\n", mach_error_string(kr));
	return 0;
}
EOC
export PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_LIBDIR="$tmp/root/usr/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/prog" "$tmp/prog.c" $(pkg-config --cflags --libs machexc)
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -static -o "$tmp/prog-static" "$tmp/prog.c" \
	$(pkg-config --static --cflags --libs machexc)
# Without the module the call fails cleanly, as a MIG call to a dead server.
out=$(LD_LIBRARY_PATH="$tmp/root/usr/lib" "$tmp/prog")
[ "$out" = "(ipc/send) invalid destination port" ] || { echo "install: unexpected: $out"; exit 1; }
echo "install: headers, libmachexc and machexc.pc install and build a <mach/mach.h> program"
