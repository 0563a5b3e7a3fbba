// SPDX-License-Identifier: GPL-2.0
/*
 * Task exception ports: task_set/get/swap_exception_ports with macOS's
 * semantics (per-type slots of port, behavior and flavor; get groups equal
 * slots), and their inheritance across fork().
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mach/mach.h>

#include "kselftest_harness.h"

#define ME mach_task_self()

struct found {
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_port_t handlers[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	mach_msg_type_number_t count;
};

static kern_return_t get(exception_mask_t mask, struct found *f)
{
	memset(f, 0, sizeof(*f));
	f->count = EXC_TYPES_COUNT;
	return task_get_exception_ports(ME, mask, f->masks, &f->count, f->handlers,
					f->behaviors, f->flavors);
}

static mach_port_t handler_port(void)
{
	mach_port_t p = MACH_PORT_NULL;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

TEST(set_get_swap)
{
	mach_port_t h = handler_port(), h2 = handler_port();
	exception_behavior_t b = EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES;
	struct found f, old;
	mach_port_urefs_t refs;

	ASSERT_NE(MACH_PORT_NULL, h);
	/* Nothing set: one group, no handler. */
	ASSERT_EQ(KERN_SUCCESS, get(EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC, &f));
	ASSERT_EQ(1, f.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC, f.masks[0]);
	EXPECT_EQ(MACH_PORT_NULL, f.handlers[0]);

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS |
							 EXC_MASK_ARITHMETIC, h, b,
							 THREAD_STATE_NONE));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, h2,
							 EXCEPTION_STATE_IDENTITY,
							 x86_THREAD_STATE64));
	ASSERT_EQ(KERN_SUCCESS, get(EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC |
				    EXC_MASK_BREAKPOINT | EXC_MASK_SOFTWARE, &f));
	ASSERT_EQ(3, f.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS | EXC_MASK_ARITHMETIC, f.masks[0]);
	EXPECT_EQ(h, f.handlers[0]);
	EXPECT_EQ(b, f.behaviors[0]);
	EXPECT_EQ(THREAD_STATE_NONE, f.flavors[0]);
	EXPECT_EQ(EXC_MASK_SOFTWARE, f.masks[1]);
	EXPECT_EQ(MACH_PORT_NULL, f.handlers[1]);
	EXPECT_EQ(EXC_MASK_BREAKPOINT, f.masks[2]);
	EXPECT_EQ(h2, f.handlers[2]);
	EXPECT_EQ(EXCEPTION_STATE_IDENTITY, f.behaviors[2]);
	EXPECT_EQ(x86_THREAD_STATE64, f.flavors[2]);
	/* Each handler returned is a send right of the caller's. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(ME, h, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(2, refs);

	/* Swap gives back what was there, and sets the new handler. */
	memset(&old, 0, sizeof(old));
	old.count = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_swap_exception_ports(ME, EXC_MASK_ARITHMETIC, h2,
							  EXCEPTION_DEFAULT, THREAD_STATE_NONE,
							  old.masks, &old.count, old.handlers,
							  old.behaviors, old.flavors));
	ASSERT_EQ(1, old.count);
	EXPECT_EQ(h, old.handlers[0]);
	EXPECT_EQ(b, old.behaviors[0]);
	ASSERT_EQ(KERN_SUCCESS, get(EXC_MASK_ARITHMETIC, &f));
	EXPECT_EQ(h2, f.handlers[0]);

	/* A caller with room for one group gets one. */
	memset(&f, 0, sizeof(f));
	f.count = 1;
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(ME, EXC_MASK_ALL, f.masks, &f.count,
							 f.handlers, f.behaviors, f.flavors));
	EXPECT_EQ(1, f.count);

	/* Clearing releases the slots' rights. */
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	ASSERT_EQ(KERN_SUCCESS, get(EXC_MASK_ALL, &f));
	EXPECT_EQ(1, f.count);
	EXPECT_EQ(MACH_PORT_NULL, f.handlers[0]);
	mach_port_destroy(ME, h);
	mach_port_destroy(ME, h2);
}

