// SPDX-License-Identifier: GPL-2.0
/*
 * The crashing process's other threads.  machexc stops only the thread
 * that took the exception; the others are listed with task_threads(),
 * stopped with thread_suspend() (each parks on its way back to user
 * space, its registers saved on its thread port), read with
 * thread_get_state() and let go with thread_resume() once unwound.
 *
 * Mach calls only, no ptrace: suspension is neither a ptrace nor a
 * job-control stop, takes no cred_guard_mutex, and an exec or a SIGKILL
 * ends it, so a thread that calls execve() while the report is written
 * cannot deadlock against the reporter (PTRACE_SEIZE, which the
 * supervisor used before, waits for the exec's cred_guard_mutex while the
 * exec waits for the reporter to reap the threads it traces).
 *
 * A thread that already waits in an exception of its own (queued behind
 * this one) or is suspended is read without suspending it.  A thread
 * asleep in the kernel uninterruptibly (state D) is not suspended, since
 * thread_suspend() would wait until it wakes: it is listed with the
 * reason.  Where the module cannot reach other processes
 * (MACHEXC_FEATURE_TASKS unset: task_threads() fails), /proc lists them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

#define ME mach_task_self()

void report_regs_from_state(struct stack *s, const x86_thread_state64_t *r)
{
	Dwarf_Word w[REPORT_NREGS] = {
		r->__rax, r->__rdx, r->__rcx, r->__rbx, r->__rsi, r->__rdi, r->__rbp, r->__rsp,
		r->__r8, r->__r9, r->__r10, r->__r11, r->__r12, r->__r13, r->__r14, r->__r15,
		r->__rip,
	};

	memcpy(s->regs, w, sizeof(w));
	s->have_regs = true;
}

/* The state letter of /proc/PID/task/TID/stat, or 0 if it has gone. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void list_from_proc(struct crash *c)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", c->pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)) && c->nthreads < REPORT_MAX_THREADS) {
		pid_t tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		c->threads[c->nthreads++] = tid;
		if (tid != c->tid && c->nothers < REPORT_MAX_UNWOUND) {
			struct stack *s = &c->others[c->nothers++];

			memset(s, 0, sizeof(*s));
			s->tid = tid;
			s->note = "not stopped: this machexc module cannot reach other processes' "
				  "threads (MACHEXC_FEATURE_TASKS)";
		}
	}
	closedir(dir);
}

void threads_list(struct crash *c, mach_port_t task)
{
	struct machexc_thread_fault f;
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	int stopped;
	pid_t tid;

	if (task_threads(task, &list, &n) != KERN_SUCCESS) {
		list_from_proc(c);
		return;
	}
	for (i = 0; i < n; i++) {
		if (machexc_thread_fault(list[i], &tid, &stopped, &f) == KERN_SUCCESS) {
			if (c->nthreads < REPORT_MAX_THREADS)
				c->threads[c->nthreads++] = tid;
			if (tid != c->tid && c->nothers < REPORT_MAX_UNWOUND) {
				struct stack *s = &c->others[c->nothers++];

				memset(s, 0, sizeof(*s));
				s->tid = tid;
				s->port = list[i];	/* ours until threads_release() */
				continue;
			}
		}
		mach_port_deallocate(ME, list[i]);
	}
	vm_deallocate(ME, (vm_address_t)list, n * sizeof(*list));
}

static bool read_regs(struct stack *s)
{
	x86_thread_state64_t r;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;

	if (thread_get_state(s->port, x86_THREAD_STATE64, (thread_state_t)&r, &n) != KERN_SUCCESS)
		return false;
	report_regs_from_state(s, &r);
	return true;
}

void threads_stop(struct crash *c)
{
	int i;

	for (i = 0; i < c->nothers; i++) {
		struct stack *s = &c->others[i];
		char state;

		/* Stopped already: in an exception of its own, or suspended. */
		if (!s->port || read_regs(s))
			continue;
		state = thread_state(c->pid, s->tid);
		if (!state || state == 'X' || state == 'Z')
			s->note = "exited";
		else if (state == 'D')
			s->note = "asleep in the kernel (state D), not stopped";
		else if (thread_suspend(s->port) != KERN_SUCCESS)
			s->note = "could not be suspended (exited?)";
		else if (s->suspended = true, !read_regs(s))
			s->note = "registers could not be read (in a job-control or ptrace stop?)";
	}
}

void threads_release(struct crash *c)
{
	int i;

	for (i = 0; i < c->nothers; i++) {
		struct stack *s = &c->others[i];

		if (s->suspended)
			thread_resume(s->port);
		if (s->port)
			mach_port_deallocate(ME, s->port);
		s->suspended = false;
		s->port = MACH_PORT_NULL;
	}
}
