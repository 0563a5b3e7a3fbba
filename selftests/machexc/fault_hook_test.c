// SPDX-License-Identifier: GPL-2.0
/*
 * The fallbacks of the fault-signal hook (module/hooks/kprobes.c), which
 * no test kernel would otherwise arm: every lane has ftrace direct calls.
 * The module parameter fault_hook= makes the hook start at a later rung:
 * "kprobe" (a kprobe on force_sig_info_to_task()) or "entries" (kprobes on
 * the force_sig*() entries that lead to it).  Each test loads the module
 * again with one of them and checks, in a child that handles its own
 * exceptions on a thread, that the rung is the one in use, that a fault
 * still becomes EXC_BAD_ACCESS with its code and address, that the answer
 * is obeyed, and what the hook is there for: an exception a handler
 * resolves leaves an ignored or blocked fault signal as it was, where the
 * kernel had reset it to SIG_DFL and unblocked it.  The teardown loads the
 * module again with its defaults (and the kprobe_linger_ms it had), even
 * after a failed assertion.
 *
 * Needs root and machexc.ko under /lib/modules; the VM harness runs it
 * after the other selftests, as it unloads the module (job.sh).  The test
 * process itself never opens the device: its children do, so that it can
 * unload the module once they are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/machexc.h>
#include <mach/mach.h>

#include "exc_msgs.h"
#include "kprobes.h"
#include "kselftest_harness.h"
#include "proc.h"

#define ME mach_task_self()
#define FAULT_HOOK "/sys/module/machexc/parameters/fault_hook"

static int loaded(void)
{
	struct stat st;

	return stat("/sys/module/machexc", &st) == 0;
}

/*
 * Unload the module, polling while the tasks of processes that are gone
 * are still being reaped (a workqueue): 0, or the errno.
 */
static int unload(void)
{
	int r = 0, err = 0;

	if (!loaded())
		return 0;
	poll_until((r = (int)syscall(SYS_delete_module, "machexc", O_NONBLOCK)) == 0 ||
		   (err = errno) != EWOULDBLOCK);
	return r == 0 ? 0 : err;
}

/* Where the lanes (and "make install") put machexc.ko; "" if nowhere. */
static void find_ko(char *path, size_t len)
{
	static const char * const dirs[] = { "extra", "updates", "updates/dkms" };
	struct utsname u;
	unsigned int i;

	path[0] = 0;
	if (uname(&u))
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, len, "/lib/modules/%s/%s/machexc.ko", u.release, dirs[i]);
		if (access(path, R_OK) == 0)
			return;
	}
	path[0] = 0;
}

/* Load @ko with @params: 0, or the errno. */
static int load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), r, err;

	if (fd < 0)
		return errno;
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	if (r)
		return err;
	/* A node "kmod static-nodes" made survives the unload; else devtmpfs's. */
	if (access(MACHEXC_DEVICE_PATH, F_OK) &&
	    mknod(MACHEXC_DEVICE_PATH, S_IFCHR | 0666, makedev(10, MACHEXC_MINOR)))
		return errno;
	return 0;
}

/* The module parameter as it reads, without its newline; "" if unreadable. */
static void read_param(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	if (fd >= 0)
		close(fd);
}

/* How many kprobes debugfs lists in @func; -1 without the list. */
static int kprobes_on(const char *func)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/list", "r");
	char line[256], at[128];
	int n = 0;

	if (!f)
		return -1;
	snprintf(at, sizeof(at), " %s+0x", func);	/* +0x4 past an ENDBR */
	while (fgets(line, sizeof(line), f))
		n += strstr(line, at) != NULL;
	fclose(f);
	return n;
}

/*
 * The module as the lanes load it, remembered before a test loads it with
 * other parameters, and given back by the teardown.
 */
struct module_state {
	char ko[256];
	char linger[32];
	int reloaded;		/* the teardown has the defaults to restore */
};

static void module_state_init(struct module_state *m)
{
	memset(m, 0, sizeof(*m));
	find_ko(m->ko, sizeof(m->ko));
	get_linger(m->linger, sizeof(m->linger));
	m->linger[strcspn(m->linger, "\n")] = 0;
}

