// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-info: is machexc there, which API does it speak, and what is
 * it doing?
 *
 *   machexc-info              API version, features and global counters
 *                             (the device's ioctls, as always)
 *   machexc-info stats        global and per-pid-namespace counters, with
 *                             the latency histogram (generic netlink)
 *   machexc-info ps           the processes using machexc that we may read
 *   machexc-info ports PID    one process's names, as lsmp(1) shows them
 *   machexc-info monitor      exception events as they happen (needs
 *                             CAP_SYS_ADMIN), like ip monitor
 *
 * --json anywhere prints JSON instead (monitor: one object per line).
 * Everything but the first talks to the "machexc" generic netlink family
 * (uapi/linux/machexc_netlink.h) through libmnl.
 *
 * Exit status: 0 on success, 1 when the module cannot be reached or
 * refuses (the reason on stderr), 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/machexc_netlink.h>
#include <linux/netlink.h>

#include "machexc.h"

static bool json;

static const struct {
	__u64 bit;
	const char *name;
} features[] = {
	{ MACHEXC_FEATURE_VERSION, "version" },
	{ MACHEXC_FEATURE_IPC, "ipc" },
	{ MACHEXC_FEATURE_EXC, "exceptions" },
	{ MACHEXC_FEATURE_TASKS, "tasks" },
	{ MACHEXC_FEATURE_OOL, "ool" },
	{ MACHEXC_FEATURE_LIMITS, "limits" },
	{ MACHEXC_FEATURE_VM, "vm" },
	{ MACHEXC_FEATURE_VM_ALLOCATE, "vm-allocate" },
	{ MACHEXC_FEATURE_CRASH, "crash" },
	{ MACHEXC_FEATURE_SOFT_SIGNAL, "soft-signal" },
	{ MACHEXC_FEATURE_MSG_STATS, "msg-stats" },
	{ MACHEXC_FEATURE_LSEEK_MARK, "lseek-mark" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: machexc-info [--json] [stats | ps | ports PID | monitor [--count N]]\n"
		"       machexc-info -h|--help\n"
		"Without a command: the API version, features and counters of the machexc\n"
		"module (exception counters are totals since the module was loaded).\n"
		"  stats        global and pid-namespace counters, latency histogram\n"
		"  ps           processes using machexc (those you may ptrace-read)\n"
		"  ports PID    the names of PID's port space, like macOS's lsmp\n"
		"  monitor      exception events as they happen (CAP_SYS_ADMIN);\n"
		"               --count N stops after N events\n"
		"  --json       JSON output (monitor: one object per line)\n");
}

static void die_nl(const char *what)
{
	fprintf(stderr, "machexc-info: %s: %s\n", what, strerror(errno));
	if (errno == ENOENT)
		fprintf(stderr, "machexc-info: is the module loaded? Try 'modprobe machexc'"
			" (install it with dkms, see README).\n");
	exit(1);
}

/* The device's view: what machexc-info always printed. */
static int info_ioctl(void)
{
	struct machexc_stats st;
	struct machexc_version v;
	unsigned long long known;
	unsigned int i;
	bool first = true;

	if (machexc_api_version(&v) < 0) {
		int err = errno;

		fprintf(stderr, "machexc-info: %s: %s\n", MACHEXC_DEVICE_PATH, strerror(err));
		if (err == ENOENT || err == ENXIO || err == ENODEV)
			fprintf(stderr, "machexc-info: is the module loaded? Try 'modprobe machexc'"
				" (install it with dkms, see README).\n");
		return 1;
	}
	known = 0;
	if (json) {
		printf("{\"api\":{\"major\":%u,\"minor\":%u},\"built_for\":{\"major\":%u,"
		       "\"minor\":%u},\"features\":[",
		       v.major, v.minor, MACHEXC_API_MAJOR, MACHEXC_API_MINOR);
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
			known |= features[i].bit;
			if (v.features & features[i].bit) {
				printf("%s\"%s\"", first ? "" : ",", features[i].name);
				first = false;
			}
		}
		printf("],\"unknown_features\":%llu", (unsigned long long)v.features & ~known);
		if (machexc_get_stats(&st) == 0)
			printf(",\"live\":{\"spaces\":%llu,\"ports\":%llu,\"psets\":%llu,"
			       "\"messages\":%llu},\"exceptions\":{\"raised\":%llu,"
			       "\"handed_off\":%llu,\"queued\":%llu,\"handled\":%llu},"
			       "\"messages\":{\"handed_off\":%llu,\"requeued\":%llu}",
			       (unsigned long long)st.spaces, (unsigned long long)st.ports,
			       (unsigned long long)st.psets, (unsigned long long)st.kmsgs,
			       (unsigned long long)st.exc_raised,
			       (unsigned long long)st.exc_handoffs,
			       (unsigned long long)st.exc_misses,
			       (unsigned long long)st.exc_handled,
			       (unsigned long long)st.msg_handoffs,
			       (unsigned long long)st.msg_requeued);
		printf("}\n");
		return v.major == MACHEXC_API_MAJOR ? 0 : 1;
	}
	printf("machexc API %u.%u (this program was built for %u.%u)\n",
	       v.major, v.minor, MACHEXC_API_MAJOR, MACHEXC_API_MINOR);
	printf("features:");
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		known |= features[i].bit;
		if (v.features & features[i].bit)
			printf(" %s", features[i].name);
	}
	if (v.features & ~known)
		printf(" 0x%llx", (unsigned long long)v.features & ~known);	/* a newer module's */
	printf("\n");
	if (machexc_get_stats(&st) == 0) {
		printf("live: %llu spaces, %llu ports, %llu port sets, %llu queued messages\n",
		       (unsigned long long)st.spaces, (unsigned long long)st.ports,
		       (unsigned long long)st.psets, (unsigned long long)st.kmsgs);
		printf("exceptions: %llu raised, %llu handed off, %llu queued (misses), "
		       "%llu handled\n",
		       (unsigned long long)st.exc_raised, (unsigned long long)st.exc_handoffs,
		       (unsigned long long)st.exc_misses, (unsigned long long)st.exc_handled);
		printf("messages: %llu handed off, %llu put back unreceived\n",
		       (unsigned long long)st.msg_handoffs, (unsigned long long)st.msg_requeued);
	}
	return v.major == MACHEXC_API_MAJOR ? 0 : 1;
}

