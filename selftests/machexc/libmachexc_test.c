// SPDX-License-Identifier: GPL-2.0
/*
 * libmachexc's own rules, each stated as macOS has it: the error strings
 * of mach_error_string() (libsyscall's err_*.sub tables and its
 * decoding), mach_msg_destroy() on unsent messages and out-of-line
 * descriptors (libsyscall/mach/mach_msg.c), the descriptor layouts
 * (osfmk/mach/message.h), vm_allocate()'s fixed and overwrite rules
 * (osfmk/vm/vm_user.c, vm_map.c) and its answer for a target that is not a
 * task (libsyscall/mach/mach_vm.c), the exception behaviors of macOS 12
 * (osfmk/mach/exception_types.h), MIG's helpers and subsystem shape
 * (osfmk/mach/mig.h), and the library's descriptor for /dev/machexc
 * surviving a program that closes it.
 *
 * The error-string, layout and mig_strncpy tests need no module.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <mach/mach.h>
#include <mach/notify.h>

#include "machexc.h"
#include "kselftest_harness.h"

#define ME mach_task_self()

static long page(void)
{
	return sysconf(_SC_PAGESIZE);
}

static int mapped(const void *addr, size_t len)
{
	unsigned char vec[64];

	return mincore((void *)((uintptr_t)addr & ~(uintptr_t)(page() - 1)), len, vec) == 0;
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return p;
}

static mach_port_type_t type_of(mach_port_t name)
{
	mach_port_type_t t = 0;

	return mach_port_type(ME, name, &t) == KERN_SUCCESS ? t : 0;
}

static mach_port_urefs_t refs(mach_port_t name, mach_port_right_t right)
{
	mach_port_urefs_t r = 0;

	mach_port_get_refs(ME, name, right, &r);
	return r;
}

static mach_port_status_t status_of(mach_port_t name)
{
	mach_port_status_t s;
	mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;

	memset(&s, 0, sizeof(s));
	mach_port_get_attributes(ME, name, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&s, &n);
	return s;
}

/* A message on name within no time, and its id; 0 if none. */
static mach_msg_id_t queued_id(mach_port_t name)
{
	struct {
		mach_msg_header_t h;
		char body[256];
	} m;

	memset(&m, 0, sizeof(m));
	if (mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), name, 0, 0) !=
	    MACH_MSG_SUCCESS)
		return 0;
	mach_msg_destroy(&m.h);
	return m.h.msgh_id;
}

/* mach_error_string() ------------------------------------------------ */

TEST(error_string_names_every_kern_return)
{
	static const struct {
		kern_return_t kr;
		const char *s;
	} k[] = {
		{ KERN_SUCCESS, "(os/kern) successful" },
		{ KERN_NO_SPACE, "(os/kern) no space available" },
		{ KERN_INVALID_ARGUMENT, "(os/kern) invalid argument" },
		{ KERN_INVALID_NAME, "(os/kern) invalid name" },
		{ KERN_UREFS_OVERFLOW, "(os/kern) urefs overflow" },
		{ KERN_EXCEPTION_PROTECTED, "(os/kern) exception protected" },
		{ KERN_RPC_TERMINATE_ORPHAN, "(os/kern) terminate orphan" },
		{ KERN_NOT_SUPPORTED, "(os/kern) service not supported" },
		{ KERN_OPERATION_TIMED_OUT, "(os/kern) operation timed out" },
		{ KERN_INSUFFICIENT_BUFFER_SIZE, "(os/kern) insufficient input buffer size" },
		{ KERN_DENIED, "(os/kern) denied by security policy" },
		{ KERN_NOT_FOUND, "(os/kern) result not found" },
	};
	kern_return_t kr;
	unsigned int i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		EXPECT_STREQ(k[i].s, mach_error_string(k[i].kr));
	/* Each one 0..KERN_NOT_FOUND has its string, and the type of all is os/kern. */
	for (kr = KERN_SUCCESS; kr <= KERN_NOT_FOUND; kr++) {
		EXPECT_EQ(0, strncmp("(os/kern) ", mach_error_string(kr), 10));
		EXPECT_STREQ("(os/kern)", mach_error_type(kr));
	}
	EXPECT_STREQ("unknown error code", mach_error_string(KERN_NOT_FOUND + 1));
}