/* Unload, and load with fault_hook=@hook (NULL: the default): 0 or errno. */
static int reload(struct module_state *m, const char *hook)
{
	char params[128] = "";
	int err;

	m->reloaded = 1;
	err = unload();
	if (err)
		return err;
	if (m->linger[0])
		snprintf(params, sizeof(params), "kprobe_linger_ms=%s", m->linger);
	if (hook)
		snprintf(params + strlen(params), sizeof(params) - strlen(params),
			 "%sfault_hook=%s", params[0] ? " " : "", hook);
	return load(m->ko, params);
}

/* Each test's beginning: root, the .ko, and no test to restore after. */
#define NEEDS_MODULE(m) do {						\
	if (geteuid() != 0)						\
		SKIP(return, "needs root");				\
	if (!(m)->ko[0])						\
		SKIP(return, "no machexc.ko under /lib/modules");	\
	ASSERT_TRUE(loaded());						\
} while (0)

/* Every test's end, whatever it did: the module with its defaults again. */
static void restore(struct __test_metadata *_metadata, struct module_state *m)
{
	char now[64];

	if (!m->reloaded)
		return;
	EXPECT_EQ(0, reload(m, NULL)) TH_LOG("loading machexc with its defaults again");
	read_param(FAULT_HOOK, now, sizeof(now));
	EXPECT_STREQ("auto unarmed", now);
}

/*
 * What the child saw, in memory it shares with the test: the request its
 * handler thread took, and the fault signal's state once it resumed.
 */
struct seen {
	int count;			/* requests taken */
	exception_type_t exception;
	uint64_t page;			/* the read-only page */
	int64_t code[2];
	int resumed;			/* the faulting thread went on */
	int value;			/* what it read back from the page */
	int ignored;			/* the signal's handler was SIG_IGN */
	int own_handler;		/* ... was on_signal() */
	int blocked;			/* it was in the thread's mask */
	int handler_ran;		/* on_signal() ran */
};

static struct seen *seen;

enum disposition { DEFAULT, IGNORED, BLOCKED };

/* What a child does: how it holds the signal, how it faults, the answer. */
struct how {
	enum disposition disposition;
	int breakpoint;			/* int3 (force_sig()), else a write to a read-only page */
	kern_return_t answer;
};

struct handler {
	mach_port_t port;
	kern_return_t answer;
	void *page;
};

/* Take one request, make the page writable, answer. */
static void *handle(void *arg)
{
	struct handler *h = arg;
	request_t req;

	if (receive(h->port, &req, 0))
		return NULL;
	seen->exception = req.exception;
	memcpy(seen->code, req.code, sizeof(seen->code));
	seen->count++;
	drop_ports(&req);
	if (h->answer == KERN_SUCCESS && h->page)
		mprotect(h->page, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE);
	answer(&req, h->answer);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	seen->handler_ran = 1;
}

/*
 * The child: a task exception port for the fault, a thread that handles
 * it, the fault signal held as @how says, then the fault.  0 once it
 * resumed, else the step that failed (the test reads @seen).
 */
static int fault_child(const struct how *how)
{
	int sig = how->breakpoint ? SIGTRAP : SIGSEGV;
	struct handler h = { .answer = how->answer };
	struct sigaction sa = { .sa_handler = SIG_IGN }, now;
	sigset_t set, mask;
	volatile char *page;
	pthread_t t;

	page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	seen->page = (uintptr_t)page;
	if (!how->breakpoint)
		h.page = (void *)page;
	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &h.port) ||
	    mach_port_insert_right(ME, h.port, h.port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(ME, how->breakpoint ? EXC_MASK_BREAKPOINT :
				     EXC_MASK_BAD_ACCESS, h.port,
				     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
				     THREAD_STATE_NONE) ||
	    pthread_create(&t, NULL, handle, &h))
		return 2;
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (how->disposition == IGNORED && sigaction(sig, &sa, NULL))
		return 3;
	if (how->disposition == BLOCKED) {
		sa.sa_handler = on_signal;
		if (sigaction(sig, &sa, NULL) || sigprocmask(SIG_BLOCK, &set, NULL))
			return 3;
	}
	if (how->breakpoint)
		__asm__ volatile("int3");
	else
		*page = 42;	/* the handler makes the page writable */
	seen->resumed = 1;
	seen->value = *page;
	if (sigaction(sig, NULL, &now) || sigprocmask(SIG_SETMASK, NULL, &mask))
		return 4;
	seen->ignored = now.sa_handler == SIG_IGN;
	seen->own_handler = now.sa_handler == on_signal;
	seen->blocked = sigismember(&mask, sig);
	pthread_join(t, NULL);
	return 0;
}

