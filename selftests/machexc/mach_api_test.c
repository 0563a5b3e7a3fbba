// SPDX-License-Identifier: GPL-2.0
/*
 * Mach IPC through libmachexc, written as macOS code would be: every
 * mach_port_* call, mach_msg and its error cases, notifications, limits,
 * signals, fork.  Expected values are macOS's (XNU's ipc_right.c,
 * mach_port.c and ipc_kmsg.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/notify.h>

#include "machexc.h"
#include "stats.h"
#include "kselftest_harness.h"
#include "proc.h"

#define ME mach_task_self()

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

typedef struct {
	mach_msg_header_t header;
	int value;
	mach_msg_max_trailer_t trailer;
} simple_msg_t;

static mach_msg_return_t send_simple(mach_port_t dest, mach_msg_type_name_t disp,
				     mach_port_t reply, mach_msg_type_name_t reply_disp,
				     int id, int value, mach_msg_option_t extra,
				     mach_msg_timeout_t timeout)
{
	simple_msg_t m = { 0 };

	m.header.msgh_bits = MACH_MSGH_BITS(disp, reply_disp);
	m.header.msgh_remote_port = dest;
	m.header.msgh_local_port = reply;
	m.header.msgh_id = id;
	m.value = value;
	return mach_msg(&m.header, MACH_SEND_MSG | extra, sizeof(m.header) + sizeof(int), 0,
			MACH_PORT_NULL, timeout, MACH_PORT_NULL);
}

static mach_msg_return_t receive(mach_port_t name, void *buf, mach_msg_size_t size,
				 mach_msg_option_t extra, mach_msg_timeout_t timeout)
{
	return mach_msg(buf, MACH_RCV_MSG | extra, 0, size, name, timeout, MACH_PORT_NULL);
}

TEST(allocate_each_right_and_type)
{
	mach_port_t r, s, d;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &r));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_DEAD_NAME, &d));
	EXPECT_TRUE(MACH_PORT_VALID(r) && MACH_PORT_VALID(s) && MACH_PORT_VALID(d));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(r));
	EXPECT_EQ(MACH_PORT_TYPE_PORT_SET, type_of(s));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(d));
	EXPECT_EQ(1, refs(d, MACH_PORT_RIGHT_DEAD_NAME));
	mach_port_t x;

	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(ME, MACH_PORT_RIGHT_SEND, &x));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(ME, 42, &x));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_allocate(MACH_PORT_NULL,
							     MACH_PORT_RIGHT_RECEIVE, &x));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_allocate(r, MACH_PORT_RIGHT_RECEIVE, &x));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(ME, r));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(ME, s));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, d));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, r, &x));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, MACH_PORT_NULL, &x));
}

TEST(allocate_name_and_generations)
{
	mach_port_t name = 0x12300 | 0x07, p, again;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(ME, MACH_PORT_RIGHT_RECEIVE, name));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(name));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_allocate_name(ME, MACH_PORT_RIGHT_RECEIVE, name));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(ME, MACH_PORT_RIGHT_RECEIVE,
							      MACH_PORT_NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(ME, name));
	/* The index comes back with another generation; the old name is dead. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate_name(ME, MACH_PORT_RIGHT_RECEIVE,
							 0x12300 | 0x0b));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, name, &again));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(ME, name));
	mach_port_destroy(ME, 0x12300 | 0x0b);
	p = new_port();
	EXPECT_NE(MACH_PORT_NULL, p);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(ME, p));
}

/*
 * A fresh name takes the lowest free index, as Mach's free list hands back
 * the slot freed last; the generation tells the new name from the old.
 */
TEST(a_freed_names_index_comes_back_with_a_new_generation)
{
	mach_port_t p = new_port(), q;
	mach_port_type_t t;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, p));
	q = new_port();
	ASSERT_NE(MACH_PORT_NULL, q);
	EXPECT_EQ(MACH_PORT_INDEX(p), MACH_PORT_INDEX(q));
	EXPECT_NE(p, q);
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, p, &t));	/* the old name is dead */
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(q));
	mach_port_destroy(ME, q);
}

TEST(insert_right_and_refs)
{
	mach_port_t p = new_port(), q;

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
	EXPECT_EQ(1, refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(1, refs(p, MACH_PORT_RIGHT_RECEIVE));
	EXPECT_EQ(0, refs(p, MACH_PORT_RIGHT_SEND_ONCE));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_COPY_SEND));
	EXPECT_EQ(2, refs(p, MACH_PORT_RIGHT_SEND));
	/* MOVE_SEND onto the same name moves one reference onto itself. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MOVE_SEND));
	EXPECT_EQ(2, refs(p, MACH_PORT_RIGHT_SEND));
	/* A send right to a port we hold under another name is refused. */
	EXPECT_EQ(KERN_RIGHT_EXISTS, mach_port_insert_right(ME, 0x45600 | 3, p,
							     MACH_MSG_TYPE_MAKE_SEND));
	/* A send-once right gets a name of its own. */
	q = 0x45600 | 7;
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, q, p, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(q));
	EXPECT_EQ(1, refs(q, MACH_PORT_RIGHT_SEND_ONCE));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_insert_right(ME, q, p, MACH_MSG_TYPE_MAKE_SEND));

	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_SEND, 5));
	EXPECT_EQ(7, refs(p, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_SEND, -8));
	EXPECT_EQ(KERN_UREFS_OVERFLOW, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_SEND, 70000));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_PORT_SET, -1));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(ME, p, 9, 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_SEND, -6));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, p));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	/* Deallocating a receive right is not how it is done. */
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(ME, p));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, MACH_PORT_NULL));

	/* Destroying the receive right: the send-once right becomes dead. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(q));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, q));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, q, &q));
}

TEST(send_rights_to_dead_ports_become_dead_names)
{
	mach_port_t p = new_port(), other;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_SEND, 2));
	other = new_port();
	/* Give the receive right away to a message queued on another port. */
	struct {
		mach_msg_header_t h;
		mach_msg_body_t b;
		mach_msg_port_descriptor_t d;
	} m = { 0 };
	mach_port_t copy;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(ME, p, MACH_MSG_TYPE_MAKE_SEND, &copy,
							 &(mach_msg_type_name_t){ 0 }));
	EXPECT_EQ(p, copy);
	EXPECT_EQ(4, refs(p, MACH_PORT_RIGHT_SEND));
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.h.msgh_remote_port = other;
	m.b.msgh_descriptor_count = 1;
	m.d.name = p;
	m.d.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	m.d.type = MACH_MSG_PORT_DESCRIPTOR;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.h, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
	/* The queued receive right dies with the port it is queued on. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, other));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	EXPECT_EQ(4, refs(p, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_SEND, 1));
	/* A dead name is no destination. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 0, 0,
						      0, 0));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_DEAD_NAME, -4));
	EXPECT_EQ(0, type_of(p));
}

TEST(names_lists_every_right)
{
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t n = 0, nt = 0, i;
	mach_port_t p = new_port(), s;
	int seen = 0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &s));
	ASSERT_EQ(KERN_SUCCESS, mach_port_names(ME, &names, &n, &types, &nt));
	EXPECT_EQ(n, nt);
	EXPECT_GE(n, 3);	/* the task's own send right, p, s */
	for (i = 0; i < n; i++) {
		if (names[i] == p && types[i] == MACH_PORT_TYPE_RECEIVE)
			seen |= 1;
		if (names[i] == s && types[i] == MACH_PORT_TYPE_PORT_SET)
			seen |= 2;
		if (names[i] == ME && (types[i] & MACH_PORT_TYPE_SEND))
			seen |= 4;
	}
	EXPECT_EQ(7, seen);
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)names, n * sizeof(*names)));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)types, n * sizeof(*types)));
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, s);
}

