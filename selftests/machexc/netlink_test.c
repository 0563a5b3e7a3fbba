// SPDX-License-Identifier: GPL-2.0
/*
 * The machexc generic netlink family, through libmnl: GET_STATS,
 * GET_TASKS and GET_PORTS (a space of 100 000 names in many messages),
 * the events group (and machexc-info monitor on it), what an
 * unprivileged reader may not see or join, and malformed requests.
 * Runs as root in the VM lanes; the unprivileged cases drop to another
 * uid in a child.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/machexc_netlink.h>
#include <linux/netlink.h>
#include <mach/mach.h>

#include "kselftest_harness.h"
#include "proc.h"

#define ME mach_task_self()
#define NOBODY 65534
#define MANY_NAMES 100000
#define PARAMS "/sys/module/machexc/parameters/"

/* ---- a small libmnl client ---- */

struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	uint16_t family;
	uint32_t events;
	char msg[256];			/* the last extack message */
	unsigned int recvs;		/* datagrams read for the last request */
	char buf[32768];
};

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl *nl = data;
	const struct nlattr *a;
	unsigned int off = sizeof(*err);

	if (!err->error)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_for_each(a, nlh, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
				snprintf(nl->msg, sizeof(nl->msg), "%s", mnl_attr_get_str(a));
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) &&
	    *(int *)mnl_nlmsg_get_payload(nlh) < 0) {
		errno = -*(int *)mnl_nlmsg_get_payload(nlh);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* Each message of the answer to @cb, with @nl's own error callbacks. */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int talk_error_cb(const struct nlmsghdr *nlh, void *data)
{
	return error_cb(nlh, ((struct talk *)data)->nl);
}

static int talk_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return done_cb(nlh, data);
}

static int talk_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/*
 * Read the answer to request @seq, up to @max datagrams (0: all): 0 at
 * its end, 1 after @max datagrams, or -errno (the extack message in
 * nl->msg).
 */
static int nl_read(struct nl *nl, uint32_t seq, mnl_cb_t cb, void *data, unsigned int max)
{
	static mnl_cb_t cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = talk_error_cb,
		[NLMSG_DONE] = talk_done_cb,
	};
	struct talk t = { nl, cb, data };
	unsigned int got = 0;
	int n;

	nl->msg[0] = '\0';
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		nl->recvs++;
		n = mnl_cb_run2(nl->buf, n, seq, nl->portid, talk_data_cb, &t, cbs,
				NLMSG_MIN_TYPE);
		if (n < 0)
			return -errno;
		if (n == MNL_CB_STOP)
			return 0;
		if (max && ++got == max)
			return 1;
	}
}

/* Send and read the answer: 0, or -errno (the extack message in nl->msg). */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	nl->msg[0] = '\0';
	nl->recvs = 0;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return nl_read(nl, nlh->nlmsg_seq, cb, data, 0);
}

static struct nlmsghdr *request(struct nl *nl, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = MACHEXC_GENL_VERSION;
	return nlh;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *g, *f;
	struct nl *nl = data;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			nl->family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(g, a) {
			uint32_t id = 0;
			int events = 0;

			mnl_attr_for_each_nested(f, g) {
				if (mnl_attr_get_type(f) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(f);
				if (mnl_attr_get_type(f) == CTRL_ATTR_MCAST_GRP_NAME)
					events = !strcmp(mnl_attr_get_str(f),
							 MACHEXC_GENL_MCGRP_EVENTS);
			}
			if (events)
				nl->events = id;
		}
	}
	return MNL_CB_OK;
}

/* A socket with the family resolved; NULL on failure. */
static struct nl *nl_open(void)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	struct nlmsghdr *nlh;
	int one = 1;

	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return NULL;
	nl->portid = mnl_socket_get_portid(nl->sock);
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	((struct genlmsghdr *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr)))->cmd =
		CTRL_CMD_GETFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MACHEXC_GENL_NAME);
	if (nl_talk(nl, nlh, family_cb, nl) || !nl->family)
		return NULL;
	return nl;
}

static void nl_close(struct nl *nl)
{
	mnl_socket_close(nl->sock);
	free(nl);
}

/* A message's (or a nest's) attributes by type. */
static void table(const struct nlattr *nest, const struct nlmsghdr *nlh,
		  const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nest) {
		mnl_attr_for_each_nested(a, nest)
			if (mnl_attr_get_type(a) <= max)
				tb[mnl_attr_get_type(a)] = a;
	} else {
		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(a) <= max)
				tb[mnl_attr_get_type(a)] = a;
	}
}

static uint32_t u32_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static uint64_t u64_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

/*
 * Does the kernel pass the extended ack to a dump's start callback
 * (6.2 and later)?  6.1 reports such an error's errno without its message.
 */
static int start_has_extack(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > 6 || (major == 6 && minor >= 2);
}

/* ---- GET_STATS ---- */

