// SPDX-License-Identifier: GPL-2.0
/* machexc-dbg: the target's threads (see threads.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "run.h"
#include "target.h"
#include "threads.h"

struct dthread threads[MAX_THREADS];
int nthreads;
struct dthread *cur_thread;
static int next_num = 1;

static pid_t tid_of(thread_act_t port)
{
	thread_identifier_info_data_t info;
	mach_msg_type_number_t n = THREAD_IDENTIFIER_INFO_COUNT;

	if (thread_info(port, THREAD_IDENTIFIER_INFO, (thread_info_t)&info, &n))
		return 0;
	return (pid_t)info.thread_id;
}

int threads_refresh(void)
{
	thread_act_array_t list;
	mach_msg_type_number_t n, i;
	pid_t cur_tid = cur_thread ? cur_thread->tid : 0;
	int j, k;

	if (task_threads(T.task, &list, &n) != KERN_SUCCESS)
		return -1;
	for (j = 0; j < nthreads; j++)
		threads[j].seen = false;
	for (i = 0; i < n; i++) {
		pid_t tid = tid_of(list[i]);
		struct dthread *th = tid ? thread_by_tid(tid) : NULL;

		if (!tid) {
			mach_port_deallocate(mach_task_self(), list[i]);
			continue;
		}
		if (th) {
			/* Keep one reference to the port: drop what this call added. */
			if (th->port == list[i])
				mach_port_deallocate(mach_task_self(), list[i]);
			else {
				mach_port_deallocate(mach_task_self(), th->port);
				th->port = list[i];
			}
			th->seen = true;
		} else if (nthreads < MAX_THREADS) {
			th = &threads[nthreads++];
			th->tid = tid;
			th->port = list[i];
			th->num = next_num++;
			th->seen = true;
		} else {
			mach_port_deallocate(mach_task_self(), list[i]);
		}
	}
	vm_deallocate(mach_task_self(), (vm_address_t)list, n * sizeof(*list));
	/* Threads that have gone. */
	for (j = k = 0; j < nthreads; j++) {
		if (!threads[j].seen) {
			mach_port_deallocate(mach_task_self(), threads[j].port);
			continue;
		}
		threads[k++] = threads[j];
	}
	nthreads = k;
	cur_thread = cur_tid ? thread_by_tid(cur_tid) : NULL;
	if (!cur_thread && nthreads)
		cur_thread = &threads[0];
	return 0;
}

void threads_clear(void)
{
	int i;

	for (i = 0; i < nthreads; i++)
		mach_port_deallocate(mach_task_self(), threads[i].port);
	nthreads = 0;
	cur_thread = NULL;
	next_num = 1;
}

struct dthread *thread_by_tid(pid_t tid)
{
	int i;

	for (i = 0; i < nthreads; i++)
		if (threads[i].tid == tid)
			return &threads[i];
	return NULL;
}

struct dthread *thread_by_num(int num)
{
	int i;

	for (i = 0; i < nthreads; i++)
		if (threads[i].num == num)
			return &threads[i];
	return NULL;
}

void threads_suspend_others(struct dthread *except)
{
	int i;

	for (i = 0; i < nthreads; i++)
		if (&threads[i] != except)
			thread_suspend(threads[i].port);
}

void threads_resume_others(struct dthread *except)
{
	int i;

	for (i = 0; i < nthreads; i++)
		if (&threads[i] != except)
			thread_resume(threads[i].port);
}

/* The thread's name, from /proc (as gdb shows it), or "". */
static void thread_name(pid_t tid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", T.pid, tid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

void cmd_info_threads(void)
{
	int i;

	if (!target_alive()) {
		out_error("No threads.");
		return;
	}
	threads_refresh();
	if (out_json()) {
		js_begin("threads");
		js_int("current", cur_thread ? cur_thread->num : 0);
		js_arr("threads");
	} else {
		out_text("  Id   Target Id                                  Frame \n");
	}
	for (i = 0; i < nthreads; i++) {
		struct dthread *th = &threads[i];
		char name[64], target_id[128], frame[512];

		thread_name(th->tid, name, sizeof(name));
		snprintf(target_id, sizeof(target_id), "Thread %d (LWP %d) \"%s\"", th->tid,
			 th->tid, name);
		if (out_json()) {
			js_obj(NULL);
			js_int("id", th->num);
			js_int("tid", th->tid);
			js_str("name", name);
			js_bool("current", th == cur_thread);
			run_frame_json(th);
			js_close();
			continue;
		}
		run_frame_text(th, frame, sizeof(frame));
		out_text("%c %-4d %-42s %s\n", th == cur_thread ? '*' : ' ', th->num, target_id,
			 frame);
	}
	if (out_json())
		js_end();
}

void cmd_thread(const char *arg)
{
	struct dthread *th;
	char frame[512];

	if (!target_alive()) {
		out_error("No threads.");
		return;
	}
	threads_refresh();
	if (!arg || !*arg) {
		if (!cur_thread) {
			out_error("No thread selected.");
			return;
		}
		th = cur_thread;
	} else {
		th = thread_by_num(atoi(arg));
		if (!th) {
			out_error("Invalid thread ID: %s", arg);
			return;
		}
		cur_thread = th;
	}
	if (out_json()) {
		js_begin("thread");
		js_int("id", th->num);
		js_int("tid", th->tid);
		run_frame_json(th);
		js_end();
		return;
	}
	out_text("[Switching to thread %d (Thread %d (LWP %d))]\n", th->num, th->tid, th->tid);
	run_frame_text(th, frame, sizeof(frame));
	out_text("#0  %s\n", frame);
}

void cmd_thread_apply(const char *arg, void (*run)(const char *cmd))
{
	struct dthread *saved;
	pid_t order[MAX_THREADS];
	int i, n = 0;
	const char *cmd;

	if (!target_alive()) {
		out_error("No threads.");
		return;
	}
	threads_refresh();
	saved = cur_thread;
	while (*arg == ' ')
		arg++;
	if (!strncmp(arg, "all", 3) && (arg[3] == ' ' || !arg[3])) {
		/* gdb goes from the newest thread to the oldest. */
		for (i = nthreads - 1; i >= 0; i--)
			order[n++] = threads[i].tid;
		cmd = arg + 3;
	} else {
		char *end;
		long num;

		cmd = arg;
		for (;;) {
			num = strtol(cmd, &end, 10);
			if (end == cmd)
				break;
			if (thread_by_num((int)num) && n < MAX_THREADS)
				order[n++] = thread_by_num((int)num)->tid;
			cmd = end;
		}
	}
	while (*cmd == ' ')
		cmd++;
	if (!*cmd) {
		out_error("Please specify a command following the thread ID list");
		return;
	}
	for (i = 0; i < n; i++) {
		struct dthread *th = thread_by_tid(order[i]);
		pid_t keep = saved ? saved->tid : 0;

		if (!th)
			continue;
		cur_thread = th;
		out_text("\nThread %d (Thread %d (LWP %d)):\n", th->num, th->tid, th->tid);
		if (out_json()) {
			js_begin("thread-apply");
			js_int("id", th->num);
			js_int("tid", th->tid);
			js_end();
		}
		run(cmd);
		saved = keep ? thread_by_tid(keep) : NULL;
	}
	cur_thread = saved ? saved : cur_thread;
}
