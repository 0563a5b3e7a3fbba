// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-dbg: the target process (see target.h).
 *
 * Exceptions come to our port with EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES:
 * registers are read and written with thread_get_state() and
 * thread_set_state() while the thread waits.  Each request goes through
 * mach_exc_server(), whose catch_mach_exception_raise() records it and
 * answers MIG_NO_REPLY: the thread stays in its exception while the user
 * looks at it, and the reply is sent when the target is resumed.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mach/mach_excServer.h>

#include "breakpoints.h"
#include "output.h"
#include "regs.h"
#include "target.h"

#define EXC_MASK (EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION | EXC_MASK_ARITHMETIC | \
		  EXC_MASK_BREAKPOINT)
#define TRAP_FLAG 0x100UL

struct target T = { .port_fd = -1, .pidfd = -1 };

static volatile sig_atomic_t interrupted;

/* MACHEXC_DBG_TRACE=1: what the debugger does with the target, on stderr. */
__attribute__((format(printf, 1, 2)))
static void trace(const char *fmt, ...)
{
	static int on = -1;
	va_list ap;

	if (on < 0)
		on = getenv("MACHEXC_DBG_TRACE") != NULL;
	if (!on)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "machexc-dbg: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *exc_name(exception_type_t type)
{
	static const char *const names[] = {
		NULL, "EXC_BAD_ACCESS", "EXC_BAD_INSTRUCTION", "EXC_ARITHMETIC",
		"EXC_EMULATION", "EXC_SOFTWARE", "EXC_BREAKPOINT", "EXC_SYSCALL",
		"EXC_MACH_SYSCALL", "EXC_RPC_ALERT", "EXC_CRASH",
	};

	return type > 0 && type < (int)(sizeof(names) / sizeof(names[0])) ? names[type] : "EXC_?";
}

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

bool target_alive(void)
{
	return T.state == TARGET_STOPPED || T.state == TARGET_RUNNING;
}

/* ---- exceptions -------------------------------------------------------- */

static struct pending *receiving;	/* filled by catch_mach_exception_raise() */

kern_return_t catch_mach_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
					 exception_type_t exception, mach_exception_data_t code,
					 mach_msg_type_number_t count)
{
	struct pending *p = receiving;
	int stopped = 0;

	(void)port;
	memset(p, 0, sizeof(*p));
	p->exception = exception;
	if (count > 0)
		p->code[0] = code[0];
	if (count > 1)
		p->code[1] = code[1];
	p->answer = KERN_SUCCESS;
	machexc_thread_fault(thread, &p->tid, &stopped, &p->fault);
	p->have_fault = stopped;
	/* The rights are ours with MIG_NO_REPLY; the thread table has its own. */
	mach_port_deallocate(mach_task_self(), thread);
	mach_port_deallocate(mach_task_self(), task);
	return MIG_NO_REPLY;
}

static void answer(struct pending *p)
{
	mig_reply_error_t rep;

	memset(&rep, 0, sizeof(rep));
	rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep.Head.msgh_remote_port = p->reply;
	rep.Head.msgh_size = sizeof(rep);
	rep.Head.msgh_id = p->id + 100;
	rep.NDR = NDR_record;
	rep.RetCode = p->answer;
	trace("reply %d to thread %d", p->answer, p->tid);
	if (p->reply && mach_msg(&rep.Head, MACH_SEND_MSG, sizeof(rep), 0, MACH_PORT_NULL, 0,
				 MACH_PORT_NULL) != MACH_MSG_SUCCESS)
		mach_port_deallocate(mach_task_self(), p->reply);	/* a thread that died */
	p->used = false;
}

/* Take one queued request; the pending exception it made, or NULL. */
static struct pending *receive(void)
{
	union {
		mach_msg_header_t head;
		char buf[4096];
	} req, rep;
	mig_reply_error_t *r = (mig_reply_error_t *)&rep.head;
	struct pending *p = NULL;
	int i;

