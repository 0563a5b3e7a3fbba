// SPDX-License-Identifier: GPL-2.0
/*
 * The IPC ioctls at the raw ABI level, without libmachexc: the numbers
 * here are macOS's (mach/port.h, mach/message.h), written out so that a
 * library bug cannot hide a kernel one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/machexc.h>

#include "stats.h"
#include "kselftest_harness.h"

#define RIGHT_RECEIVE		1
#define TYPE_SEND		0x10000
#define TYPE_RECEIVE		0x20000
#define MAKE_SEND		20
#define MAKE_SEND_ONCE		21
#define COPY_SEND		19
#define PORT_SEND		17
#define PORT_SEND_ONCE		18
#define SEND_MSG		0x1
#define RCV_MSG			0x2
#define RCV_TIMEOUT		0x100
#define RCV_TIMED_OUT		0x10004003
#define SEND_INVALID_DEST	0x10000003
#define TRAILER_AUDIT		(3 << 24)
#define MOVE_RECEIVE		16
#define MOVE_SEND_ONCE		18
#define PORT_RECEIVE		16
#define COMPLEX			0x80000000U
#define TYPE_SEND_ONCE		0x40000
#define BOOTSTRAP		4


struct hdr {
	uint32_t bits, size, remote, local, voucher;
	int32_t id;
};

struct port_desc {
	uint32_t name, pad1;
	uint16_t pad2;
	uint8_t disposition, type;
};

struct complex_msg {
	struct hdr h;
	uint32_t count;
	struct port_desc d[2];
	uint32_t trailer[17];
};

static long port_op(int fd, struct machexc_port_op *op)
{
	return ioctl(fd, MACHEXC_IOC_PORT, op);
}

static uint32_t task_self(int fd)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SELF };

	return port_op(fd, &op) == 0 ? op.name : 0;
}

static long msg(int fd, void *buf, uint32_t option, uint32_t send_size,
		uint32_t rcv_size, uint32_t rcv_name, uint32_t timeout)
{
	struct machexc_msg m = {
		.msg = (uintptr_t)buf, .option = option, .send_size = send_size,
		.rcv_size = rcv_size, .rcv_name = rcv_name, .timeout = timeout,
	};

	return ioctl(fd, MACHEXC_IOC_MSG, &m);
}

FIXTURE(raw) {
	int fd;
	uint32_t task;
	uint32_t port;
};

FIXTURE_SETUP(raw)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE, .right = RIGHT_RECEIVE };

	self->fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->task = task_self(self->fd);
	ASSERT_NE(0, self->task);
	op.task = self->task;
	ASSERT_EQ(0, port_op(self->fd, &op));
	self->port = op.name;
	ASSERT_NE(0, self->port);
}

FIXTURE_TEARDOWN(raw)
{
	close(self->fd);
}

TEST_F(raw, allocate_insert_send_receive)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_INSERT_RIGHT, .task = self->task,
		.name = self->port, .poly = self->port, .arg = MAKE_SEND,
	};
	struct {
		struct hdr h;
		uint32_t payload[4];
		uint32_t trailer[17];
	} buf;

	ASSERT_EQ(0, port_op(self->fd, &op));
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_TYPE, .task = self->task,
				       .name = self->port };
	ASSERT_EQ(0, port_op(self->fd, &op));
	EXPECT_EQ(TYPE_SEND | TYPE_RECEIVE, op.value);

	memset(&buf, 0, sizeof(buf));
	buf.h.bits = COPY_SEND | (MAKE_SEND_ONCE << 8);
	buf.h.remote = self->port;
	buf.h.local = self->port;
	buf.h.id = 1234;
	buf.payload[0] = 0xfeedface;
	EXPECT_EQ(0, msg(self->fd, &buf, SEND_MSG, sizeof(buf.h) + 16, 0, 0, 0));

	memset(&buf, 0, sizeof(buf));
	EXPECT_EQ(0, msg(self->fd, &buf, RCV_MSG | TRAILER_AUDIT, 0, sizeof(buf), self->port, 0));
	EXPECT_EQ(1234, buf.h.id);
	EXPECT_EQ(sizeof(buf.h) + 16, buf.h.size);
	EXPECT_EQ(0xfeedface, buf.payload[0]);
	EXPECT_EQ(self->port, buf.h.local);
	EXPECT_EQ(PORT_SEND_ONCE | (PORT_SEND << 8), buf.h.bits & 0x1f1f);
	EXPECT_NE(0, buf.h.remote);
	/* audit trailer: type 0, size 52, pid at audit_token val[5] */
	EXPECT_EQ(0, buf.trailer[0]);
	EXPECT_EQ(52, buf.trailer[1]);
	EXPECT_EQ(geteuid(), buf.trailer[3]);
	EXPECT_EQ(getpid(), (pid_t)buf.trailer[5 + 5]);

	/* Nothing left: a poll receive times out. */
	EXPECT_EQ(RCV_TIMED_OUT, msg(self->fd, &buf, RCV_MSG | RCV_TIMEOUT, 0, sizeof(buf),
				     self->port, 0));
	/* A name that is not a right is not a destination. */
	buf.h.bits = COPY_SEND;
	buf.h.remote = 0x12345603;
	buf.h.local = 0;
	EXPECT_EQ(SEND_INVALID_DEST, msg(self->fd, &buf, SEND_MSG, sizeof(buf.h), 0, 0, 0));
}