/* ---- generic netlink through libmnl ---- */

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint16_t family;
	uint32_t events_group;		/* 0: none */
	char buf[32768];		/* a dump message's skb is at most 32 KiB */
	unsigned int seq;
};

/* NLMSG_ERROR: 0 for an ack, else errno set and the kernel's message shown. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	unsigned int off;

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		mnl_attr_for_each(a, nlh, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				fprintf(stderr, "machexc-info: kernel says: %s\n",
					mnl_attr_get_str(a));
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE of a dump, which carries the dump's error if it failed. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(int *)mnl_nlmsg_get_payload(nlh);

		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/* Send @nlh and run @cb on every answer until the ack or the dump's end. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int n;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -1;
		n = mnl_cb_run2(nl->buf, n, nlh->nlmsg_seq, nl->portid, cb, data,
				ctl_cbs, NLMSG_MIN_TYPE);
		if (n <= MNL_CB_STOP)
			return n;
	}
}

static struct nlmsghdr *nl_request(struct nl *nl, uint16_t type, uint16_t flags, uint8_t cmd,
				   uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int group_cb(const struct nlattr *grp, struct nl *nl)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			id = mnl_attr_get_u32(a);
	}
	if (name && !strcmp(name, MACHEXC_GENL_MCGRP_EVENTS))
		nl->events_group = id;
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *nl = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
			nl->family = mnl_attr_get_u16(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			mnl_attr_for_each_nested(g, a)
				group_cb(g, nl);
	}
	return MNL_CB_OK;
}

/* Open a socket and find the machexc family (ENOENT: module not loaded). */
static void nl_open(struct nl *nl)
{
	struct nlmsghdr *nlh;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->seq = time(NULL);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die_nl("netlink socket");
	nl->portid = mnl_socket_get_portid(nl->sock);
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nlh = nl_request(nl, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MACHEXC_GENL_NAME);
	if (nl_talk(nl, nlh, family_cb, nl) < 0 || !nl->family)
		die_nl("generic netlink family " MACHEXC_GENL_NAME);
}