TEST(error_string_names_every_mach_msg_return)
{
	static const struct {
		mach_msg_return_t mr;
		const char *s;
	} m[] = {
		{ MACH_SEND_IN_PROGRESS, "(ipc/send) send in progress" },
		{ MACH_SEND_INVALID_DATA, "(ipc/send) invalid data" },
		{ MACH_SEND_INVALID_DEST, "(ipc/send) invalid destination port" },
		{ MACH_SEND_TIMED_OUT, "(ipc/send) timed out" },
		{ MACH_SEND_INVALID_VOUCHER, "(ipc/send) invalid voucher" },
		{ MACH_SEND_INTERRUPTED, "(ipc/send) interrupted" },
		{ MACH_SEND_MSG_TOO_SMALL, "(ipc/send) msg too small" },
		{ MACH_SEND_INVALID_REPLY, "(ipc/send) invalid reply port" },
		{ MACH_SEND_INVALID_RIGHT, "(ipc/send) invalid port right" },
		{ MACH_SEND_INVALID_NOTIFY, "(ipc/send) invalid notify port" },
		{ MACH_SEND_INVALID_MEMORY, "(ipc/send) invalid memory" },
		{ MACH_SEND_NO_BUFFER, "(ipc/send) no msg buffer" },
		{ MACH_SEND_TOO_LARGE, "(ipc/send) msg too large" },
		{ MACH_SEND_INVALID_TYPE, "(ipc/send) invalid msg-type" },
		{ MACH_SEND_INVALID_HEADER, "(ipc/send) invalid msg-header" },
		{ MACH_SEND_INVALID_TRAILER, "(ipc/send) invalid msg-trailer" },
		{ MACH_SEND_INVALID_CONTEXT, "(ipc/send) invalid context for reply" },
		{ MACH_SEND_INVALID_RT_OOL_SIZE, "(ipc/send) out-of-line buffer too large" },
		{ MACH_SEND_NO_GRANT_DEST, "(ipc/send) destination does not accept OOL ports" },
		{ MACH_RCV_IN_PROGRESS, "(ipc/rcv) receive in progress" },
		{ MACH_RCV_INVALID_NAME, "(ipc/rcv) invalid name" },
		{ MACH_RCV_TIMED_OUT, "(ipc/rcv) timed out" },
		{ MACH_RCV_TOO_LARGE, "(ipc/rcv) msg too large" },
		{ MACH_RCV_INTERRUPTED, "(ipc/rcv) interrupted" },
		{ MACH_RCV_PORT_CHANGED, "(ipc/rcv) port changed" },
		{ MACH_RCV_INVALID_NOTIFY, "(ipc/rcv) invalid notify port" },
		{ MACH_RCV_INVALID_DATA, "(ipc/rcv) invalid data" },
		{ MACH_RCV_PORT_DIED, "(ipc/rcv) port died" },
		{ MACH_RCV_IN_SET, "(ipc/rcv) port in set" },
		{ MACH_RCV_HEADER_ERROR, "(ipc/rcv) header error" },
		{ MACH_RCV_BODY_ERROR, "(ipc/rcv) body error" },
		{ MACH_RCV_INVALID_TYPE, "(ipc/rcv) invalid scatter list entry" },
		{ MACH_RCV_SCATTER_SMALL, "(ipc/rcv) overwrite region too small" },
		{ MACH_RCV_INVALID_TRAILER, "(ipc/rcv) invalid msg-trailer" },
		/* Beyond the tables: macOS has no string either. */
		{ MACH_SEND_MSG_FILTERED, "unknown error code" },
		{ MACH_RCV_INVALID_REPLY, "unknown error code" },
		/* The flags the kernel adds to a receive error are looked past. */
		{ MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE, "(ipc/rcv) header error" },
		{ MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE, "(ipc/rcv) body error" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		TH_LOG("%#x", m[i].mr);
		EXPECT_STREQ(m[i].s, mach_error_string(m[i].mr));
	}
	EXPECT_STREQ("(os/kern) successful", mach_error_string(MACH_MSG_SUCCESS));
	EXPECT_STREQ("(ipc/send)", mach_error_type(MACH_SEND_INVALID_DEST));
	EXPECT_STREQ("(ipc/rcv)", mach_error_type(MACH_RCV_TIMED_OUT));
}

/* MIG's negative codes, and the older ones do_compat() still maps. */
TEST(error_string_reads_mig_and_pre_mach3_codes)
{
	static const struct {
		mach_error_t err;
		const char *s, *type;
	} m[] = {
		{ MIG_TYPE_ERROR, "(ipc/mig) client type check failure", "(ipc/mig)" },
		{ MIG_REPLY_MISMATCH, "(ipc/mig) wrong reply message ID", "(ipc/mig)" },
		{ MIG_REMOTE_ERROR, "(ipc/mig) server detected error", "(ipc/mig)" },
		{ MIG_BAD_ID, "(ipc/mig) bad request message ID", "(ipc/mig)" },
		{ MIG_BAD_ARGUMENTS, "(ipc/mig) server type check failure", "(ipc/mig)" },
		{ MIG_NO_REPLY, "(ipc/mig) no reply should be sent", "(ipc/mig)" },
		{ MIG_EXCEPTION, "(ipc/mig) server raised exception", "(ipc/mig)" },
		{ MIG_ARRAY_TOO_LARGE, "(ipc/mig) array not large enough", "(ipc/mig)" },
		{ MIG_SERVER_DIED, "(ipc/mig) server died", "(ipc/mig)" },
		{ MIG_TRAILER_ERROR, "(ipc/mig) unknown trailer format", "(ipc/mig)" },
		{ -310, "unknown error code", "(ipc/mig)" },
		/* The original IPC's send and receive codes (err_ipc.sub). */
		{ -101, "(ipc/send) invalid memory", "(ipc/send)" },
		{ -111, "(ipc/send) message size changed while being copied", "(ipc/send)" },
		{ -203, "(ipc/rcv) receive timed out", "(ipc/rcv)" },
		{ -208, "(ipc/rcv) port receiver changed or port became enabled", "(ipc/rcv)" },
		/* The old netname, env_mgr and execd servers (err_server.sub). */
		{ 1002, "(server/netname) no such host", "(server/netname)" },
		{ 1607, "(server/env_mgr) attempting to enter a null port ", "(server/env_mgr)" },
		{ 27603, "(server/execd) fork failed", "(server/execd)" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		TH_LOG("%d", m[i].err);
		EXPECT_STREQ(m[i].s, mach_error_string(m[i].err));
		EXPECT_STREQ(m[i].type, mach_error_type(m[i].err));
	}
}

/* | system (6) | subsystem (12) | code (14) |, and each system's tables. */
TEST(error_string_decodes_system_and_subsystem)
{
	static const struct {
		mach_error_t err;
		const char *s, *type;
	} m[] = {
		{ unix_err(ENOENT), "(os/unix) file or directory does not exist", "(os/unix)" },
		/* macOS's errno values (EPROTONOSUPPORT is 43 there, 93 on Linux). */
		{ unix_err(43), "(os/unix) protocol type is not supported", "(os/unix)" },
		{ unix_err(0), "unknown error code", "(os/unix)" },
		{ err_kern | err_sub(1) | 3, "unknown error code", "(os/?)" },
		{ err_kern | err_sub(4), "(operating system/?) unknown subsystem error", "(?/?)" },
		{ err_server | err_sub(13) | 6, "(server/exception) breakpoint exception",
		  "(server/exception)" },
		{ err_server | err_sub(16), "(server/?) unknown subsystem error", "(?/?)" },
		{ err_mach_ipc | err_sub(3), "(ipc/?) unknown subsystem error", "(?/?)" },
		{ err_ipc | err_sub(2) | 7,
		  "(ipc/mig) user specified array not large enough for return info", "(ipc/mig)" },
		{ err_system(0x1) | err_sub(0xddd), "(user space/?) unknown subsystem error",
		  "(?/?)" },
		/* libkern and IOKit (kIOReturn*), whose common codes are sparse. */
		{ err_system(0x37) | err_sub(2) | 6, "(libkern/kext) not found", "(libkern/kext)" },
		{ (mach_error_t)0xe00002c2, "(iokit/common) invalid argument", "(iokit/common)" },
		{ (mach_error_t)0xe00002bc, "(iokit/common) general error", "(iokit/common)" },
		{ (mach_error_t)0xe00002f0, "(iokit/common) data was not found", "(iokit/common)" },
		{ (mach_error_t)0xe00002f1, "unknown error code", "(iokit/common)" },
		{ (mach_error_t)0xe0000100, "unknown error code", "(iokit/common)" },
		{ (mach_error_t)0xe0020003, "(iokit/bluetooth) no HCI controller",
		  "(iokit/bluetooth)" },
		{ err_system(0x38) | err_sub(-2) | 1, "unknown error code", "(iokit/vendor)" },
		{ err_system(0x38) | err_sub(10), "(iokit/?) unknown subsystem error", "(?/?)" },
		/* A system with no table (macOS returns NULL here). */
		{ err_system(0x10) | 1, "unknown error code", "(?/?)" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		TH_LOG("%#x", (unsigned int)m[i].err);
		EXPECT_STREQ(m[i].s, mach_error_string(m[i].err));
		EXPECT_STREQ(m[i].type, mach_error_type(m[i].err));
	}
	EXPECT_EQ(0x4, err_get_system(MACH_SEND_INVALID_DEST));
	EXPECT_EQ(0x1, err_get_sub(MACH_RCV_TIMED_OUT));
	EXPECT_EQ(3, err_get_code(MACH_RCV_TIMED_OUT));
}

/* What mach_error() printed on stderr for str and err. */
static void mach_error_output(const char *str, mach_error_t err, char *out, size_t size)
{
	int p[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	out[0] = '\0';
	if (saved < 0 || pipe(p))
		return;
	fflush(stderr);
	dup2(p[1], STDERR_FILENO);
	mach_error(str, err);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

/* A code with a string prints it; one without adds the type and value. */
TEST(mach_error_prints_type_and_value_only_when_the_code_is_unknown)
{
	char out[256];

	mach_error_output("vm_allocate:", KERN_NO_SPACE, out, sizeof(out));
	EXPECT_STREQ("vm_allocate: (os/kern) no space available\n", out);
	mach_error_output("x", KERN_NOT_FOUND + 1, out, sizeof(out));
	EXPECT_STREQ("x (os/kern) unknown error code (39)\n", out);
	mach_error_output("y", err_mach_ipc | err_sub(7), out, sizeof(out));
	EXPECT_STREQ("y (?/?) (ipc/?) unknown subsystem error (1001c000)\n", out);
}

/* Message layouts ----------------------------------------------------- */

/*
 * The bit-fields sit where macOS has them (lib/abi-check.c proves the
 * sizes and offsets): deallocate, copy, the pad or disposition and the
 * type are the four bytes after the address, in that order.
 */
TEST(ool_descriptors_have_the_macos_x86_64_layout)
{
	mach_msg_ool_descriptor_t o;
	mach_msg_ool_ports_descriptor64_t p;
	mach_msg_ool_descriptor32_t o32;
	mach_msg_guarded_port_descriptor_t g;
	unsigned char b[16];

	memset(&o, 0, sizeof(o));
	o.address = (void *)0x1122334455667788;
	o.deallocate = TRUE;
	o.copy = MACH_MSG_VIRTUAL_COPY;
	o.type = MACH_MSG_OOL_DESCRIPTOR;
	o.size = 0xaabbccdd;
	memcpy(b, &o, 16);
	EXPECT_EQ(0x88, b[0]);
	EXPECT_EQ(0x11, b[7]);
	EXPECT_EQ(1, b[8]);
	EXPECT_EQ(MACH_MSG_VIRTUAL_COPY, b[9]);
	EXPECT_EQ(0, b[10]);
	EXPECT_EQ(MACH_MSG_OOL_DESCRIPTOR, b[11]);
	EXPECT_EQ(0xdd, b[12]);

	memset(&p, 0, sizeof(p));
	p.address = 0x1000;
	p.disposition = MACH_MSG_TYPE_MOVE_SEND;
	p.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	p.count = 7;
	memcpy(b, &p, 16);
	EXPECT_EQ(MACH_MSG_TYPE_MOVE_SEND, b[10]);
	EXPECT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, b[11]);
	EXPECT_EQ(7, b[12]);

	memset(&o32, 0, sizeof(o32));
	o32.address = 0x1000;
	o32.size = 5;
	o32.type = MACH_MSG_OOL_DESCRIPTOR;
	memcpy(b, &o32, 12);
	EXPECT_EQ(5, b[4]);
	EXPECT_EQ(MACH_MSG_OOL_DESCRIPTOR, b[11]);

	memset(&g, 0, sizeof(g));
	g.context = 0x99;
	g.flags = MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
	g.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	g.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
	g.name = 0x103;
	memcpy(b, &g, 16);
	EXPECT_EQ(0x99, b[0]);
	EXPECT_EQ(MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND, b[8]);
	EXPECT_EQ(MACH_MSG_TYPE_MOVE_RECEIVE, b[10]);
	EXPECT_EQ(MACH_MSG_GUARDED_PORT_DESCRIPTOR, b[11]);
	EXPECT_EQ(0x03, b[12]);
	EXPECT_EQ(0x01, b[13]);
}

/* mach_msg_destroy() on messages never sent ------------------------ */

static void header(mach_msg_header_t *h, mach_msg_bits_t bits, mach_port_t remote,
		   mach_port_t local)
{
	memset(h, 0, sizeof(*h));
	h->msgh_bits = bits;
	h->msgh_remote_port = remote;
	h->msgh_local_port = local;
	h->msgh_size = sizeof(*h);
	h->msgh_id = 4242;
}

/*
 * MAKE_SEND: a send right is made and released, so the port counts one
 * more made send right, and no sender is left behind.
 */
TEST(destroy_of_unsent_make_send_makes_and_releases_a_send_right)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	mach_msg_header_t h;
	mach_port_status_t st;
	struct {
		mach_no_senders_notification_t n;
		char pad[64];
	} m;

	ASSERT_NE(MACH_PORT_NULL, p);
	header(&h, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, MACH_PORT_NULL);
	mach_msg_destroy(&h);
	st = status_of(p);
	EXPECT_EQ(1, st.mps_mscount);
	EXPECT_FALSE(st.mps_srights);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));

	/* With a sender holding on, the made right is counted, the sender stays. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_NO_SENDERS, 0,
			notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	mach_msg_destroy(&h);
	EXPECT_EQ(1, refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, queued_id(notify));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, p));
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.n.not_header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					     sizeof(m), notify, 0, 0));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, m.n.not_header.msgh_id);
	EXPECT_EQ(3, m.n.not_count);	/* three made: two by destroy, one by hand */
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

/* MAKE_SEND_ONCE: the right is made and dies unused, which the port hears of. */
TEST(destroy_of_unsent_make_send_once_sends_a_send_once_notification)
{
	mach_port_t p = new_port();
	mach_msg_header_t h;

	ASSERT_NE(MACH_PORT_NULL, p);
	header(&h, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), p, MACH_PORT_NULL);
	mach_msg_destroy(&h);
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, queued_id(p));
	EXPECT_EQ(0, status_of(p).mps_sorights);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	mach_port_destroy(ME, p);
}