/*
 * A name let go of is gone from mach_port_names(), even when the space
 * keeps its slot for the next name (as it does with the one freed last).
 */
TEST(names_lists_no_name_let_go_of)
{
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t n = 0, nt = 0, i, before;
	mach_port_t p = new_port();

	ASSERT_NE(MACH_PORT_NULL, p);
	ASSERT_EQ(KERN_SUCCESS, mach_port_names(ME, &names, &n, &types, &nt));
	before = n;
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)names, n * sizeof(*names)));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)types, n * sizeof(*types)));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, p));
	ASSERT_EQ(KERN_SUCCESS, mach_port_names(ME, &names, &n, &types, &nt));
	EXPECT_EQ(before - 1, n);
	EXPECT_EQ(n, nt);
	for (i = 0; i < n; i++) {
		EXPECT_NE(MACH_PORT_INDEX(p), MACH_PORT_INDEX(names[i]));
		EXPECT_NE(MACH_PORT_NULL, names[i]);
	}
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)names, n * sizeof(*names)));
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)types, n * sizeof(*types)));
}

TEST(message_round_trip_and_header_rights)
{
	mach_port_t p = new_port(), reply = new_port();
	simple_msg_t m;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_COPY_SEND, reply,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, 100, 42, 0, 0));
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &m, sizeof(m), 0, 0));
	EXPECT_EQ(100, m.header.msgh_id);
	EXPECT_EQ(42, m.value);
	EXPECT_EQ(p, m.header.msgh_local_port);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_REMOTE(m.header.msgh_bits));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, MACH_MSGH_BITS_LOCAL(m.header.msgh_bits));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(m.header.msgh_remote_port));

	/* Reply through the send-once right: consumed, arrives on reply. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(m.header.msgh_remote_port,
						MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0,
						200, 43, 0, 0));
	EXPECT_EQ(0, type_of(m.header.msgh_remote_port));
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(reply, &m, sizeof(m), 0, 0));
	EXPECT_EQ(200, m.header.msgh_id);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_LOCAL(m.header.msgh_bits));

	/* MOVE_SEND gives the send right away with the message. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MOVE_SEND, MACH_PORT_NULL, 0,
						1, 0, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &m, sizeof(m), 0, 0));
	/* MAKE_SEND straight from the receive right. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0,
						2, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &m, sizeof(m), 0, 0));
	EXPECT_EQ(2, m.header.msgh_id);
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, reply);
}

TEST(message_errors)
{
	mach_port_t p = new_port();
	simple_msg_t m = { 0 };
	char *big;

	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(p, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, receive(0x98700 | 3, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, send_simple(0x98700 | 3, MACH_MSG_TYPE_COPY_SEND,
						      MACH_PORT_NULL, 0, 0, 0, 0, 0));
	/* COPY_SEND needs a send right; p only has the receive right. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, send_simple(p, MACH_MSG_TYPE_COPY_SEND,
						      MACH_PORT_NULL, 0, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_REPLY, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0x98700 | 3,
						       MACH_MSG_TYPE_COPY_SEND, 0, 0, 0, 0));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = p;
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mach_msg(&m.header, MACH_SEND_MSG, 22, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mach_msg(&m.header, MACH_SEND_MSG, 26, 0, 0, 0, 0));
	big = calloc(1, 16 << 20);
	ASSERT_NE(NULL, big);
	memcpy(big, &m.header, sizeof(m.header));
	EXPECT_EQ(MACH_SEND_TOO_LARGE, mach_msg((mach_msg_header_t *)big, MACH_SEND_MSG,
						16 << 20, 0, 0, 0, 0));
	free(big);
	EXPECT_EQ(0, type_of(0x98700 | 3));
	mach_port_destroy(ME, p);
}

TEST(receive_too_large)
{
	mach_port_t p = new_port();
	simple_msg_t m;
	mach_msg_header_t small;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0,
						5, 0, 0, 0));
	/* With MACH_RCV_LARGE it stays queued and msgh_size says what it needs. */
	memset(&small, 0, sizeof(small));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, receive(p, &small, sizeof(small), MACH_RCV_LARGE, 0));
	EXPECT_EQ(sizeof(mach_msg_header_t) + sizeof(int) + sizeof(mach_msg_trailer_t),
		  small.msgh_size);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(5, m.header.msgh_id);
	/* Without it the message is gone. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0,
						6, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, receive(p, &small, sizeof(small), 0, 0));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(p, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(ME, p);
}

TEST(audit_and_seqno_trailers)
{
	mach_port_t p = new_port();
	simple_msg_t m;
	mach_msg_audit_trailer_t *t;
	mach_msg_option_t audit = MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
				  MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 2, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &m, sizeof(m), audit, 0));
	t = (mach_msg_audit_trailer_t *)((char *)&m + m.header.msgh_size);
	EXPECT_EQ(MACH_MSG_TRAILER_FORMAT_0, t->msgh_trailer_type);
	EXPECT_EQ(sizeof(mach_msg_audit_trailer_t), t->msgh_trailer_size);
	EXPECT_EQ(getpid(), (pid_t)t->msgh_audit.val[5]);
	EXPECT_EQ(geteuid(), t->msgh_audit.val[1]);
	EXPECT_EQ(geteuid(), t->msgh_sender.val[0]);
	EXPECT_EQ(getegid(), t->msgh_sender.val[1]);
	mach_port_seqno_t first = t->msgh_seqno;

	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &m, sizeof(m),
				       MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO), 0));
	t = (mach_msg_audit_trailer_t *)((char *)&m + m.header.msgh_size);
	EXPECT_EQ(sizeof(mach_msg_seqno_trailer_t), t->msgh_trailer_size);
	EXPECT_EQ(first + 1, t->msgh_seqno);
	mach_port_destroy(ME, p);
}

/* /proc/self/loginuid: the login uid, or (uid_t)-1 while unset. */
static uint32_t loginuid(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/loginuid", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	return buf[0] ? (uint32_t)strtoul(buf, NULL, 10) : UINT32_MAX;
}

/* The pidversion (audit token val[7]) of a message @p receives. */
static uint32_t pidversion_of_next(mach_port_t p, uint32_t *auid)
{
	simple_msg_t m;
	mach_msg_audit_trailer_t *t;

	if (receive(p, &m, sizeof(m), MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
		    MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT), 0))
		return 0;
	t = (mach_msg_audit_trailer_t *)((char *)&m + m.header.msgh_size);
	if (auid)
		*auid = t->msgh_audit.val[0];
	return t->msgh_audit.val[7];
}

/*
 * The audit token's auid is the sender's login uid, -1 while none was set
 * (macOS's AU_DEFAUDITID); its pidversion tells one process from another
 * that had the same pid, and from itself after exec: here, a parent from
 * its child, and one process from itself.
 */
