// SPDX-License-Identifier: GPL-2.0
/*
 * The caps on what a user can make the module hold, each with its
 * documented error, and nothing leaked or stuck afterwards:
 *
 *   max_user_ports, max_ports     mach_port_allocate: KERN_RESOURCE_SHORTAGE
 *   max_user_msgs, max_msgs       mach_msg send: MACH_SEND_NO_BUFFER;
 *                                 notifications past it are dropped
 *   max_user_spaces, max_spaces   a new process's first call: EAGAIN
 *   1024 descriptors a message    MACH_SEND_TOO_LARGE
 *   1024 ports deep in transit    MACH_SEND_NO_BUFFER (for a message that
 *                                 carries a receive right)
 *   max_msg_size                  at most 64 MiB: larger writes fail EINVAL
 *   max_ool_size                  out-of-line bytes a message: MACH_SEND_TOO_LARGE;
 *                                 at most 1 GiB
 *   1024 rights a message         port arrays count each name
 *
 * Per-user caps count by real uid, so every test runs its work in a child
 * with a uid of its own, whose counts start at zero.  The fixture puts
 * every parameter back, whatever the test did.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/machexc.h>

#include "stats.h"
#include "kselftest_harness.h"

#define RIGHT_RECEIVE		1
#define MOVE_RECEIVE		16
#define COPY_SEND		19
#define MAKE_SEND		20
#define MAKE_SEND_ONCE		21
#define COMPLEX			0x80000000U
#define SEND_MSG		0x1
#define RCV_MSG			0x2
#define RCV_TIMEOUT		0x100
#define KERN_SUCCESS		0
#define KERN_NO_SPACE		3
#define KERN_RESOURCE_SHORTAGE	6
#define SEND_TOO_LARGE		0x1000000e
#define SEND_NO_BUFFER		0x1000000d
#define DESC_MAX		1024
#define DEPTH_MAX		1024

#define PARAMS "/sys/module/machexc/parameters/"

static const char *const params[] = {
	"max_ports", "max_msgs", "max_spaces", "max_user_ports", "max_user_msgs",
	"max_user_spaces", "max_msg_size", "max_ool_size", "max_names",
};
#define NPARAMS (sizeof(params) / sizeof(params[0]))

struct hdr {
	uint32_t bits, size, remote, local, voucher;
	int32_t id;
};

struct port_desc {
	uint32_t name, pad1;
	uint16_t pad2;
	uint8_t disposition, type;
};

static int read_param(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* 0, or the errno of the write. */
static int write_param(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

static int set_param(const char *name, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	return write_param(name, buf);
}

static long port_op(int fd, struct machexc_port_op *op)
{
	return ioctl(fd, MACHEXC_IOC_PORT, op);
}

static uint32_t task_self(int fd)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SELF };

	return port_op(fd, &op) == 0 ? op.name : 0;
}

/* A receive right (name in *name): the kern_return_t. */
static long allocate(int fd, uint32_t task, uint32_t *name)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_ALLOCATE, .task = task,
				      .right = RIGHT_RECEIVE };
	long kr = port_op(fd, &op);

	*name = op.name;
	return kr;
}

static long destroy(int fd, uint32_t task, uint32_t name)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_DESTROY, .task = task, .name = name };

	return port_op(fd, &op);
}

static long make_send(int fd, uint32_t task, uint32_t name)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_INSERT_RIGHT, .task = task,
				      .name = name, .poly = name, .arg = MAKE_SEND };

	return port_op(fd, &op);
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

/* A message to @dest (@disp) carrying @n descriptors of @carried (@cdisp). */
static long send_descs(int fd, uint32_t dest, uint32_t disp, uint32_t carried,
		       uint8_t cdisp, uint32_t n)
{
	size_t size = sizeof(struct hdr) + 4 + n * sizeof(struct port_desc);
	char *buf = calloc(1, size);
	struct hdr *h = (struct hdr *)buf;
	struct port_desc *d = (struct port_desc *)(buf + sizeof(*h) + 4);
	uint32_t i;
	long mr;

	if (!buf)
		return -1;
	h->bits = disp | COMPLEX;
	h->remote = dest;
	memcpy(buf + sizeof(*h), &n, 4);
	for (i = 0; i < n; i++)
		d[i] = (struct port_desc){ .name = carried, .disposition = cdisp };
	mr = msg(fd, buf, SEND_MSG, (uint32_t)size, 0, 0, 0);
	free(buf);
	return mr;
}

/* How many messages wait on @port (each received and destroyed). */
static int drain(int fd, uint32_t port)
{
	static char buf[65536];
	int n = 0;

	while (msg(fd, buf, RCV_MSG | RCV_TIMEOUT, 0, sizeof(buf), port, 0) == 0)
		n++;
	return n;
}