	for (i = 0; i < MAX_PENDING && !p; i++)
		if (!T.pending[i].used)
			p = &T.pending[i];
	if (!p)
		return NULL;
	memset(&req.head, 0, sizeof(req.head));
	if (mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), T.port, 0,
		     MACH_PORT_NULL) != MACH_MSG_SUCCESS)
		return NULL;
	receiving = p;
	memset(&rep, 0, sizeof(mig_reply_error_t));
	if (!mach_exc_server(&req.head, &rep.head) || r->RetCode != MIG_NO_REPLY) {
		/* Not an exception we asked for: whatever it carries goes. */
		mach_msg_destroy(&req.head);
		return NULL;
	}
	trace("exception %s (%" PRId64 ", 0x%" PRIx64 ") from thread %d", exc_name(p->exception),
	      p->code[0], (uint64_t)p->code[1], p->tid);
	p->reply = req.head.msgh_remote_port;
	p->id = req.head.msgh_id;
	p->used = true;
	return p;
}

struct pending *target_pending_of(struct dthread *th)
{
	int i;

	for (i = 0; th && i < MAX_PENDING; i++)
		if (T.pending[i].used && T.pending[i].tid == th->tid)
			return &T.pending[i];
	return NULL;
}

struct pending *target_unreported(void)
{
	int i;

	for (i = 0; i < MAX_PENDING; i++)
		if (T.pending[i].used && !T.pending[i].reported)
			return &T.pending[i];
	return NULL;
}

/* ---- stopping and resuming ------------------------------------------- */

static void hold(void)
{
	if (!T.held && task_suspend(T.task) == KERN_SUCCESS)
		T.held = true;
	T.state = TARGET_STOPPED;
}

static void release(void)
{
	if (T.held && task_resume(T.task) == KERN_SUCCESS)
		T.held = false;
	T.state = TARGET_RUNNING;
}

static void set_trap_flag(struct dthread *th, bool on)
{
	x86_thread_state64_t s;

	if (regs_get(th, &s))
		return;
	if (!!(s.__rflags & TRAP_FLAG) == on)
		return;
	s.__rflags = on ? s.__rflags | TRAP_FLAG : s.__rflags & ~TRAP_FLAG;
	regs_set(th, &s);
}

/* The process is gone: reap it if it is ours, forget its threads. */
static void exited(void)
{
	int i;

	if (T.launched)
		while (waitpid(T.pid, &T.exit_status, 0) < 0 && errno == EINTR)
			;
	for (i = 0; i < MAX_PENDING; i++)
		if (T.pending[i].used)
			answer(&T.pending[i]);
	T.state = TARGET_EXITED;
	T.held = false;
	bp_forget_inserted();
	threads_clear();
}

void target_resume(struct dthread *step, struct stop *st)
{
	struct pollfd fds[2] = { { T.port_fd, POLLIN, 0 }, { T.pidfd, POLLIN, 0 } };
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	pid_t step_tid = step ? step->tid : 0;
	int i;

	memset(st, 0, sizeof(*st));
	bp_apply_watchpoints();
	if (step) {
		struct pending *p = target_pending_of(step);

		set_trap_flag(step, true);
		threads_suspend_others(step);
		if (p)
			answer(p);
	} else {
		for (i = 0; i < MAX_PENDING; i++)
			if (T.pending[i].used)
				answer(&T.pending[i]);
	}
	trace("resume%s%d", step ? " stepping thread " : ", all threads; ", step ? step->tid : nthreads);
	interrupted = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	release();
	for (;;) {
		struct pending *p;

		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			st->kind = STOP_ERROR;
			break;
		}
		if (interrupted) {
			hold();
			st->kind = STOP_INTERRUPTED;
			break;
		}
		if (fds[0].revents & POLLIN) {
			p = receive();
			if (!p)
				continue;
			/* Stepping: others' queued exceptions wait their turn. */
			if (step_tid && p->tid != step_tid)
				continue;
			hold();
			st->kind = STOP_EXCEPTION;
			st->p = p;
			break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP)) {
			st->kind = STOP_EXITED;
			break;
		}
	}
	sigaction(SIGINT, &old, NULL);
	if (st->kind == STOP_EXITED) {
		exited();
		return;
	}
	if (step_tid) {
		step = thread_by_tid(step_tid);
		threads_resume_others(step);
		if (step)
			set_trap_flag(step, false);
	}
	threads_refresh();
	if (st->p)
		st->th = thread_by_tid(st->p->tid);
	if (st->th)
		cur_thread = st->th;
}

