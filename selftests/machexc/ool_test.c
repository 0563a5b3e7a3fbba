// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line memory and port arrays in mach_msg, with macOS's rules:
 * the receiver gets memory of its own holding what the sender had at the
 * send (physical and virtual copy alike), the deallocate flag unmaps the
 * sender's pages once the message is sent, port arrays carry rights like
 * port descriptors, and every failure has its mach_msg_return_t.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "stats.h"
#include "kselftest_harness.h"

#define ME mach_task_self()
#define PAGE 4096

typedef struct {
	mach_msg_header_t h;
	mach_msg_body_t body;
	mach_msg_ool_descriptor_t ool;
	mach_msg_ool_ports_descriptor_t ports;
	int tail;
} ool_msg_t;

typedef struct {
	ool_msg_t m;
	mach_msg_max_trailer_t trailer;
} ool_rcv_t;

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

/* A message to @dest with one region and one port array. */
static void build(ool_msg_t *m, mach_port_t dest, void *addr, mach_msg_size_t size,
		  mach_msg_copy_options_t copy, boolean_t dealloc, mach_port_t *names,
		  mach_msg_size_t count, mach_msg_type_name_t disp)
{
	memset(m, 0, sizeof(*m));
	m->h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m->h.msgh_size = sizeof(*m);
	m->h.msgh_remote_port = dest;
	m->h.msgh_id = 77;
	m->body.msgh_descriptor_count = 2;
	m->ool.address = addr;
	m->ool.size = size;
	m->ool.copy = copy;
	m->ool.deallocate = dealloc;
	m->ool.type = MACH_MSG_OOL_DESCRIPTOR;
	m->ports.address = names;
	m->ports.count = count;
	m->ports.disposition = disp;
	m->ports.copy = MACH_MSG_PHYSICAL_COPY;
	m->ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	m->tail = 0x5a5a;
}

static mach_msg_return_t send(ool_msg_t *m)
{
	return mach_msg(&m->h, MACH_SEND_MSG, sizeof(*m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static mach_msg_return_t receive(mach_port_t p, ool_rcv_t *r)
{
	memset(r, 0, sizeof(*r));
	return mach_msg(&r->m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(*r), p, 0,
			MACH_PORT_NULL);
}

static int mapped(void *addr)
{
	unsigned char v;

	return mincore((void *)((uintptr_t)addr & ~(uintptr_t)(PAGE - 1)), PAGE, &v) == 0;
}

FIXTURE(ool) {
	mach_port_t port;
	struct machexc_stats before;
	char *buf;
};

FIXTURE_SETUP(ool)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, settled_stats(fd, &self->before));
	close(fd);
	self->port = new_port();
	ASSERT_NE(MACH_PORT_NULL, self->port);
	self->buf = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(ool)
{
	struct machexc_stats after;

	mach_port_destroy(ME, self->port);
	munmap(self->buf, 3 * PAGE);
	/* Every message, queued or not, is gone with the port. */
	ASSERT_EQ(0, machexc_get_stats(&after));
	EXPECT_EQ(self->before.kmsgs, after.kmsgs);
}

TEST_F(ool, memory_arrives_as_the_receivers_own_copy_of_the_send)
{
	mach_msg_copy_options_t copies[] = { MACH_MSG_PHYSICAL_COPY, MACH_MSG_VIRTUAL_COPY };
	unsigned int i, j;
	ool_msg_t m;
	ool_rcv_t r;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2 * PAGE + 100; j++)
			self->buf[j] = (char)(j * 7 + i);
		build(&m, self->port, self->buf + 10, 2 * PAGE + 90, copies[i], FALSE, NULL, 0,
		      MACH_MSG_TYPE_COPY_SEND);
		ASSERT_EQ(MACH_MSG_SUCCESS, send(&m));
		memset(self->buf, 0, 3 * PAGE);		/* after the send: not seen */
		ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->port, &r));
		ASSERT_NE(NULL, r.m.ool.address);
		EXPECT_NE((void *)(self->buf + 10), r.m.ool.address);
		EXPECT_EQ(2 * PAGE + 90, r.m.ool.size);
		EXPECT_EQ(copies[i], (int)r.m.ool.copy);
		EXPECT_EQ(MACH_MSG_OOL_DESCRIPTOR, (int)r.m.ool.type);
		EXPECT_EQ(copies[i] == MACH_MSG_VIRTUAL_COPY, (int)r.m.ool.deallocate);
		for (j = 0; j < 2 * PAGE + 90; j++)
			if (((char *)r.m.ool.address)[j] != (char)((j + 10) * 7 + i))
				break;
		EXPECT_EQ(2 * PAGE + 90, j);
		EXPECT_EQ(0x5a5a, r.m.tail);	/* inline data after the descriptors */
		EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, (vm_address_t)r.m.ool.address,
						      r.m.ool.size));
	}
}

TEST_F(ool, deallocate_unmaps_the_senders_pages_once_sent)
{
	ool_msg_t m;
	ool_rcv_t r;

	memset(self->buf, 1, 3 * PAGE);
	build(&m, self->port, self->buf + PAGE + 5, PAGE, MACH_MSG_VIRTUAL_COPY, TRUE, NULL, 0,
	      MACH_MSG_TYPE_COPY_SEND);
	ASSERT_EQ(MACH_MSG_SUCCESS, send(&m));
	EXPECT_TRUE(mapped(self->buf));			/* outside the range */
	EXPECT_FALSE(mapped(self->buf + PAGE));		/* the pages it spans */
	EXPECT_FALSE(mapped(self->buf + 2 * PAGE));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->port, &r));
	EXPECT_EQ(1, ((char *)r.m.ool.address)[PAGE - 1]);
	vm_deallocate(ME, (vm_address_t)r.m.ool.address, r.m.ool.size);
}