/*
 * Whatever its size (a kept message with room to spare, one without, one
 * allocated), a message arrives with its trailer right after its body,
 * of the size asked for, and nothing written past it.
 */
TEST_F(raw, every_message_size_is_followed_by_its_trailer_and_nothing_more)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_INSERT_RIGHT, .task = self->task,
		.name = self->port, .poly = self->port, .arg = MAKE_SEND,
	};
	static const uint32_t elements[] = { 0, 3, 7 };
	static const uint32_t sizes[] = { 8, 52, 68 };
	uint32_t buf[(1024 + 68 + 64) / 4], size, i, k, *t;
	uint8_t *tail;

	ASSERT_EQ(0, port_op(self->fd, &op));
	for (size = sizeof(struct hdr); size <= 1024; size += 4) {
		for (k = 0; k < 3; k++) {
			struct hdr *h = (struct hdr *)buf;

			memset(buf, 0, sizeof(buf));
			h->bits = COPY_SEND;
			h->remote = self->port;
			h->id = (int32_t)size;
			for (i = sizeof(*h) / 4; i < size / 4; i++)
				buf[i] = size * 1000 + i;
			ASSERT_EQ(0, msg(self->fd, buf, SEND_MSG, size, 0, 0, 0));
			memset(buf, 0xa5, sizeof(buf));
			ASSERT_EQ(0, msg(self->fd, buf, RCV_MSG | (elements[k] << 24), 0,
					 sizeof(buf), self->port, 0)) TH_LOG("size %u", size);
			ASSERT_EQ(size, h->size);
			ASSERT_EQ((int32_t)size, h->id);
			for (i = sizeof(*h) / 4; i < size / 4; i++)
				ASSERT_EQ(size * 1000 + i, buf[i]) TH_LOG("size %u word %u", size, i);
			t = buf + size / 4;
			EXPECT_EQ(0, t[0]);			/* format 0 */
			ASSERT_EQ(sizes[k], t[1]) TH_LOG("size %u", size);
			if (sizes[k] >= 20)
				EXPECT_EQ(geteuid(), t[3]);	/* the sender's euid */
			if (sizes[k] >= 52)
				EXPECT_EQ(getpid(), (pid_t)t[5 + 5]);	/* audit pid */
			tail = (uint8_t *)buf + size + sizes[k];
			for (i = 0; i < 64; i++)
				ASSERT_EQ(0xa5, tail[i]) TH_LOG("size %u: byte %u past the trailer",
								size, i);
		}
	}
}

TEST_F(raw, port_fd_polls)
{
	struct machexc_port_fd req = { .name = self->port, .flags = O_CLOEXEC };
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_INSERT_RIGHT, .task = self->task,
		.name = self->port, .poly = self->port, .arg = MAKE_SEND,
	};
	struct hdr h = { .bits = COPY_SEND, .remote = self->port };
	struct pollfd pfd;
	int pfdn;

	ASSERT_EQ(0, port_op(self->fd, &op));
	pfdn = ioctl(self->fd, MACHEXC_IOC_PORT_FD, &req);
	ASSERT_LE(0, pfdn);
	pfd = (struct pollfd){ .fd = pfdn, .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, msg(self->fd, &h, SEND_MSG, sizeof(h), 0, 0, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	/* Destroying the receive right hangs the fd up. */
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_DESTROY, .task = self->task,
				       .name = self->port };
	EXPECT_EQ(0, port_op(self->fd, &op));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	close(pfdn);
}