/* ---- attaching, starting, leaving ------------------------------------ */

static int make_port(void)
{
	mach_port_t me = mach_task_self();

	if (mach_port_allocate(me, MACH_PORT_RIGHT_RECEIVE, &T.port) ||
	    mach_port_insert_right(me, T.port, T.port, MACH_MSG_TYPE_MAKE_SEND)) {
		out_error("cannot make the exception port");
		return -1;
	}
	T.port_fd = machexc_port_fd(T.port, O_CLOEXEC);
	T.pidfd = (int)syscall(SYS_pidfd_open, T.pid, 0);
	if (T.port_fd < 0 || T.pidfd < 0) {
		out_error("cannot watch the process: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int set_ports(void)
{
	kern_return_t kr;

	T.nold = MAX_OLD_PORTS;
	kr = task_swap_exception_ports(T.task, EXC_MASK, T.port,
				       EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE,
				       T.old_masks, &T.nold, T.old_ports, T.old_behaviors,
				       T.old_flavors);
	if (kr != KERN_SUCCESS) {
		out_error("task_swap_exception_ports: %s", mach_error_string(kr));
		T.nold = 0;
		return -1;
	}
	return 0;
}

static void read_exe(void)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", T.pid);
	n = readlink(path, T.exe, sizeof(T.exe) - 1);
	T.exe[n > 0 ? n : 0] = 0;
}

/* Our rights and descriptors, once the process is no longer ours. */
static void forget(void)
{
	mach_port_t me = mach_task_self();
	mach_msg_type_number_t i;

	threads_clear();
	for (i = 0; i < T.nold; i++)
		if (MACH_PORT_VALID(T.old_ports[i]))
			mach_port_deallocate(me, T.old_ports[i]);
	T.nold = 0;
	if (T.port_fd >= 0)
		close(T.port_fd);
	if (T.pidfd >= 0)
		close(T.pidfd);
	T.port_fd = T.pidfd = -1;
	if (T.port) {
		mach_port_mod_refs(me, T.port, MACH_PORT_RIGHT_RECEIVE, -1);
		mach_port_deallocate(me, T.port);
	}
	if (T.task)
		mach_port_deallocate(me, T.task);
	T.port = T.task = MACH_PORT_NULL;
	if (T.state != TARGET_EXITED)
		T.state = TARGET_NONE;
	T.held = false;
}

int target_attach(pid_t pid)
{
	kern_return_t kr;

	memset(&T, 0, sizeof(T));
	T.port_fd = T.pidfd = -1;
	T.pid = pid;
	kr = task_for_pid(mach_task_self(), pid, &T.task);
	if (kr != KERN_SUCCESS) {
		out_error("Could not attach to process %d: task_for_pid: %s", pid,
			  mach_error_string(kr));
		T.task = MACH_PORT_NULL;
		return -1;
	}
	trace("task_for_pid(%d): task %#x", pid, T.task);
	kr = task_suspend(T.task);
	trace("task_suspend: %d", kr);
	if (kr != KERN_SUCCESS) {
		out_error("task_suspend: %s", mach_error_string(kr));
		forget();
		return -1;
	}
	T.held = true;
	T.state = TARGET_STOPPED;
	if (make_port() || set_ports() || threads_refresh()) {
		target_detach();
		return -1;
	}
	read_exe();
	return 0;
}

/* The task's suspend count (-1 if it cannot be read). */
static int suspend_count(void)
{
	mach_task_basic_info_data_t info;
	mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;

	if (!T.task && task_for_pid(mach_task_self(), T.pid, &T.task) != KERN_SUCCESS) {
		T.task = MACH_PORT_NULL;
		return -1;
	}
	if (task_info(T.task, MACH_TASK_BASIC_INFO, (task_info_t)&info, &n) != KERN_SUCCESS)
		return -1;
	return info.suspend_count;
}

/*
 * Until the child's execve() has gone through: 0; its errno in *@err
 * (or -1: no suspend at exec) and 1 if it failed; -1 after 30 s.  The
 * close-on-exec pipe's end of file may come only once the task is
 * resumed (the close is deferred to the return to user space, where the
 * task parks first), so a suspended task is the other sign of success.
 */
static int wait_exec(int fd, int *err)
{
	int i;

	for (i = 0; i < 3000; i++) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 10) > 0) {
			ssize_t n = read(fd, err, sizeof(*err));

			return n > 0 ? 1 : 0;
		}
		if (suspend_count() > 0)
			return 0;
	}
	return -1;
}