struct stats {
	uint64_t g[MACHEXC_S_MAX + 1], ns[MACHEXC_S_MAX + 1];
	uint64_t lat_total;
	int have_global, have_ns, have_lat, have_msg;
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1], *s[MACHEXC_S_MAX + 1];
	const struct nlattr *lat[MACHEXC_LAT_BUCKETS + 1];
	struct stats *st = data;
	unsigned int i;

	table(NULL, nlh, tb, MACHEXC_A_MAX);
	if (tb[MACHEXC_A_STATS]) {
		st->have_global = 1;
		table(tb[MACHEXC_A_STATS], NULL, s, MACHEXC_S_MAX);
		for (i = MACHEXC_S_SPACES; i <= MACHEXC_S_LIMIT_HITS; i++)
			st->g[i] = u64_of(s[i]);
		st->g[MACHEXC_S_MSG_HANDOFFS] = u64_of(s[MACHEXC_S_MSG_HANDOFFS]);
		st->g[MACHEXC_S_MSG_REQUEUED] = u64_of(s[MACHEXC_S_MSG_REQUEUED]);
		st->have_msg = s[MACHEXC_S_MSG_HANDOFFS] && s[MACHEXC_S_MSG_REQUEUED];
		if (s[MACHEXC_S_LATENCY]) {
			st->have_lat = 1;
			table(s[MACHEXC_S_LATENCY], NULL, lat, MACHEXC_LAT_BUCKETS);
			for (i = 1; i <= MACHEXC_LAT_BUCKETS; i++)
				st->lat_total += u64_of(lat[i]);
		}
	}
	if (tb[MACHEXC_A_STATS_NS]) {
		st->have_ns = 1;
		table(tb[MACHEXC_A_STATS_NS], NULL, s, MACHEXC_S_MAX);
		for (i = MACHEXC_S_SPACES; i <= MACHEXC_S_EXC_ABORTED; i++)
			st->ns[i] = u64_of(s[i]);
	}
	return MNL_CB_OK;
}

static int get_stats(struct nl *nl, struct stats *st)
{
	memset(st, 0, sizeof(*st));
	return nl_talk(nl, request(nl, nl->family, NLM_F_ACK, MACHEXC_CMD_GET_STATS), stats_cb,
		       st);
}

/* ---- GET_TASKS ---- */

struct task_row {
	pid_t pid;
	char comm[16];
	uint32_t rights[MACHEXC_R_MAX + 1];
	uint32_t task_mask, threads, task_suspend;
};

struct tasks {
	struct task_row want;		/* the row of want.pid, if found */
	int found;
	unsigned int rows;
};

static int tasks_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1], *r[MACHEXC_R_MAX + 1];
	struct tasks *t = data;
	unsigned int i;

	table(NULL, nlh, tb, MACHEXC_A_MAX);
	t->rows++;
	if ((pid_t)u32_of(tb[MACHEXC_A_PID]) != t->want.pid)
		return MNL_CB_OK;
	t->found++;
	snprintf(t->want.comm, sizeof(t->want.comm), "%s",
		 tb[MACHEXC_A_COMM] ? mnl_attr_get_str(tb[MACHEXC_A_COMM]) : "");
	if (tb[MACHEXC_A_RIGHTS]) {
		table(tb[MACHEXC_A_RIGHTS], NULL, r, MACHEXC_R_MAX);
		for (i = 1; i <= MACHEXC_R_MAX; i++)
			t->want.rights[i] = u32_of(r[i]);
	}
	t->want.task_mask = u32_of(tb[MACHEXC_A_EXC_TASK_MASK]);
	t->want.threads = u32_of(tb[MACHEXC_A_THREADS]);
	t->want.task_suspend = u32_of(tb[MACHEXC_A_TASK_SUSPEND]);
	return MNL_CB_OK;
}

static int get_tasks(struct nl *nl, pid_t pid, struct tasks *t)
{
	memset(t, 0, sizeof(*t));
	t->want.pid = pid;
	return nl_talk(nl, request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_TASKS), tasks_cb,
		       t);
}

/* ---- GET_PORTS ---- */

struct port_row {
	uint32_t name, type, urefs, msgcount, qlimit, receiver, kobject, requests;
	int has_queue;
};

struct ports {
	uint32_t want;			/* the row of this name, if found */
	struct port_row row;
	unsigned int n, out_of_order, found;
	uint32_t last;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1];
	struct ports *p = data;
	uint32_t name;

	table(NULL, nlh, tb, MACHEXC_A_MAX);
	name = u32_of(tb[MACHEXC_A_PORT_NAME]);
	if (p->n++ && name <= p->last)
		p->out_of_order++;
	p->last = name;
	if (name != p->want)
		return MNL_CB_OK;
	p->found++;
	p->row.name = name;
	p->row.type = u32_of(tb[MACHEXC_A_PORT_TYPE]);
	p->row.urefs = u32_of(tb[MACHEXC_A_PORT_UREFS]);
	p->row.has_queue = !!tb[MACHEXC_A_PORT_MSGCOUNT];
	p->row.msgcount = u32_of(tb[MACHEXC_A_PORT_MSGCOUNT]);
	p->row.qlimit = u32_of(tb[MACHEXC_A_PORT_QLIMIT]);
	p->row.receiver = u32_of(tb[MACHEXC_A_PORT_RECEIVER]);
	p->row.kobject = u32_of(tb[MACHEXC_A_PORT_KOBJECT]);
	p->row.requests = u32_of(tb[MACHEXC_A_PORT_REQUESTS]);
	return MNL_CB_OK;
}

static int get_ports(struct nl *nl, pid_t pid, uint32_t want, struct ports *p)
{
	struct nlmsghdr *nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);

	memset(p, 0, sizeof(*p));
	p->want = want;
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, pid);
	return nl_talk(nl, nlh, ports_cb, p);
}

/* ---- exceptions to watch: int3 answered by a handler thread ---- */

#pragma pack(push, 4)
struct exc_request {
	mach_msg_header_t head;
	NDR_record_t ndr;
	exception_type_t exception;
	mach_msg_type_number_t code_count;
	int64_t code[2];
	mach_msg_max_trailer_t trailer;
};

struct exc_reply {
	mach_msg_header_t head;
	NDR_record_t ndr;
	kern_return_t ret;
};
#pragma pack(pop)

struct handler {
	mach_port_t port;
	kern_return_t answer;
	int answered;
	_Atomic pid_t tid;		/* handle_one()'s thread, once it runs */
};