TEST(bad_arguments)
{
	mach_port_t h = handler_port(), r;

	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(ME, 1 << 20, h,
								  EXCEPTION_DEFAULT,
								  THREAD_STATE_NONE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, h, 7,
								  THREAD_STATE_NONE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, h,
								  EXCEPTION_STATE, 99));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, task_set_exception_ports(MACH_PORT_NULL,
								   EXC_MASK_BAD_ACCESS, h,
								   EXCEPTION_DEFAULT,
								   THREAD_STATE_NONE));
	/* A receive right alone is no handler: it takes a send right. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &r));
	EXPECT_NE(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, r,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	mach_port_destroy(ME, r);
	mach_port_destroy(ME, h);
}

/* A child inherits the task exception ports: new send rights of its own. */
TEST(fork_inherits_task_exception_ports)
{
	mach_port_t h = handler_port();
	struct {
		mach_msg_header_t h;
		mach_msg_max_trailer_t t;
	} m;
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, h,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
							 THREAD_STATE_NONE));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct found f;

		if (get(EXC_MASK_BAD_ACCESS, &f) || f.count != 1 ||
		    f.handlers[0] == MACH_PORT_NULL ||
		    f.behaviors[0] != (exception_behavior_t)(EXCEPTION_DEFAULT |
							     MACH_EXCEPTION_CODES))
			_exit(1);
		memset(&m, 0, sizeof(m));
		m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
		m.h.msgh_remote_port = f.handlers[0];
		m.h.msgh_id = 4242;
		_exit(mach_msg(&m.h, MACH_SEND_MSG, sizeof(m.h), 0, 0, 0, 0) ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m),
					     h, 0, 0));
	EXPECT_EQ(4242, m.h.msgh_id);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h);
}

/* Answers every exception on @port with KERN_SUCCESS until a STOP_ID message. */
#define STOP_ID 0x57a9

struct answerer {
	mach_port_t port;
	atomic_int answered;
};

static void *answer_all(void *arg)
{
	struct answerer *a = arg;
	union {
		mach_msg_header_t h;
		char buf[2048];
	} m;
	struct {
		mach_msg_header_t h;
		NDR_record_t ndr;
		kern_return_t ret;
	} r;

	while (mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof(m), a->port, 0, 0) == MACH_MSG_SUCCESS &&
	       m.h.msgh_id != STOP_ID) {
		memset(&r, 0, sizeof(r));
		r.h.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(m.h.msgh_bits), 0);
		r.h.msgh_remote_port = m.h.msgh_remote_port;
		r.h.msgh_size = sizeof(r);
		r.h.msgh_id = m.h.msgh_id + 100;
		r.ndr = NDR_record;
		r.ret = KERN_SUCCESS;
		if (mach_msg(&r.h, MACH_SEND_MSG, sizeof(r), 0, 0, 0, 0) == MACH_MSG_SUCCESS)
			atomic_fetch_add(&a->answered, 1);
		m.h.msgh_remote_port = MACH_PORT_NULL;	/* moved with the reply */
		mach_msg_destroy(&m.h);			/* the thread and task rights */
	}
	return NULL;
}

#define BURST_THREADS 8

static pthread_barrier_t burst;

static void *int3_once(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&burst);
	__asm__ volatile("int3");
	return NULL;
}

/* A child whose threads all take their first exception at once. */
static int burst_child(void)
{
	pthread_t t[BURST_THREADS];
	int i;

	pthread_barrier_init(&burst, NULL, BURST_THREADS);
	for (i = 0; i < BURST_THREADS; i++)
		if (pthread_create(&t[i], NULL, int3_once, NULL))
			return 1;
	for (i = 0; i < BURST_THREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/*
 * A fork()ed child's first use of machexc may be the faults of several of
 * its threads at once, each of which makes the child's task: every one of
 * them reaches the inherited handler, none is left to its signal.  (The
 * race this checks, a task visible before its inherited ports were in it,
 * killed about one child in thirty with SIGTRAP under load.)
 */
TEST(a_forked_childs_threads_faulting_at_once_all_reach_the_inherited_handler)
{
	int rounds = getenv("MACHEXC_DEBUG_LANE") ? 10 : 60, i, status;
	struct answerer a = { .port = handler_port() };
	mach_msg_header_t stop = {
		.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
		.msgh_size = sizeof(stop),
		.msgh_id = STOP_ID,
	};
	pthread_t server;
	pid_t pid;

	ASSERT_NE(MACH_PORT_NULL, a.port);
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, a.port,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
							 THREAD_STATE_NONE));
	ASSERT_EQ(0, pthread_create(&server, NULL, answer_all, &a));
	for (i = 0; i < rounds; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(burst_child());
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("round %d: the child died of signal %d",
						      i, WTERMSIG(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(rounds * BURST_THREADS, atomic_load(&a.answered));
	stop.msgh_remote_port = a.port;
	EXPECT_EQ(MACH_MSG_SUCCESS, mach_msg(&stop, MACH_SEND_MSG, sizeof(stop), 0, 0, 0, 0));
	pthread_join(server, NULL);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, a.port);
}

TEST_HARNESS_MAIN
