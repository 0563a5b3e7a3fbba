// SPDX-License-Identifier: GPL-2.0
/*
 * Who may have and use another process's task port: exactly who may
 * ptrace(PTRACE_ATTACH) it, if the process is also visible in the
 * caller's pid namespace and lives in the caller's user namespace or one
 * below it.
 *
 * Each cell of the matrix is one test: a caller process with some
 * credentials asks task_for_pid() for a target with others, then tries
 * PTRACE_SEIZE on it; both verdicts are checked against the expected one
 * (so every test also shows that machexc and ptrace agree).  Then: the
 * rule is checked again at every use, an exec that raises privileges or
 * cannot be read destroys the port space, and exception messages reach
 * only receivers that pass the rule.
 *
 * The Yama cells set /proc/sys/kernel/yama/ptrace_scope to 1 or 2 and the
 * teardown puts it back; scope 3, which cannot be undone, is in
 * yama_final_test, run last.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/stat.h>

#include <machexc.h>

#include "kselftest_harness.h"
#include "tasks.h"

#define OTHER_UID	1000
#define THIRD_UID	1001
#define ROOT		0

enum relation {
	SIBLING,	/* the caller did not start the target */
	DESCENDANT,	/* the caller forked the target */
	PTRACER,	/* sibling, target did PR_SET_PTRACER(caller) */
	PTRACER_ANY,	/* sibling, target did PR_SET_PTRACER(PR_SET_PTRACER_ANY) */
};

struct cell {
	uid_t t_uid;
	int t_dumpable;
	int t_drop_cap;		/* target root without CAP_SYS_PTRACE */
	const char *t_exec;	/* the target execs this (--park) first */
	uid_t c_uid;
	int c_drop_cap;		/* caller root without CAP_SYS_PTRACE */
	int c_userns;		/* caller in a new user namespace */
	enum relation rel;
};

/* What the caller saw. */
struct verdict {
	kern_return_t tfp;	/* task_for_pid */
	mach_port_t name;	/* what it set */
	kern_return_t use;	/* task_info on the name, if granted */
	int ptrace_ok;		/* PTRACE_SEIZE worked */
	int ptrace_errno;
	int step;		/* the caller's setup, 0 if it went through */
};

struct shm {
	struct verdict v;
	kern_return_t kr[16];	/* free-form results of a test's children */
	int val[16];
	atomic_int ready;
};

FIXTURE(perm) {
	struct shm *shm;
	int scope;		/* Yama's at setup, -1 without Yama */
	char max_names[32];	/* the module parameter at setup, if changed */
	char unlink[2][64];	/* files to remove */
};

FIXTURE_SETUP(perm)
{
	ASSERT_EQ(0, registry_init());
	self->shm = shared_map(sizeof(*self->shm));
	ASSERT_NE(NULL, self->shm);
	self->scope = yama_scope();
	if (self->scope > 0)
		ASSERT_EQ(0, set_yama_scope(0));
}

#define MAX_NAMES "/sys/module/machexc/parameters/max_names"

FIXTURE_TEARDOWN(perm)
{
	kill_all();
	if (self->scope >= 0 && yama_scope() != self->scope)
		set_yama_scope(self->scope);
	if (self->max_names[0]) {
		int fd = open(MAX_NAMES, O_WRONLY);

		if (fd < 0 || write(fd, self->max_names, strlen(self->max_names)) < 0)
			TH_LOG("could not restore max_names to %s", self->max_names);
		if (fd >= 0)
			close(fd);
	}
	if (self->unlink[0][0])
		unlink(self->unlink[0]);
	if (self->unlink[1][0])
		unlink(self->unlink[1]);
	munmap(self->shm, sizeof(*self->shm));
}

/* The target's side: credentials, dumpability, then wait to be killed. */
static void target(const struct cell *c, pid_t caller, int ready_fd, int hold_fd)
{
	char r[16], h[16];

	/* (A caller's child already has the caller's uid.) */
	if (c->t_uid != ROOT && c->t_uid != (uid_t)-1 && getuid() != c->t_uid &&
	    become(c->t_uid))
		_exit(80);
	if (c->t_drop_cap && drop_cap_sys_ptrace())
		_exit(81);
	if (prctl(PR_SET_DUMPABLE, c->t_dumpable, 0, 0, 0))
		_exit(82);
	if (c->rel == PTRACER && prctl(PR_SET_PTRACER, caller, 0, 0, 0))
		_exit(83);
	if (c->rel == PTRACER_ANY && prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0))
		_exit(84);
	if (c->t_exec) {
		snprintf(r, sizeof(r), "%d", ready_fd);
		snprintf(h, sizeof(h), "%d", hold_fd);
		execl(c->t_exec, c->t_exec, "--park", r, h, (char *)NULL);
		_exit(85);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(86);
	for (;;)
		pause();
}