/* A nest's attributes by type (unknown or mistyped ones left out). */
static void nest_table(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
}

static void msg_table(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, (MACHEXC_A_MAX + 1) * sizeof(*tb));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) <= MACHEXC_A_MAX)
			tb[mnl_attr_get_type(a)] = a;
}

static uint64_t get64(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U64) >= 0 ? mnl_attr_get_u64(a) : 0;
}

static uint32_t get32(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) >= 0 ? mnl_attr_get_u32(a) : 0;
}

static const char *getstr(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0 ? mnl_attr_get_str(a) : "";
}

/*
 * The length of the well-formed UTF-8 sequence at @s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned int cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * A string for JSON: comm is at most 15 bytes of anything.  Well-formed
 * UTF-8 is kept as it is, control characters are escaped, and a byte that
 * is not part of well-formed UTF-8 becomes U+FFFD, so the output is
 * always valid JSON text.
 */
static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	putchar('"');
	while (*s) {
		if (*s == '"' || *s == '\\') {
			printf("\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			printf("\\u%04x", *s++);
		} else if (*s < 0x80) {
			putchar(*s++);
		} else if ((n = utf8_len(s)) > 0) {
			fwrite(s, 1, n, stdout);
			s += n;
		} else {
			fputs("\\ufffd", stdout);
			s++;
		}
	}
	putchar('"');
}

/* ---- stats ---- */

static const struct {
	int attr;
	const char *key;
	const char *label;
} stat_rows[] = {
	{ MACHEXC_S_SPACES, "spaces", "processes (spaces)" },
	{ MACHEXC_S_THREADS, "threads", "threads" },
	{ MACHEXC_S_PORTS, "ports", "ports" },
	{ MACHEXC_S_PSETS, "port_sets", "port sets" },
	{ MACHEXC_S_MSGS, "messages", "queued messages" },
	{ MACHEXC_S_EXC_RAISED, "raised", "exceptions raised" },
	{ MACHEXC_S_EXC_HANDOFFS, "handed_off", "  handed off" },
	{ MACHEXC_S_EXC_QUEUED, "queued", "  queued" },
	{ MACHEXC_S_EXC_HANDLED, "handled", "  handled" },
	{ MACHEXC_S_EXC_FALLBACKS, "fallbacks", "  left to the signal" },
	{ MACHEXC_S_EXC_ABORTED, "aborted", "  killed while waiting" },
};