TEST_F(raw, stats_count_ports)
{
	struct machexc_stats before, after;
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE, .task = self->task,
				      .right = RIGHT_RECEIVE };

	ASSERT_EQ(0, settled_stats(self->fd, &before));
	ASSERT_EQ(0, port_op(self->fd, &op));
	ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_STATS, &after));
	EXPECT_EQ(before.ports + 1, after.ports);
	op.op = MACHEXC_PORT_DESTROY;
	ASSERT_EQ(0, port_op(self->fd, &op));
	ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_STATS, &after));
	EXPECT_EQ(before.ports, after.ports);
}

TEST_F(raw, bad_op_is_einval)
{
	struct machexc_port_op op = { .op = 999, .task = self->task };

	errno = 0;
	EXPECT_EQ(-1, port_op(self->fd, &op));
	EXPECT_EQ(EINVAL, errno);
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_TYPE, .task = self->task,
				       .name = self->port, .reserved = 1 };
	errno = 0;
	EXPECT_EQ(-1, port_op(self->fd, &op));
	EXPECT_EQ(EINVAL, errno);
	/* A task that is not ours looks like a dead MIG destination. */
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_TYPE, .task = self->port,
				       .name = self->port };
	EXPECT_EQ(SEND_INVALID_DEST, port_op(self->fd, &op));
}

static uint32_t allocate(int fd, uint32_t task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE, .task = task,
				      .right = RIGHT_RECEIVE };

	return port_op(fd, &op) == 0 ? op.name : 0;
}

static uint32_t type_of(int fd, uint32_t task, uint32_t name)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TYPE, .task = task, .name = name };

	return port_op(fd, &op) == 0 ? op.value : 0;
}

/*
 * The child inherits the bootstrap port across fork() and hands the
 * parent a send right, a receive right and a send-once right (as reply);
 * the parent answers through the send-once right and then the send right.
 */
static int xproc_child(uint32_t *fail_line)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), mine, gift, boot;
	struct machexc_port_op op = { .op = MACHEXC_PORT_GET_SPECIAL_PORT, .arg = BOOTSTRAP };
	struct complex_msg m = { 0 };

#define CHECK(x) do { if (!(x)) { *fail_line = __LINE__; return 1; } } while (0)
	op.task = task;
	CHECK(port_op(fd, &op) == 0 && op.poly);
	boot = op.poly;
	CHECK(type_of(fd, task, boot) == TYPE_SEND);
	mine = allocate(fd, task);
	gift = allocate(fd, task);
	CHECK(mine && gift);
	m.h.bits = COPY_SEND | (MAKE_SEND_ONCE << 8) | COMPLEX;
	m.h.remote = boot;
	m.h.local = mine;
	m.h.id = 7;
	m.count = 2;
	m.d[0] = (struct port_desc){ .name = mine, .disposition = MAKE_SEND };
	m.d[1] = (struct port_desc){ .name = gift, .disposition = MOVE_RECEIVE };
	CHECK(msg(fd, &m, SEND_MSG, sizeof(m.h) + 4 + sizeof(m.d), 0, 0, 0) == 0);
	/* The receive right left with the message. */
	CHECK(type_of(fd, task, gift) == 0);
	memset(&m, 0, sizeof(m));
	CHECK(msg(fd, &m, RCV_MSG, 0, sizeof(m), mine, 0) == 0);
	CHECK(m.h.id == 8);
	memset(&m, 0, sizeof(m));
	CHECK(msg(fd, &m, RCV_MSG, 0, sizeof(m), mine, 0) == 0);
	CHECK(m.h.id == 9);
	return 0;
#undef CHECK
}