/* The caller's side: credentials, task_for_pid, a use, PTRACE_SEIZE. */
static void caller(struct verdict *v, pid_t pid)
{
	mach_task_basic_info_data_t ti;
	mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
	mach_port_t t = 0x1234;

	v->tfp = -1;
	v->use = -1;
	v->name = 0x1234;
	v->tfp = task_for_pid(ME, pid, &t);
	v->name = t;
	if (v->tfp == KERN_SUCCESS)
		v->use = task_info(t, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
	errno = 0;
	v->ptrace_ok = ptrace(PTRACE_SEIZE, pid, 0, 0) == 0;
	v->ptrace_errno = errno;
	/* Exiting detaches. */
}

static int caller_creds(const struct cell *c)
{
	if (c->c_uid != ROOT && become(c->c_uid))
		return 1;
	if (c->c_drop_cap && drop_cap_sys_ptrace())
		return 2;
	if (c->c_userns && unshare(CLONE_NEWUSER))
		return 3;
	return 0;
}

/*
 * Run one cell: fork the caller (and the target, as a sibling, or let the
 * caller fork it), and return what the caller saw.  0, or -1 if the setup
 * itself failed.
 */
static int run_cell(FIXTURE_DATA(perm) *self, const struct cell *c, struct verdict *out)
{
	struct verdict *v = &self->shm->v;
	int go[2], ready[2], hold[2], status;
	pid_t cpid, tpid = 0;
	char b;

	memset(v, 0, sizeof(*v));
	if (pipe(go) || pipe(ready) || pipe(hold))
		return -1;
	cpid = spawn();
	if (cpid < 0)
		return -1;
	if (cpid == 0) {
		close(go[1]);
		close(hold[1]);
		v->step = caller_creds(c);
		if (v->step)
			_exit(1);
		if (c->rel == DESCENDANT) {
			tpid = spawn();
			if (tpid == 0) {
				close(ready[0]);
				target(c, 0, ready[1], hold[0]);
			}
			close(ready[1]);
			if (tpid < 0 || read(ready[0], &b, 1) != 1) {
				v->step = 4;
				_exit(1);
			}
		} else {
			close(ready[0]);
			close(ready[1]);
			if (read(go[0], &tpid, sizeof(tpid)) != sizeof(tpid)) {
				v->step = 5;
				_exit(1);
			}
		}
		caller(v, tpid);
		_exit(0);
	}
	close(go[0]);
	if (c->rel != DESCENDANT) {
		tpid = spawn();
		if (tpid < 0)
			return -1;
		if (tpid == 0) {
			close(ready[0]);
			close(go[1]);
			close(hold[1]);
			target(c, cpid, ready[1], hold[0]);
		}
		close(ready[1]);
		if (read(ready[0], &b, 1) != 1)
			return -1;
		if (write(go[1], &tpid, sizeof(tpid)) != sizeof(tpid))
			return -1;
	} else {
		close(ready[1]);
	}
	close(ready[0]);
	close(go[1]);
	close(hold[0]);
	if (reap(cpid, &status) || !WIFEXITED(status))
		return -1;
	*out = *v;
	close(hold[1]);		/* a parked target exits */
	return v->step ? -1 : 0;
}

/* The verdicts: task_for_pid and ptrace both allowed, or both refused. */
#define EXPECT_ALLOWED(v) do {						\
	EXPECT_EQ(KERN_SUCCESS, (v).tfp);				\
	EXPECT_NE(MACH_PORT_NULL, (v).name);				\
	EXPECT_EQ(KERN_SUCCESS, (v).use);				\
	EXPECT_TRUE((v).ptrace_ok);					\
} while (0)

#define EXPECT_REFUSED(v) do {						\
	EXPECT_EQ(KERN_FAILURE, (v).tfp);				\
	EXPECT_EQ(MACH_PORT_NULL, (v).name);				\
	EXPECT_FALSE((v).ptrace_ok);					\
} while (0)

#define CELL(expect, ...) do {						\
	struct cell c = { __VA_ARGS__ };				\
	struct verdict v = { 0 };					\
	int rc = run_cell(self, &c, &v);				\
									\
	TH_LOG("setup step %d; task_for_pid %#x name %#x use %#x ptrace %d (errno %d)", \
	       v.step, v.tfp, v.name, v.use, v.ptrace_ok, v.ptrace_errno); \
	ASSERT_EQ(0, rc);						\
	expect(v);							\
} while (0)

#define NEED_YAMA(value) do {						\
	if (self->scope < 0)						\
		SKIP(return, "no Yama (/proc/sys/kernel/yama/ptrace_scope)"); \
	ASSERT_EQ(0, set_yama_scope(value));				\
} while (0)

/* --- credentials and dumpability (Yama scope 0) --- */

TEST_F(perm, same_uid_dumpable_target_allowed)
{
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID);
}

TEST_F(perm, same_uid_non_dumpable_target_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 0, .c_uid = OTHER_UID);
}

TEST_F(perm, other_uid_dumpable_target_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = THIRD_UID);
}

TEST_F(perm, other_uid_non_dumpable_target_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 0, .c_uid = THIRD_UID);
}

TEST_F(perm, root_dumpable_target_allowed)
{
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = ROOT);
}