/*
 * Run @fn in a child with real, effective and saved uid @uid: its exit
 * status (0 when every check in it held, else the number of the check
 * that failed), or -1.
 */
static int as_user(uid_t uid, int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

static long stat_limit_hits(void)
{
	struct machexc_stats s;
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	long n = -1;

	if (fd >= 0 && ioctl(fd, MACHEXC_IOC_STATS, &s) == 0)
		n = (long)s.limit_hits;
	if (fd >= 0)
		close(fd);
	return n;
}

FIXTURE(limits) {
	int fd;
	char saved[NPARAMS][32];
	struct machexc_stats before;
};

FIXTURE_SETUP(limits)
{
	unsigned int i;

	for (i = 0; i < NPARAMS; i++)
		ASSERT_EQ(0, read_param(params[i], self->saved[i], sizeof(self->saved[i])));
	self->fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, settled_stats(self->fd, &self->before));
}

FIXTURE_TEARDOWN(limits)
{
	struct machexc_stats after;
	unsigned int i;

	for (i = 0; i < NPARAMS; i++)
		write_param(params[i], self->saved[i]);
	/* Nothing any test made outlives it. */
	EXPECT_EQ(0, settled_stats(self->fd, &after));
	EXPECT_EQ(self->before.ports, after.ports);
	EXPECT_EQ(self->before.kmsgs, after.kmsgs);
	EXPECT_EQ(self->before.spaces, after.spaces);
	close(self->fd);
}

/* Allocate receive rights until refused: how many, and what refused. */
static int fill_ports(int fd, uint32_t task, long *kr)
{
	uint32_t name;
	int n = 0;

	while ((*kr = allocate(fd, task, &name)) == 0 && n < 100000)
		n++;
	return n;
}

static int user_ports_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), name;
	long kr;
	int n;

	if (fd < 0 || !task)
		return 1;
	n = fill_ports(fd, task, &kr);
	if (kr != KERN_RESOURCE_SHORTAGE)
		return 2;
	if (n < 1 || n > 8)
		return 3;
	/* It stays refused while nothing is freed. */
	if (allocate(fd, task, &name) != KERN_RESOURCE_SHORTAGE)
		return 4;
	return 0;
}

TEST_F(limits, user_port_cap_refuses_allocate_with_resource_shortage)
{
	long hits = stat_limit_hits();

	ASSERT_EQ(0, set_param("max_user_ports", 8));
	EXPECT_EQ(0, as_user(4101, user_ports_child));
	EXPECT_LT(hits, stat_limit_hits());
}

/* How many names the caller's space holds now, or -1. */
static long names_in_space(int fd, uint32_t task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_NAMES, .task = task };

	return port_op(fd, &op) == 0 ? (long)op.count : -1;
}

/*
 * max_names is 16 more than the space holds: exactly 16 allocations
 * succeed, the 17th is KERN_NO_SPACE, and a freed name makes room.
 */
static int names_cap_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), names[16], extra;
	long have = names_in_space(fd, task);
	char buf[32];
	int i;

	if (fd < 0 || !task || have <= 0)
		return 1;
	snprintf(buf, sizeof(buf), "%ld", have + 16);
	if (write_param("max_names", buf))
		return 2;
	for (i = 0; i < 16; i++)
		if (allocate(fd, task, &names[i]) != KERN_SUCCESS)
			return 3;
	if (allocate(fd, task, &extra) != KERN_NO_SPACE)
		return 4;
	if (destroy(fd, task, names[0]) || allocate(fd, task, &names[0]) != KERN_SUCCESS)
		return 5;
	for (i = 0; i < 16; i++)
		if (destroy(fd, task, names[i]))
			return 6;
	return 0;
}

TEST_F(limits, names_per_space_cap_refuses_allocate_with_no_space)
{
	EXPECT_EQ(0, as_user(0, names_cap_child));
}

static int freed_port_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), a, b;
	long kr;

	if (fd < 0 || !task || allocate(fd, task, &a) || allocate(fd, task, &b))
		return 1;
	fill_ports(fd, task, &kr);
	if (destroy(fd, task, b))
		return 2;
	if (allocate(fd, task, &b))
		return 3;		/* the freed one's room */
	return 0;
}

TEST_F(limits, a_destroyed_port_frees_its_charge)
{
	ASSERT_EQ(0, set_param("max_user_ports", 8));
	EXPECT_EQ(0, as_user(4102, freed_port_child));
}

/*
 * A receive right moved into a message leaves its space's name table but
 * not its user's count: the per-space cap alone would miss it.
 */