/*
 * Run fault_child() in a child, and give its wait status.  A child still
 * running after POLL_TRIES polls (its exception never answered: a broken
 * hook) is killed, so that the module can be loaded again.
 */
static int run_child(struct __test_metadata *_metadata, const struct how *how)
{
	int status = 0, done;
	pid_t pid;

	memset(seen, 0, sizeof(*seen));
	pid = fork();
	if (pid == 0)
		_exit(fault_child(how));
	EXPECT_LE(0, pid);
	if (pid < 0)
		return -1;
	done = poll_until(waitpid(pid, &status, WNOHANG) == pid);
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	EXPECT_TRUE(done) TH_LOG("the child neither resumed nor died");
	return status;
}

FIXTURE(rung) {
	struct module_state m;
};

FIXTURE_VARIANT(rung) {
	const char *hook;		/* fault_hook= */
	const char *armed;		/* how it reads once in use */
	const char *probed;		/* a function the rung puts a kprobe on */
	const char *unprobed;		/* one it does not */
};

FIXTURE_VARIANT_ADD(rung, kprobe) {
	.hook = "kprobe",
	.armed = "kprobe kprobe",
	.probed = "force_sig_info_to_task",
	.unprobed = "force_sig_fault",
};

FIXTURE_VARIANT_ADD(rung, entries) {
	.hook = "entries",
	.armed = "entries entries",
	.probed = "force_sig_fault",
	.unprobed = "force_sig_info_to_task",
};

FIXTURE_SETUP(rung)
{
	module_state_init(&self->m);
	if (!seen)
		seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);
}

FIXTURE_TEARDOWN(rung)
{
	restore(_metadata, &self->m);
}

/* The module again with the variant's fault_hook=. */
#define BEGIN() do {							\
	NEEDS_MODULE(&self->m);						\
	ASSERT_EQ(0, reload(&self->m, variant->hook))			\
		TH_LOG("loading machexc with fault_hook=%s", variant->hook); \
} while (0)

/*
 * The rung asked for is the one armed with the first exception port, and
 * reads back so; debugfs shows its kprobes where they should be.
 */
TEST_F(rung, the_hook_in_use_is_the_rung_asked_for)
{
	const struct how how = { .answer = KERN_SUCCESS };
	char now[64], want[64];

	BEGIN();
	read_param(FAULT_HOOK, now, sizeof(now));
	snprintf(want, sizeof(want), "%s unarmed", variant->hook);
	EXPECT_STREQ(want, now);
	EXPECT_EQ(0, run_child(_metadata, &how));
	read_param(FAULT_HOOK, now, sizeof(now));
	EXPECT_STREQ(variant->armed, now);
	if (kprobes_on(variant->probed) < 0)
		return;		/* no debugfs */
	EXPECT_EQ(1, kprobes_on(variant->probed));
	EXPECT_EQ(0, kprobes_on(variant->unprobed));
}

/* A write to a read-only page: EXC_BAD_ACCESS, fixed, resumed. */
TEST_F(rung, a_fixed_page_fault_is_resumed)
{
	const struct how how = { .answer = KERN_SUCCESS };

	BEGIN();
	EXPECT_EQ(0, run_child(_metadata, &how));
	EXPECT_EQ(1, seen->count);
	EXPECT_EQ(EXC_BAD_ACCESS, seen->exception);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, seen->code[0]);
	EXPECT_EQ((int64_t)seen->page, seen->code[1]);
	EXPECT_TRUE(seen->resumed);
	EXPECT_EQ(42, seen->value);
}