static void *handle_one(void *arg)
{
	struct handler *h = arg;
	struct exc_request req;
	struct exc_reply rep;

	h->tid = gettid();
	memset(&req, 0, sizeof(req));
	if (mach_msg(&req.head, MACH_RCV_MSG, 0, sizeof(req), h->port, 0, 0))
		return NULL;
	memset(&rep, 0, sizeof(rep));
	rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep.head.msgh_remote_port = req.head.msgh_remote_port;
	rep.head.msgh_id = req.head.msgh_id + 100;
	rep.head.msgh_size = sizeof(rep);
	rep.ndr = NDR_record;
	rep.ret = h->answer;
	if (!mach_msg(&rep.head, MACH_SEND_MSG, sizeof(rep), 0, 0, 0, 0))
		h->answered = 1;
	return NULL;
}

static void on_trap(int sig)
{
	(void)sig;
}

/*
 * One EXC_BREAKPOINT (int3) raised to a task-level handler that answers
 * @answer; KERN_FAILURE leaves the SIGTRAP to our own (empty) handler.
 * 0 when the handler answered.
 */
static int raise_breakpoint(kern_return_t answer)
{
	struct handler h = { .answer = answer };
	struct sigaction sa = { .sa_handler = on_trap }, old;
	pthread_t t;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &h.port) ||
	    mach_port_insert_right(ME, h.port, h.port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, h.port,
				     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE))
		return -1;
	sigaction(SIGTRAP, &sa, &old);
	if (pthread_create(&t, NULL, handle_one, &h))
		return -1;
	__asm__ volatile("int3");
	pthread_join(t, NULL);
	sigaction(SIGTRAP, &old, NULL);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h.port);
	return h.answered ? 0 : -1;
}

/* A task-level EXC_BREAKPOINT port, with SIGTRAP caught: 0, or -1. */
static int breakpoint_port(struct handler *h, struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_trap };

	memset(h, 0, sizeof(*h));
	h->answer = KERN_SUCCESS;
	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &h->port) ||
	    mach_port_insert_right(ME, h->port, h->port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, h->port,
				     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE))
		return -1;
	return sigaction(SIGTRAP, &sa, old);
}

static void breakpoint_port_done(struct handler *h, const struct sigaction *old)
{
	sigaction(SIGTRAP, old, NULL);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h->port);
}

/*
 * One int3 answered by a handler thread that is already asleep in
 * receive when the thread faults: 0 when it answered.
 */
static int breakpoint_to_a_waiting_handler(struct handler *h)
{
	pthread_t t;

	h->answered = 0;
	h->tid = 0;
	if (pthread_create(&t, NULL, handle_one, h))
		return -1;
	while (!h->tid || thread_state_of(h->tid) != 'S')
		sched_yield();
	__asm__ volatile("int3");
	pthread_join(t, NULL);
	return h->answered ? 0 : -1;
}

/* Messages queued on @port, or -1. */
static int queued(mach_port_t port)
{
	mach_port_status_t st;
	mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;

	if (mach_port_get_attributes(ME, port, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st,
				     &n))
		return -1;
	return (int)st.mps_msgcount;
}

/* ---- module parameters ---- */

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

static int write_param(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) < 0)
		err = -1;
	close(fd);
	return err;
}

/* Become uid/gid nobody (which drops every capability): 0 on success. */
static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY) ? -1 : 0;
}

/*
 * A child that uses machexc, with @ports receive rights, as uid nobody
 * (and dumpable again, so that other nobody processes may read it) if
 * @nobody, and waits to be killed (reap()): its pid, or -1.
 */
static pid_t sleeper(int nobody, unsigned int ports)
{
	int ready[2];
	mach_port_t p;
	unsigned int i;
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		if (nobody && (drop_to_nobody() || prctl(PR_SET_DUMPABLE, 1)))
			_exit(1);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
			_exit(1);	/* never outlives a failed test */
		if (mach_task_self() == MACH_PORT_NULL)
			_exit(2);
		for (i = 0; i < ports; i++)
			if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &p))
				_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* ---- the tests ---- */

TEST(stats_report_machine_and_namespace_counters)
{
	struct stats st;
	struct nl *nl;

	ASSERT_NE(MACH_PORT_NULL, ME);
	nl = nl_open();
	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, get_stats(nl, &st));
	ASSERT_TRUE(st.have_global);
	ASSERT_TRUE(st.have_ns);
	EXPECT_TRUE(st.have_lat);
	/* We have a space, and this test's pid namespace is the machine's. */
	EXPECT_LE(1, st.g[MACHEXC_S_SPACES]);
	EXPECT_LE(1, st.ns[MACHEXC_S_SPACES]);
	EXPECT_LE(st.ns[MACHEXC_S_SPACES], st.g[MACHEXC_S_SPACES]);
	EXPECT_LE(1, st.g[MACHEXC_S_PORTS]);
	nl_close(nl);
}

TEST(stats_count_a_handled_exception_and_its_latency)
{
	struct stats before, after;
	struct nl *nl = nl_open();

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, get_stats(nl, &before));
	ASSERT_EQ(0, raise_breakpoint(KERN_SUCCESS));
	ASSERT_EQ(0, get_stats(nl, &after));
	EXPECT_EQ(before.g[MACHEXC_S_EXC_RAISED] + 1, after.g[MACHEXC_S_EXC_RAISED]);
	EXPECT_EQ(before.g[MACHEXC_S_EXC_HANDLED] + 1, after.g[MACHEXC_S_EXC_HANDLED]);
	EXPECT_EQ(before.g[MACHEXC_S_EXC_HANDOFFS] + before.g[MACHEXC_S_EXC_QUEUED] + 1,
		  after.g[MACHEXC_S_EXC_HANDOFFS] + after.g[MACHEXC_S_EXC_QUEUED]);
	EXPECT_EQ(before.lat_total + 1, after.lat_total);
	/* Ours, and we are alive: the namespace counts it too. */
	EXPECT_EQ(before.ns[MACHEXC_S_EXC_HANDLED] + 1, after.ns[MACHEXC_S_EXC_HANDLED]);
	nl_close(nl);
}