static int transit_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), a, b, c;
	long kr;

	if (fd < 0 || !task || allocate(fd, task, &a) || allocate(fd, task, &b))
		return 1;
	fill_ports(fd, task, &kr);
	if (send_descs(fd, a, MAKE_SEND, b, MOVE_RECEIVE, 1))
		return 2;		/* b is in a's queue now: no name */
	if (allocate(fd, task, &c) != KERN_RESOURCE_SHORTAGE)
		return 3;
	if (destroy(fd, task, a))
		return 4;		/* a and b die: room for two */
	if (allocate(fd, task, &a) || allocate(fd, task, &b))
		return 5;
	return 0;
}

TEST_F(limits, receive_rights_in_transit_count_against_the_cap)
{
	ASSERT_EQ(0, set_param("max_user_ports", 8));
	EXPECT_EQ(0, as_user(4103, transit_child));
}

static int global_ports_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd);
	long kr;

	if (fd < 0 || !task)
		return 1;
	if (fill_ports(fd, task, &kr) != 4)
		return 2;
	return kr == KERN_RESOURCE_SHORTAGE ? 0 : 3;
}

TEST_F(limits, global_port_cap_refuses_every_user)
{
	struct machexc_stats s;

	ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_STATS, &s));
	/* What is live now, the child's task port, and room for four. */
	ASSERT_EQ(0, set_param("max_ports", s.ports + 1 + 4));
	EXPECT_EQ(0, as_user(4104, global_ports_child));
}

/* Send-once messages skip the queue limit, not the user's cap. */
static int user_msgs_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), p;
	struct hdr h = { .bits = MAKE_SEND_ONCE };
	int i;

	if (fd < 0 || !task || allocate(fd, task, &p))
		return 1;
	h.remote = p;
	for (i = 0; i < 4; i++)
		if (msg(fd, &h, SEND_MSG, sizeof(h), 0, 0, 0))
			return 2;
	if (msg(fd, &h, SEND_MSG, sizeof(h), 0, 0, 0) != SEND_NO_BUFFER)
		return 3;
	if (drain(fd, p) != 4)
		return 4;
	if (msg(fd, &h, SEND_MSG, sizeof(h), 0, 0, 0))
		return 5;		/* received: room again */
	return 0;
}

TEST_F(limits, user_message_cap_refuses_send_with_no_buffer)
{
	ASSERT_EQ(0, set_param("max_user_msgs", 4));
	EXPECT_EQ(0, as_user(4105, user_msgs_child));
}

/*
 * A message full of MAKE_SEND_ONCE rights, destroyed unreceived, makes
 * one send-once notification per right: they count as messages too, and
 * those past the cap are dropped (the rights die all the same).
 */
static int notify_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), p, x;
	int n;

	if (fd < 0 || !task || allocate(fd, task, &p) || allocate(fd, task, &x))
		return 1;
	if (send_descs(fd, x, MAKE_SEND, p, MAKE_SEND_ONCE, 64))
		return 2;
	if (destroy(fd, task, x))
		return 3;
	n = drain(fd, p);
	if (n < 1 || n > 4)
		return 4;
	return 0;
}

TEST_F(limits, notifications_stay_within_the_message_cap)
{
	long hits = stat_limit_hits();

	ASSERT_EQ(0, set_param("max_user_msgs", 4));
	EXPECT_EQ(0, as_user(4106, notify_child));
	EXPECT_LT(hits, stat_limit_hits());
}

/* A process that would be the user's third with a space gets EAGAIN. */
static int spaces_child(void)
{
	int go[2], i, fd;
	pid_t kids[2];
	char c;

	if (pipe(go))
		return 1;
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
			if (fd < 0 || !task_self(fd))
				_exit(1);
			if (write(go[1], "x", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		if (kids[i] < 0 || read(go[0], &c, 1) != 1)
			return 2;
	}
	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 3;
	if (task_self(fd) || errno != EAGAIN)
		return 4;
	for (i = 0; i < 2; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return 0;
}

TEST_F(limits, user_space_cap_refuses_a_new_process_with_eagain)
{
	ASSERT_EQ(0, set_param("max_user_spaces", 2));
	EXPECT_EQ(0, as_user(4107, spaces_child));
}

static int descriptors_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), p;

	if (fd < 0 || !task || allocate(fd, task, &p))
		return 1;
	/* MACH_PORT_NULL descriptors: rights cost nothing, only the count. */
	if (send_descs(fd, p, MAKE_SEND, 0, COPY_SEND, DESC_MAX))
		return 2;
	if (send_descs(fd, p, MAKE_SEND, 0, COPY_SEND, DESC_MAX + 1) != SEND_TOO_LARGE)
		return 3;
	return drain(fd, p) == 1 ? 0 : 4;
}

TEST_F(limits, descriptors_per_message_are_capped_at_1024)
{
	EXPECT_EQ(0, as_user(0, descriptors_child));
}

/*
 * A chain of receive rights in transit: a[0] queued in a[1], queued in
 * a[2] ...  A message carrying a receive right to a[0] walks the chain
 * (the cycle check): up to 1024 ports deep it goes, deeper it is refused,
 * with the right it carried back with its sender.  Messages that carry no
 * receive right are not walked and go at any depth.
 */