TEST_F(raw, rights_cross_processes)
{
	struct machexc_port_op op = {
		.op = MACHEXC_PORT_INSERT_RIGHT, .task = self->task,
		.name = self->port, .poly = self->port, .arg = MAKE_SEND,
	};
	struct complex_msg m = { 0 };
	uint32_t fail_line = 0;
	int status;
	pid_t pid;

	ASSERT_EQ(0, port_op(self->fd, &op));
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_SET_SPECIAL_PORT, .task = self->task,
				       .arg = BOOTSTRAP, .poly = self->port };
	ASSERT_EQ(0, port_op(self->fd, &op));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int rc = xproc_child(&fail_line);

		if (rc)
			fprintf(stderr, "# child failed at line %u\n", fail_line);
		_exit(rc);
	}
	ASSERT_EQ(0, msg(self->fd, &m, RCV_MSG, 0, sizeof(m), self->port, 0));
	EXPECT_EQ(7, m.h.id);
	EXPECT_TRUE(m.h.bits & COMPLEX);
	EXPECT_EQ(PORT_SEND_ONCE, m.h.bits & 0x1f);
	EXPECT_EQ(TYPE_SEND_ONCE, type_of(self->fd, self->task, m.h.remote));
	EXPECT_EQ(PORT_SEND, m.d[0].disposition);
	EXPECT_EQ(TYPE_SEND, type_of(self->fd, self->task, m.d[0].name));
	EXPECT_EQ(PORT_RECEIVE, m.d[1].disposition);
	EXPECT_EQ(TYPE_RECEIVE, type_of(self->fd, self->task, m.d[1].name));

	/* Answer through the send-once right, then through the send right. */
	uint32_t sonce = m.h.remote, send = m.d[0].name;

	memset(&m, 0, sizeof(m));
	m.h.bits = MOVE_SEND_ONCE;
	m.h.remote = sonce;
	m.h.id = 8;
	EXPECT_EQ(0, msg(self->fd, &m, SEND_MSG, sizeof(m.h), 0, 0, 0));
	EXPECT_EQ(0, type_of(self->fd, self->task, sonce));
	m.h.bits = COPY_SEND;
	m.h.remote = send;
	m.h.id = 9;
	EXPECT_EQ(0, msg(self->fd, &m, SEND_MSG, sizeof(m.h), 0, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Send @carried's receive right to @dest (a send right made from @dest). */
static long send_receive_right(int fd, uint32_t dest, uint32_t dest_disp, uint32_t carried)
{
	struct complex_msg m = { 0 };

	m.h.bits = dest_disp | COMPLEX;
	m.h.remote = dest;
	m.count = 1;
	m.d[0] = (struct port_desc){ .name = carried, .disposition = MOVE_RECEIVE };
	return msg(fd, &m, SEND_MSG, sizeof(m.h) + 4 + sizeof(m.d[0]), 0, 0, 0);
}

/*
 * Receive rights queued in each other's queues can never be received
 * again: like XNU, the message closing the cycle is destroyed (and the
 * ports die), not queued; nothing leaks.
 */
TEST_F(raw, transit_cycles_are_destroyed)
{
	struct machexc_stats before, after;
	uint32_t p, q;
	struct machexc_port_op op = { .op = MACHEXC_PORT_INSERT_RIGHT, .task = self->task,
				      .arg = MAKE_SEND };

	ASSERT_EQ(0, settled_stats(self->fd, &before));
	p = allocate(self->fd, self->task);
	q = allocate(self->fd, self->task);
	op.name = op.poly = p;
	ASSERT_EQ(0, port_op(self->fd, &op));
	op.name = op.poly = q;
	ASSERT_EQ(0, port_op(self->fd, &op));

	/* A port's receive right sent to itself. */
	EXPECT_EQ(0, send_receive_right(self->fd, p, COPY_SEND, p));
	EXPECT_EQ(0x100000, type_of(self->fd, self->task, p));	/* dead name */

	/* Two ports in each other's queues. */
	uint32_t r = allocate(self->fd, self->task);

	op.name = op.poly = r;
	ASSERT_EQ(0, port_op(self->fd, &op));
	EXPECT_EQ(0, send_receive_right(self->fd, q, COPY_SEND, r));	/* r in q */
	EXPECT_EQ(TYPE_SEND, type_of(self->fd, self->task, r));		/* alive */
	EXPECT_EQ(0, send_receive_right(self->fd, r, COPY_SEND, q));	/* q in r */
	EXPECT_EQ(0x100000, type_of(self->fd, self->task, q));
	EXPECT_EQ(0x100000, type_of(self->fd, self->task, r));

	op = (struct machexc_port_op){ .op = MACHEXC_PORT_DESTROY, .task = self->task };
	op.name = p;
	EXPECT_EQ(0, port_op(self->fd, &op));
	op.name = q;
	EXPECT_EQ(0, port_op(self->fd, &op));
	op.name = r;
	EXPECT_EQ(0, port_op(self->fd, &op));
	ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_STATS, &after));
	EXPECT_EQ(before.ports, after.ports);
	EXPECT_EQ(before.kmsgs, after.kmsgs);
}