#define ROUNDS 3

/*
 * Exceptions raised while their handler is already asleep in receive are
 * handed straight to it: the exception handoffs grow by one each, the
 * misses not at all, and the message handoffs (requests and replies) by
 * at least as many.
 */
TEST(stats_count_handoffs_to_a_handler_already_receiving)
{
	struct stats before, after;
	struct sigaction old;
	struct handler h;
	struct nl *nl = nl_open();
	int i;

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, breakpoint_port(&h, &old));
	ASSERT_EQ(0, get_stats(nl, &before));
	ASSERT_TRUE(before.have_msg);
	for (i = 0; i < ROUNDS; i++)
		ASSERT_EQ(0, breakpoint_to_a_waiting_handler(&h));
	ASSERT_EQ(0, get_stats(nl, &after));
	EXPECT_EQ(before.g[MACHEXC_S_EXC_HANDOFFS] + ROUNDS, after.g[MACHEXC_S_EXC_HANDOFFS]);
	EXPECT_EQ(before.g[MACHEXC_S_EXC_QUEUED], after.g[MACHEXC_S_EXC_QUEUED]);
	EXPECT_LE(before.g[MACHEXC_S_MSG_HANDOFFS] + ROUNDS, after.g[MACHEXC_S_MSG_HANDOFFS]);
	EXPECT_LE(before.g[MACHEXC_S_MSG_REQUEUED], after.g[MACHEXC_S_MSG_REQUEUED]);
	breakpoint_port_done(&h, &old);
	nl_close(nl);
}

/*
 * Exceptions raised while nobody receives on their port wait in its
 * queue: the misses grow by one each, the exception handoffs not at all.
 */
TEST(stats_count_misses_when_no_handler_is_receiving)
{
	struct stats before, after;
	struct sigaction old;
	pid_t pids[ROUNDS];
	struct handler h;
	struct nl *nl = nl_open();
	int i, status;

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, breakpoint_port(&h, &old));
	ASSERT_EQ(0, get_stats(nl, &before));
	/* Children inherit the task's exception ports: theirs come here. */
	for (i = 0; i < ROUNDS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			__asm__ volatile("int3");
			_exit(0);
		}
	}
	while (queued(h.port) < ROUNDS)
		sched_yield();
	ASSERT_EQ(0, get_stats(nl, &after));
	for (i = 0; i < ROUNDS; i++) {
		handle_one(&h);
		EXPECT_TRUE(h.answered);
	}
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	EXPECT_EQ(0, queued(h.port));
	EXPECT_EQ(before.g[MACHEXC_S_EXC_QUEUED] + ROUNDS, after.g[MACHEXC_S_EXC_QUEUED]);
	EXPECT_EQ(before.g[MACHEXC_S_EXC_HANDOFFS], after.g[MACHEXC_S_EXC_HANDOFFS]);
	breakpoint_port_done(&h, &old);
	nl_close(nl);
}

TEST(stats_count_a_fallback)
{
	struct stats before, after;
	struct nl *nl = nl_open();

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, get_stats(nl, &before));
	ASSERT_EQ(0, raise_breakpoint(KERN_FAILURE));
	ASSERT_EQ(0, get_stats(nl, &after));
	EXPECT_EQ(before.g[MACHEXC_S_EXC_FALLBACKS] + 1, after.g[MACHEXC_S_EXC_FALLBACKS]);
	EXPECT_EQ(before.g[MACHEXC_S_EXC_HANDLED], after.g[MACHEXC_S_EXC_HANDLED]);
	EXPECT_EQ(before.ns[MACHEXC_S_EXC_FALLBACKS] + 1, after.ns[MACHEXC_S_EXC_FALLBACKS]);
	nl_close(nl);
}

TEST(tasks_dump_shows_our_rights_ports_and_threads)
{
	struct nl *nl = nl_open();
	mach_port_t p[3], exc;
	struct tasks t;
	int i;

	ASSERT_NE(NULL, nl);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p[i]));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &exc));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, exc, exc, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, exc,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	ASSERT_EQ(0, get_tasks(nl, getpid(), &t));
	ASSERT_EQ(1, t.found);
	EXPECT_STREQ("netlink_test", t.want.comm);
	EXPECT_LE(4, t.want.rights[MACHEXC_R_RECEIVE]);
	EXPECT_LE(1, t.want.rights[MACHEXC_R_SEND]);	/* exc's, and our task port */
	EXPECT_LE(t.want.rights[MACHEXC_R_RECEIVE], t.want.rights[MACHEXC_R_NAMES]);
	EXPECT_EQ(1U << EXC_BAD_ACCESS, t.want.task_mask);
	EXPECT_EQ(0, t.want.task_suspend);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	for (i = 0; i < 3; i++)
		mach_port_destroy(ME, p[i]);
	mach_port_destroy(ME, exc);
	nl_close(nl);
}

TEST(tasks_dump_shows_a_suspended_task)
{
	struct nl *nl = nl_open();
	int ready[2], status;
	mach_port_t child;
	struct tasks t;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(ready[0]);
		if (mach_task_self() == MACH_PORT_NULL)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, pid, &child));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(child));
	ASSERT_EQ(0, get_tasks(nl, pid, &t));
	EXPECT_EQ(1, t.found);
	EXPECT_EQ(1, t.want.task_suspend);
	EXPECT_EQ(KERN_SUCCESS, task_resume(child));
	mach_port_deallocate(ME, child);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(ready[0]);
	nl_close(nl);
}