TEST_F(ool, a_failed_send_keeps_the_senders_memory)
{
	mach_port_t gone = new_port();
	ool_msg_t m;

	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, gone, MACH_PORT_RIGHT_RECEIVE, -1));
	build(&m, gone, self->buf, PAGE, MACH_MSG_VIRTUAL_COPY, TRUE, NULL, 0,
	      MACH_MSG_TYPE_COPY_SEND);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, send(&m));
	EXPECT_TRUE(mapped(self->buf));
	mach_port_deallocate(ME, gone);
}

TEST_F(ool, zero_bytes_arrive_as_a_null_address)
{
	ool_msg_t m;
	ool_rcv_t r;

	build(&m, self->port, self->buf, 0, MACH_MSG_PHYSICAL_COPY, FALSE, NULL, 0,
	      MACH_MSG_TYPE_COPY_SEND);
	ASSERT_EQ(MACH_MSG_SUCCESS, send(&m));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->port, &r));
	EXPECT_EQ(NULL, r.m.ool.address);
	EXPECT_EQ(0, r.m.ool.size);
	EXPECT_EQ(NULL, r.m.ports.address);
	EXPECT_EQ(0, r.m.ports.count);
}

TEST_F(ool, unreadable_memory_fails_with_invalid_memory_and_moves_no_right)
{
	mach_port_t names[1] = { new_port() };
	mach_port_urefs_t refs = 0;
	ool_msg_t m;

	build(&m, self->port, (void *)8, PAGE, MACH_MSG_PHYSICAL_COPY, FALSE, names, 1,
	      MACH_MSG_TYPE_MOVE_SEND);
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, send(&m));
	build(&m, self->port, self->buf, PAGE, MACH_MSG_PHYSICAL_COPY, FALSE, (void *)8, 1,
	      MACH_MSG_TYPE_MOVE_SEND);
	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, send(&m));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(ME, names[0], MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(1, refs);
	mach_port_destroy(ME, names[0]);
}

TEST_F(ool, copy_options_other_than_physical_and_virtual_are_invalid_types)
{
	ool_msg_t m;

	build(&m, self->port, self->buf, PAGE, MACH_MSG_ALLOCATE, FALSE, NULL, 0,
	      MACH_MSG_TYPE_COPY_SEND);
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, send(&m));
	build(&m, self->port, self->buf, PAGE, MACH_MSG_PHYSICAL_COPY, FALSE, NULL, 0,
	      MACH_MSG_TYPE_COPY_SEND);
	m.ool.type = 7;
	EXPECT_EQ(MACH_SEND_INVALID_TYPE, send(&m));
}

TEST_F(ool, port_arrays_carry_rights_with_one_disposition)
{
	mach_port_t names[3] = { new_port(), MACH_PORT_NULL, new_port() };
	mach_port_t *got;
	mach_port_type_t type;
	ool_msg_t m;
	ool_rcv_t r;

	build(&m, self->port, NULL, 0, MACH_MSG_PHYSICAL_COPY, FALSE, names, 3,
	      MACH_MSG_TYPE_MOVE_RECEIVE);
	ASSERT_EQ(MACH_MSG_SUCCESS, send(&m));
	/* The receive rights left with the message; the send rights stay. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(ME, names[0], &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->port, &r));
	EXPECT_EQ(3, r.m.ports.count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_RECEIVE, (int)r.m.ports.disposition);
	EXPECT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, (int)r.m.ports.type);
	got = r.m.ports.address;
	ASSERT_NE(NULL, got);
	EXPECT_EQ(names[0], got[0]);	/* back with its send right: the same name */
	EXPECT_EQ(MACH_PORT_NULL, got[1]);
	EXPECT_EQ(names[2], got[2]);
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(ME, got[0], &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE, type);
	mach_port_destroy(ME, got[0]);
	mach_port_destroy(ME, got[2]);
	vm_deallocate(ME, (vm_address_t)got, 3 * sizeof(*got));
}

TEST_F(ool, a_message_destroyed_unreceived_releases_its_port_array)
{
	mach_port_t x = new_port(), names[2];
	mach_port_type_t type;
	ool_msg_t m;

	names[0] = new_port();
	names[1] = names[0];
	build(&m, x, self->buf, PAGE, MACH_MSG_PHYSICAL_COPY, FALSE, names, 2,
	      MACH_MSG_TYPE_COPY_SEND);
	ASSERT_EQ(MACH_MSG_SUCCESS, send(&m));
	ASSERT_EQ(KERN_SUCCESS, mach_port_destroy(ME, x));
	/* Its receive right here: the copies died with the message. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(ME, names[0], &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE, type);
	mach_port_destroy(ME, names[0]);
}

/* A child's region reaches its parent through the bootstrap port. */
TEST_F(ool, memory_crosses_processes)
{
	ool_rcv_t r;
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, task_set_bootstrap_port(ME, self->port));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t parent = MACH_PORT_NULL;
		ool_msg_t m;

		memcpy(self->buf, "from the child", 15);
		if (task_get_bootstrap_port(ME, &parent) || !parent)
			_exit(1);
		build(&m, parent, self->buf, 15, MACH_MSG_PHYSICAL_COPY, FALSE, NULL, 0,
		      MACH_MSG_TYPE_COPY_SEND);
		_exit(send(&m) ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	task_set_bootstrap_port(ME, MACH_PORT_NULL);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(MACH_MSG_SUCCESS, receive(self->port, &r));
	EXPECT_STREQ("from the child", (char *)r.m.ool.address);
	vm_deallocate(ME, (vm_address_t)r.m.ool.address, r.m.ool.size);
}

TEST_HARNESS_MAIN