/*
 * The port-destroyed notification, byte for byte as XNU's
 * mach_port_destroyed_notification_t: a complex message of 40 bytes,
 * msgh_id 69, one port descriptor carrying the receive right
 * (disposition MACH_MSG_TYPE_PORT_RECEIVE), then the trailer.
 */
TEST_F(raw, port_destroyed_notification_layout)
{
	uint32_t notify = allocate(self->fd, self->task);
	struct machexc_port_op op = { .op = MACHEXC_PORT_REQUEST_NOTIFICATION,
				      .task = self->task, .name = self->port, .arg = 0x45,
				      .poly = notify, .right = MAKE_SEND_ONCE };
	struct complex_msg m;
	uint32_t *w = (uint32_t *)&m;

	ASSERT_NE(0, notify);
	ASSERT_EQ(0, port_op(self->fd, &op));
	EXPECT_EQ(0, op.poly);			/* no previous request */
	op = (struct machexc_port_op){ .op = MACHEXC_PORT_DESTROY, .task = self->task,
				       .name = self->port };
	ASSERT_EQ(0, port_op(self->fd, &op));
	memset(&m, 0xa5, sizeof(m));
	ASSERT_EQ(0, msg(self->fd, &m, RCV_MSG | RCV_TIMEOUT, 0, sizeof(m), notify, 0));
	EXPECT_EQ(COMPLEX | (PORT_SEND_ONCE << 8), m.h.bits);
	EXPECT_EQ(40, m.h.size);
	EXPECT_EQ(0, m.h.remote);
	EXPECT_EQ(notify, m.h.local);
	EXPECT_EQ(0, m.h.voucher);
	EXPECT_EQ(0x45, m.h.id);
	EXPECT_EQ(1, m.count);
	EXPECT_EQ(0, m.d[0].pad1);
	EXPECT_EQ(0, m.d[0].pad2);
	EXPECT_EQ(PORT_RECEIVE, m.d[0].disposition);
	EXPECT_EQ(0, m.d[0].type);		/* MACH_MSG_PORT_DESCRIPTOR */
	EXPECT_EQ(TYPE_RECEIVE, type_of(self->fd, self->task, m.d[0].name));
	EXPECT_EQ(0, w[10]);			/* trailer: format 0 ... */
	EXPECT_EQ(8, w[11]);			/* ... of 8 bytes */
	op.name = m.d[0].name;
	EXPECT_EQ(0, port_op(self->fd, &op));
	op.name = notify;
	EXPECT_EQ(0, port_op(self->fd, &op));
}

/* Send-once messages skip the queue limit, but not forever. */
TEST_F(raw, send_once_queue_is_bounded)
{
	struct machexc_stats before, after;
	struct machexc_port_op op = { .op = MACHEXC_PORT_DESTROY, .task = self->task,
				      .name = self->port };
	struct hdr h = { .bits = MAKE_SEND_ONCE, .remote = self->port };
	long mr = 0;
	int i;

	ASSERT_EQ(0, settled_stats(self->fd, &before));
	for (i = 0; i < 100000; i++) {
		mr = msg(self->fd, &h, SEND_MSG, sizeof(h), 0, 0, 0);
		if (mr)
			break;
	}
	EXPECT_EQ(0x1000000d, mr);	/* MACH_SEND_NO_BUFFER */
	EXPECT_GT(i, 5);		/* well past MACH_PORT_QLIMIT_DEFAULT */
	ASSERT_EQ(0, port_op(self->fd, &op));
	ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_STATS, &after));
	EXPECT_EQ(before.kmsgs, after.kmsgs);
}

TEST_HARNESS_MAIN