TEST(audit_token_auid_and_pidversion)
{
	mach_port_t p = new_port();
	uint32_t mine, again, child, auid = 0;
	int status;
	pid_t pid;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0, 0));
	mine = pidversion_of_next(p, &auid);
	EXPECT_EQ(loginuid(), auid);
	EXPECT_NE(0, mine);
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 2, 0, 0, 0));
	again = pidversion_of_next(p, NULL);
	EXPECT_EQ(mine, again);
	/* The child sends through the bootstrap port it inherits. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(ME, p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t parent = MACH_PORT_NULL;

		if (task_get_bootstrap_port(ME, &parent) || !parent)
			_exit(1);
		_exit(send_simple(parent, MACH_MSG_TYPE_COPY_SEND, 0, 0, 3, 0, 0, 0) ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	task_set_bootstrap_port(ME, MACH_PORT_NULL);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	child = pidversion_of_next(p, NULL);
	EXPECT_NE(0, child);
	EXPECT_NE(mine, child);
	mach_port_destroy(ME, p);
}

TEST(port_descriptors_move_every_right)
{
	mach_port_t dest = new_port(), a = new_port(), b = new_port();
	struct {
		mach_msg_header_t h;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t d[3];
		mach_msg_max_trailer_t trailer;
	} m = { 0 };

	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.h.msgh_remote_port = dest;
	m.body.msgh_descriptor_count = 3;
	m.d[0] = (mach_msg_port_descriptor_t){ .name = a, .disposition = MACH_MSG_TYPE_MAKE_SEND,
					       .type = MACH_MSG_PORT_DESCRIPTOR };
	m.d[1] = (mach_msg_port_descriptor_t){ .name = a,
					       .disposition = MACH_MSG_TYPE_MAKE_SEND_ONCE,
					       .type = MACH_MSG_PORT_DESCRIPTOR };
	m.d[2] = (mach_msg_port_descriptor_t){ .name = b,
					       .disposition = MACH_MSG_TYPE_MOVE_RECEIVE,
					       .type = MACH_MSG_PORT_DESCRIPTOR };
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.h, MACH_SEND_MSG,
					     sizeof(m) - sizeof(m.trailer), 0, 0, 0, 0));
	EXPECT_EQ(0, type_of(b));
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(dest, &m, sizeof(m), 0, 0));
	EXPECT_TRUE(m.h.msgh_bits & MACH_MSGH_BITS_COMPLEX);
	ASSERT_EQ(3, m.body.msgh_descriptor_count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (unsigned int)m.d[0].disposition);
	EXPECT_EQ(a, m.d[0].name);	/* merged with our receive right */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(a));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, (unsigned int)m.d[1].disposition);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(m.d[1].name));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (unsigned int)m.d[2].disposition);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(m.d[2].name));
	/* A bad descriptor fails the send and takes nothing. */
	mach_port_t c = new_port();

	memset(&m, 0, sizeof(m));
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.h.msgh_remote_port = dest;
	m.body.msgh_descriptor_count = 2;
	m.d[0] = (mach_msg_port_descriptor_t){ .name = c, .disposition = MACH_MSG_TYPE_MOVE_RECEIVE,
					       .type = MACH_MSG_PORT_DESCRIPTOR };
	m.d[1] = (mach_msg_port_descriptor_t){ .name = 0x98700 | 3,
					       .disposition = MACH_MSG_TYPE_COPY_SEND,
					       .type = MACH_MSG_PORT_DESCRIPTOR };
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mach_msg(&m.h, MACH_SEND_MSG,
						    sizeof(m.h) + 4 + 2 * 12, 0, 0, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(c));
	m.d[1].type = 9;	/* no such descriptor */
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, mach_msg(&m.h, MACH_SEND_MSG,
						   sizeof(m.h) + 4 + 2 * 12, 0, 0, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(c));
}

TEST(port_sets)
{
	mach_port_t set, a = new_port(), b = new_port();
	simple_msg_t m;
	mach_port_status_t st;
	mach_msg_type_number_t cnt = MACH_PORT_RECEIVE_STATUS_COUNT;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(ME, a, set));
	EXPECT_EQ(KERN_ALREADY_IN_SET, mach_port_insert_member(ME, a, set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_move_member(ME, b, set));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(ME, set, set));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_member(ME, a, 0x98700 | 3));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(ME, a, MACH_PORT_RECEIVE_STATUS,
							  (mach_port_info_t)&st, &cnt));
	EXPECT_EQ(set, st.mps_pset);

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(b, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 11, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(set, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(11, m.header.msgh_id);
	EXPECT_EQ(b, m.header.msgh_local_port);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(set, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_member(ME, b, set));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_extract_member(ME, b, set));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(b, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 12, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(set, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_move_member(ME, a, MACH_PORT_NULL));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_move_member(ME, a, MACH_PORT_NULL));
	mach_port_destroy(ME, set);
	mach_port_destroy(ME, a);
	mach_port_destroy(ME, b);
}

TEST(queue_limit_attributes)
{
	mach_port_t p = new_port();
	mach_port_limits_t lim = { 0 };
	mach_port_status_t st;
	mach_msg_type_number_t cnt = MACH_PORT_LIMITS_INFO_COUNT;
	simple_msg_t m;

	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(ME, p, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim, &cnt));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, lim.mpl_qlimit);
	lim.mpl_qlimit = MACH_PORT_QLIMIT_MAX + 1;
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_set_attributes(ME, p, MACH_PORT_LIMITS_INFO,
							       (mach_port_info_t)&lim,
							       MACH_PORT_LIMITS_INFO_COUNT));
	lim.mpl_qlimit = 2;
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(ME, p, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim,
							  MACH_PORT_LIMITS_INFO_COUNT));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 2, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_TIMED_OUT, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 3, 0,
						   MACH_SEND_TIMEOUT, 0));
	cnt = MACH_PORT_RECEIVE_STATUS_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(ME, p, MACH_PORT_RECEIVE_STATUS,
							  (mach_port_info_t)&st, &cnt));
	EXPECT_EQ(MACH_PORT_RECEIVE_STATUS_COUNT, cnt);
	EXPECT_EQ(2, st.mps_msgcount);
	EXPECT_EQ(2, st.mps_qlimit);
	/* The timed-out send unmade its send right (XNU would hand it back). */
	EXPECT_EQ(2, st.mps_mscount);
	EXPECT_TRUE(st.mps_srights);	/* two sends in the queue */
	cnt = 0;
	EXPECT_EQ(KERN_FAILURE, mach_port_get_attributes(ME, p, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&lim, &cnt));
	EXPECT_EQ(KERN_SUCCESS, receive(p, &m, sizeof(m), 0, 0));
	mach_port_destroy(ME, p);
}

static mach_port_t blocked_port;

static void *drain_later(void *arg)
{
	simple_msg_t m;

	(void)arg;
	usleep(100 * 1000);
	receive(blocked_port, &m, sizeof(m), 0, 0);
	return NULL;
}

TEST(sender_waits_for_room)
{
	mach_port_limits_t lim = { .mpl_qlimit = 1 };
	pthread_t t;
	simple_msg_t m;

	blocked_port = new_port();
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(ME, blocked_port, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(blocked_port, MACH_MSG_TYPE_MAKE_SEND, 0, 0,
						1, 0, 0, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, drain_later, NULL));
	/* Blocks until the other thread receives, then succeeds. */
	EXPECT_EQ(MACH_MSG_SUCCESS, send_simple(blocked_port, MACH_MSG_TYPE_MAKE_SEND, 0, 0,
						2, 0, 0, 0));
	pthread_join(t, NULL);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(blocked_port, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(2, m.header.msgh_id);
	mach_port_destroy(ME, blocked_port);
}

struct blocked_send {
	mach_port_t port;
	pid_t tid;
	mach_msg_return_t mr;
};

static void *send_move_and_block(void *arg)
{
	struct blocked_send *b = arg;

	b->tid = gettid();
	b->mr = send_simple(b->port, MACH_MSG_TYPE_MOVE_SEND, 0, 0, 3, 0, 0, 0);
	return NULL;
}

/*
 * A send that waits for room, with MOVE_SEND, while its destination dies:
 * the send fails and the moved right comes back, as what it now is, a dead
 * name (which can then be destroyed like any other).
 */
TEST(failed_send_returns_a_right_to_a_dead_port_as_a_dead_name)
{
	mach_port_limits_t lim = { .mpl_qlimit = 0 };	/* every send waits */
	struct blocked_send b = { .port = new_port() };
	mach_port_type_t type;
	mach_port_urefs_t refs;
	pthread_t t;

	ASSERT_NE(MACH_PORT_NULL, b.port);
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, b.port, b.port,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, b.port, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(ME, b.port, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim, 1));
	ASSERT_EQ(0, pthread_create(&t, NULL, send_move_and_block, &b));
	while (!b.tid || thread_state_of(b.tid) != 'S')
		sched_yield();
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, b.port, MACH_PORT_RIGHT_RECEIVE, -1));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, b.mr);
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(ME, b.port, &type));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(ME, b.port, MACH_PORT_RIGHT_DEAD_NAME, &refs));
	EXPECT_LE(1, refs);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(ME, b.port));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, b.port, &type));
}

