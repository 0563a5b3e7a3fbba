#!/bin/bash
# `make install` into a scratch root, then build a macOS-style program with
# nothing but `pkg-config --cflags --libs machexc`, statically and against
# the shared library.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" install DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
# The crash daemon: its program, its man page, its unit pointing at it.
for f in usr/bin/machexc-crashd usr/share/man/man8/machexc-crashd.8 \
	usr/lib/systemd/system/machexc-crashd.service; do
	[ -e "$tmp/root/$f" ] || { echo "install: /$f was not installed"; exit 1; }
done
grep -q '^ExecStart=/usr/bin/machexc-crashd ' "$tmp/root/usr/lib/systemd/system/machexc-crashd.service" ||
	{ echo "install: the unit does not run /usr/bin/machexc-crashd"; exit 1; }
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

# A handler as macOS code writes it: mach_exc_server() calls the program's
# catch_mach_exception_raise*, found from the shared library too; a program
# that defines only one subsystem's routines links; the subsystem table a
# mig-generated server has (catch_mach_exc_subsystem) is there to size
# buffers with and to look routines up in.
cat > "$tmp/handler.c" <<'EOC'
#include <mach/mach.h>
#include <mach/mach_exc.h>
#include <mach/mach_excServer.h>
#include <stdio.h>

kern_return_t catch_mach_exception_raise(mach_port_t exception_port, mach_port_t thread,
					 mach_port_t task, exception_type_t exception,
					 mach_exception_data_t code, mach_msg_type_number_t codeCnt)
{
	(void)exception_port; (void)thread; (void)task; (void)code; (void)codeCnt;
	return exception == EXC_BREAKPOINT ? KERN_SUCCESS : KERN_FAILURE;
}

int main(void)
{
	__Request__mach_exception_raise_t req = { 0 };
	union __ReplyUnion__mach_exc_subsystem rep;
	mig_reply_error_t *r = (mig_reply_error_t *)&rep;

	req.Head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_MOVE_SEND_ONCE;
	req.Head.msgh_size = sizeof(req);
	req.Head.msgh_id = 2405;
	req.msgh_body.msgh_descriptor_count = 2;
	req.thread.type = req.task.type = MACH_MSG_PORT_DESCRIPTOR;
	req.thread.disposition = req.task.disposition = MACH_MSG_TYPE_PORT_SEND;
	req.NDR = NDR_record;
	req.exception = EXC_BREAKPOINT;
	req.codeCnt = 2;
	if (catch_mach_exc_subsystem.maxsize != sizeof(union __ReplyUnion__catch_mach_exc_subsystem) ||
	    catch_mach_exc_subsystem.server(&req.Head) != mach_exc_server_routine(&req.Head))
		return 2;
	if (!mach_exc_server(&req.Head, &r->Head))
		return 1;
	printf("%d %d\n", r->Head.msgh_id, r->RetCode);
	return 0;
}
EOC
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/handler" "$tmp/handler.c" $(pkg-config --cflags --libs machexc)
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -static -o "$tmp/handler-static" "$tmp/handler.c" \
	$(pkg-config --static --cflags --libs machexc)
for h in "$tmp/handler" "$tmp/handler-static"; do
	out=$(LD_LIBRARY_PATH="$tmp/root/usr/lib" "$h")
	[ "$out" = "2505 0" ] || { echo "install: $(basename "$h"): unexpected: $out"; exit 1; }
done

# make uninstall takes away every file make install put there.
make -s -C "$top" uninstall DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
left=$(find "$tmp/root" -type f -o -type l)
[ -z "$left" ] || { echo "install: make uninstall left:"; echo "$left"; exit 1; }
echo "install: headers, libmachexc and machexc.pc install and build a <mach/mach.h> program" \
	"and a mach_exc_server() handler (shared and static); uninstall leaves no file"