/*
 * COPY_SEND takes nothing from the sender, and msgh_local_port holds no
 * right at all, whatever its disposition says.
 */
TEST(destroy_leaves_copied_rights_and_the_local_port_alone)
{
	mach_port_t p = new_port(), reply = new_port();
	mach_msg_header_t h;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	header(&h, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), p,
	       reply);
	mach_msg_destroy(&h);
	EXPECT_EQ(1, refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, queued_id(reply));		/* no send-once right was made */
	header(&h, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND), p, p);
	mach_msg_destroy(&h);
	EXPECT_EQ(1, refs(p, MACH_PORT_RIGHT_SEND));
	/* MOVE_SEND as the destination does take the right. */
	header(&h, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0), p, MACH_PORT_NULL);
	mach_msg_destroy(&h);
	EXPECT_EQ(0, refs(p, MACH_PORT_RIGHT_SEND));
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, reply);
}

#pragma pack(push, 4)
struct complex_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	char descriptors[4 * 16];
};
#pragma pack(pop)

static void complex_header(struct complex_msg *m, mach_msg_size_t count)
{
	memset(m, 0, sizeof(*m));
	m->header.msgh_bits = MACH_MSGH_BITS_COMPLEX;
	m->header.msgh_size = sizeof(*m);
	m->body.msgh_descriptor_count = count;
}