#define NROWS (sizeof(stat_rows) / sizeof(stat_rows[0]))

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1], *g[MACHEXC_S_MAX + 1], *ns[MACHEXC_S_MAX + 1];
	const struct nlattr *lat[MACHEXC_LAT_BUCKETS + 1];
	unsigned int i;

	(void)data;
	msg_table(nlh, tb);
	if (!tb[MACHEXC_A_STATS] || !tb[MACHEXC_A_STATS_NS]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	nest_table(tb[MACHEXC_A_STATS], g, MACHEXC_S_MAX);
	nest_table(tb[MACHEXC_A_STATS_NS], ns, MACHEXC_S_MAX);
	memset(lat, 0, sizeof(lat));
	if (g[MACHEXC_S_LATENCY])
		nest_table(g[MACHEXC_S_LATENCY], lat, MACHEXC_LAT_BUCKETS);
	if (json) {
		printf("{\"machine\":{");
		for (i = 0; i < NROWS; i++)
			printf("\"%s\":%" PRIu64 ",", stat_rows[i].key, get64(g[stat_rows[i].attr]));
		printf("\"nomem\":%" PRIu64 ",\"limit_hits\":%" PRIu64 ",\"host_exc_mask\":%u,"
		       "\"msg_handoffs\":%" PRIu64 ",\"msg_requeued\":%" PRIu64 ","
		       "\"latency_us\":[", get64(g[MACHEXC_S_NOMEM]),
		       get64(g[MACHEXC_S_LIMIT_HITS]), get32(g[MACHEXC_S_EXC_HOST_MASK]),
		       get64(g[MACHEXC_S_MSG_HANDOFFS]), get64(g[MACHEXC_S_MSG_REQUEUED]));
		for (i = 1; i <= MACHEXC_LAT_BUCKETS; i++)
			printf("%s%" PRIu64, i > 1 ? "," : "", get64(lat[i]));
		printf("]},\"namespace\":{");
		for (i = 0; i < NROWS; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", stat_rows[i].key,
			       get64(ns[stat_rows[i].attr]));
		printf("}}\n");
		return MNL_CB_OK;
	}
	printf("%-24s %12s %12s\n", "", "machine", "namespace");
	for (i = 0; i < NROWS; i++)
		printf("%-24s %12" PRIu64 " %12" PRIu64 "\n", stat_rows[i].label,
		       get64(g[stat_rows[i].attr]), get64(ns[stat_rows[i].attr]));
	printf("%-24s %12" PRIu64 "\n", "allocations lost", get64(g[MACHEXC_S_NOMEM]));
	printf("%-24s %12" PRIu64 "\n", "refused by a cap", get64(g[MACHEXC_S_LIMIT_HITS]));
	printf("%-24s   0x%08x\n", "host exception mask", get32(g[MACHEXC_S_EXC_HOST_MASK]));
	printf("%-24s %12" PRIu64 "\n", "messages handed off", get64(g[MACHEXC_S_MSG_HANDOFFS]));
	printf("%-24s %12" PRIu64 "\n", "  put back unreceived",
	       get64(g[MACHEXC_S_MSG_REQUEUED]));
	printf("time stopped per exception (machine):\n");
	for (i = 1; i <= MACHEXC_LAT_BUCKETS; i++) {
		uint64_t n = get64(lat[i]);

		if (!n)
			continue;
		if (i == 1)
			printf("  %10s < 1 us      %12" PRIu64 "\n", "", n);
		else if (i == MACHEXC_LAT_BUCKETS)
			printf("  %10llu us or more %10" PRIu64 "\n", 1ULL << (i - 2), n);
		else
			printf("  %10llu .. %-10llu us %8" PRIu64 "\n", 1ULL << (i - 2),
			       (1ULL << (i - 1)) - 1, n);
	}
	return MNL_CB_OK;
}

static int cmd_stats(struct nl *nl)
{
	struct nlmsghdr *nlh = nl_request(nl, nl->family, NLM_F_ACK, MACHEXC_CMD_GET_STATS,
					  MACHEXC_GENL_VERSION);

	if (nl_talk(nl, nlh, stats_cb, NULL) < 0)
		die_nl("GET_STATS");
	return 0;
}

/* ---- ps ---- */

static const char *const right_keys[] = {
	[MACHEXC_R_SEND] = "send", [MACHEXC_R_RECEIVE] = "receive",
	[MACHEXC_R_SEND_ONCE] = "send_once", [MACHEXC_R_PORT_SET] = "port_set",
	[MACHEXC_R_DEAD_NAME] = "dead_name", [MACHEXC_R_NAMES] = "names",
};