TEST(ports_dump_shows_queues_receivers_kobjects_and_requests)
{
	struct nl *nl = nl_open();
	mach_port_t p, prev, thread = mach_thread_self(), host = mach_host_self();
	mach_msg_header_t m;
	struct ports r;
	int i;

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	for (i = 0; i < 2; i++) {
		memset(&m, 0, sizeof(m));
		m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
		m.msgh_size = sizeof(m);
		m.msgh_remote_port = p;
		ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m, MACH_SEND_MSG, sizeof(m), 0, 0, 0, 0));
	}
	/* A no-senders request on the receive right, sent to p itself. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_NO_SENDERS, 5,
							       p, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(0, get_ports(nl, getpid(), p, &r));
	ASSERT_EQ(1, r.found);
	EXPECT_EQ(0, r.out_of_order);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, r.row.type);
	EXPECT_EQ(1, r.row.urefs);
	EXPECT_TRUE(r.row.has_queue);
	EXPECT_EQ(2, r.row.msgcount);
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, r.row.qlimit);
	EXPECT_EQ((uint32_t)getpid(), r.row.receiver);
	EXPECT_EQ(MACHEXC_REQ_NO_SENDERS, r.row.requests);

	ASSERT_EQ(0, get_ports(nl, getpid(), ME, &r));
	ASSERT_EQ(1, r.found);
	EXPECT_EQ(MACHEXC_KOBJECT_TASK, r.row.kobject);
	EXPECT_FALSE(r.row.has_queue);
	ASSERT_EQ(0, get_ports(nl, getpid(), thread, &r));
	ASSERT_EQ(1, r.found);
	EXPECT_EQ(MACHEXC_KOBJECT_THREAD, r.row.kobject);
	ASSERT_EQ(0, get_ports(nl, getpid(), host, &r));
	ASSERT_EQ(1, r.found);
	EXPECT_EQ(MACHEXC_KOBJECT_HOST, r.row.kobject);
	mach_port_destroy(ME, p);
	mach_port_deallocate(ME, thread);
	mach_port_deallocate(ME, host);
	nl_close(nl);
}

TEST(ports_dump_shows_a_dead_name_request_on_a_send_right)
{
	struct nl *nl = nl_open();
	mach_port_t p, so, prev;
	struct ports r;

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &so));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(ME, p, MACH_NOTIFY_DEAD_NAME, 0,
							       so, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							       &prev));
	ASSERT_EQ(0, get_ports(nl, getpid(), p, &r));
	ASSERT_EQ(1, r.found);
	EXPECT_TRUE(r.row.requests & MACHEXC_REQ_DEAD_NAME);
	mach_port_destroy(ME, p);
	mach_port_destroy(ME, so);
	nl_close(nl);
}

/* max_names, raised for one test and put back after it. */
FIXTURE(names) {
	char saved[32];
};

FIXTURE_SETUP(names)
{
	char val[32];

	ASSERT_EQ(0, read_param("max_names", self->saved, sizeof(self->saved)));
	snprintf(val, sizeof(val), "%d", MANY_NAMES + 64);
	ASSERT_EQ(0, write_param("max_names", val));
}

FIXTURE_TEARDOWN(names)
{
	write_param("max_names", self->saved);
}

/*
 * A child with 100 000 dead names (dead names are no ports, so no port
 * cap applies; max_names is raised for it): all of them come out, in
 * order, once each, over many messages.  TCG (and the debug lane's
 * KASAN) make the 100 000 allocations slow: a long harness timeout.
 */
TEST_F_TIMEOUT(names, ports_dump_of_100000_names_spans_many_messages, 900)
{
	int ready[2], status;
	struct ports r;
	struct nl *nl;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t name;
		int i;

		close(ready[0]);
		for (i = 0; i < MANY_NAMES; i++)
			if (mach_port_allocate(ME, MACH_PORT_RIGHT_DEAD_NAME, &name))
				_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	c = 0;
	EXPECT_EQ(1, read(ready[0], &c, 1));
	nl = nl_open();
	if (c == 'r' && nl) {
		EXPECT_EQ(0, get_ports(nl, pid, 0, &r));
		/* Ours, its task port, and maybe its thread's and bootstrap's. */
		EXPECT_LE(MANY_NAMES + 1, r.n);
		EXPECT_GE(MANY_NAMES + 4, r.n);
		EXPECT_EQ(0, r.out_of_order);
		EXPECT_LT(10, nl->recvs);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ASSERT_EQ('r', c);
	ASSERT_NE(NULL, nl);
	nl_close(nl);
}

struct event {
	uint32_t event, pid, tid, type, level;
	uint64_t code, blocked_ns;
};

/* Read events until one of @want for @pid: 0, or -1. */
static int wait_event(struct nl *nl, uint32_t want, pid_t pid, struct event *ev)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1];
	const struct nlmsghdr *nlh;
	int n;

	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -1;
		for (nlh = (void *)nl->buf; mnl_nlmsg_ok(nlh, n); nlh = mnl_nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type != nl->family)
				continue;
			table(NULL, nlh, tb, MACHEXC_A_MAX);
			ev->event = u32_of(tb[MACHEXC_A_EVENT]);
			ev->pid = u32_of(tb[MACHEXC_A_PID]);
			ev->tid = u32_of(tb[MACHEXC_A_TID]);
			ev->type = u32_of(tb[MACHEXC_A_EXC_TYPE]);
			ev->level = u32_of(tb[MACHEXC_A_EXC_LEVEL]);
			ev->code = u64_of(tb[MACHEXC_A_EXC_CODE]);
			ev->blocked_ns = u64_of(tb[MACHEXC_A_BLOCKED_NS]);
			if (ev->event == want && ev->pid == (uint32_t)pid)
				return 0;
		}
	}
}

static int join_events(struct nl *nl)
{
	int group = nl->events;

	return group ? mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
					     sizeof(group)) : -1;
}