TEST_F(perm, root_non_dumpable_target_allowed)
{
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 0, .c_uid = ROOT);
}

/* Root without CAP_SYS_PTRACE is only "the same uid". */
TEST_F(perm, root_without_cap_sys_ptrace_other_uid_target_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = ROOT,
	     .c_drop_cap = 1);
}

TEST_F(perm, root_without_cap_sys_ptrace_non_dumpable_other_uid_target_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 0, .c_uid = ROOT,
	     .c_drop_cap = 1);
}

TEST_F(perm, root_without_cap_sys_ptrace_dumpable_root_target_with_no_more_caps_allowed)
{
	CELL(EXPECT_ALLOWED, .t_uid = ROOT, .t_dumpable = 1, .t_drop_cap = 1, .c_uid = ROOT,
	     .c_drop_cap = 1);
}

TEST_F(perm, root_without_cap_sys_ptrace_non_dumpable_root_target_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = ROOT, .t_dumpable = 0, .t_drop_cap = 1, .c_uid = ROOT,
	     .c_drop_cap = 1);
}

/* A target with capabilities the caller lacks (commoncap's rule). */
TEST_F(perm, root_without_cap_sys_ptrace_root_target_with_more_caps_refused)
{
	CELL(EXPECT_REFUSED, .t_uid = ROOT, .t_dumpable = 1, .c_uid = ROOT, .c_drop_cap = 1);
}

/* --- Yama --- */

TEST_F(perm, yama_1_non_root_non_descendant_refused)
{
	NEED_YAMA(1);
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
	     .rel = SIBLING);
}

TEST_F(perm, yama_1_non_root_descendant_allowed)
{
	NEED_YAMA(1);
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
	     .rel = DESCENDANT);
}

TEST_F(perm, yama_1_pr_set_ptracer_exception_allowed)
{
	NEED_YAMA(1);
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
	     .rel = PTRACER);
}

TEST_F(perm, yama_1_pr_set_ptracer_any_allowed)
{
	NEED_YAMA(1);
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
	     .rel = PTRACER_ANY);
}

TEST_F(perm, yama_1_root_non_descendant_allowed)
{
	NEED_YAMA(1);
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = ROOT, .rel = SIBLING);
}

TEST_F(perm, yama_2_non_root_descendant_refused)
{
	NEED_YAMA(2);
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
	     .rel = DESCENDANT);
}

TEST_F(perm, yama_2_pr_set_ptracer_exception_refused)
{
	NEED_YAMA(2);
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
	     .rel = PTRACER);
}

TEST_F(perm, yama_2_root_allowed)
{
	NEED_YAMA(2);
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = ROOT, .rel = SIBLING);
}

TEST_F(perm, yama_2_root_without_cap_sys_ptrace_refused)
{
	NEED_YAMA(2);
	CELL(EXPECT_REFUSED, .t_uid = ROOT, .t_dumpable = 1, .t_drop_cap = 1, .c_uid = ROOT,
	     .c_drop_cap = 1, .rel = DESCENDANT);
}

/* --- namespaces --- */

/* Root of its own user namespace has CAP_SYS_PTRACE only there. */
TEST_F(perm, user_namespace_root_refused_for_target_outside)
{
	struct cell c = { .t_uid = OTHER_UID, .t_dumpable = 1, .c_uid = OTHER_UID,
			  .c_userns = 1 };
	struct verdict v = { 0 };
	int rc = run_cell(self, &c, &v);

	if (rc && v.step == 3)
		SKIP(return, "unprivileged user namespaces are disabled");
	ASSERT_EQ(0, rc);
	EXPECT_REFUSED(v);
}

TEST_F(perm, user_namespace_root_allowed_for_target_inside)
{
	struct cell c = { .t_uid = (uid_t)-1, .t_dumpable = 1, .c_uid = OTHER_UID,
			  .c_userns = 1, .rel = DESCENDANT };
	struct verdict v = { 0 };
	int rc = run_cell(self, &c, &v);

	if (rc && v.step == 3)
		SKIP(return, "unprivileged user namespaces are disabled");
	ASSERT_EQ(0, rc);
	EXPECT_ALLOWED(v);
}

/*
 * In a new pid namespace, a process outside has no pid: task_for_pid of
 * its pid fails, and ptrace finds nothing either.
 */
TEST_F(perm, pid_outside_callers_pid_namespace_refused)
{
	struct shm *s = self->shm;
	int status, hold[2];
	pid_t tpid, cpid;

	ASSERT_EQ(0, pipe(hold));
	tpid = spawn();
	ASSERT_LE(0, tpid);
	if (tpid == 0) {
		char b;

		close(hold[1]);
		atomic_store(&s->ready, 1);
		_exit(read(hold[0], &b, 1) < 0);
	}
	close(hold[0]);
	ASSERT_TRUE(poll_until(atomic_load(&s->ready)));
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		inner = fork();
		if (inner == 0) {
			caller(&s->v, tpid);
			_exit(0);
		}
		_exit(waitpid(inner, &status, 0) == inner && WIFEXITED(status) ?
		      WEXITSTATUS(status) : 2);
	}
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	TH_LOG("target %d: task_for_pid %#x, ptrace errno %d", tpid, s->v.tfp,
	       s->v.ptrace_errno);
	EXPECT_REFUSED(s->v);
	close(hold[1]);
}