static int ps_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1], *r[MACHEXC_R_MAX + 1];
	unsigned int *count = data, i;

	msg_table(nlh, tb);
	memset(r, 0, sizeof(r));
	if (tb[MACHEXC_A_RIGHTS])
		nest_table(tb[MACHEXC_A_RIGHTS], r, MACHEXC_R_MAX);
	if (json) {
		printf("%s{\"pid\":%u,\"comm\":", (*count)++ ? "," : "", get32(tb[MACHEXC_A_PID]));
		json_str(getstr(tb[MACHEXC_A_COMM]));
		printf(",\"rights\":{");
		for (i = MACHEXC_R_SEND; i <= MACHEXC_R_MAX; i++)
			printf("%s\"%s\":%u", i > MACHEXC_R_SEND ? "," : "", right_keys[i],
			       get32(r[i]));
		printf("},\"exc_thread_mask\":%u,\"exc_task_mask\":%u,\"threads\":%u,"
		       "\"task_suspend\":%u,\"thread_suspend\":%u}",
		       get32(tb[MACHEXC_A_EXC_THREAD_MASK]), get32(tb[MACHEXC_A_EXC_TASK_MASK]),
		       get32(tb[MACHEXC_A_THREADS]), get32(tb[MACHEXC_A_TASK_SUSPEND]),
		       get32(tb[MACHEXC_A_THREAD_SUSPEND]));
		return MNL_CB_OK;
	}
	if (!(*count)++)
		printf("%7s %-16s %6s %5s %5s %5s %4s %5s %7s %4s %-10s %-10s\n", "PID", "COMM",
		       "NAMES", "SEND", "RECV", "SONCE", "PSET", "DEAD", "THREADS", "SUSP",
		       "EXC-TASK", "EXC-THREAD");
	printf("%7u %-16s %6u %5u %5u %5u %4u %5u %7u %2u/%-1u 0x%08x 0x%08x\n",
	       get32(tb[MACHEXC_A_PID]), getstr(tb[MACHEXC_A_COMM]), get32(r[MACHEXC_R_NAMES]),
	       get32(r[MACHEXC_R_SEND]), get32(r[MACHEXC_R_RECEIVE]),
	       get32(r[MACHEXC_R_SEND_ONCE]), get32(r[MACHEXC_R_PORT_SET]),
	       get32(r[MACHEXC_R_DEAD_NAME]), get32(tb[MACHEXC_A_THREADS]),
	       get32(tb[MACHEXC_A_TASK_SUSPEND]), get32(tb[MACHEXC_A_THREAD_SUSPEND]),
	       get32(tb[MACHEXC_A_EXC_TASK_MASK]), get32(tb[MACHEXC_A_EXC_THREAD_MASK]));
	return MNL_CB_OK;
}

static int cmd_ps(struct nl *nl)
{
	struct nlmsghdr *nlh = nl_request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_TASKS,
					  MACHEXC_GENL_VERSION);
	unsigned int count = 0;

	if (json)
		printf("[");
	if (nl_talk(nl, nlh, ps_cb, &count) < 0) {
		if (json)
			printf("]\n");	/* valid JSON, whatever came; exit status 1 */
		fflush(stdout);
		die_nl("GET_TASKS");
	}
	if (json)
		printf("]\n");
	return 0;
}

/* ---- ports ---- */

static void type_string(uint32_t type, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ MACH_PORT_TYPE_RECEIVE, "recv" }, { MACH_PORT_TYPE_SEND, "send" },
		{ MACH_PORT_TYPE_SEND_ONCE, "send-once" }, { MACH_PORT_TYPE_PORT_SET, "pset" },
		{ MACH_PORT_TYPE_DEAD_NAME, "dead-name" },
	};
	size_t at = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]) && at < size; i++)
		if (type & bits[i].bit)
			at += snprintf(buf + at, size - at, "%s%s", at ? "," : "", bits[i].name);
	if (!at)
		snprintf(buf, size, "0x%x", type);
}

static const char *const kobject_names[] = {
	[MACHEXC_KOBJECT_NONE] = "", [MACHEXC_KOBJECT_TASK] = "task",
	[MACHEXC_KOBJECT_THREAD] = "thread", [MACHEXC_KOBJECT_HOST] = "host",
};