TEST(events_group_gets_raised_then_handled)
{
	struct nl *nl = nl_open();
	struct event ev;

	ASSERT_NE(NULL, nl);
	ASSERT_NE(0, nl->events);
	ASSERT_EQ(0, join_events(nl));
	ASSERT_EQ(0, raise_breakpoint(KERN_SUCCESS));
	ASSERT_EQ(0, wait_event(nl, MACHEXC_EVENT_RAISED, getpid(), &ev));
	EXPECT_EQ((uint32_t)gettid(), ev.tid);
	EXPECT_EQ(EXC_BREAKPOINT, ev.type);
	EXPECT_EQ(MACHEXC_LEVEL_TASK, ev.level);
	ASSERT_EQ(0, wait_event(nl, MACHEXC_EVENT_HANDLED, getpid(), &ev));
	EXPECT_EQ(MACHEXC_LEVEL_TASK, ev.level);
	EXPECT_LT(0, ev.blocked_ns);
	nl_close(nl);
}

TEST(events_group_gets_a_fallback)
{
	struct nl *nl = nl_open();
	struct event ev;

	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, join_events(nl));
	ASSERT_EQ(0, raise_breakpoint(KERN_FAILURE));
	ASSERT_EQ(0, wait_event(nl, MACHEXC_EVENT_FALLBACK, getpid(), &ev));
	EXPECT_EQ(EXC_BREAKPOINT, ev.type);
	EXPECT_EQ(MACHEXC_LEVEL_NONE, ev.level);
	nl_close(nl);
}

/* machexc-info monitor, on a pipe: its ready line, then our two events. */
TEST(monitor_tool_prints_events)
{
	char line[512], pidstr[32];
	int out[2], status, got = 0;
	FILE *f;
	pid_t pid;

	ASSERT_EQ(0, pipe(out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execlp("machexc-info", "machexc-info", "monitor", "--count", "2", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	ASSERT_EQ(0, strncmp(line, "monitoring", 10));
	ASSERT_EQ(0, raise_breakpoint(KERN_SUCCESS));
	snprintf(pidstr, sizeof(pidstr), "pid %d ", getpid());
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, pidstr) || !strstr(line, "EXC_BREAKPOINT"))
			continue;
		got += !strncmp(line, "raised", 6) || !strncmp(line, "handled", 7);
	}
	fclose(f);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, got);
}

/* @cmd's standard output (at most @len - 1 bytes) and its exit status. */
static int run_tool(const char *cmd, char *out, size_t len)
{
	size_t n = 0, got;
	FILE *f = popen(cmd, "r");
	int status;

	out[0] = '\0';
	if (!f)
		return -1;
	while (n < len - 1 && (got = fread(out + n, 1, len - 1 - n, f)) > 0)
		n += got;
	out[n] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(tool_ps_json_lists_this_process)
{
	char out[65536], want[64];

	ASSERT_NE(MACH_PORT_NULL, ME);
	ASSERT_EQ(0, run_tool("machexc-info --json ps", out, sizeof(out)));
	EXPECT_EQ('[', out[0]);
	snprintf(want, sizeof(want), "{\"pid\":%d,\"comm\":\"netlink_test\"", getpid());
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
}

/* A process named @name with a port space; its pid, or -1. */
static pid_t named(const char *name)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
			_exit(1);
		if (prctl(PR_SET_NAME, name) || mach_task_self() == MACH_PORT_NULL)
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &c, 1) != 1) {
		reap(pid);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

TEST(tool_json_keeps_utf8_and_replaces_bytes_that_are_not)
{
	char out[65536], want[64];
	pid_t pid = named("caf\xc3\xa9\xff\x01");

	ASSERT_LT(0, pid);
	EXPECT_EQ(0, run_tool("machexc-info --json ps", out, sizeof(out)));
	snprintf(want, sizeof(want), "{\"pid\":%d,\"comm\":\"caf\xc3\xa9\\ufffd\\u0001\"", pid);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	reap(pid);
}

TEST(tool_ports_shows_our_task_port)
{
	char out[65536], cmd[64];

	ASSERT_NE(MACH_PORT_NULL, ME);
	snprintf(cmd, sizeof(cmd), "machexc-info ports %d", getpid());
	ASSERT_EQ(0, run_tool(cmd, out, sizeof(out)));
	EXPECT_EQ(0, strncmp(out, "name", 4));
	EXPECT_NE(NULL, strstr(out, " task ")) TH_LOG("%s", out);
}

TEST(tool_stats_json_has_machine_and_namespace)
{
	char out[4096];

	ASSERT_NE(MACH_PORT_NULL, ME);
	ASSERT_EQ(0, run_tool("machexc-info --json stats", out, sizeof(out)));
	EXPECT_EQ(0, strncmp(out, "{\"machine\":{\"spaces\":", 21)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"latency_us\":["));
	EXPECT_NE(NULL, strstr(out, "},\"namespace\":{\"spaces\":"));
	EXPECT_NE(NULL, strstr(out, "\"msg_handoffs\":"));
	EXPECT_NE(NULL, strstr(out, "\"msg_requeued\":"));
}

/* The text form names the message handoffs and requeues too. */
TEST(tool_stats_text_has_message_handoffs)
{
	char out[4096];

	ASSERT_NE(MACH_PORT_NULL, ME);
	ASSERT_EQ(0, run_tool("machexc-info stats", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "messages handed off")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "put back unreceived"));
}