/*
 * A task port handed into a pid namespace from outside (the bootstrap
 * port a fork()ed child inherits) is refused at use; pid_for_task, which
 * needs only the right, says 0 (not visible there).
 */
TEST_F(perm, task_port_handed_into_pid_namespace_refused_at_use)
{
	struct shm *s = self->shm;
	int status, hold[2];
	pid_t tpid, cpid;

	ASSERT_EQ(0, pipe(hold));
	tpid = spawn();
	ASSERT_LE(0, tpid);
	if (tpid == 0) {
		char b;

		close(hold[1]);
		atomic_store(&s->ready, 1);
		_exit(read(hold[0], &b, 1) < 0);
	}
	close(hold[0]);
	ASSERT_TRUE(poll_until(atomic_load(&s->ready)));
	memset(s->kr, 0xff, sizeof(s->kr));
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		task_t t;
		pid_t inner;

		s->kr[0] = task_for_pid(ME, tpid, &t);
		s->kr[1] = task_set_special_port(ME, TASK_BOOTSTRAP_PORT, t);
		if (s->kr[0] || s->kr[1] || unshare(CLONE_NEWPID))
			_exit(1);
		inner = fork();
		if (inner == 0) {
			mach_task_basic_info_data_t ti;
			mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
			mach_port_t p = MACH_PORT_NULL;

			s->kr[2] = task_get_special_port(ME, TASK_BOOTSTRAP_PORT, &p);
			s->val[0] = p != MACH_PORT_NULL;
			s->kr[3] = task_info(p, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
			s->kr[4] = task_suspend(p);
			s->kr[5] = thread_count(p, &s->kr[6]) < 0 ? 0 : KERN_SUCCESS;
			s->kr[7] = task_set_exception_ports(p, EXC_MASK_ALL, MACH_PORT_NULL,
							    EXCEPTION_DEFAULT, THREAD_STATE_NONE);
			s->val[1] = -1;
			s->kr[8] = pid_for_task(p, &s->val[1]);
			_exit(0);
		}
		_exit(waitpid(inner, &status, 0) == inner && WIFEXITED(status) ?
		      WEXITSTATUS(status) : 2);
	}
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(KERN_SUCCESS, s->kr[0]);	/* outside, root: allowed */
	ASSERT_EQ(KERN_SUCCESS, s->kr[1]);
	ASSERT_EQ(KERN_SUCCESS, s->kr[2]);
	ASSERT_TRUE(s->val[0]);			/* the right did arrive */
	EXPECT_EQ(KERN_FAILURE, s->kr[3]);	/* task_info */
	EXPECT_EQ(KERN_FAILURE, s->kr[4]);	/* task_suspend */
	EXPECT_EQ(KERN_FAILURE, s->kr[6]);	/* task_threads */
	EXPECT_EQ(KERN_FAILURE, s->kr[7]);	/* task_set_exception_ports */
	EXPECT_EQ(KERN_SUCCESS, s->kr[8]);	/* pid_for_task */
	EXPECT_EQ(0, s->val[1]);
	close(hold[1]);
}

/* --- the rule at every use --- */

static void *spin_forever(void *arg)
{
	atomic_long *c = arg;

	for (;;)
		atomic_fetch_add(c, 1);
	return NULL;
}

/*
 * A same-uid, non-root holder of a task port and thread ports loses them
 * the moment the target becomes non-dumpable: task_suspend, task_threads,
 * task_info, task_set_exception_ports, thread_get_state, thread_resume,
 * thread_info all KERN_FAILURE; pid_for_task still answers.
 */