struct blocked_copy {
	mach_port_t dest, carried;
	pid_t tid;
	mach_msg_return_t mr;
};

static void *send_copy_and_block(void *arg)
{
	struct blocked_copy *b = arg;

	b->tid = gettid();
	b->mr = send_simple(b->dest, MACH_MSG_TYPE_MAKE_SEND, b->carried,
			    MACH_MSG_TYPE_COPY_SEND, 4, 0, 0, 0);
	return NULL;
}

/*
 * A failed send gives back the send right it copied like any send right:
 * if that was the last one, no-senders fires.  Here the name's own right
 * goes while the send waits, and the send then fails (its destination
 * dies).
 */
TEST(failed_send_keeps_no_senders)
{
	mach_port_limits_t lim = { .mpl_qlimit = 0 };
	struct blocked_copy b = { .dest = new_port(), .carried = new_port() };
	mach_port_t notify = new_port(), prev;
	struct {
		mach_no_senders_notification_t n;
		char pad[64];
	} m;
	pthread_t t;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, b.carried, b.carried,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, b.carried,
							       MACH_NOTIFY_NO_SENDERS, 0, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(ME, b.dest, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim, 1));
	ASSERT_EQ(0, pthread_create(&t, NULL, send_copy_and_block, &b));
	while (!b.tid || thread_state_of(b.tid) != 'S')
		sched_yield();
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, b.carried));	/* not the last */
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, b.dest, MACH_PORT_RIGHT_RECEIVE, -1));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, b.mr);
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, m.n.not_header.msgh_id);
	mach_port_destroy(ME, b.carried);
	mach_port_destroy(ME, notify);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct rcv_thread {
	mach_port_t port;
	mach_msg_option_t option;
	mach_msg_return_t mr;
	int id;
	volatile int started;
	volatile int done;
};

static void *receiver(void *arg)
{
	struct rcv_thread *r = arg;
	simple_msg_t m = { 0 };

	r->started = 1;
	r->mr = receive(r->port, &m, sizeof(m), r->option, 0);
	r->id = m.header.msgh_id;
	r->done = 1;
	return NULL;
}

TEST(signals_interrupt_only_when_asked)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct rcv_thread r = { .port = new_port(), .option = MACH_RCV_INTERRUPT };
	pthread_t t;
	int i;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, receiver, &r));
	while (!r.started)
		usleep(1000);
	/* Keep signalling until the receive is over: the first may come early. */
	for (i = 0; i < 500 && !r.done; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(10 * 1000);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_RCV_INTERRUPTED, r.mr);

	/* Without MACH_RCV_INTERRUPT the library retries: nothing is lost. */
	r = (struct rcv_thread){ .port = r.port, .option = 0 };
	ASSERT_EQ(0, pthread_create(&t, NULL, receiver, &r));
	while (!r.started)
		usleep(1000);
	for (i = 0; i < 5; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(10 * 1000);
	}
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(r.port, MACH_MSG_TYPE_MAKE_SEND, 0, 0,
						77, 0, 0, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, r.mr);
	EXPECT_EQ(77, r.id);
	mach_port_destroy(ME, r.port);
}

/* A server thread: one request in, one reply out through its reply right. */
static void *server(void *arg)
{
	mach_port_t port = *(mach_port_t *)arg;
	simple_msg_t m = { 0 };

	if (receive(port, &m, sizeof(m), 0, 0) != MACH_MSG_SUCCESS)
		return NULL;
	send_simple(m.header.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0,
		    m.header.msgh_id + 100, m.value * 2, 0, 0);
	return NULL;
}

struct snd_thread {
	mach_port_t port;
	mach_msg_return_t mr;
	volatile int started, done;
};

static void *sender(void *arg)
{
	struct snd_thread *s = arg;

	s->started = 1;
	s->mr = send_simple(s->port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 3, 0, MACH_SEND_INTERRUPT, 0);
	s->done = 1;
	return NULL;
}

/* A sender waiting for room sees MACH_SEND_INTERRUPTED when it asked to. */
TEST(send_interrupted_when_asked)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	mach_port_limits_t lim = { .mpl_qlimit = 1 };
	struct snd_thread s = { .port = new_port() };
	simple_msg_t m;
	pthread_t t;
	int i;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(ME, s.port, MACH_PORT_LIMITS_INFO,
							  (mach_port_info_t)&lim, 1));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(s.port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0,
						0, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, sender, &s));
	while (!s.started)
		usleep(1000);
	for (i = 0; i < 500 && !s.done; i++) {
		pthread_kill(t, SIGUSR1);
		usleep(10 * 1000);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_SEND_INTERRUPTED, s.mr);
	/* Nothing was queued by the interrupted send. */
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(s.port, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(1, m.header.msgh_id);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(s.port, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(ME, s.port);
}

TEST(rpc_send_and_receive_in_one_call)
{
	mach_port_t service = new_port(), reply = new_port();
	simple_msg_t m = { 0 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, server, &service));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.header.msgh_remote_port = service;
	m.header.msgh_local_port = reply;
	m.header.msgh_id = 500;
	m.value = 21;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG | MACH_RCV_MSG,
					     sizeof(m.header) + sizeof(int), sizeof(m), reply,
					     0, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(600, m.header.msgh_id);
	EXPECT_EQ(42, m.value);
	EXPECT_EQ(reply, m.header.msgh_local_port);
	mach_port_destroy(ME, service);
	mach_port_destroy(ME, reply);
}

/*
 * A send right to a port another process receives on: the child hands
 * one over through the bootstrap port, then exits; the parent learns of
 * the death from its dead-name request.
 */