/*
 * A guarded port descriptor's right is released like a port
 * descriptor's, and the walk goes on past it (it is 16 bytes, not 12).
 */
TEST(destroy_releases_guarded_port_descriptors_and_what_follows)
{
	mach_port_t a = new_port(), b = new_port();
	mach_msg_guarded_port_descriptor_t g = { 0 };
	mach_msg_port_descriptor_t d = { 0 };
	struct complex_msg m;

	ASSERT_NE(MACH_PORT_NULL, b);
	complex_header(&m, 2);
	g.name = a;
	g.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	g.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
	g.flags = MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
	d.name = b;
	d.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	d.type = MACH_MSG_PORT_DESCRIPTOR;
	memcpy(m.descriptors, &g, sizeof(g));
	memcpy(m.descriptors + sizeof(g), &d, sizeof(d));
	mach_msg_destroy(&m.header);
	EXPECT_EQ(0, type_of(a));
	EXPECT_EQ(0, type_of(b));
}

/*
 * Out-of-line memory goes with vm_deallocate() when its descriptor says
 * deallocate; otherwise, and for volatile memory, it stays.
 */
TEST(destroy_deallocates_out_of_line_memory_marked_deallocate)
{
	vm_address_t keep = 0, drop = 0, vol = 0;
	mach_msg_ool_descriptor_t o = { 0 };
	mach_vm_size_t size = 3 * page() - 100;
	struct complex_msg m;

	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &drop, size, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &keep, size, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &vol, size, VM_FLAGS_ANYWHERE));
	complex_header(&m, 3);
	o.type = MACH_MSG_OOL_DESCRIPTOR;
	o.size = (mach_msg_size_t)size;
	o.address = (void *)drop;
	o.deallocate = TRUE;
	memcpy(m.descriptors, &o, sizeof(o));
	o.address = (void *)keep;
	o.deallocate = FALSE;
	memcpy(m.descriptors + 16, &o, sizeof(o));
	o.type = MACH_MSG_OOL_VOLATILE_DESCRIPTOR;
	o.address = (void *)vol;
	o.deallocate = TRUE;
	memcpy(m.descriptors + 32, &o, sizeof(o));
	mach_msg_destroy(&m.header);
	EXPECT_FALSE(mapped((void *)drop, 1));
	EXPECT_FALSE(mapped((void *)(drop + 2 * page()), 1));
	EXPECT_TRUE(mapped((void *)keep, size));
	EXPECT_TRUE(mapped((void *)vol, size));
	vm_deallocate(ME, keep, size);
	vm_deallocate(ME, vol, size);
}