static int transit_depth_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), first, prev, next, r;
	struct hdr h = { .bits = COPY_SEND };
	int depth;

	if (fd < 0 || !task || allocate(fd, task, &first) || make_send(fd, task, first))
		return 1;	/* first keeps a send right: the chain's bottom */
	prev = first;
	for (depth = 1; depth < DEPTH_MAX; depth++) {
		if (allocate(fd, task, &next) ||
		    send_descs(fd, next, MAKE_SEND, prev, MOVE_RECEIVE, 1))
			return 2;
		prev = next;
	}
	/* first .. prev: DEPTH_MAX ports, prev the only one named. */
	if (allocate(fd, task, &r) || send_descs(fd, first, COPY_SEND, r, MOVE_RECEIVE, 1))
		return 3;
	if (allocate(fd, task, &next) || send_descs(fd, next, MAKE_SEND, prev, MOVE_RECEIVE, 1))
		return 4;
	prev = next;
	if (allocate(fd, task, &r) ||
	    send_descs(fd, first, COPY_SEND, r, MOVE_RECEIVE, 1) != SEND_NO_BUFFER)
		return 5;
	if (destroy(fd, task, r))
		return 6;	/* still ours */
	h.remote = first;
	if (msg(fd, &h, SEND_MSG, sizeof(h), 0, 0, 0))
		return 7;
	/* The whole chain dies with its top. */
	return destroy(fd, task, prev) ? 8 : 0;
}

TEST_F(limits, transit_chains_deeper_than_1024_refuse_receive_rights)
{
	EXPECT_EQ(0, as_user(0, transit_depth_child));
}

static int big_message_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), p;
	static char big[65540];
	struct hdr *h = (struct hdr *)big;

	if (fd < 0 || !task || allocate(fd, task, &p))
		return 1;
	h->bits = MAKE_SEND;
	h->remote = p;
	if (msg(fd, big, SEND_MSG, sizeof(big), 0, 0, 0) != SEND_TOO_LARGE)
		return 2;
	return msg(fd, big, SEND_MSG, 65536, 0, 0, 0) ? 3 : 0;
}

TEST_F(limits, max_msg_size_refuses_what_would_overflow)
{
	EXPECT_EQ(EINVAL, write_param("max_msg_size", "4294967295"));
	EXPECT_EQ(EINVAL, write_param("max_msg_size", "67108865"));	/* 64 MiB + 1 */
	EXPECT_EQ(EINVAL, write_param("max_msg_size", "8"));		/* < a header */
	ASSERT_EQ(0, write_param("max_msg_size", "65536"));
	EXPECT_EQ(0, as_user(0, big_message_child));
}

/* Packed to 4, as macOS's messages: the address splits in two words. */
struct ool_msg {
	struct hdr h;
	uint32_t count;
	uint32_t address_lo, address_hi;
	uint8_t deallocate, copy, disposition, type;
	uint32_t size;
};

/* One out-of-line descriptor of @type: @size bytes, or names, at @addr. */
static long send_ool(int fd, uint32_t dest, uint8_t type, void *addr, uint32_t size)
{
	struct ool_msg m = {
		.h = { .bits = MAKE_SEND | COMPLEX, .remote = dest }, .count = 1,
		.address_lo = (uint32_t)(uintptr_t)addr,
		.address_hi = (uint32_t)((uintptr_t)addr >> 32),
		.disposition = COPY_SEND, .type = type,
		.size = size,
	};

	return msg(fd, &m, SEND_MSG, sizeof(m), 0, 0, 0);
}

static int ool_child(void)
{
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	uint32_t task = task_self(fd), p;
	static char mem[65537];
	static uint32_t names[DESC_MAX + 1];	/* MACH_PORT_NULL: no right to own */

	if (fd < 0 || !task || allocate(fd, task, &p))
		return 1;
	if (send_ool(fd, p, 1, mem, 65537) != SEND_TOO_LARGE)
		return 2;
	if (send_ool(fd, p, 1, mem, 65536))
		return 3;
	if (send_ool(fd, p, 2, names, DESC_MAX + 1) != SEND_TOO_LARGE)
		return 4;
	if (send_ool(fd, p, 2, names, DESC_MAX))
		return 5;
	return drain(fd, p) == 2 ? 0 : 6;
}

TEST_F(limits, out_of_line_bytes_and_rights_per_message_are_capped)
{
	EXPECT_EQ(EINVAL, write_param("max_ool_size", "1073741825"));	/* 1 GiB + 1 */
	ASSERT_EQ(0, write_param("max_ool_size", "65536"));
	EXPECT_EQ(0, as_user(0, ool_child));
}

TEST_HARNESS_MAIN