TEST(tool_exits_1_on_a_refusal_and_2_on_a_bad_pid)
{
	char out[256];

	EXPECT_EQ(1, run_tool("machexc-info ports 1 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run_tool("machexc-info ports 12x 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run_tool("machexc-info ps --count 3 2>/dev/null", out, sizeof(out)));
}

/* Run @fn as uid nobody in a child: its exit status. */
static int as_nobody(int (*fn)(pid_t parent))
{
	pid_t parent = getpid(), pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(drop_to_nobody() ? 100 : fn(parent));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* 0 if the events group refuses us with EPERM. */
static int nobody_joins_events(pid_t parent)
{
	struct nl *nl = nl_open();

	(void)parent;
	if (!nl || !nl->events)
		return 1;
	return join_events(nl) < 0 && errno == EPERM ? 0 : 2;
}

TEST(unprivileged_listener_cannot_join_events)
{
	ASSERT_NE(MACH_PORT_NULL, ME);
	EXPECT_EQ(0, as_nobody(nobody_joins_events));
}

/* 0 if the dump shows our own process and not root's @parent. */
static int nobody_lists_tasks(pid_t parent)
{
	struct nl *nl = nl_open();
	struct tasks t;

	if (!nl || mach_task_self() == MACH_PORT_NULL)
		return 1;
	if (get_tasks(nl, parent, &t) || t.found)
		return 2;
	if (get_tasks(nl, getpid(), &t) || t.found != 1)
		return 3;
	return 0;
}

TEST(unprivileged_tasks_dump_skips_other_users_processes)
{
	ASSERT_NE(MACH_PORT_NULL, ME);
	EXPECT_EQ(0, as_nobody(nobody_lists_tasks));
}

/* 0 if GET_PORTS of root's @parent is EPERM, and of ourselves works. */
static int nobody_lists_ports(pid_t parent)
{
	struct nl *nl = nl_open();
	struct ports r;

	if (!nl || mach_task_self() == MACH_PORT_NULL)
		return 1;
	if (get_ports(nl, parent, 0, &r) != -EPERM)
		return 2;
	if (get_ports(nl, getpid(), 0, &r) || !r.n)
		return 3;
	return 0;
}

TEST(unprivileged_ports_of_another_user_are_eperm)
{
	ASSERT_NE(MACH_PORT_NULL, ME);
	EXPECT_EQ(0, as_nobody(nobody_lists_ports));
}

/* 0 if GET_STATS counts our own space in the namespace and not root's @parent's. */
static int nobody_counts_itself(pid_t parent)
{
	struct nl *nl = nl_open();
	struct stats st;

	(void)parent;
	if (!nl || mach_task_self() == MACH_PORT_NULL)
		return 1;
	if (get_stats(nl, &st))
		return 2;
	return st.ns[MACHEXC_S_SPACES] == 1 && st.g[MACHEXC_S_SPACES] >= 2 ? 0 : 3;
}

TEST(unprivileged_stats_sum_only_processes_the_caller_may_read)
{
	ASSERT_NE(MACH_PORT_NULL, ME);
	EXPECT_EQ(0, as_nobody(nobody_counts_itself));
}

#define CROWD 48	/* nobody's processes: more rows than one first message holds */

/*
 * A GET_TASKS dump sent by nobody on a socket that root then reads (the
 * way to CVE-2014-0181: pass the socket to a privileged reader): every
 * callback acts for nobody, so root's process with a higher pid than
 * nobody's, which the callbacks run in root's recvmsg() reach, is not
 * shown.  The socket has never been read: its first message is a small
 * one (later ones are as large as the reads), filled at the request.
 */
TEST(a_dump_read_by_root_shows_only_what_its_unprivileged_requester_may)
{
	pid_t crowd[CROWD], rooty, req;
	struct nl *nl = nl_open(), *fresh = calloc(1, sizeof(*fresh));
	struct nlmsghdr *nlh;
	unsigned int first;
	struct tasks t;
	uint32_t seq;
	int i, status;

	ASSERT_NE(NULL, nl);
	ASSERT_NE(NULL, fresh);
	ASSERT_NE(MACH_PORT_NULL, ME);
	fresh->sock = mnl_socket_open(NETLINK_GENERIC);
	ASSERT_NE(NULL, fresh->sock);
	ASSERT_EQ(0, mnl_socket_bind(fresh->sock, 0, MNL_SOCKET_AUTOPID));
	fresh->portid = mnl_socket_get_portid(fresh->sock);
	fresh->family = nl->family;
	for (i = 0; i < CROWD; i++)
		ASSERT_LT(0, crowd[i] = sleeper(1, 0));
	rooty = sleeper(0, 0);
	ASSERT_LT(crowd[CROWD - 1], rooty);	/* after them in the dump */
	memset(&t, 0, sizeof(t));
	t.want.pid = rooty;
	nlh = request(fresh, fresh->family, NLM_F_DUMP, MACHEXC_CMD_GET_TASKS);
	seq = nlh->nlmsg_seq;
	req = fork();
	ASSERT_LE(0, req);
	if (req == 0)
		_exit(drop_to_nobody() ||
		      mnl_socket_sendto(fresh->sock, nlh, nlh->nlmsg_len) < 0);
	ASSERT_EQ(req, waitpid(req, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(1, nl_read(fresh, seq, tasks_cb, &t, 1));
	first = t.rows;
	ASSERT_LT(0, first);
	ASSERT_GT(CROWD, first);	/* the rest comes from root's reads */
	ASSERT_EQ(0, nl_read(fresh, seq, tasks_cb, &t, 0));
	EXPECT_EQ(0, t.found);
	EXPECT_EQ(CROWD, t.rows);
	reap(rooty);
	for (i = 0; i < CROWD; i++)
		reap(crowd[i]);
	nl_close(fresh);
	nl_close(nl);
}

/*
 * A GET_PORTS dump whose process dies between two callbacks ends with
 * ESRCH, not as if the names sent so far were all.  2000 names take more
 * than the first two messages (one filled at the request, one at the
 * first read).
 */
TEST(a_ports_dump_whose_process_exits_midway_is_esrch)
{
	struct nl *nl = nl_open();
	struct nlmsghdr *nlh;
	struct ports p;
	uint32_t seq;
	pid_t pid;

	ASSERT_NE(NULL, nl);
	pid = sleeper(0, 2000);
	ASSERT_LT(0, pid);
	memset(&p, 0, sizeof(p));
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, pid);
	seq = nlh->nlmsg_seq;
	ASSERT_LE(0, mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len));
	ASSERT_EQ(1, nl_read(nl, seq, ports_cb, &p, 2));
	ASSERT_LT(0, p.n);
	ASSERT_GT(2000, p.n);
	reap(pid);
	EXPECT_EQ(-ESRCH, nl_read(nl, seq, ports_cb, &p, 0));
	EXPECT_GT(2000, p.n);
	nl_close(nl);
}

/* In a new pid namespace: 0 if only we (pid 1 there) are counted and listed. */
static int alone_in_a_pid_namespace(void)
{
	struct nl *nl = nl_open();
	struct stats st;
	struct tasks t;

	if (!nl || mach_task_self() == MACH_PORT_NULL)
		return 1;
	if (get_stats(nl, &st) || st.ns[MACHEXC_S_SPACES] != 1 || st.g[MACHEXC_S_SPACES] < 2)
		return 2;
	if (get_tasks(nl, 1, &t) || t.found != 1 || t.rows != 1)
		return 3;
	return 0;
}

TEST(a_child_pid_namespace_sees_only_its_own_processes)
{
	int status;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, ME);	/* the parent namespace has a space */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(10);
		inner = fork();
		if (inner == 0)
			_exit(alone_in_a_pid_namespace());
		if (inner < 0 || waitpid(inner, &status, 0) != inner || !WIFEXITED(status))
			_exit(11);
		_exit(WEXITSTATUS(status));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The lanes' init (pid 1, busybox) never opens /dev/machexc. */
TEST(ports_of_a_process_without_machexc_are_esrch)
{
	struct nl *nl = nl_open();
	struct ports r;

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(-ESRCH, get_ports(nl, 1, 0, &r));
	if (start_has_extack())
		EXPECT_NE(NULL, strstr(nl->msg, "does not use machexc"));
	nl_close(nl);
}

TEST(ports_of_a_pid_nobody_has_are_esrch)
{
	struct nl *nl = nl_open();
	struct ports r;

	ASSERT_NE(NULL, nl);
	/* PID_MAX_LIMIT (4 Mi) itself is in range, and never a pid. */
	EXPECT_EQ(-ESRCH, get_ports(nl, 4 * 1024 * 1024, 0, &r));
	nl_close(nl);
}

TEST(get_ports_without_a_pid_is_einval_with_a_message)
{
	struct nl *nl = nl_open();

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(-EINVAL, nl_talk(nl, request(nl, nl->family, NLM_F_DUMP,
					       MACHEXC_CMD_GET_PORTS), NULL, NULL));
	if (start_has_extack())
		EXPECT_NE(NULL, strstr(nl->msg, "MACHEXC_A_PID"));
	nl_close(nl);
}

TEST(a_pid_of_the_wrong_type_is_einval)
{
	struct nl *nl = nl_open();
	struct nlmsghdr *nlh;

	ASSERT_NE(NULL, nl);
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);
	mnl_attr_put_u64(nlh, MACHEXC_A_PID, getpid());
	EXPECT_EQ(-EINVAL, nl_talk(nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(nl->msg));
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);
	mnl_attr_put_strz(nlh, MACHEXC_A_PID, "1");
	EXPECT_EQ(-EINVAL, nl_talk(nl, nlh, NULL, NULL));
	nl_close(nl);
}

TEST(a_huge_pid_is_erange_with_a_message)
{
	struct nl *nl = nl_open();
	struct nlmsghdr *nlh;

	ASSERT_NE(NULL, nl);
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, 0xffffffffU);
	EXPECT_EQ(-ERANGE, nl_talk(nl, nlh, NULL, NULL));
	EXPECT_NE(0, strlen(nl->msg));
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, 0);
	EXPECT_EQ(-ERANGE, nl_talk(nl, nlh, NULL, NULL));
	nl_close(nl);
}