TEST_F(perm, every_use_rechecks_the_rule)
{
	struct shm *s = self->shm;
	int cmd[2], ack[2], status;
	pid_t tpid, cpid;

	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(ack));
	tpid = spawn();
	ASSERT_LE(0, tpid);
	if (tpid == 0) {
		static atomic_long count;
		pthread_t t;
		char b;

		if (become(OTHER_UID) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
		    pthread_create(&t, NULL, spin_forever, &count))
			_exit(1);
		atomic_store(&s->ready, 1);
		if (read(cmd[0], &b, 1) != 1 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ||
		    write(ack[1], "a", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	ASSERT_TRUE(poll_until(atomic_load(&s->ready)));
	memset(s->kr, 0xff, sizeof(s->kr));
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		mach_task_basic_info_data_t ti;
		thread_basic_info_data_t bi;
		x86_thread_state64_t ts;
		mach_msg_type_number_t n;
		thread_act_array_t list = NULL;
		mach_msg_type_number_t nth = 0;
		mach_port_t port = new_port();
		task_t t;
		char b;

		if (become(OTHER_UID))
			_exit(1);
		/* While the target is dumpable: everything works. */
		s->kr[0] = task_for_pid(ME, tpid, &t);
		s->kr[1] = task_threads(t, &list, &nth);
		s->val[0] = (int)nth;
		if (s->kr[0] || s->kr[1] || nth != 2)
			_exit(2);
		s->kr[2] = thread_suspend(list[1]);
		n = x86_THREAD_STATE64_COUNT;
		s->kr[3] = thread_get_state(list[1], x86_THREAD_STATE64, (thread_state_t)&ts, &n);
		/* Now it is not. */
		if (write(cmd[1], "c", 1) != 1 || read(ack[0], &b, 1) != 1)
			_exit(3);
		s->kr[4] = task_suspend(t);
		s->kr[5] = thread_count(t, &s->kr[6]) < 0 ? 0 : KERN_SUCCESS;
		n = MACH_TASK_BASIC_INFO_COUNT;
		s->kr[7] = task_info(t, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
		s->kr[8] = task_set_exception_ports(t, EXC_MASK_BAD_ACCESS, port,
						    EXCEPTION_DEFAULT, THREAD_STATE_NONE);
		n = x86_THREAD_STATE64_COUNT;
		s->kr[9] = thread_get_state(list[1], x86_THREAD_STATE64, (thread_state_t)&ts, &n);
		s->kr[10] = thread_set_state(list[1], x86_THREAD_STATE64, (thread_state_t)&ts,
					     x86_THREAD_STATE64_COUNT);
		s->kr[11] = thread_resume(list[1]);
		n = THREAD_BASIC_INFO_COUNT;
		s->kr[12] = thread_info(list[1], THREAD_BASIC_INFO, (thread_info_t)&bi, &n);
		s->kr[13] = thread_suspend(list[0]);
		s->val[1] = -1;
		s->kr[14] = pid_for_task(t, &s->val[1]);
		_exit(0);
	}
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(KERN_SUCCESS, s->kr[2]);	/* thread_suspend, while allowed */
	EXPECT_EQ(KERN_SUCCESS, s->kr[3]);	/* thread_get_state, while allowed */
	EXPECT_EQ(KERN_FAILURE, s->kr[4]);	/* task_suspend */
	EXPECT_EQ(KERN_FAILURE, s->kr[6]);	/* task_threads */
	EXPECT_EQ(KERN_FAILURE, s->kr[7]);	/* task_info */
	EXPECT_EQ(KERN_FAILURE, s->kr[8]);	/* task_set_exception_ports */
	EXPECT_EQ(KERN_FAILURE, s->kr[9]);	/* thread_get_state, suspended thread */
	EXPECT_EQ(KERN_FAILURE, s->kr[10]);	/* thread_set_state */
	EXPECT_EQ(KERN_FAILURE, s->kr[11]);	/* thread_resume */
	EXPECT_EQ(KERN_FAILURE, s->kr[12]);	/* thread_info */
	EXPECT_EQ(KERN_FAILURE, s->kr[13]);	/* thread_suspend */
	EXPECT_EQ(KERN_SUCCESS, s->kr[14]);	/* pid_for_task: the right is enough */
	EXPECT_EQ(tpid, s->val[1]);
}

/*
 * The credentials are the caller's at the moment of the use: root takes a
 * uid-1000 non-dumpable process's task port, then becomes uid 1001.
 */
TEST_F(perm, use_is_checked_with_the_callers_credentials_of_the_moment)
{
	struct shm *s = self->shm;
	int status, hold[2];
	pid_t tpid, cpid;

	ASSERT_EQ(0, pipe(hold));
	tpid = spawn();
	ASSERT_LE(0, tpid);
	if (tpid == 0) {
		char b;

		close(hold[1]);
		if (become(OTHER_UID) || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
			_exit(1);
		atomic_store(&s->ready, 1);
		_exit(read(hold[0], &b, 1) < 0);
	}
	close(hold[0]);
	ASSERT_TRUE(poll_until(atomic_load(&s->ready)));
	memset(s->kr, 0xff, sizeof(s->kr));
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		mach_task_basic_info_data_t ti;
		mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
		task_t t;

		s->kr[0] = task_for_pid(ME, tpid, &t);
		s->kr[1] = task_info(t, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
		if (become(THIRD_UID))
			_exit(1);
		n = MACH_TASK_BASIC_INFO_COUNT;
		s->kr[2] = task_info(t, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
		s->kr[3] = task_suspend(t);
		s->val[0] = -1;
		s->kr[4] = pid_for_task(t, &s->val[0]);
		_exit(0);
	}
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(KERN_SUCCESS, s->kr[0]);	/* as root */
	EXPECT_EQ(KERN_SUCCESS, s->kr[1]);
	EXPECT_EQ(KERN_FAILURE, s->kr[2]);	/* as uid 1001 */
	EXPECT_EQ(KERN_FAILURE, s->kr[3]);
	EXPECT_EQ(KERN_SUCCESS, s->kr[4]);
	EXPECT_EQ(tpid, s->val[0]);
	close(hold[1]);
}

/*
 * A task port handed to a process that may not use it (here: a fork()ed
 * child's inherited bootstrap port, then the child becomes another uid)
 * is refused at use; pid_for_task answers.
 */
TEST_F(perm, task_port_handed_to_another_uid_refused_at_use)
{
	struct shm *s = self->shm;
	int status, hold[2];
	pid_t tpid, cpid;
	task_t t;

	ASSERT_EQ(0, pipe(hold));
	tpid = spawn();
	ASSERT_LE(0, tpid);
	if (tpid == 0) {
		char b;

		close(hold[1]);
		if (become(OTHER_UID) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(1);
		atomic_store(&s->ready, 1);
		_exit(read(hold[0], &b, 1) < 0);
	}
	close(hold[0]);
	ASSERT_TRUE(poll_until(atomic_load(&s->ready)));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, tpid, &t));
	ASSERT_EQ(KERN_SUCCESS, task_set_special_port(ME, TASK_BOOTSTRAP_PORT, t));
	memset(s->kr, 0xff, sizeof(s->kr));
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		mach_task_basic_info_data_t ti;
		mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;
		mach_port_t p = MACH_PORT_NULL;

		if (become(THIRD_UID))
			_exit(1);
		s->kr[0] = task_get_special_port(ME, TASK_BOOTSTRAP_PORT, &p);
		s->val[0] = p != MACH_PORT_NULL;
		s->kr[1] = task_info(p, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
		s->kr[2] = task_suspend(p);
		s->kr[3] = thread_count(p, &s->kr[4]) < 0 ? 0 : KERN_SUCCESS;
		s->val[1] = -1;
		s->kr[5] = pid_for_task(p, &s->val[1]);
		_exit(0);
	}
	task_set_special_port(ME, TASK_BOOTSTRAP_PORT, MACH_PORT_NULL);
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(KERN_SUCCESS, s->kr[0]);
	ASSERT_TRUE(s->val[0]);
	EXPECT_EQ(KERN_FAILURE, s->kr[1]);	/* task_info */
	EXPECT_EQ(KERN_FAILURE, s->kr[2]);	/* task_suspend */
	EXPECT_EQ(KERN_FAILURE, s->kr[4]);	/* task_threads */
	EXPECT_EQ(KERN_SUCCESS, s->kr[5]);	/* pid_for_task */
	EXPECT_EQ(tpid, s->val[1]);
	mach_port_deallocate(ME, t);
	close(hold[1]);
}

/* --- exception delivery --- */

enum exc_level { TASK_LEVEL, THREAD_LEVEL };

static void segv(void)
{
	long a = 8;

	__asm__ volatile("mov (%%rax), %%eax" : "+a"(a) :: "memory");
}

/*
 * A uid-1000 handler process forks the target and becomes its exception
 * handler (task level: through the target's task port; thread level: the
 * target sets its own thread's port to the bootstrap port it inherited,
 * the handler's port).  The target goes non-dumpable (or not) and takes a
 * SIGSEGV.  The handler keeps receiving (timeout 0) until the target is
 * reaped and answers KERN_FAILURE to whatever it gets.  val[0]: requests
 * received; val[1]: the target's wait status.
 */
static int exception_case(struct shm *s, enum exc_level level, int non_dumpable)
{
	struct {
		mach_msg_header_t head;
		char body[512];
	} req;
	int ready[2], go[2], status = 0, i, got = 0;
	mach_port_t port;
	pid_t tpid;
	task_t t;
	char b;

	if (become(OTHER_UID) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) || pipe(ready) || pipe(go))
		return 1;
	port = new_port();
	if (!port || task_set_special_port(ME, TASK_BOOTSTRAP_PORT, port))
		return 2;
	tpid = spawn();
	if (tpid < 0)
		return 3;
	if (tpid == 0) {
		mach_port_t bp = MACH_PORT_NULL;

		if (level == THREAD_LEVEL &&
		    (task_get_special_port(ME, TASK_BOOTSTRAP_PORT, &bp) || !bp ||
		     thread_set_exception_ports(mach_thread_self(), EXC_MASK_BAD_ACCESS, bp,
						EXCEPTION_DEFAULT, THREAD_STATE_NONE)))
			_exit(10);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(11);
		if (non_dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
			_exit(12);
		segv();
		_exit(13);
	}
	if (read(ready[0], &b, 1) != 1)
		return 4;
	if (level == TASK_LEVEL &&
	    (task_for_pid(ME, tpid, &t) ||
	     task_set_exception_ports(t, EXC_MASK_BAD_ACCESS, port, EXCEPTION_DEFAULT,
				      THREAD_STATE_NONE)))
		return 5;
	if (write(go[1], "g", 1) != 1)
		return 6;
	for (i = 0; i < POLL_TRIES; i++) {
		if (waitpid(tpid, &status, WNOHANG) == tpid)
			break;
		memset(&req, 0, sizeof(req.head));
		if (mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port, 0,
			     MACH_PORT_NULL) == MACH_MSG_SUCCESS) {
			got++;
			mach_msg_destroy(&req.head);	/* no answer: the next level */
		}
		usleep(1000);
	}
	if (i == POLL_TRIES)
		return 7;
	/* Nothing left behind either. */
	memset(&req, 0, sizeof(req.head));
	if (mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port, 0,
		     MACH_PORT_NULL) == MACH_MSG_SUCCESS)
		got++;
	s->val[0] = got;
	s->val[1] = status;
	return 0;
}

static void run_exception_case(struct __test_metadata *_metadata, struct shm *s,
			       enum exc_level level, int non_dumpable)
{
	int status;
	pid_t pid = spawn();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(exception_case(s, level, non_dumpable));
	ASSERT_EQ(0, reap(pid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(non_dumpable ? 0 : 1, s->val[0]);
	EXPECT_TRUE(WIFSIGNALED(s->val[1]));
	EXPECT_EQ(SIGSEGV, WTERMSIG(s->val[1]));
}

TEST_F(perm, task_level_exception_reaches_a_receiver_that_passes_the_rule)
{
	run_exception_case(_metadata, self->shm, TASK_LEVEL, 0);
}

TEST_F(perm, task_level_exception_skips_a_receiver_that_fails_the_rule)
{
	run_exception_case(_metadata, self->shm, TASK_LEVEL, 1);
}

TEST_F(perm, thread_level_exception_reaches_a_receiver_that_passes_the_rule)
{
	run_exception_case(_metadata, self->shm, THREAD_LEVEL, 0);
}

TEST_F(perm, thread_level_exception_skips_a_receiver_that_fails_the_rule)
{
	run_exception_case(_metadata, self->shm, THREAD_LEVEL, 1);
}

/* --- exec --- */

/* Copy of ourselves at @path, owned by root, with @mode. */
static int copy_self(const char *path, mode_t mode)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out;
	ssize_t n;

	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	if (fchown(out, 0, 0) || fchmod(out, mode))
		return -1;
	return close(out);
}

/* The checks the new program makes (--after-exec): a bit per failure. */
static int after_exec_checks(void)
{
	exception_mask_t m[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT, i;
	exception_handler_t p[EXC_TYPES_COUNT];
	exception_behavior_t b[EXC_TYPES_COUNT];
	thread_state_flavor_t f[EXC_TYPES_COUNT];
	mach_port_t bp = 0x1234, port;
	int bad = 0, pid = 0;

	if (ME == MACH_PORT_NULL || pid_for_task(ME, &pid) || pid != getpid())
		bad |= 1;
	if (task_get_exception_ports(ME, EXC_MASK_ALL, m, &n, p, b, f))
		bad |= 2;
	for (i = 0; i < n; i++)
		if (p[i] != MACH_PORT_NULL)
			bad |= 4;
	n = EXC_TYPES_COUNT;
	if (thread_get_exception_ports(mach_thread_self(), EXC_MASK_ALL, m, &n, p, b, f))
		bad |= 8;
	for (i = 0; i < n; i++)
		if (p[i] != MACH_PORT_NULL)
			bad |= 16;
	if (task_get_special_port(ME, TASK_BOOTSTRAP_PORT, &bp) || bp != MACH_PORT_NULL)
		bad |= 32;
	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &port))
		bad |= 64;
	return bad;
}

/* --park / --after-exec READY_FD HOLD_FD: report, then wait for EOF. */
static int helper(const char *mode, int rfd, int hfd)
{
	unsigned char r = 0;
	char b;

	if (!strcmp(mode, "--after-exec"))
		r = (unsigned char)after_exec_checks();
	if (write(rfd, &r, 1) != 1)
		return 1;
	while (read(hfd, &b, 1) > 0)
		;
	return 0;
}

enum exec_kind { EXEC_SETUID, EXEC_UNREADABLE };

/* task_threads: their number, and the first (main) thread's right in *th. */
static int first_thread(task_t task, thread_act_t *th)
{
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0, i;

	if (task_threads(task, &list, &n))
		return -1;
	for (i = 0; i < n; i++) {
		if (i == 0)
			*th = list[0];
		else
			mach_port_deallocate(ME, list[i]);
	}
	if (list)
		vm_deallocate(ME, (vm_address_t)list, n * sizeof(list[0]));
	return (int)n;
}

/*
 * A uid-1000 process with a task exception port (set by us, through its
 * task port), a thread exception port and a bootstrap port, and, if
 * @fill, a full name table, execs @kind of binary.  Its old task and
 * thread ports become dead names for us; the new program finds no
 * exception ports, no bootstrap port and a working mach_task_self().
 */
static void exec_case(struct __test_metadata *_metadata, FIXTURE_DATA(perm) *self,
		      enum exec_kind kind, int fill)
{
	const char *path = kind == EXEC_SETUID ? "/tmp/machexc-perm-setuid" :
						 "/tmp/machexc-perm-noread";
	mach_port_t port = new_port();
	int ready[2], go[2], hold[2], status;
	unsigned char r = 0xff;
	thread_act_t th[1] = { MACH_PORT_NULL };
	task_t t, t2;
	pid_t pid;
	char b;

	ASSERT_NE(MACH_PORT_NULL, port);
	strcpy(self->unlink[0], path);
	ASSERT_EQ(0, copy_self(path, kind == EXEC_SETUID ? 04755 : 0111));
	if (fill) {
		int fd = open(MAX_NAMES, O_RDWR);
		ssize_t n;

		ASSERT_LE(0, fd);
		n = read(fd, self->max_names, sizeof(self->max_names) - 1);
		ASSERT_LT(0, n);
		self->max_names[n] = 0;
		ASSERT_EQ(2, pwrite(fd, "64", 2, 0));
		close(fd);
	}
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(hold));
	pid = spawn();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char rs[16], hs[16];
		mach_port_t mine;
		int i;

		close(ready[0]);
		close(go[1]);
		close(hold[1]);
		mine = new_port();
		if (!mine || become(OTHER_UID) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
		    task_set_special_port(ME, TASK_BOOTSTRAP_PORT, mine) ||
		    thread_set_exception_ports(mach_thread_self(), EXC_MASK_ALL, mine,
					       EXCEPTION_DEFAULT, THREAD_STATE_NONE))
			_exit(20);
		if (fill) {
			mach_port_t p;

			for (i = 0; i < 100000; i++)
				if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p))
					break;
			if (i == 100000)
				_exit(21);
		}
		if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(22);
		snprintf(rs, sizeof(rs), "%d", ready[1]);
		snprintf(hs, sizeof(hs), "%d", hold[0]);
		execl(path, path, "--after-exec", rs, hs, (char *)NULL);
		_exit(23);
	}
	close(ready[1]);
	close(go[0]);
	close(hold[0]);
	ASSERT_EQ(1, read(ready[0], &b, 1));
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, pid, &t));
	ASSERT_EQ(1, first_thread(t, th));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(t, EXC_MASK_BAD_ACCESS, port,
			EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	ASSERT_EQ(1, write(go[1], "g", 1));

	/* The new program's own view. */
	ASSERT_EQ(1, read(ready[0], &r, 1));
	EXPECT_EQ(0, r);
	/* Ours: the old names are dead. */
	EXPECT_TRUE(poll_until(type_of(t) == MACH_PORT_TYPE_DEAD_NAME));
	EXPECT_TRUE(poll_until(type_of(th[0]) == MACH_PORT_TYPE_DEAD_NAME));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_suspend(t));
	/* A new task_for_pid (we are root) names a new port. */
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(ME, pid, &t2));
	EXPECT_NE(t, t2);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type_of(t2));
	close(hold[1]);
	ASSERT_EQ(0, reap(pid, &status));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mach_port_deallocate(ME, t);
	mach_port_deallocate(ME, t2);
	mach_port_deallocate(ME, th[0]);
	mach_port_destroy(ME, port);
	close(ready[0]);
	close(go[1]);
}