TEST(dead_name_notification)
{
	mach_port_t boot = new_port(), notify = new_port(), prev = 1, send;
	struct {
		mach_msg_header_t h;
		mach_msg_body_t b;
		mach_msg_port_descriptor_t d;
		mach_msg_max_trailer_t t;
	} gift;
	struct {
		mach_dead_name_notification_t n;
		char pad[64];
	} m;
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, boot, boot, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(ME, boot));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t parent, mine = new_port();
		simple_msg_t wait;

		if (task_get_bootstrap_port(ME, &parent) != KERN_SUCCESS || !parent)
			_exit(1);
		memset(&gift, 0, sizeof(gift));
		gift.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) |
				   MACH_MSGH_BITS_COMPLEX;
		gift.h.msgh_remote_port = parent;
		gift.b.msgh_descriptor_count = 1;
		gift.d.name = mine;
		gift.d.disposition = MACH_MSG_TYPE_MAKE_SEND;
		gift.d.type = MACH_MSG_PORT_DESCRIPTOR;
		if (mach_msg(&gift.h, MACH_SEND_MSG, sizeof(gift) - sizeof(gift.t), 0, 0, 0, 0))
			_exit(2);
		/* Wait for the word to die. */
		receive(mine, &wait, sizeof(wait), 0, 0);
		_exit(0);
	}
	memset(&gift, 0, sizeof(gift));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(boot, &gift, sizeof(gift), 0, 0));
	send = gift.d.name;
	ASSERT_EQ(MACH_PORT_TYPE_SEND, type_of(send));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, send, MACH_NOTIFY_DEAD_NAME, 0,
							       notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	EXPECT_TRUE(type_of(send) & MACH_PORT_TYPE_DNREQUEST);
	/* Replacing the request hands back the previous notify right. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, send, MACH_NOTIFY_DEAD_NAME, 0,
							       notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(prev));
	mach_port_deallocate(ME, prev);		/* sends a send-once notification */
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, m.n.not_header.msgh_id);

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(send, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The child's space is reaped asynchronously: wait for the news. */
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 10000));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, m.n.not_header.msgh_id);
	EXPECT_EQ(send, m.n.not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(send));
	/* The notification carries a user reference of the dead name. */
	EXPECT_EQ(2, refs(send, MACH_PORT_RIGHT_DEAD_NAME));
	mach_port_mod_refs(ME, send, MACH_PORT_RIGHT_DEAD_NAME, -2);
	task_set_bootstrap_port(ME, MACH_PORT_NULL);
	mach_port_destroy(ME, notify);
	mach_port_destroy(ME, boot);
}

TEST(no_senders_notification)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	struct {
		mach_no_senders_notification_t n;
		char pad[64];
	} m;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_NO_SENDERS, 0,
							       notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, p));
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, m.n.not_header.msgh_id);
	EXPECT_EQ(1, m.n.not_count);
	/* No-senders requests belong to receive rights. */
	mach_port_t dead;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_DEAD_NAME, &dead));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(ME, dead,
								     MACH_NOTIFY_NO_SENDERS, 0,
								     MACH_PORT_NULL, 0, &prev));
	mach_port_deallocate(ME, dead);
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(ME, p, 12345, 0,
								     MACH_PORT_NULL, 0, &prev));
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

TEST(send_once_notification)
{
	mach_port_t p = new_port(), so = 0x66600 | 3;
	mach_send_once_notification_t n;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, so, p, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, so));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.not_header.msgh_id);
	EXPECT_EQ(p, n.not_header.msgh_local_port);
	mach_port_destroy(ME, p);
}

/* Rights inside messages that die with their port are released. */
TEST(queued_rights_released_when_port_dies)
{
	mach_port_t a = new_port(), b = new_port();
	mach_send_once_notification_t n;

	/* A request to a, carrying a reply right to b, never received. */
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(a, MACH_MSG_TYPE_MAKE_SEND, b,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, 1, 0, 0, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, a));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(b, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.not_header.msgh_id);
	mach_port_destroy(ME, b);
}

/* Port-destroyed and send-possible notifications, as XNU sends them. */
typedef struct {
	mach_port_destroyed_notification_t n;
	char pad[64];
} pd_msg_t;

static kern_return_t request_pd(mach_port_t name, mach_port_t notify, mach_port_t *prev)
{
	return mach_port_request_notification(ME, name, MACH_NOTIFY_PORT_DESTROYED, 0, notify,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE, prev);
}

static mach_port_status_t status_of(mach_port_t name)
{
	mach_port_status_t st = { 0 };
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;

	mach_port_get_attributes(ME, name, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st,
				 &count);
	return st;
}

static mach_msg_return_t send_receive_right(mach_port_t dest, mach_port_t right)
{
	struct {
		mach_msg_header_t h;
		mach_msg_body_t b;
		mach_msg_port_descriptor_t d;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.h.msgh_remote_port = dest;
	m.b.msgh_descriptor_count = 1;
	m.d.name = right;
	m.d.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	m.d.type = MACH_MSG_PORT_DESCRIPTOR;
	return mach_msg(&m.h, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static mach_msg_return_t set_qlimit(mach_port_t name, mach_port_msgcount_t qlimit)
{
	mach_port_limits_t lim = { .mpl_qlimit = qlimit };

	return mach_port_set_attributes(ME, name, MACH_PORT_LIMITS_INFO, (mach_port_info_t)&lim,
					MACH_PORT_LIMITS_INFO_COUNT);
}

#define RACE_MSGS	3000

struct rights_race {
	mach_port_t port, sink;
	volatile int senders_done;
	volatile int destroyed;
	volatile int destroyer_done;
	mach_msg_return_t mr;
};

/* Send RACE_MSGS / 2 messages to the sink, each with a copy of the send right. */
static void *copy_rights(void *arg)
{
	struct rights_race *r = arg;
	int i;

	for (i = 0; i < RACE_MSGS / 2 && r->mr == MACH_MSG_SUCCESS; i++)
		r->mr = send_simple(r->sink, MACH_MSG_TYPE_MAKE_SEND, r->port,
				    MACH_MSG_TYPE_COPY_SEND, i, 0, 0, 0);
	__atomic_add_fetch(&r->senders_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Take every message off the sink too large: each is destroyed, its right released. */
static void *destroy_rights(void *arg)
{
	struct rights_race *r = arg;
	mach_msg_header_t small;

	while (r->destroyed < RACE_MSGS) {
		if (receive(r->sink, &small, sizeof(small), MACH_RCV_TIMEOUT, 1000) !=
		    MACH_RCV_TOO_LARGE)
			break;
		__atomic_add_fetch(&r->destroyed, 1, __ATOMIC_SEQ_CST);
	}
	r->destroyer_done = 1;
	return NULL;
}

/*
 * Send rights are counted without the port's lock but for the last one's
 * release: with two threads copying a port's send right into messages and
 * a third destroying them, the no-senders notification comes once, after
 * the name's own right and every copy are gone, never while a message
 * still holds one.
 */
TEST(no_senders_fires_once_after_the_last_of_rights_copied_and_released_at_once)
{
	struct rights_race r = { .port = new_port(), .sink = new_port(), .mr = MACH_MSG_SUCCESS };
	mach_port_t notify = new_port(), prev;
	pthread_t a, b, d;
	int early = 0, got = 0;
	struct {
		mach_no_senders_notification_t n;
		char pad[64];
	} m, seen = { 0 };

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, r.port, r.port,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, r.port, MACH_NOTIFY_NO_SENDERS,
							       0, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	ASSERT_EQ(0, pthread_create(&d, NULL, destroy_rights, &r));
	ASSERT_EQ(0, pthread_create(&a, NULL, copy_rights, &r));
	ASSERT_EQ(0, pthread_create(&b, NULL, copy_rights, &r));
	while (r.senders_done < 2) {
		/* While the name's right stays, nothing fires, whatever the copies do. */
		if (receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0) == MACH_MSG_SUCCESS)
			early++;
		sched_yield();
	}
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(ME, r.port));
	/* Now the copies in flight are the last: a notice before the queue is empty is early. */
	while (!r.destroyer_done) {
		if (receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0) == MACH_MSG_SUCCESS) {
			if (status_of(r.sink).mps_msgcount > 0)
				early++;
			seen = m;
			got++;
		}
		sched_yield();
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(d, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, r.mr);
	EXPECT_EQ(RACE_MSGS, r.destroyed);
	EXPECT_EQ(0, early);
	if (!got) {
		ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &seen, sizeof(seen), MACH_RCV_TIMEOUT,
						    1000));
		got++;
	}
	EXPECT_EQ(1, got);
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, seen.n.not_header.msgh_id);
	EXPECT_EQ(1, seen.n.not_count);	/* the make-send count */
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(ME, r.port);
	mach_port_destroy(ME, r.sink);
	mach_port_destroy(ME, notify);
}