TEST(an_attribute_a_command_does_not_take_is_refused)
{
	struct nl *nl = nl_open();
	struct nlmsghdr *nlh;

	ASSERT_NE(NULL, nl);
	nlh = request(nl, nl->family, NLM_F_ACK, MACHEXC_CMD_GET_STATS);
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, 1);
	EXPECT_EQ(-EINVAL, nl_talk(nl, nlh, NULL, NULL));
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS);
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, getpid());
	mnl_attr_put_u32(nlh, MACHEXC_A_MAX + 10, 1);
	EXPECT_EQ(-EINVAL, nl_talk(nl, nlh, NULL, NULL));
	nlh = request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_TASKS);
	mnl_attr_put_u32(nlh, MACHEXC_A_COMM, 1);
	EXPECT_EQ(-EINVAL, nl_talk(nl, nlh, NULL, NULL));
	nl_close(nl);
}

TEST(a_nonzero_reserved_header_field_is_einval)
{
	struct nl *nl = nl_open();
	struct nlmsghdr *nlh;

	ASSERT_NE(NULL, nl);
	nlh = request(nl, nl->family, NLM_F_ACK, MACHEXC_CMD_GET_STATS);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved = 1;
	EXPECT_EQ(-EINVAL, nl_talk(nl, nlh, NULL, NULL));
	nl_close(nl);
}

TEST(an_unknown_command_is_eopnotsupp)
{
	struct nl *nl = nl_open();

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(-EOPNOTSUPP, nl_talk(nl, request(nl, nl->family, NLM_F_ACK,
						   MACHEXC_CMD_MAX + 1), NULL, NULL));
	EXPECT_EQ(-EOPNOTSUPP, nl_talk(nl, request(nl, nl->family, NLM_F_ACK,
						   MACHEXC_CMD_EVENT), NULL, NULL));
	nl_close(nl);
}

TEST_HARNESS_MAIN