TEST_F(perm, setuid_exec_destroys_the_port_space)
{
	exec_case(_metadata, self, EXEC_SETUID, 0);
}

TEST_F(perm, unreadable_exec_destroys_the_port_space)
{
	exec_case(_metadata, self, EXEC_UNREADABLE, 0);
}

/* The new program has a task port even if the old one used every name. */
TEST_F(perm, setuid_exec_after_a_full_name_table_has_mach_task_self)
{
	exec_case(_metadata, self, EXEC_SETUID, 1);
}

TEST_F(perm, unreadable_exec_after_a_full_name_table_has_mach_task_self)
{
	exec_case(_metadata, self, EXEC_UNREADABLE, 1);
}

/* The matrix after such an exec: the same uid no longer qualifies. */
TEST_F(perm, same_uid_refused_after_target_setuid_exec)
{
	strcpy(self->unlink[1], "/tmp/machexc-perm-park-setuid");
	ASSERT_EQ(0, copy_self(self->unlink[1], 04755));
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .t_exec = self->unlink[1],
	     .c_uid = OTHER_UID);
}

TEST_F(perm, root_allowed_after_target_setuid_exec)
{
	strcpy(self->unlink[1], "/tmp/machexc-perm-park-setuid");
	ASSERT_EQ(0, copy_self(self->unlink[1], 04755));
	CELL(EXPECT_ALLOWED, .t_uid = OTHER_UID, .t_dumpable = 1, .t_exec = self->unlink[1],
	     .c_uid = ROOT);
}

TEST_F(perm, same_uid_refused_after_target_execs_unreadable_binary)
{
	strcpy(self->unlink[1], "/tmp/machexc-perm-park-noread");
	ASSERT_EQ(0, copy_self(self->unlink[1], 0111));
	CELL(EXPECT_REFUSED, .t_uid = OTHER_UID, .t_dumpable = 1, .t_exec = self->unlink[1],
	     .c_uid = OTHER_UID);
}

int main(int argc, char **argv)
{
	if (argc == 4 && (!strcmp(argv[1], "--park") || !strcmp(argv[1], "--after-exec")))
		return helper(argv[1], atoi(argv[2]), atoi(argv[3]));
	return test_harness_run(argc, argv);
}