/*
 * An out-of-line port array: each right is destroyed by the array's
 * disposition, then the array itself goes if the descriptor says so.
 */
TEST(destroy_releases_each_right_of_an_ool_port_array_then_the_array)
{
	mach_msg_ool_ports_descriptor_t o = { 0 };
	vm_address_t arr = 0, kept = 0;
	mach_port_t *ports, s = new_port();
	struct complex_msg m;
	int i;

	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &arr, 3 * sizeof(mach_port_t), VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &kept, sizeof(mach_port_t), VM_FLAGS_ANYWHERE));
	ports = (mach_port_t *)arr;
	for (i = 0; i < 3; i++)
		ports[i] = new_port();
	ports[1] = MACH_PORT_NULL;		/* a null entry is skipped */
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, s, s, MACH_MSG_TYPE_MAKE_SEND));
	*(mach_port_t *)kept = s;
	complex_header(&m, 2);
	o.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	o.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	o.deallocate = TRUE;
	o.count = 3;
	o.address = (void *)arr;
	memcpy(m.descriptors, &o, sizeof(o));
	o.disposition = MACH_MSG_TYPE_MOVE_SEND;
	o.deallocate = FALSE;
	o.count = 1;
	o.address = (void *)kept;
	memcpy(m.descriptors + 16, &o, sizeof(o));
	{
		mach_port_t p0 = ports[0], p2 = ports[2];

		mach_msg_destroy(&m.header);
		EXPECT_EQ(0, type_of(p0));
		EXPECT_EQ(0, type_of(p2));
	}
	EXPECT_FALSE(mapped((void *)arr, 1));
	EXPECT_TRUE(mapped((void *)kept, 1));
	EXPECT_EQ(0, refs(s, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(s));
	vm_deallocate(ME, kept, sizeof(mach_port_t));
	mach_port_destroy(ME, s);
}

/* vm_allocate() --------------------------------------------------------- */

/* A free, page-aligned range of n pages (allocated, then given back). */
static vm_address_t hole(size_t n)
{
	vm_address_t a = 0;

	if (vm_allocate(ME, &a, n * page(), VM_FLAGS_ANYWHERE) != KERN_SUCCESS)
		return 0;
	vm_deallocate(ME, a, n * page());
	return a;
}

/*
 * A fixed address is truncated to its page and *address says so; the
 * size is rounded up on its own, not from the unaligned address, so the
 * last bytes of [address, address + size) may be left out (XNU:
 * vm_map_trunc_page(addr), vm_map_round_page(size)).
 */
TEST(vm_allocate_fixed_truncates_the_address_and_rounds_the_size_alone)
{
	vm_address_t base = hole(3), a;

	ASSERT_NE(0, base);
	a = base + 0x10;
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &a, page(), VM_FLAGS_FIXED));
	EXPECT_EQ(base, a);
	EXPECT_TRUE(mapped((void *)base, page()));
	EXPECT_FALSE(mapped((void *)(base + page()), 1));
	EXPECT_EQ(0, ((char *)base)[page() - 1]);
	/* mach_vm_allocate() alike, with a size that is not a page multiple. */
	mach_vm_address_t ma = base + page() + 1;

	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(ME, &ma, 2, VM_FLAGS_FIXED));
	EXPECT_EQ(base + page(), ma);
	EXPECT_TRUE(mapped((void *)(base + page()), page()));
	EXPECT_FALSE(mapped((void *)(base + 2 * page()), 1));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, base, 2 * page()));
	EXPECT_FALSE(mapped((void *)base, 1));
}

/*
 * A fixed range over memory that is there is KERN_NO_SPACE and leaves it
 * as it was; VM_FLAGS_OVERWRITE replaces it with zeroes.
 */