static const char *kobject_name(uint32_t k)
{
	return k < sizeof(kobject_names) / sizeof(kobject_names[0]) ? kobject_names[k] : "?";
}

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1];
	unsigned int *count = data;
	uint32_t type, req;
	char tbuf[64], rbuf[8];

	msg_table(nlh, tb);
	type = get32(tb[MACHEXC_A_PORT_TYPE]);
	req = get32(tb[MACHEXC_A_PORT_REQUESTS]);
	if (json) {
		printf("%s{\"name\":%u,\"type\":%u,\"urefs\":%u", (*count)++ ? "," : "",
		       get32(tb[MACHEXC_A_PORT_NAME]), type, get32(tb[MACHEXC_A_PORT_UREFS]));
		if (tb[MACHEXC_A_PORT_MSGCOUNT])
			printf(",\"msgcount\":%u,\"qlimit\":%u,\"seqno\":%u",
			       get32(tb[MACHEXC_A_PORT_MSGCOUNT]), get32(tb[MACHEXC_A_PORT_QLIMIT]),
			       get32(tb[MACHEXC_A_PORT_SEQNO]));
		if (tb[MACHEXC_A_PORT_RECEIVER])
			printf(",\"receiver\":%u", get32(tb[MACHEXC_A_PORT_RECEIVER]));
		if (tb[MACHEXC_A_PORT_KOBJECT])
			printf(",\"kobject\":\"%s\"", kobject_name(get32(tb[MACHEXC_A_PORT_KOBJECT])));
		printf(",\"requests\":%u}", req);
		return MNL_CB_OK;
	}
	if (!(*count)++)
		printf("%-10s %-20s %6s %5s %6s %6s %8s %-7s %s\n", "name", "rights", "urefs",
		       "msgs", "qlimit", "seqno", "receiver", "kobject", "requests");
	type_string(type, tbuf, sizeof(tbuf));
	snprintf(rbuf, sizeof(rbuf), "%s%s%s", req & MACHEXC_REQ_DEAD_NAME ? "D" : "",
		 req & MACHEXC_REQ_NO_SENDERS ? "N" : "", req & MACHEXC_REQ_PORT_DESTROYED ? "P" : "");
	if (!req)
		strcpy(rbuf, "-");
	printf("0x%08x %-20s %6u ", get32(tb[MACHEXC_A_PORT_NAME]), tbuf,
	       get32(tb[MACHEXC_A_PORT_UREFS]));
	if (tb[MACHEXC_A_PORT_MSGCOUNT])
		printf("%5u %6u %6u ", get32(tb[MACHEXC_A_PORT_MSGCOUNT]),
		       get32(tb[MACHEXC_A_PORT_QLIMIT]), get32(tb[MACHEXC_A_PORT_SEQNO]));
	else
		printf("%5s %6s %6s ", "-", "-", "-");
	if (tb[MACHEXC_A_PORT_RECEIVER])
		printf("%8u ", get32(tb[MACHEXC_A_PORT_RECEIVER]));
	else
		printf("%8s ", "-");
	printf("%-7s %s\n", tb[MACHEXC_A_PORT_KOBJECT] ?
	       kobject_name(get32(tb[MACHEXC_A_PORT_KOBJECT])) : "-", rbuf);
	return MNL_CB_OK;
}

static int cmd_ports(struct nl *nl, const char *arg)
{
	struct nlmsghdr *nlh;
	unsigned int count = 0;
	unsigned long pid;
	char *end;

	errno = 0;
	pid = strtoul(arg, &end, 10);
	if (errno || *end || !*arg || pid == 0 || pid > UINT32_MAX) {
		fprintf(stderr, "machexc-info: ports: '%s' is not a pid\n", arg);
		return 2;
	}
	nlh = nl_request(nl, nl->family, NLM_F_DUMP, MACHEXC_CMD_GET_PORTS, MACHEXC_GENL_VERSION);
	mnl_attr_put_u32(nlh, MACHEXC_A_PID, pid);
	if (json)
		printf("[");
	if (nl_talk(nl, nlh, ports_cb, &count) < 0) {
		if (json)
			printf("]\n");
		fflush(stdout);
		die_nl("GET_PORTS");
	}
	if (json)
		printf("]\n");
	return 0;
}

/* ---- monitor ---- */

static const char *const event_names[] = {
	[MACHEXC_EVENT_UNSPEC] = "?", [MACHEXC_EVENT_RAISED] = "raised",
	[MACHEXC_EVENT_HANDLED] = "handled", [MACHEXC_EVENT_FALLBACK] = "fallback",
	[MACHEXC_EVENT_ABORTED] = "aborted",
};

static const char *const level_names[] = {
	[MACHEXC_LEVEL_THREAD] = "thread", [MACHEXC_LEVEL_TASK] = "task",
	[MACHEXC_LEVEL_HOST] = "host", [MACHEXC_LEVEL_NONE] = "none",
};

static const char *const exc_names[] = {
	"0", "EXC_BAD_ACCESS", "EXC_BAD_INSTRUCTION", "EXC_ARITHMETIC", "EXC_EMULATION",
	"EXC_SOFTWARE", "EXC_BREAKPOINT", "EXC_SYSCALL", "EXC_MACH_SYSCALL", "EXC_RPC_ALERT",
	"EXC_CRASH", "EXC_RESOURCE", "EXC_GUARD", "EXC_CORPSE_NOTIFY",
};