/*
 * mach_port_destroy() on a receive right with a port-destroyed request:
 * the port lives on, and the receive right, its queue with it, arrives
 * in the notification (mach_port_destroyed_notification_t, msgh_id 69).
 */
TEST(port_destroyed_notification_carries_the_receive_right)
{
	mach_port_t p = new_port(), notify = new_port(), prev = 1, got;
	mach_port_type_t t;
	simple_msg_t s;
	pd_msg_t m;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 7, 1, 0, 0));
	ASSERT_EQ(KERN_SUCCESS, request_pd(p, notify, &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	EXPECT_EQ(1, status_of(p).mps_pdrequest);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));	/* no type bit for it */
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, p));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, p, &t));

	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(0x45, m.n.not_header.msgh_id);
	EXPECT_EQ(MACH_NOTIFY_PORT_DESTROYED, m.n.not_header.msgh_id);
	EXPECT_EQ(MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE),
		  m.n.not_header.msgh_bits);
	EXPECT_EQ(sizeof(m.n) - sizeof(m.n.trailer), m.n.not_header.msgh_size);
	EXPECT_EQ(notify, m.n.not_header.msgh_local_port);
	EXPECT_EQ(MACH_PORT_NULL, m.n.not_header.msgh_remote_port);
	EXPECT_EQ(1, m.n.not_body.msgh_descriptor_count);
	EXPECT_EQ(MACH_MSG_PORT_DESCRIPTOR, (int)m.n.not_port.type);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (int)m.n.not_port.disposition);
	got = m.n.not_port.name;
	ASSERT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(got));
	/* The queue came along; the request is used up. */
	memset(&s, 0, sizeof(s));
	EXPECT_EQ(MACH_MSG_SUCCESS, receive(got, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(7, s.header.msgh_id);
	EXPECT_EQ(0, status_of(got).mps_pdrequest);
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(ME, got));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(ME, notify);
}

/*
 * mod_refs(RECEIVE, -1) is a destruction too.  Send rights stay good all
 * along (the port is alive in transit), and the receive right comes back
 * under their name, with the make-send count and sequence number reset.
 */
TEST(port_destroyed_by_mod_refs_keeps_the_port_alive)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	mach_port_status_t st;
	simple_msg_t s;
	pd_msg_t m;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0, 0));
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	ASSERT_EQ(KERN_SUCCESS, request_pd(p, notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(p));
	EXPECT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 2, 0, 0, 0));

	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_PORT_DESTROYED, m.n.not_header.msgh_id);
	EXPECT_EQ(p, m.n.not_port.name);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
	st = status_of(p);
	EXPECT_EQ(0, st.mps_mscount);
	EXPECT_EQ(0, st.mps_seqno);
	EXPECT_EQ(1, st.mps_msgcount);
	memset(&s, 0, sizeof(s));
	EXPECT_EQ(MACH_MSG_SUCCESS, receive(p, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(2, s.header.msgh_id);
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

/* A message destroyed with the receive right in it destroys the right. */
TEST(port_destroyed_when_the_message_carrying_it_is_destroyed)
{
	mach_port_t p = new_port(), q = new_port(), notify = new_port(), prev;
	pd_msg_t m;

	ASSERT_EQ(KERN_SUCCESS, request_pd(p, notify, &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_receive_right(q, p));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, q));	/* and its queue */
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_PORT_DESTROYED, m.n.not_header.msgh_id);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(m.n.not_port.name));
	mach_port_destroy(ME, m.n.not_port.name);
	mach_port_destroy(ME, notify);
}

/*
 * A notification that would put the port in its own transit chain (sent
 * to the port itself, or to a port queued in it) is destroyed, and the
 * port with it, as any such message; nothing is left behind.
 */
TEST(port_destroyed_notification_into_its_own_chain_destroys_the_port)
{
	struct machexc_stats before, after;
	mach_port_t p = new_port(), n, so = 0x77700 | 3, prev;

	/* Our task (and its port) exist before the baseline: p made them. */
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &before));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, request_pd(p, p, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	mach_port_deallocate(ME, p);

	/* The notify port n travels in p's queue. */
	p = new_port();
	n = new_port();
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, so, n, MACH_MSG_TYPE_MAKE_SEND_ONCE));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_receive_right(p, n));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_PORT_DESTROYED,
							       0, so,
							       MACH_MSG_TYPE_MOVE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	mach_port_deallocate(ME, p);
	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &after));
	EXPECT_EQ(before.ports - 1, after.ports);	/* the first p is gone too */
	EXPECT_EQ(before.kmsgs, after.kmsgs);
}

/* With its notify port dead, the request is spent and the port dies. */
TEST(port_destroyed_with_a_dead_notify_port_destroys_the_port)
{
	mach_port_t p = new_port(), notify = new_port(), prev;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, request_pd(p, notify, &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, notify));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	mach_port_deallocate(ME, p);
}

/*
 * XNU's checks: sync must be 0, the name a receive right; one request per
 * port, never replaced (KERN_FAILURE); a dead notify port is refused.
 */
TEST(port_destroyed_request_is_checked_as_xnu)
{
	mach_port_t p = new_port(), notify = new_port(), set, prev = 1;
	mach_send_once_notification_t so;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &set));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(ME, p,
				MACH_NOTIFY_PORT_DESTROYED, 1, MACH_PORT_NULL, 0, &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(ME, MACH_PORT_NULL,
				MACH_NOTIFY_PORT_DESTROYED, 0, MACH_PORT_NULL, 0, &prev));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_request_notification(ME, 0x77700 | 3,
				MACH_NOTIFY_PORT_DESTROYED, 0, MACH_PORT_NULL, 0, &prev));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(ME, set,
				MACH_NOTIFY_PORT_DESTROYED, 0, MACH_PORT_NULL, 0, &prev));
	EXPECT_EQ(KERN_INVALID_CAPABILITY, mach_port_request_notification(ME, p,
				MACH_NOTIFY_PORT_DESTROYED, 0, MACH_PORT_DEAD,
				MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev));
	EXPECT_EQ(0, status_of(p).mps_pdrequest);

	ASSERT_EQ(KERN_SUCCESS, request_pd(p, notify, &prev));
	prev = 1;
	EXPECT_EQ(KERN_FAILURE, request_pd(p, notify, &prev));
	EXPECT_EQ(1, prev);
	/* ... and the right made for the refused request is destroyed. */
	memset(&so, 0, sizeof(so));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &so, sizeof(so), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, so.not_header.msgh_id);
	EXPECT_EQ(1, status_of(p).mps_pdrequest);
	mach_port_destroy(ME, set);
	mach_port_destroy(ME, notify);
	mach_port_destroy(ME, p);
}

/*
 * As macOS's trap, a request that fails destroys the notify right it was
 * given: a moved send-once right is gone, and says so.
 */
TEST(failed_request_destroys_the_notify_right)
{
	mach_port_t set, notify = new_port(), so = 0x77700 | 3, prev;
	mach_send_once_notification_t n;
	mach_port_type_t t;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, so, notify,
						       MACH_MSG_TYPE_MAKE_SEND_ONCE));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(ME, set,
				MACH_NOTIFY_NO_SENDERS, 0, so, MACH_MSG_TYPE_MOVE_SEND_ONCE, &prev));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(ME, so, &t));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, n.not_header.msgh_id);
	EXPECT_EQ(0, status_of(notify).mps_sorights);
	mach_port_destroy(ME, set);
	mach_port_destroy(ME, notify);
}