TEST(vm_allocate_fixed_over_a_mapping_is_no_space_unless_overwrite)
{
	vm_address_t base = 0, a;

	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &base, 2 * page(), VM_FLAGS_ANYWHERE));
	memset((void *)base, 0x5a, 2 * page());
	a = base + page() + 8;
	EXPECT_EQ(KERN_NO_SPACE, vm_allocate(ME, &a, page(), VM_FLAGS_FIXED));
	EXPECT_EQ(base + page() + 8, a);		/* untouched on failure */
	EXPECT_EQ(0x5a, ((char *)base)[page()]);
	/* Partly over it, partly past it: still taken. */
	a = base + page();
	EXPECT_EQ(KERN_NO_SPACE, vm_allocate(ME, &a, 2 * page(), VM_FLAGS_FIXED));
	EXPECT_EQ(0x5a, ((char *)base)[page()]);
	a = base + page() + 8;
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &a, page(), VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE));
	EXPECT_EQ(base + page(), a);
	EXPECT_EQ(0, ((char *)base)[page()]);
	EXPECT_EQ(0x5a, ((char *)base)[page() - 1]);	/* the page before is kept */
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, base, 2 * page()));
}

/*
 * Flags: any bit outside VM_FLAGS_USER_ALLOCATE is refused; tags and
 * hints are accepted; VM_FLAGS_OVERWRITE needs a fixed address; a size
 * of 0 succeeds with address 0; a fixed range outside user space is
 * KERN_INVALID_ADDRESS.
 */
TEST(vm_allocate_checks_flags_sizes_and_ranges)
{
	vm_address_t a = 0x1234;
	mach_vm_address_t ma;

	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_allocate(ME, &a, page(),
						     VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_allocate(ME, &a, page(), VM_FLAGS_ANYWHERE | 0x200));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_allocate(ME, &a, page(),
						     VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE));
	EXPECT_EQ(0x1234, a);
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &a, page(), VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE |
					    VM_MAKE_TAG(VM_MEMORY_MALLOC)));
	EXPECT_EQ(0, a % page());
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, a, page()));
	a = 0x1234;
	EXPECT_EQ(KERN_SUCCESS, vm_allocate(ME, &a, 0, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0, a);
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, 0x1000, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_deallocate(ME, (vm_address_t)-page(), 2 * page()));
	ma = 0;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_allocate(ME, &ma, (mach_vm_size_t)-1,
							  VM_FLAGS_ANYWHERE));
	ma = (mach_vm_address_t)1 << 47;
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_allocate(ME, &ma, page(), VM_FLAGS_FIXED));
	ma = ((mach_vm_address_t)1 << 47) - page();
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_allocate(ME, &ma, 2 * page(), VM_FLAGS_FIXED));
}

/*
 * macOS's vm_allocate() tries its trap, which takes only the caller's
 * own task port, then the MIG call, which cannot send to MACH_PORT_NULL,
 * a dead name or a name without a send right: MACH_SEND_INVALID_DEST,
 * and nothing is allocated.  A send right to something other than the
 * caller's task is refused here (KERN_INVALID_ARGUMENT).
 */
TEST(vm_calls_on_a_null_or_dead_target_fail_as_a_dead_destination)
{
	mach_port_t recv = new_port(), dead;
	vm_address_t a = 0x1234;
	mach_vm_address_t ma = 0x5678;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(MACH_PORT_NULL, &a, page(),
						      VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0x1234, a);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_allocate(MACH_PORT_NULL, &ma, page(),
							   VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0x5678, ma);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(MACH_PORT_DEAD, &a, page(),
						      VM_FLAGS_ANYWHERE));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(dead, &a, page(), VM_FLAGS_ANYWHERE));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(recv, &a, page(), VM_FLAGS_ANYWHERE));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(0x7ff00 | 3, &a, page(),
						      VM_FLAGS_ANYWHERE));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_deallocate(MACH_PORT_NULL, 0x1000, page()));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_deallocate(dead, 0x1000, page()));
	EXPECT_EQ(0x1234, a);
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, recv, recv, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_allocate(recv, &a, page(), VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_deallocate(recv, 0x1000, page()));
	mach_port_destroy(ME, recv);
	mach_port_deallocate(ME, dead);
}

/* Exception behaviors ---------------------------------------------------- */

/*
 * macOS 12's behaviors are defined with XNU's values; the module delivers
 * only the first three, so setting the others (or a flag it does not
 * implement) is refused, and the slot keeps what it had.
 */
TEST(behaviors_the_module_cannot_deliver_are_refused_at_set_time)
{
	static const exception_behavior_t refused[] = {
		(exception_behavior_t)(EXCEPTION_IDENTITY_PROTECTED | MACH_EXCEPTION_CODES),
		(exception_behavior_t)(EXCEPTION_STATE_IDENTITY_PROTECTED | MACH_EXCEPTION_CODES),
		(exception_behavior_t)(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES |
				       MACH_EXCEPTION_BACKTRACE_PREFERRED),
		EXCEPTION_IDENTITY_PROTECTED,
	};
	mach_port_t p = new_port();
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT;
	exception_handler_t ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	unsigned int i;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, p,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		TH_LOG("behavior %#x", (unsigned int)refused[i]);
		EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(ME, EXC_MASK_BREAKPOINT,
				p, refused[i], x86_THREAD_STATE64));
		EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_exception_ports(mach_thread_self(),
				EXC_MASK_BREAKPOINT, p, refused[i], x86_THREAD_STATE64));
	}
	n = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(ME, EXC_MASK_BREAKPOINT, masks, &n, ports,
							 behaviors, flavors));
	ASSERT_EQ(1, n);
	EXPECT_EQ(p, ports[0]);
	EXPECT_EQ((exception_behavior_t)(EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES),
		  behaviors[0]);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_deallocate(ME, ports[0]);
	mach_port_destroy(ME, p);
}

/* MIG ----------------------------------------------------------------- */