#define NAME(table, i) ((i) < sizeof(table) / sizeof(table[0]) ? table[i] : "?")

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MACHEXC_A_MAX + 1];
	unsigned long *left = data;
	uint32_t ev, type, level;

	msg_table(nlh, tb);
	ev = get32(tb[MACHEXC_A_EVENT]);
	type = get32(tb[MACHEXC_A_EXC_TYPE]);
	level = get32(tb[MACHEXC_A_EXC_LEVEL]);
	if (json) {
		printf("{\"event\":\"%s\",\"pid\":%u,\"tid\":%u,\"comm\":", NAME(event_names, ev),
		       get32(tb[MACHEXC_A_PID]), get32(tb[MACHEXC_A_TID]));
		json_str(getstr(tb[MACHEXC_A_COMM]));
		printf(",\"exception\":%u,\"code\":%" PRIu64 ",\"subcode\":%" PRIu64
		       ",\"level\":\"%s\",\"blocked_ns\":%" PRIu64 "}\n", type,
		       get64(tb[MACHEXC_A_EXC_CODE]), get64(tb[MACHEXC_A_EXC_SUBCODE]),
		       NAME(level_names, level), get64(tb[MACHEXC_A_BLOCKED_NS]));
	} else {
		printf("%-8s pid %u tid %u (%s) %s code 0x%" PRIx64 " subcode 0x%" PRIx64
		       " level %s blocked %" PRIu64 " ns\n", NAME(event_names, ev),
		       get32(tb[MACHEXC_A_PID]), get32(tb[MACHEXC_A_TID]),
		       getstr(tb[MACHEXC_A_COMM]), NAME(exc_names, type),
		       get64(tb[MACHEXC_A_EXC_CODE]), get64(tb[MACHEXC_A_EXC_SUBCODE]),
		       NAME(level_names, level), get64(tb[MACHEXC_A_BLOCKED_NS]));
	}
	fflush(stdout);
	if (*left && !--*left)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static int cmd_monitor(struct nl *nl, unsigned long count)
{
	int n, group;

	if (!nl->events_group) {
		errno = EOPNOTSUPP;
		die_nl("events group");
	}
	group = nl->events_group;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		die_nl("joining the events group (needs CAP_SYS_ADMIN)");
	/* Ready: a script may start raising exceptions once it reads this. */
	if (!json)
		printf("monitoring machexc events\n");
	fflush(stdout);
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				fprintf(stderr, "machexc-info: events lost (receive buffer full)\n");
				continue;
			}
			die_nl("receiving events");
		}
		n = mnl_cb_run(nl->buf, n, 0, 0, event_cb, &count);
		if (n == MNL_CB_STOP)
			return 0;
		if (n < 0)
			die_nl("events");
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	const char *cmd;
	struct nl *nl;
	char *end;
	int c, ret;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};

	while ((c = getopt_long(argc, argv, "hjc:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'j':
			json = true;
			break;
		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !count) {
				usage(stderr);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc)
		return count ? (usage(stderr), 2) : info_ioctl();
	cmd = argv[optind++];
	if (!(!strcmp(cmd, "ports") ? optind + 1 == argc : optind == argc) ||
	    (count && strcmp(cmd, "monitor"))) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "stats") && strcmp(cmd, "ps") && strcmp(cmd, "ports") &&
	    strcmp(cmd, "monitor")) {
		fprintf(stderr, "machexc-info: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	nl = malloc(sizeof(*nl));
	if (!nl)
		die_nl("memory");
	nl_open(nl);
	if (!strcmp(cmd, "stats"))
		ret = cmd_stats(nl);
	else if (!strcmp(cmd, "ps"))
		ret = cmd_ps(nl);
	else if (!strcmp(cmd, "ports"))
		ret = cmd_ports(nl, argv[optind]);
	else
		ret = cmd_monitor(nl, count);
	mnl_socket_close(nl->sock);
	free(nl);
	return ret;
}
