/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target's threads: a table kept from task_threads(), numbered as gdb
 * numbers them (1, 2, ... in the order they are first seen), and the
 * current thread, which commands act on.
 */
#ifndef MACHEXC_DBG_THREADS_H
#define MACHEXC_DBG_THREADS_H

#include <stdbool.h>
#include <sys/types.h>

#include <mach/mach.h>

#define MAX_THREADS 256

struct dthread {
	pid_t tid;
	thread_act_t port;	/* a send right of ours */
	int num;		/* gdb's thread number */
	bool seen;		/* in the last task_threads() */
};

extern struct dthread threads[MAX_THREADS];
extern int nthreads;
extern struct dthread *cur_thread;

/* Read the thread list again (the target is stopped). 0 or -1. */
int threads_refresh(void);
/* Forget every thread (detach, exit). */
void threads_clear(void);
struct dthread *thread_by_tid(pid_t tid);
struct dthread *thread_by_num(int num);

/* Suspend or resume every thread but @except (stepping one thread alone). */
void threads_suspend_others(struct dthread *except);
void threads_resume_others(struct dthread *except);

/* The commands. */
void cmd_info_threads(void);
void cmd_thread(const char *arg);
/* "thread apply all|N... CMD": CMD with each thread current in turn. */
void cmd_thread_apply(const char *arg, void (*run)(const char *cmd));

#endif