/* The port-destroyed notification of a port left behind by an exit. */
FIXTURE(exit_pd) {
	pid_t pid;
	mach_port_t boot, notify;
};

FIXTURE_SETUP(exit_pd)
{
	self->pid = -1;
	self->boot = new_port();
	self->notify = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->boot);
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, self->boot, self->boot,
						       MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(ME, self->boot));
}

FIXTURE_TEARDOWN(exit_pd)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	task_set_bootstrap_port(ME, MACH_PORT_NULL);
	mach_port_destroy(ME, self->boot);
	mach_port_destroy(ME, self->notify);
}

TEST_F(exit_pd, port_destroyed_when_its_process_exits)
{
	simple_msg_t hello, ticket, s;
	int status;
	pd_msg_t m;

	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		mach_port_t parent, mine = new_port(), p = new_port(), prev;

		if (task_get_bootstrap_port(ME, &parent) != KERN_SUCCESS || !parent)
			_exit(1);
		/* Ask the parent for a send-once right to its notify port. */
		if (send_simple(parent, MACH_MSG_TYPE_COPY_SEND, mine, MACH_MSG_TYPE_MAKE_SEND,
				1, 0, 0, 0))
			_exit(2);
		if (receive(mine, &ticket, sizeof(ticket), 0, 0))
			_exit(3);
		if (send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 9, 0, 0, 0))
			_exit(4);
		if (mach_port_request_notification(ME, p, MACH_NOTIFY_PORT_DESTROYED, 0,
						   ticket.header.msgh_remote_port,
						   MACH_MSG_TYPE_MOVE_SEND_ONCE, &prev))
			_exit(5);
		_exit(0);
	}
	memset(&hello, 0, sizeof(hello));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->boot, &hello, sizeof(hello), 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(hello.header.msgh_remote_port,
						MACH_MSG_TYPE_MOVE_SEND, self->notify,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, 2, 0, 0, 0));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = -1;
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The child's space is torn down asynchronously: wait for the news. */
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->notify, &m, sizeof(m), MACH_RCV_TIMEOUT,
					    10000));
	EXPECT_EQ(MACH_NOTIFY_PORT_DESTROYED, m.n.not_header.msgh_id);
	ASSERT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(m.n.not_port.name));
	memset(&s, 0, sizeof(s));
	EXPECT_EQ(MACH_MSG_SUCCESS, receive(m.n.not_port.name, &s, sizeof(s),
					    MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(9, s.header.msgh_id);
	mach_port_destroy(ME, m.n.not_port.name);
}

/*
 * Send-possible: requested on a name, armed by a send with
 * MACH_SEND_NOTIFY that finds the queue full, fired (once) when a message
 * is received from the port.
 */
TEST(send_possible_fires_after_a_full_send_with_send_notify)
{
	mach_port_t p = new_port(), notify = new_port(), prev = 1;
	mach_send_possible_notification_t n;
	simple_msg_t s;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(p, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_SEND_POSSIBLE,
							       0, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_NULL, prev);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST |
		  MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED, type_of(p));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_TIMED_OUT, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 2, 0,
						   MACH_SEND_NOTIFY | MACH_SEND_TIMEOUT, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST |
		  MACH_PORT_TYPE_SPREQUEST, type_of(p));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_POSSIBLE, n.not_header.msgh_id);
	EXPECT_EQ(sizeof(n) - sizeof(n.trailer), n.not_header.msgh_size);
	EXPECT_EQ(p, n.not_port);
	/* Fired once, and gone. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

TEST(send_possible_is_not_armed_without_send_notify)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	mach_send_possible_notification_t n;
	simple_msg_t s;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(p, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_SEND_POSSIBLE,
							       0, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_TIMED_OUT, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 2, 0,
						   MACH_SEND_TIMEOUT, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_TRUE(type_of(p) & MACH_PORT_TYPE_SPREQUEST_DELAYED);
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

/* sync != 0: at once if a send would not wait, else registered armed. */
TEST(send_possible_with_sync_fires_now_or_is_armed)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	mach_send_possible_notification_t n;
	simple_msg_t s;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, set_qlimit(p, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_SEND_POSSIBLE,
							       1, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_POSSIBLE, n.not_header.msgh_id);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type_of(p));

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_SEND_POSSIBLE,
							       1, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST |
		  MACH_PORT_TYPE_SPREQUEST, type_of(p));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(p, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_POSSIBLE, n.not_header.msgh_id);
	EXPECT_EQ(p, n.not_port);
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

/* A send-possible request is a dead-name request too. */
TEST(send_possible_request_gets_dead_name_when_the_port_dies)
{
	mach_port_t p = new_port(), notify = new_port(), prev;
	mach_dead_name_notification_t n;

	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_SEND_POSSIBLE,
							       0, notify,
							       MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1));
	memset(&n, 0, sizeof(n));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(notify, &n, sizeof(n), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_DEAD_NAME, n.not_header.msgh_id);
	EXPECT_EQ(p, n.not_port);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type_of(p));
	mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_DEAD_NAME, -2);
	mach_port_destroy(ME, notify);
}

/*
 * macOS gives mach_msg()'s notify argument no port meaning (it is a QoS
 * value with MACH_SEND_OVERRIDE): whatever it names, nothing changes.
 */
TEST(mach_msg_notify_argument_is_ignored)
{
	mach_port_t p = new_port(), notify = new_port();
	simple_msg_t m, s;

	memset(&m, 0, sizeof(m));
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = p;
	m.header.msgh_id = 5;
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_NOTIFY,
					     sizeof(m.header) + sizeof(int), 0, MACH_PORT_NULL,
					     0, notify));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m.header) +
					     sizeof(int), 0, MACH_PORT_NULL, 0, 0x12345));
	memset(&s, 0, sizeof(s));
	EXPECT_EQ(MACH_MSG_SUCCESS, mach_msg(&s.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					     sizeof(s), p, 0, notify));
	EXPECT_EQ(5, s.header.msgh_id);
	EXPECT_EQ(MACH_MSG_SUCCESS, mach_msg(&s.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					     sizeof(s), p, 0, MACH_PORT_DEAD));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive(notify, &s, sizeof(s), MACH_RCV_TIMEOUT, 0));
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, notify);
}

/*
 * The one receive where XNU reads it as a port, MACH_RCV_SYNC_WAIT, needs
 * the thread's special reply port; there is none: MACH_RCV_INVALID_NOTIFY,
 * and the queue is left alone.
 */
TEST(rcv_sync_wait_is_invalid_notify)
{
	mach_port_t p = new_port();
	simple_msg_t s;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NOTIFY, mach_msg(&s.header, MACH_RCV_MSG | MACH_RCV_SYNC_WAIT,
						    0, sizeof(s), p, 0, p));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, mach_msg(&s.header, MACH_RCV_MSG | MACH_RCV_SYNC_WAIT,
						  0, sizeof(s), 0x77700 | 3, 0, p));
	EXPECT_EQ(1, status_of(p).mps_msgcount);
	mach_port_destroy(ME, p);
}