/* At most len - 1 characters and a 0; the count includes the 0. */
TEST(mig_strncpy_bounds_and_terminates)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(3, mig_strncpy(buf, "ab", 8));
	EXPECT_STREQ("ab", buf);
	EXPECT_EQ('x', buf[3]);
	EXPECT_EQ(5, mig_strncpy(buf, "abcdefgh", 5));
	EXPECT_STREQ("abcd", buf);
	EXPECT_EQ(0, mig_strncpy(buf, "abc", 0));
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(3, mig_strncpy_zerofill(buf, "ab", 8));
	EXPECT_EQ(0, memcmp(buf, "ab\0\0\0\0\0\0", 8));
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(0, mig_strncpy_zerofill(buf, NULL, 8));
	EXPECT_EQ(0, memcmp(buf, "\0\0\0\0\0\0\0\0", 8));
	EXPECT_EQ(4, mig_strncpy_zerofill(buf, "abcdef", 4));
	EXPECT_STREQ("abc", buf);
}

/*
 * A server and client written in the shape mig(1) generates for a small
 * subsystem (echo.defs: routine echo(server; in x: int; out y: int) at
 * id 4000), compiled against <mach/mig.h>: the routine table, the lookup
 * routine, the demux, mig_get_reply_port() and the reply checks.
 */
#define ECHO_BASE 4000

#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	int x;
} __Request__echo_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int y;
} __Reply__echo_t;
#pragma pack(pop)

union __ReplyUnion__echo_subsystem {
	__Reply__echo_t Reply_echo;
};

static kern_return_t echo_impl(mach_port_t server, int x, int *y)
{
	(void)server;
	*y = x + 1;
	return x < 0 ? KERN_INVALID_ARGUMENT : KERN_SUCCESS;
}

static void _Xecho(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	__Request__echo_t *In0P = (__Request__echo_t *)InHeadP;
	__Reply__echo_t *OutP = (__Reply__echo_t *)OutHeadP;

	if ((In0P->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
	    In0P->Head.msgh_size != sizeof(__Request__echo_t)) {
		((mig_reply_error_t *)OutHeadP)->RetCode = MIG_BAD_ARGUMENTS;
		return;
	}
	OutP->RetCode = echo_impl(In0P->Head.msgh_local_port, In0P->x, &OutP->y);
	if (OutP->RetCode != KERN_SUCCESS)
		return;
	OutP->NDR = NDR_record;
	OutP->Head.msgh_size = sizeof(*OutP);
}

static mig_routine_t echo_server_routine(mach_msg_header_t *InHeadP);

static const struct echo_subsystem {
	mig_server_routine_t server;
	mach_msg_id_t start;
	mach_msg_id_t end;
	unsigned int maxsize;
	vm_address_t reserved;
	struct routine_descriptor routine[1];
} echo_subsystem = {
	echo_server_routine,
	ECHO_BASE,
	ECHO_BASE + 1,
	(mach_msg_size_t)sizeof(union __ReplyUnion__echo_subsystem),
	(vm_address_t)0,
	{
		{ (mig_impl_routine_t)0, (mig_stub_routine_t)_Xecho, 2, 0,
		  (routine_arg_descriptor_t)0, (mach_msg_size_t)sizeof(__Reply__echo_t) },
	}
};

static mig_routine_t echo_server_routine(mach_msg_header_t *InHeadP)
{
	int msgh_id = InHeadP->msgh_id - ECHO_BASE;

	if (msgh_id < 0 || msgh_id > 0)
		return 0;
	return echo_subsystem.routine[msgh_id].stub_routine;
}

static boolean_t echo_server(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)
{
	mig_routine_t routine;

	OutHeadP->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(InHeadP->msgh_bits), 0);
	OutHeadP->msgh_remote_port = InHeadP->msgh_remote_port;
	OutHeadP->msgh_size = (mach_msg_size_t)sizeof(mig_reply_error_t);
	OutHeadP->msgh_local_port = MACH_PORT_NULL;
	OutHeadP->msgh_id = InHeadP->msgh_id + 100;
	OutHeadP->msgh_reserved = 0;
	if ((routine = echo_server_routine(InHeadP)) == 0) {
		((mig_reply_error_t *)OutHeadP)->NDR = NDR_record;
		((mig_reply_error_t *)OutHeadP)->RetCode = MIG_BAD_ID;
		return FALSE;
	}
	(*routine)(InHeadP, OutHeadP);
	return TRUE;
}

/* The user side: one RPC on the thread's MIG reply port. */
static kern_return_t echo(mach_port_t server, int x, int *y)
{
	union {
		__Request__echo_t In;
		struct {
			__Reply__echo_t Out;
			mach_msg_max_trailer_t trailer;
		} Out;
	} Mess;
	mach_msg_return_t mr;

	memset(&Mess, 0, sizeof(Mess));
	Mess.In.NDR = NDR_record;
	Mess.In.x = x;
	Mess.In.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
						MACH_MSG_TYPE_MAKE_SEND_ONCE);
	Mess.In.Head.msgh_remote_port = server;
	Mess.In.Head.msgh_local_port = mig_get_reply_port();
	Mess.In.Head.msgh_id = ECHO_BASE;
	mr = mach_msg(&Mess.In.Head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_MSG_OPTION_NONE,
		      (mach_msg_size_t)sizeof(Mess.In), (mach_msg_size_t)sizeof(Mess.Out),
		      Mess.In.Head.msgh_local_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS)
		return mr;
	if (Mess.Out.Out.Head.msgh_id != ECHO_BASE + 100)
		return MIG_REPLY_MISMATCH;
	if (Mess.Out.Out.RetCode != KERN_SUCCESS)
		return Mess.Out.Out.RetCode;
	*y = Mess.Out.Out.y;
	return KERN_SUCCESS;
}