/* KERN_FAILURE: the child dies of SIGSEGV, as it would without machexc. */
TEST_F(rung, a_failed_exception_kills_by_sigsegv)
{
	const struct how how = { .answer = KERN_FAILURE };
	int status;

	BEGIN();
	status = run_child(_metadata, &how);
	EXPECT_EQ(1, seen->count);
	EXPECT_EQ(EXC_BAD_ACCESS, seen->exception);
	EXPECT_FALSE(seen->resumed);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("wait status %#x", status);
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
}

/*
 * An ignored SIGSEGV: the kernel resets it to SIG_DFL as it forces it;
 * the hook saw SIG_IGN before, and the resolved exception puts it back.
 */
TEST_F(rung, a_resolved_exception_leaves_an_ignored_sigsegv_ignored)
{
	const struct how how = { .disposition = IGNORED, .answer = KERN_SUCCESS };

	BEGIN();
	EXPECT_EQ(0, run_child(_metadata, &how));
	EXPECT_EQ(1, seen->count);
	EXPECT_TRUE(seen->resumed);
	EXPECT_TRUE(seen->ignored);
	EXPECT_FALSE(seen->blocked);
}

/* A blocked SIGSEGV with a handler: blocked again, the handler kept, not run. */
TEST_F(rung, a_resolved_exception_leaves_a_blocked_sigsegv_blocked_with_its_handler)
{
	const struct how how = { .disposition = BLOCKED, .answer = KERN_SUCCESS };

	BEGIN();
	EXPECT_EQ(0, run_child(_metadata, &how));
	EXPECT_EQ(1, seen->count);
	EXPECT_TRUE(seen->resumed);
	EXPECT_TRUE(seen->blocked);
	EXPECT_TRUE(seen->own_handler);
	EXPECT_FALSE(seen->handler_ran);
}

/*
 * An ignored SIGTRAP from int3, which the kernel forces through
 * force_sig() and force_sig_info() rather than force_sig_fault(): the
 * entries rung's other kprobes.
 */
TEST_F(rung, a_resolved_breakpoint_leaves_an_ignored_sigtrap_ignored)
{
	const struct how how = { .disposition = IGNORED, .breakpoint = 1,
				 .answer = KERN_SUCCESS };

	BEGIN();
	EXPECT_EQ(0, run_child(_metadata, &how));
	EXPECT_EQ(1, seen->count);
	EXPECT_EQ(EXC_BREAKPOINT, seen->exception);
	EXPECT_TRUE(seen->resumed);
	EXPECT_TRUE(seen->ignored);
}

FIXTURE(param) {
	struct module_state m;
};

FIXTURE_SETUP(param)
{
	module_state_init(&self->m);
}

FIXTURE_TEARDOWN(param)
{
	restore(_metadata, &self->m);
}

/* Any other value fails the load, with EINVAL; the module stays out. */
TEST_F(param, an_unknown_fault_hook_fails_the_load)
{
	static const char * const bad[] = { "direct", "none", "", "kprobes", "auto,kprobe" };
	char params[64];
	unsigned int i;

	NEEDS_MODULE(&self->m);
	self->m.reloaded = 1;
	ASSERT_EQ(0, unload());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(params, sizeof(params), "fault_hook=%s", bad[i]);
		EXPECT_EQ(EINVAL, load(self->m.ko, params)) TH_LOG("%s", params);
		EXPECT_FALSE(loaded());
	}
}

/* Chosen at load only: not writable afterwards, not even by root. */
TEST_F(param, fault_hook_is_read_only_once_loaded)
{
	char now[64];
	int fd;

	NEEDS_MODULE(&self->m);
	read_param(FAULT_HOOK, now, sizeof(now));
	EXPECT_EQ(0, strncmp(now, "auto ", 5)) TH_LOG("fault_hook reads \"%s\"", now);
	fd = open(FAULT_HOOK, O_WRONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EACCES, errno);
	if (fd >= 0)
		close(fd);
}

TEST_HARNESS_MAIN