TEST(epoll_on_a_port_set)
{
	mach_port_t set, p = new_port();
	struct machexc_port_fd req = { .flags = O_CLOEXEC };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	simple_msg_t m;
	int ep, pfd;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(ME, p, set));
	req.name = set;
	pfd = ioctl(machexc_device_fd(), MACHEXC_IOC_PORT_FD, &req);
	ASSERT_LE(0, pfd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 9, 0, 0, 0));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 1000));
	EXPECT_TRUE(out.events & EPOLLIN);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(set, &m, sizeof(m), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	req.name = 0x98700 | 3;
	errno = 0;
	EXPECT_EQ(-1, ioctl(machexc_device_fd(), MACHEXC_IOC_PORT_FD, &req));
	EXPECT_EQ(ENOENT, errno);
	close(ep);
	close(pfd);
	mach_port_destroy(ME, set);
	mach_port_destroy(ME, p);
}

TEST(fork_child_has_its_own_space)
{
	mach_port_t p = new_port();
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_type_t t;
		mach_port_name_array_t names;
		mach_port_type_array_t types;
		mach_msg_type_number_t n, nt;
		mach_port_t q;

		/* The parent's names mean nothing here (unless reused: not p's gen). */
		if (mach_port_type(ME, p, &t) != KERN_INVALID_NAME)
			_exit(1);
		if (mach_port_names(ME, &names, &n, &types, &nt) != KERN_SUCCESS || n != 1 ||
		    names[0] != ME || !(types[0] & MACH_PORT_TYPE_SEND))
			_exit(2);
		if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &q) != KERN_SUCCESS)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type_of(p));
	mach_port_destroy(ME, p);
}

static int stats(struct machexc_stats *s)
{
	return ioctl(machexc_device_fd(), MACHEXC_IOC_STATS, s);
}

TEST(exiting_process_leaves_nothing_behind)
{
	struct machexc_stats before, after;
	int status, tries;
	pid_t pid;

	ASSERT_EQ(0, settled_stats(machexc_device_fd(), &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t a = new_port(), b = new_port(), set;
		int i;

		mach_port_allocate(ME, MACH_PORT_RIGHT_PORT_SET, &set);
		mach_port_insert_member(ME, a, set);
		for (i = 0; i < 3; i++)
			send_simple(a, MACH_MSG_TYPE_MAKE_SEND, b, MACH_MSG_TYPE_MAKE_SEND_ONCE,
				    i, 0, 0, 0);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The space is released on a workqueue: give it a moment. */
	for (tries = 0; tries < 500; tries++) {
		ASSERT_EQ(0, stats(&after));
		if (after.spaces <= before.spaces && after.ports <= before.ports &&
		    after.psets <= before.psets && after.kmsgs <= before.kmsgs)
			break;
		usleep(20 * 1000);
	}
	/* Never more than before (others may still be going away: fewer). */
	EXPECT_LE(after.spaces, before.spaces);
	EXPECT_LE(after.ports, before.ports);
	EXPECT_LE(after.psets, before.psets);
	EXPECT_LE(after.kmsgs, before.kmsgs);
}

TEST(error_strings)
{
	EXPECT_STREQ("(os/kern) successful", mach_error_string(KERN_SUCCESS));
	EXPECT_STREQ("(os/kern) invalid name", mach_error_string(KERN_INVALID_NAME));
	EXPECT_STREQ("(ipc/send) invalid destination port",
		     mach_error_string(MACH_SEND_INVALID_DEST));
	EXPECT_STREQ("(ipc/rcv) timed out", mach_error_string(MACH_RCV_TIMED_OUT));
	EXPECT_STREQ("(ipc/mig) wrong reply message ID", mach_error_string(MIG_REPLY_MISMATCH));
	EXPECT_STREQ("unknown error code", mach_error_string(KERN_NOT_FOUND + 1));
	EXPECT_STREQ("(user space/?) unknown subsystem error", mach_error_string(0x7777777));
}

/* mach_msg_overwrite receives into a buffer of its own; mach_msg_destroy
 * releases what a received message brought. */
TEST(overwrite_and_destroy)
{
	mach_port_t p = new_port(), reply = new_port();
	simple_msg_t out = { 0 }, in;
	mach_port_urefs_t r = 9;

	out.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	out.header.msgh_remote_port = p;
	out.header.msgh_local_port = reply;
	out.header.msgh_id = 31;
	memset(&in, 0, sizeof(in));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg_overwrite(&out.header, MACH_SEND_MSG | MACH_RCV_MSG,
						       sizeof(out.header), sizeof(in), p, 0, 0,
						       &in.header, sizeof(in)));
	EXPECT_EQ(31, in.header.msgh_id);
	EXPECT_EQ(p, out.header.msgh_remote_port);	/* the send buffer is untouched */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type_of(in.header.msgh_remote_port));
	mach_msg_destroy(&in.header);
	EXPECT_EQ(0, type_of(in.header.msgh_remote_port));
	/* ...and the unused send-once right said so to its port. */
	EXPECT_EQ(MACH_MSG_SUCCESS, receive(reply, &in, sizeof(in), MACH_RCV_TIMEOUT, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, in.header.msgh_id);
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(ME, p, MACH_PORT_RIGHT_SEND, &r));
	EXPECT_EQ(0, r);
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, reply);
}

TEST(task_kernel_port_is_the_task)
{
	mach_port_t k = MACH_PORT_NULL, b = 7;

	ASSERT_EQ(KERN_SUCCESS, task_get_kernel_port(ME, &k));
	EXPECT_EQ(ME, k);
	mach_port_deallocate(ME, k);
	EXPECT_EQ(KERN_SUCCESS, task_get_bootstrap_port(ME, &b));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_get_special_port(ME, 99, &b));
	EXPECT_STREQ("(os/kern)", mach_error_type(KERN_FAILURE));
	EXPECT_STREQ("(ipc/send)", mach_error_type(MACH_SEND_INVALID_DEST));
}

TEST(vm_allocate_own_task)
{
	vm_address_t a = 0;

	ASSERT_EQ(KERN_SUCCESS, vm_allocate(ME, &a, 10000, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0, a % sysconf(_SC_PAGESIZE));
	EXPECT_EQ(0, ((char *)a)[9999]);
	((char *)a)[9999] = 1;
	EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, a, 10000));
	/* A name that is no task's: the MIG call cannot be sent (libmachexc_test has more). */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, vm_allocate(ME + 4, &a, 4096, VM_FLAGS_ANYWHERE));
}

/*
 * In a program started where there is no /dev/machexc: every call fails
 * as a MIG call to a dead server does, nothing crashes.  0 if so.
 */
static int without_device(void)
{
	mach_port_t p = MACH_PORT_NULL;
	mach_msg_header_t h = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
				.msgh_size = sizeof(h), .msgh_remote_port = 0x103 };
	struct machexc_version v;

	if (mach_task_self() != MACH_PORT_NULL || machexc_api_version(&v) != -1)
		return 1;
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p) !=
	    MACH_SEND_INVALID_DEST || p != MACH_PORT_NULL)
		return 2;
	if (mach_msg(&h, MACH_SEND_MSG, sizeof(h), 0, 0, 0, 0) != MACH_SEND_INVALID_DEST)
		return 3;
	if (task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, 0x103,
				     EXCEPTION_DEFAULT, THREAD_STATE_NONE) != MACH_SEND_INVALID_DEST)
		return 4;
	return 0;
}

TEST(calls_without_the_device_fail_as_a_dead_server)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* A fresh program (the library's descriptor does not survive exec). */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/dev", "tmpfs", 0, NULL))
			_exit(99);
		execl("/proc/self/exe", "mach_api_test", "--without-device", (char *)NULL);
		_exit(98);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--without-device"))
		return without_device();
	return test_harness_run(argc, argv);
}