/* The exec'd task is parked: suspended, its registers readable. */
static int wait_suspended(void)
{
	struct timespec tick = { 0, 2 * 1000 * 1000 };
	int i;

	for (i = 0; i < 5000; i++) {
		x86_thread_state64_t s;

		if (suspend_count() > 0 && threads_refresh() == 0 && nthreads &&
		    regs_get(&threads[0], &s) == 0)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

int target_launch(char **argv)
{
	int pipefd[2], err = 0, n;
	kern_return_t kr;

	memset(&T, 0, sizeof(T));
	T.port_fd = T.pidfd = -1;
	if (pipe2(pipefd, O_CLOEXEC)) {
		out_error("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	T.pid = fork();
	if (T.pid < 0) {
		out_error("fork: %s", strerror(errno));
		return -1;
	}
	if (T.pid == 0) {
		close(pipefd[0]);
		kr = machexc_task_suspend_at_exec(mach_task_self());
		trace("child: machexc_task_suspend_at_exec: %d", kr);
		if (kr == KERN_SUCCESS)
			execvp(argv[0], argv);
		err = kr == KERN_SUCCESS ? errno : -1;
		if (write(pipefd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	T.launched = true;
	trace("started %d; waiting for its exec", T.pid);
	n = wait_exec(pipefd[0], &err);
	close(pipefd[0]);
	if (n) {
		if (n < 0)
			out_error("%s: the program did not start", argv[0]);
		else if (err < 0)
			out_error("%s: machexc_task_suspend_at_exec failed", argv[0]);
		else
			out_error("%s: %s.", argv[0], strerror(err));
		target_kill();
		return -1;
	}
	if (wait_suspended()) {
		out_error("process %d did not stop after its exec", T.pid);
		target_kill();
		return -1;
	}
	T.held = true;
	T.state = TARGET_STOPPED;
	if (make_port() || set_ports()) {
		target_kill();
		return -1;
	}
	read_exe();
	return 0;
}

int target_detach(void)
{
	mach_msg_type_number_t i;
	int j;

	if (!target_alive())
		return -1;
	bp_remove_all();
	bp_clear_watchpoints();
	/* Back as they were: ours off, then each old one. */
	task_set_exception_ports(T.task, EXC_MASK, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	for (i = 0; i < T.nold; i++)
		if (MACH_PORT_VALID(T.old_ports[i]))
			task_set_exception_ports(T.task, T.old_masks[i], T.old_ports[i],
						 T.old_behaviors[i], T.old_flavors[i]);
	for (j = 0; j < MAX_PENDING; j++)
		if (T.pending[j].used)
			answer(&T.pending[j]);
	release();
	forget();
	return 0;
}

void target_kill(void)
{
	int j;

	if (T.pid <= 0)
		return;
	kill(T.pid, SIGKILL);
	for (j = 0; j < MAX_PENDING; j++)
		if (T.pending[j].used)
			answer(&T.pending[j]);
	if (T.launched)
		while (waitpid(T.pid, &T.exit_status, 0) < 0 && errno == EINTR)
			;
	bp_forget_inserted();
	T.state = TARGET_EXITED;
	forget();
}