static void *serve_twice(void *arg)
{
	mach_port_t port = (mach_port_t)(uintptr_t)arg;
	int i;

	for (i = 0; i < 2; i++)
		if (mach_msg_server_once(echo_server, echo_subsystem.maxsize, port, 0) !=
		    MACH_MSG_SUCCESS)
			break;
	return NULL;
}

TEST(mig_shaped_server_and_client_work_over_mach_msg_server)
{
	mach_port_t port = new_port();
	pthread_t t;
	int y = 0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, port, port, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(0, pthread_create(&t, NULL, serve_twice, (void *)(uintptr_t)port));
	EXPECT_EQ(KERN_SUCCESS, echo(port, 41, &y));
	EXPECT_EQ(42, y);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, echo(port, -1, &y));
	pthread_join(t, NULL);
	EXPECT_EQ(sizeof(__Reply__echo_t), echo_subsystem.maxsize);
	mach_port_destroy(ME, port);
}

/* The device descriptor --------------------------------------------------- */

/* The program closes the library's descriptor: the next call opens it again. */
TEST(closed_device_descriptor_is_reopened)
{
	mach_port_t before = new_port(), after;
	int fd = machexc_device_fd();

	ASSERT_LE(0, fd);
	ASSERT_NE(MACH_PORT_NULL, before);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &after));
	/* Same space: the old name and the task's name are still good. */
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(before));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(after));
	EXPECT_LE(0, fcntl(machexc_device_fd(), F_GETFD));
	mach_port_destroy(ME, before);
	mach_port_destroy(ME, after);
}

/*
 * The number comes back as another file's (here /dev/null, dup2()ed onto
 * it): the library opens the device anew and never uses, nor closes, the
 * other file.
 */
TEST(device_descriptor_taken_by_another_file_is_left_to_it)
{
	mach_port_t p = MACH_PORT_NULL;
	int fd = machexc_device_fd(), null, flags;
	struct stat st;

	ASSERT_LE(0, fd);
	null = open("/dev/null", O_WRONLY);
	ASSERT_LE(0, null);
	ASSERT_EQ(fd, dup2(null, fd));
	close(null);
	flags = fcntl(fd, F_GETFD);
	EXPECT_NE(0, (int)mach_task_self());
	EXPECT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	EXPECT_NE(fd, machexc_device_fd());
	/* /dev/null is still open on fd, as it was. */
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	EXPECT_EQ(flags, fcntl(fd, F_GETFD));
	EXPECT_EQ(1, write(fd, "x", 1));
	mach_port_destroy(ME, p);
}

/*
 * A module older than API 1.9 answers lseek() with ESPIPE, as any
 * character device without llseek: the library then tells its descriptor
 * from another file by fstat()'s device number.  Here a seccomp filter
 * gives every lseek() that answer, and the library opens the device anew
 * under it (its descriptor closed), so the test above runs on the fstat()
 * path.
 */
TEST(device_descriptor_is_told_from_another_file_without_the_lseek_mark)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_lseek, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ESPIPE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	mach_port_t before = new_port(), p = MACH_PORT_NULL;
	int fd = machexc_device_fd(), null, again;
	struct stat st;

	ASSERT_LE(0, fd);
	ASSERT_NE(MACH_PORT_NULL, before);
	ASSERT_EQ(0, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	ASSERT_EQ(0, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(ESPIPE, errno);
	ASSERT_EQ(0, close(fd));
	/* Opened anew, with no mark to read: the same space all the same. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(before));
	again = machexc_device_fd();
	ASSERT_LE(0, again);
	EXPECT_EQ(again, machexc_device_fd());
	/* Its number taken by /dev/null: told apart, left alone. */
	null = open("/dev/null", O_WRONLY);
	ASSERT_LE(0, null);
	ASSERT_EQ(again, dup2(null, again));
	close(null);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	EXPECT_NE(again, machexc_device_fd());
	ASSERT_EQ(0, fstat(again, &st));
	EXPECT_EQ(makedev(1, 3), st.st_rdev);
	EXPECT_EQ(1, write(again, "x", 1));
	mach_port_destroy(ME, before);
	mach_port_destroy(ME, p);
}

/* Code that closes 0-2 and opens files in their place never takes the device. */
TEST(device_descriptor_is_never_a_standard_one)
{
	int fd = machexc_device_fd(), in;
	mach_port_t p = MACH_PORT_NULL;

	ASSERT_LE(0, fd);
	close(fd);
	close(STDIN_FILENO);
	EXPECT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p));
	EXPECT_LT(STDERR_FILENO, machexc_device_fd());
	in = open("/dev/null", O_RDONLY);
	EXPECT_EQ(STDIN_FILENO, in);
	mach_port_destroy(ME, p);
}

/* A fork()ed child that closes what it inherited still reaches the module. */
TEST(forked_child_that_closes_every_descriptor_still_works)
{
	int status;
	pid_t pid;

	ASSERT_LE(0, machexc_device_fd());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t p = MACH_PORT_NULL;
		int fd;

		for (fd = 3; fd < 1024; fd++)
			close(fd);
		if (mach_task_self() == MACH_PORT_NULL)
			_exit(1);
		if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) !=
		    KERN_SUCCESS)
			_exit(2);
		_exit(type_of(p) == MACH_PORT_TYPE_RECEIVE ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
