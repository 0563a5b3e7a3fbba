// SPDX-License-Identifier: GPL-2.0
/*
 * Exception delivery: every exception type with macOS's codes, every
 * behavior with and without MACH_EXCEPTION_CODES (ids, sizes, layouts),
 * the three state flavors, thread_get_state/thread_set_state on a thread
 * stopped in an exception, thread before task before host, 8 threads
 * faulting into one handler, ptrace unchanged, the fast-path counters,
 * a setuid exec resetting the ports, and a handler that faults itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#include "kprobes.h"
#include "kselftest_harness.h"
#include "proc.h"
#include "cgroup2.h"

#define ME mach_task_self()

/* The largest request (STATE_IDENTITY, 64-bit codes, full state), as MIG. */
#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t Head;
	union {
		struct {	/* DEFAULT, STATE_IDENTITY */
			mach_msg_body_t msgh_body;
			mach_msg_port_descriptor_t thread;
			mach_msg_port_descriptor_t task;
		} id;
	};
	char rest[8 + 4 + 4 + 16 + 8 + THREAD_STATE_MAX * 4 + sizeof(mach_msg_max_trailer_t)];
} request_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int flavor;
	mach_msg_type_number_t new_stateCnt;
	natural_t new_state[THREAD_STATE_MAX];
} reply_t;
#pragma pack(pop)

/* What a request said, decoded whatever its behavior. */
struct seen {
	int id, size, complex;
	exception_type_t exception;
	int64_t code[2];
	int flavor, count;
	union {
		natural_t state[THREAD_STATE_MAX];
		x86_thread_state64_t ts64;
		x86_thread_state_t uts;
		x86_float_state64_t fs64;
		x86_exception_state64_t es64;
	};
	x86_exception_state64_t es;	/* from thread_get_state */
	x86_thread_state64_t ts;	/* from thread_get_state */
	int pid, tid, stopped;		/* pid_for_task, machexc_thread_fault */
	struct machexc_thread_fault fault;
};

struct handler {
	mach_port_t port;		/* receive right (or a port set) */
	int rounds;
	kern_return_t answer;
	int move_rip;			/* bytes to step over */
	int clear_tf;			/* clear the trap flag (single step) */
	int set_xmm1;			/* float state: put a pattern in xmm1 */
	int fault_inside;		/* the handler itself faults */
	int corrupt;			/* the first reply's state: enum corrupt */
	int once;			/* answer as told once, then KERN_FAILURE */
	int want_seqno;			/* receive a seqno trailer: seqno[round] */
	mach_port_seqno_t seqno[4];
	atomic_int count;
	struct seen last;
};

/* A KERN_SUCCESS reply with a state the thread cannot take. */
enum corrupt { STATE_OK, BAD_FLAVOR, BAD_COUNT, BAD_MXCSR };

static const char xmm_in[16] = "machexc-xmm0-in";
static const char xmm_out[16] = "machexc-xmm1-ok";

static void decode(const request_t *req, struct seen *s)
{
	const char *p = (const char *)&req->Head + sizeof(mach_msg_header_t);
	int wide = req->Head.msgh_id >= 2405, n;

	s->id = req->Head.msgh_id;
	s->size = (int)req->Head.msgh_size;
	s->complex = !!(req->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX);
	if (s->complex)
		p += sizeof(mach_msg_body_t) + 2 * sizeof(mach_msg_port_descriptor_t);
	p += sizeof(NDR_record_t);
	memcpy(&s->exception, p, 4);
	p += 8;				/* exception, codeCnt */
	if (wide) {
		memcpy(s->code, p, 16);
		p += 16;
	} else {
		int32_t c[2];

		memcpy(c, p, 8);
		s->code[0] = c[0];
		s->code[1] = c[1];
		p += 8;
	}
	s->flavor = 0;
	s->count = 0;
	if (s->id % 4 != 1) {		/* 2401/2405 carry no state */
		memcpy(&s->flavor, p, 4);
		memcpy(&n, p + 4, 4);
		s->count = n;
		memcpy(s->state, p + 8, (size_t)n * 4);
	}
}

static const mach_msg_option_t seqno_trailer =
	MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
	MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO);

static void *handle(void *arg)
{
	struct handler *h = arg;
	request_t req;
	reply_t rep;
	int i;

	for (i = 0; i < h->rounds; i++) {
		struct seen *s = &h->last;
		mach_port_t thread = MACH_PORT_NULL;
		x86_thread_state64_t *ts;
		mach_msg_type_number_t n;

		memset(&req, 0, sizeof(req.Head));
		if (mach_msg(&req.Head, MACH_RCV_MSG | (h->want_seqno ? seqno_trailer : 0), 0,
			     sizeof(req), h->port, 0, 0))
			return NULL;
		if (h->want_seqno && i < 4)
			h->seqno[i] = ((mach_msg_seqno_trailer_t *)((char *)&req.Head +
					req.Head.msgh_size))->msgh_seqno;
		if (h->fault_inside)
			__asm__ volatile("ud2");
		decode(&req, s);
		memset(&rep, 0, sizeof(rep));
		rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		rep.Head.msgh_remote_port = req.Head.msgh_remote_port;
		rep.Head.msgh_id = req.Head.msgh_id + 100;
		rep.NDR = NDR_record;
		rep.RetCode = h->answer;
		rep.Head.msgh_size = sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4;
		if (s->complex)
			thread = req.id.thread.name;

		/* The thread is stopped: its state can be read and changed. */
		if (thread) {
			pid_for_task(req.id.task.name, &s->pid);
			machexc_thread_fault(thread, &s->tid, &s->stopped, &s->fault);
			n = x86_EXCEPTION_STATE64_COUNT;
			thread_get_state(thread, x86_EXCEPTION_STATE64, (thread_state_t)&s->es, &n);
			n = x86_THREAD_STATE64_COUNT;
			thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)&s->ts, &n);
		}
		if (h->answer == KERN_SUCCESS && s->count &&
		    (s->flavor == x86_THREAD_STATE64 || s->flavor == x86_THREAD_STATE)) {
			/* The reply's state wins over thread_set_state: change it. */
			ts = s->flavor == x86_THREAD_STATE64 ? &s->ts64 : &s->uts.uts.ts64;
			ts->__rip += h->move_rip;
			if (h->clear_tf)
				ts->__rflags &= ~0x100ULL;
		} else if (h->answer == KERN_SUCCESS && s->count && s->flavor == x86_FLOAT_STATE64) {
			x86_thread_state64_t t;

			if (h->set_xmm1)
				memcpy(&s->fs64.__fpu_xmm1, xmm_out, 16);
			/* The float flavor has no rip: move it with thread_set_state. */
			t = s->ts;
			t.__rip += h->move_rip;
			if (thread)
				thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&t,
						 x86_THREAD_STATE64_COUNT);
		} else if (h->answer == KERN_SUCCESS && thread && h->move_rip) {
			x86_thread_state64_t t = s->ts;

			t.__rip += h->move_rip;
			if (h->clear_tf)
				t.__rflags &= ~0x100ULL;
			thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&t,
					 x86_THREAD_STATE64_COUNT);
		}
		if (h->answer == KERN_SUCCESS && s->count) {
			rep.flavor = s->flavor;
			rep.new_stateCnt = (mach_msg_type_number_t)s->count;
			memcpy(rep.new_state, s->state, (size_t)s->count * 4);
			if (h->corrupt == BAD_FLAVOR)
				rep.flavor = 9999;
			else if (h->corrupt == BAD_COUNT)
				rep.new_stateCnt--;
			else if (h->corrupt == BAD_MXCSR)
				((x86_float_state64_t *)rep.new_state)->__fpu_mxcsr = 0xffffffffU;
			rep.Head.msgh_size += 8 + rep.new_stateCnt * 4;
			/* Only the first answer is broken; later ones fail. */
			if (h->corrupt || h->once)
				h->answer = KERN_FAILURE;
		}
		if (s->complex) {
			mach_port_deallocate(ME, req.id.thread.name);
			mach_port_deallocate(ME, req.id.task.name);
		}
		if (mach_msg(&rep.Head, MACH_SEND_MSG, rep.Head.msgh_size, 0, 0, 0, 0))
			return NULL;
		atomic_fetch_add(&h->count, 1);
	}
	return NULL;
}

static mach_port_t new_port(void)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

static void clear_task_ports(void)
{
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
}

/* The faults, each an instruction of known length. */
static void fault_maperr(void)
{
	long a = 8;

	__asm__ volatile("mov (%%rax), %%eax" : "+a"(a) :: "memory");	/* 2 bytes */
}

static volatile char *ro_page;

static void fault_accerr(void)
{
	__asm__ volatile("movb $1, (%%rax)" :: "a"(ro_page) : "memory");	/* 3 bytes */
}

static volatile char *bus_page;

static void fault_bus(void)
{
	long a = (long)bus_page;

	__asm__ volatile("mov (%%rax), %%eax" : "+a"(a) :: "memory");	/* 2 bytes */
}

static void fault_ill(void)
{
	__asm__ volatile("ud2");					/* 2 bytes */
}

static void fault_div(void)
{
	__asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; xor %%ecx, %%ecx; div %%ecx"
			 ::: "eax", "ecx", "edx");			/* div: 2 bytes */
}

static void fault_int3(void)
{
	__asm__ volatile("int3");		/* a trap: rip is already past it */
}

static void fault_step(void)
{
	/* Set TF: the instruction after popf runs, then the step trap. */
	__asm__ volatile("pushf; orq $0x100, (%%rsp); popf; nop" ::: "cc", "memory");
}

struct fault {
	const char *name;
	void (*fn)(void);
	int len;
	exception_type_t exception;
	int64_t code;
	volatile char **addr;		/* the subcode, or NULL for 0 */
	int64_t fixed_addr;
	int trapno;
	int signo, si_code;		/* what Linux would deliver */
};

static const struct fault faults[] = {
	{ "maperr", fault_maperr, 2, EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, NULL, 8, 14,
	  SIGSEGV, SEGV_MAPERR },
	{ "accerr", fault_accerr, 3, EXC_BAD_ACCESS, KERN_PROTECTION_FAILURE, &ro_page, 0, 14,
	  SIGSEGV, SEGV_ACCERR },
	{ "sigbus", fault_bus, 2, EXC_BAD_ACCESS, KERN_MEMORY_ERROR, &bus_page, 0, 14,
	  SIGBUS, BUS_ADRERR },
	{ "ud2", fault_ill, 2, EXC_BAD_INSTRUCTION, EXC_I386_INVOP, NULL, 0, 6,
	  SIGILL, ILL_ILLOPN },
	{ "div0", fault_div, 2, EXC_ARITHMETIC, EXC_I386_DIV, NULL, 0, 0, SIGFPE, FPE_INTDIV },
	{ "int3", fault_int3, 0, EXC_BREAKPOINT, EXC_I386_BPT, NULL, 0, 3, SIGTRAP, SI_KERNEL },
	{ "single_step", fault_step, 0, EXC_BREAKPOINT, EXC_I386_SGL, NULL, 0, 1,
	  SIGTRAP, TRAP_TRACE },
};

/* Each exception type, with macOS's codes and the exception state. */
TEST(each_exception_type)
{
	long page = sysconf(_SC_PAGESIZE);
	int memfd = memfd_create("bus", 0);
	unsigned int i;

	ASSERT_LE(0, memfd);
	ro_page = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bus_page = mmap(NULL, page, PROT_READ, MAP_SHARED, memfd, 0);	/* past EOF */
	ASSERT_NE(MAP_FAILED, ro_page);
	ASSERT_NE(MAP_FAILED, bus_page);

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		const struct fault *f = &faults[i];
		struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = f->len,
				     .clear_tf = f->fn == fault_step };
		int64_t addr = f->addr ? (int64_t)(uintptr_t)*f->addr : f->fixed_addr;
		pthread_t t;

		TH_LOG("%s", f->name);
		h.port = new_port();
		ASSERT_NE(MACH_PORT_NULL, h.port);
		ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, 1 << f->exception, h.port,
			  EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
		ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
		f->fn();
		pthread_join(t, NULL);
		EXPECT_EQ(1, h.count);
		EXPECT_EQ(2407, h.last.id);
		EXPECT_EQ(f->exception, h.last.exception);
		EXPECT_EQ(f->code, h.last.code[0]);
		EXPECT_EQ(addr, h.last.code[1]);
		EXPECT_EQ(f->trapno, h.last.es.__trapno);
		if (f->trapno == 14)
			EXPECT_EQ((uint64_t)addr, h.last.es.__faultvaddr);
		/* Who faulted, and the signal Linux would have delivered. */
		EXPECT_EQ(getpid(), h.last.pid);
		EXPECT_EQ(gettid(), h.last.tid);
		EXPECT_EQ(1, h.last.stopped);
		EXPECT_EQ(f->signo, h.last.fault.signo);
		EXPECT_EQ(f->si_code, h.last.fault.code);
		EXPECT_EQ(f->trapno, (int)h.last.fault.trapno);
		if (f->addr || f->fixed_addr)
			EXPECT_EQ((uint64_t)addr, h.last.fault.addr);
		/* thread_get_state saw the message's state (then moved past). */
		EXPECT_EQ(h.last.ts.__rip + (uint64_t)f->len, h.last.ts64.__rip);
		EXPECT_EQ(h.last.ts.__rsp, h.last.ts64.__rsp);
		clear_task_ports();
		mach_port_destroy(ME, h.port);
	}
	munmap((void *)ro_page, page);
	munmap((void *)bus_page, page);
	close(memfd);
}

/* Every behavior, with and without 64-bit codes: MIG's ids and sizes. */
TEST(behaviors_ids_and_layouts)
{
	static const struct {
		exception_behavior_t behavior;
		int id, size, complex, count;
	} b[] = {
		{ EXCEPTION_DEFAULT, 2401, 76, 1, 0 },
		{ EXCEPTION_STATE, 2402, 24 + 8 + 16 + 8 + 168, 0, 42 },
		{ EXCEPTION_STATE_IDENTITY, 2403, 52 + 8 + 16 + 8 + 168, 1, 42 },
		{ EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 2405, 84, 1, 0 },
		{ EXCEPTION_STATE | MACH_EXCEPTION_CODES, 2406, 24 + 8 + 24 + 8 + 168, 0, 42 },
		{ EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, 2407,
		  52 + 8 + 24 + 8 + 168, 1, 42 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		/* DEFAULT moves rip with thread_set_state; STATE has no thread port. */
		struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
		pthread_t t;

		TH_LOG("behavior %#x", b[i].behavior);
		h.port = new_port();
		ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, h.port,
			  b[i].behavior, x86_THREAD_STATE64));
		ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
		fault_maperr();
		pthread_join(t, NULL);
		EXPECT_EQ(1, h.count);
		EXPECT_EQ(b[i].id, h.last.id);
		EXPECT_EQ(b[i].size, h.last.size);
		EXPECT_EQ(b[i].complex, h.last.complex);
		EXPECT_EQ(EXC_BAD_ACCESS, h.last.exception);
		EXPECT_EQ(KERN_INVALID_ADDRESS, h.last.code[0]);
		EXPECT_EQ(8, h.last.code[1]);
		EXPECT_EQ(b[i].count, h.last.count);
		if (b[i].count)
			EXPECT_EQ(x86_THREAD_STATE64, h.last.flavor);
		clear_task_ports();
		mach_port_destroy(ME, h.port);
	}
}

/* A 64-bit subcode arrives whole with MACH_EXCEPTION_CODES, cut without. */
TEST(codes_32_and_64_bit)
{
	volatile char *high = mmap((void *)0x7f1200000000ULL, 4096, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	int wide;

	ASSERT_NE(MAP_FAILED, high);
	ro_page = high;
	for (wide = 0; wide < 2; wide++) {
		struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 3 };
		pthread_t t;

		h.port = new_port();
		ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, h.port,
			  EXCEPTION_STATE_IDENTITY | (wide ? MACH_EXCEPTION_CODES : 0),
			  x86_THREAD_STATE64));
		ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
		fault_accerr();
		pthread_join(t, NULL);
		EXPECT_EQ(wide ? 0x7f1200000000LL : 0, h.last.code[1]);
		clear_task_ports();
		mach_port_destroy(ME, h.port);
	}
	munmap((void *)high, 4096);
}

/* The unified flavors carry the x86_state_hdr. */
TEST(state_flavors)
{
	static const struct {
		int flavor, count;
	} f[] = {
		{ x86_THREAD_STATE64, 42 }, { x86_FLOAT_STATE64, 131 },
		{ x86_THREAD_STATE, 44 }, { x86_FLOAT_STATE, 133 },
	};	/* the exception flavors: success_with_a_rejected_state_... */
	unsigned int i;

	EXPECT_EQ(42, x86_THREAD_STATE64_COUNT);
	EXPECT_EQ(4, x86_EXCEPTION_STATE64_COUNT);
	EXPECT_EQ(131, x86_FLOAT_STATE64_COUNT);
	EXPECT_EQ(44, x86_THREAD_STATE_COUNT);
	EXPECT_EQ(6, x86_EXCEPTION_STATE_COUNT);
	EXPECT_EQ(133, x86_FLOAT_STATE_COUNT);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
		pthread_t t;

		TH_LOG("flavor %d", f[i].flavor);
		h.port = new_port();
		ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
			  h.port, EXCEPTION_STATE_IDENTITY, f[i].flavor));
		ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
		fault_ill();	/* the handler steps over it (thread_set_state) */
		pthread_join(t, NULL);
		EXPECT_EQ(1, h.count);
		EXPECT_EQ(f[i].flavor, h.last.flavor);
		EXPECT_EQ(f[i].count, h.last.count);
		if (f[i].flavor == x86_THREAD_STATE) {
			EXPECT_EQ(x86_THREAD_STATE64, (int)h.last.uts.tsh.flavor);
			EXPECT_EQ(42, (int)h.last.uts.tsh.count);
		}
		clear_task_ports();
		mach_port_destroy(ME, h.port);
	}
}

/* ud2 with @in in xmm0 and xmm1 cleared; xmm1 as resumed to @out. */
static void ud2_with_xmm0(const char in[16], char out[16])
{
	__asm__ volatile("movdqu %1, %%xmm0; pxor %%xmm1, %%xmm1; ud2; movdqu %%xmm1, %0"
			 : "=m"(*(char (*)[16])out) : "m"(*(const char (*)[16])in)
			 : "xmm0", "xmm1", "memory");
}

/* x86_FLOAT_STATE64: the handler reads xmm0 and sets xmm1. */
TEST(float_state_read_and_written)
{
	struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2,
			     .set_xmm1 = 1 };
	char out[16] = { 0 };
	pthread_t t;

	h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, h.port,
		  EXCEPTION_STATE_IDENTITY, x86_FLOAT_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	ud2_with_xmm0(xmm_in, out);
	pthread_join(t, NULL);
	ASSERT_EQ(1, h.count);
	ASSERT_EQ(x86_FLOAT_STATE64, h.last.flavor);
	EXPECT_EQ(0, memcmp(&h.last.fs64.__fpu_xmm0, xmm_in, 16));
	EXPECT_EQ(0, memcmp(out, xmm_out, 16));
	clear_task_ports();
	mach_port_destroy(ME, h.port);
}

/*
 * Each exception carries the state of its own fault: the second of two in
 * a row (raised in the work its process kept from the first) reads the
 * float registers afresh, and takes the handler's new ones again.
 */
TEST(a_second_exception_in_a_row_carries_its_own_float_state)
{
	static const char xmm_second[16] = "machexc-xmm0-2d";
	struct handler h = { .rounds = 2, .answer = KERN_SUCCESS, .move_rip = 2,
			     .set_xmm1 = 1 };
	char out[2][16] = { { 0 } };
	pthread_t t;

	h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, h.port,
		  EXCEPTION_STATE_IDENTITY, x86_FLOAT_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	ud2_with_xmm0(xmm_in, out[0]);
	ud2_with_xmm0(xmm_second, out[1]);
	pthread_join(t, NULL);
	ASSERT_EQ(2, h.count);
	ASSERT_EQ(x86_FLOAT_STATE64, h.last.flavor);
	EXPECT_EQ(0, memcmp(&h.last.fs64.__fpu_xmm0, xmm_second, 16));
	EXPECT_EQ(0, memcmp(out[0], xmm_out, 16));
	EXPECT_EQ(0, memcmp(out[1], xmm_out, 16));
	clear_task_ports();
	mach_port_destroy(ME, h.port);
}

/* thread_get_state on a thread that is not stopped; bad flavors and counts. */
TEST(thread_state_errors)
{
	mach_port_t self = mach_thread_self();
	natural_t buf[THREAD_STATE_MAX];
	mach_msg_type_number_t n = THREAD_STATE_MAX;

	struct machexc_thread_fault fault;
	int pid = 0, tid = 0, stopped = -1;

	ASSERT_NE(MACH_PORT_NULL, self);
	EXPECT_EQ(KERN_FAILURE, thread_get_state(self, x86_THREAD_STATE64, buf, &n));
	/* A running thread: its tid, no fault.  pid_for_task wants a task. */
	EXPECT_EQ(KERN_SUCCESS, machexc_thread_fault(self, &tid, &stopped, &fault));
	EXPECT_EQ(gettid(), tid);
	EXPECT_EQ(0, stopped);
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(ME, &pid));
	EXPECT_EQ(getpid(), pid);
	EXPECT_EQ(KERN_FAILURE, pid_for_task(self, &pid));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, machexc_thread_fault(ME, &tid, &stopped, &fault));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_get_state(ME, x86_THREAD_STATE64, buf, &n));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_get_state(0x1234, x86_THREAD_STATE64, buf,
							   &n));
	EXPECT_EQ(MIG_ARRAY_TOO_LARGE, thread_set_state(self, x86_THREAD_STATE64, buf,
							THREAD_STATE_MAX + 1));
	mach_port_deallocate(ME, self);
}

static void *bad_state_handler(void *arg)
{
	struct handler *h = arg;
	request_t req;
	union {
		natural_t buf[THREAD_STATE_MAX];
		x86_thread_state64_t ts;
	} u;
	natural_t *buf = u.buf;
	mach_msg_type_number_t n;
	mach_port_t th;
	reply_t rep;

	if (mach_msg(&req.Head, MACH_RCV_MSG, 0, sizeof(req), h->port, 0, 0))
		return NULL;
	th = req.id.thread.name;
	n = x86_THREAD_STATE64_COUNT - 1;	/* too small */
	h->last.id = thread_get_state(th, x86_THREAD_STATE64, buf, &n);
	n = THREAD_STATE_MAX;
	h->last.size = thread_get_state(th, 99, buf, &n);
	n = THREAD_STATE_MAX;
	thread_get_state(th, x86_EXCEPTION_STATE64, buf, &n);
	h->last.count = thread_set_state(th, x86_EXCEPTION_STATE64, buf, n);
	n = THREAD_STATE_MAX;
	thread_get_state(th, x86_THREAD_STATE64, buf, &n);
	h->last.flavor = thread_set_state(th, x86_THREAD_STATE64, buf, n - 1);
	u.ts.__rip += 2;
	h->last.exception = thread_set_state(th, x86_THREAD_STATE64, buf, n);
	memset(&rep, 0, sizeof(rep));
	rep.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	rep.Head.msgh_remote_port = req.Head.msgh_remote_port;
	rep.Head.msgh_id = req.Head.msgh_id + 100;
	rep.Head.msgh_size = sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4;
	rep.NDR = NDR_record;
	mach_msg(&rep.Head, MACH_SEND_MSG, rep.Head.msgh_size, 0, 0, 0, 0);
	atomic_fetch_add(&h->count, 1);
	return NULL;
}

TEST(thread_state_bad_arguments_while_stopped)
{
	struct handler h = { 0 };
	pthread_t t;

	h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, h.port,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	ASSERT_EQ(0, pthread_create(&t, NULL, bad_state_handler, &h));
	fault_ill();
	pthread_join(t, NULL);
	EXPECT_EQ(1, h.count);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, h.last.id);		/* count too small */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, h.last.size);		/* unknown flavor */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, h.last.count);		/* exception state: read only */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, h.last.flavor);	/* wrong count */
	EXPECT_EQ(KERN_SUCCESS, h.last.exception);
	clear_task_ports();
	mach_port_destroy(ME, h.port);
}

/* Thread level first; its KERN_FAILURE moves on to the task level. */
TEST(thread_before_task)
{
	struct handler th = { .rounds = 1, .answer = KERN_FAILURE };
	struct handler task = { .rounds = 2, .answer = KERN_SUCCESS, .move_rip = 2 };
	mach_port_t self = mach_thread_self();
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT;
	exception_handler_t ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	pthread_t t1, t2;
	int status;
	pid_t pid;

	th.port = new_port();
	task.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(self, EXC_MASK_BAD_INSTRUCTION,
			th.port, EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
			task.port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	ASSERT_EQ(KERN_SUCCESS, thread_get_exception_ports(self, EXC_MASK_BAD_INSTRUCTION,
			masks, &n, ports, behaviors, flavors));
	ASSERT_EQ(1, n);
	EXPECT_EQ(EXC_MASK_BAD_INSTRUCTION, masks[0]);
	EXPECT_EQ(th.port, ports[0]);
	EXPECT_EQ(EXCEPTION_DEFAULT, behaviors[0]);
	mach_port_deallocate(ME, ports[0]);
	/* Not our thread port: refused. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, thread_set_exception_ports(ME, EXC_MASK_ALL, th.port,
			EXCEPTION_DEFAULT, THREAD_STATE_NONE));

	ASSERT_EQ(0, pthread_create(&t1, NULL, handle, &th));
	ASSERT_EQ(0, pthread_create(&t2, NULL, handle, &task));
	fault_ill();
	pthread_join(t1, NULL);		/* the thread level saw it first */
	EXPECT_EQ(1, th.count);
	EXPECT_EQ(2401, th.last.id);

	/* A fork()ed child inherits the task level only. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fault_ill();	/* the parent's task handler steps over it */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pthread_join(t2, NULL);
	EXPECT_EQ(2, task.count);
	EXPECT_EQ(2403, task.last.id);

	thread_set_exception_ports(self, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				   THREAD_STATE_NONE);
	clear_task_ports();
	mach_port_destroy(ME, th.port);
	mach_port_destroy(ME, task.port);
	mach_port_deallocate(ME, self);
}

/* 8 threads fault at once into one handler thread. */
static void *fault_loop(void *arg)
{
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++)
		fault_ill();
	return NULL;
}

TEST(eight_threads_one_handler)
{
	int per = getenv("MACHEXC_DEBUG_LANE") ? 20 : 200, i;
	struct handler h = { .rounds = 8 * per, .answer = KERN_SUCCESS, .move_rip = 2 };
	pthread_t handler, t[8];

	h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, h.port,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
	ASSERT_EQ(0, pthread_create(&handler, NULL, handle, &h));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, fault_loop, &per));
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	pthread_join(handler, NULL);
	EXPECT_EQ(8 * per, h.count);
	clear_task_ports();
	mach_port_destroy(ME, h.port);
}

struct waiting_handler {
	struct handler h;
	atomic_int tid;
};

static void *handle_with_tid(void *arg)
{
	struct waiting_handler *w = arg;

	atomic_store(&w->tid, gettid());
	return handle(&w->h);
}

/* A handler already blocked in receive takes the message directly. */
TEST(fast_path_counter)
{
	struct waiting_handler w = { .h = { .rounds = 1, .answer = KERN_SUCCESS,
					    .move_rip = 2 } };
	struct machexc_stats a, b;
	mach_port_status_t st;
	mach_msg_type_number_t n;
	pthread_t t;
	int status;
	pid_t pid;

	w.h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
			w.h.port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, handle_with_tid, &w));
	while (!atomic_load(&w.tid) || thread_state_of(atomic_load(&w.tid)) != 'S')
		sched_yield();
	ASSERT_EQ(0, machexc_get_stats(&a));
	fault_ill();
	pthread_join(t, NULL);
	ASSERT_EQ(0, machexc_get_stats(&b));
	EXPECT_EQ(1, w.h.count);
	EXPECT_LE(a.exc_handoffs + 1, b.exc_handoffs);
	EXPECT_LE(a.exc_handled + 1, b.exc_handled);
	/* The request, at least, was handed as a message too. */
	EXPECT_LE(a.msg_handoffs + 1, b.msg_handoffs);

	/* Nobody waiting: the message is queued, a miss. */
	ASSERT_EQ(0, machexc_get_stats(&a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fault_ill();
		_exit(0);
	}
	do {
		n = MACH_PORT_RECEIVE_STATUS_COUNT;
		ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(ME, w.h.port,
				MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st, &n));
		if (!st.mps_msgcount)
			sched_yield();
	} while (!st.mps_msgcount);
	ASSERT_EQ(0, machexc_get_stats(&b));
	EXPECT_LE(a.exc_misses + 1, b.exc_misses);
	w.h.count = 0;
	handle(&w.h);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	clear_task_ports();
	mach_port_destroy(ME, w.h.port);
}

/*
 * A port's sequence numbers count the messages received from it: a
 * request handed straight to a handler blocked in receive and the next
 * one, which waited in the queue, get consecutive numbers; and so does
 * one handed after that.
 */
TEST(seqno_consecutive_across_handoff_and_queue)
{
	struct waiting_handler w = { .h = { .rounds = 1, .answer = KERN_SUCCESS,
					    .move_rip = 2, .want_seqno = 1 } };
	struct machexc_stats a, b;
	mach_port_status_t st;
	mach_msg_type_number_t n;
	mach_port_seqno_t first;
	pthread_t t;
	int status;
	pid_t pid;

	w.h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
			w.h.port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	/* Handed: the handler is asleep in receive. */
	ASSERT_EQ(0, pthread_create(&t, NULL, handle_with_tid, &w));
	while (!atomic_load(&w.tid) || thread_state_of(atomic_load(&w.tid)) != 'S')
		sched_yield();
	ASSERT_EQ(0, machexc_get_stats(&a));
	fault_ill();
	pthread_join(t, NULL);
	ASSERT_EQ(0, machexc_get_stats(&b));
	ASSERT_EQ(1, w.h.count);
	EXPECT_LE(a.exc_handoffs + 1, b.exc_handoffs);
	first = w.h.seqno[0];

	/* Queued: nobody receives until it is there. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fault_ill();
		_exit(0);
	}
	do {
		n = MACH_PORT_RECEIVE_STATUS_COUNT;
		ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(ME, w.h.port,
				MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st, &n));
		if (!st.mps_msgcount)
			sched_yield();
	} while (!st.mps_msgcount);
	handle(&w.h);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(first + 1, w.h.seqno[0]);

	/* Handed again. */
	atomic_store(&w.tid, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, handle_with_tid, &w));
	while (!atomic_load(&w.tid) || thread_state_of(atomic_load(&w.tid)) != 'S')
		sched_yield();
	fault_ill();
	pthread_join(t, NULL);
	EXPECT_EQ(first + 2, w.h.seqno[0]);
	clear_task_ports();
	mach_port_destroy(ME, w.h.port);
}

struct small_receiver {
	struct waiting_handler w;
	mach_msg_return_t small_mr;
	mach_msg_size_t needed;
};

/* Receive with a buffer too small (MACH_RCV_LARGE), then handle as usual. */
static void *receive_small_then_handle(void *arg)
{
	struct small_receiver *sr = arg;
	union {
		mach_msg_header_t head;
		char buf[sizeof(mach_msg_header_t) + 8];
	} small;

	atomic_store(&sr->w.tid, gettid());
	memset(&small, 0, sizeof(small));
	sr->small_mr = mach_msg(&small.head, MACH_RCV_MSG | MACH_RCV_LARGE, 0, sizeof(small),
				sr->w.h.port, 0, 0);
	sr->needed = small.head.msgh_size;
	return handle(&sr->w.h);
}

/*
 * A handler blocked in receive with no room for the request does not get
 * it handed: it is queued (a miss), the receive says MACH_RCV_TOO_LARGE
 * with the size needed, and a receive with room takes it from the queue.
 */
TEST(handoff_needs_room)
{
	struct small_receiver sr = { .w = { .h = { .rounds = 1, .answer = KERN_SUCCESS,
						   .move_rip = 2 } } };
	struct machexc_stats a, b;
	pthread_t t;

	sr.w.h.port = new_port();
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
			sr.w.h.port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, receive_small_then_handle, &sr));
	while (!atomic_load(&sr.w.tid) || thread_state_of(atomic_load(&sr.w.tid)) != 'S')
		sched_yield();
	ASSERT_EQ(0, machexc_get_stats(&a));
	fault_ill();
	pthread_join(t, NULL);
	ASSERT_EQ(0, machexc_get_stats(&b));
	EXPECT_EQ(MACH_RCV_TOO_LARGE, sr.small_mr);
	EXPECT_LT(sizeof(mach_msg_header_t) + 8, sr.needed);
	EXPECT_EQ(1, sr.w.h.count);
	EXPECT_EQ(a.exc_handoffs, b.exc_handoffs);
	EXPECT_LE(a.exc_misses + 1, b.exc_misses);
	EXPECT_LE(a.exc_handled + 1, b.exc_handled);
	clear_task_ports();
	mach_port_destroy(ME, sr.w.h.port);
}

/* ptrace sees the signal as ever: no ports, and after a KERN_FAILURE. */
TEST(ptrace_unchanged)
{
	int with_ports;

	for (with_ports = 0; with_ports < 2; with_ports++) {
		int status;
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct handler h = { .rounds = 1, .answer = KERN_FAILURE };
			pthread_t t;

			if (with_ports) {
				h.port = new_port();
				if (!h.port || task_set_exception_ports(ME, EXC_MASK_BREAKPOINT,
						h.port, EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
				    pthread_create(&t, NULL, handle, &h))
					_exit(1);
			}
			ptrace(PTRACE_TRACEME, 0, 0, 0);
			raise(SIGSTOP);
			fault_int3();
			if (with_ports)
				pthread_join(t, NULL);
			_exit(with_ports ? (h.count == 1 ? 7 : 8) : 7);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSTOPPED(status));
		EXPECT_EQ(SIGSTOP, WSTOPSIG(status));
		ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSTOPPED(status));
		EXPECT_EQ(SIGTRAP, WSTOPSIG(status));
		ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));	/* suppress it */
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(7, WEXITSTATUS(status));
	}
}

/* The host level: CAP_SYS_ADMIN, last in line, pid namespaces. */
TEST(host_level)
{
	struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	mach_port_t host = mach_host_self();
	int status, ready[2], go[2];
	pthread_t t;
	pid_t pid;
	char c;

	ASSERT_NE(MACH_PORT_NULL, host);
	ASSERT_EQ(0, geteuid());
	h.port = new_port();
	ASSERT_EQ(MACH_SEND_INVALID_DEST, host_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
			h.port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	ASSERT_EQ(KERN_SUCCESS, host_set_exception_ports(host, EXC_MASK_BAD_INSTRUCTION,
			h.port, EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));

	/* Without CAP_SYS_ADMIN: no access. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		exception_mask_t m[EXC_TYPES_COUNT];
		mach_msg_type_number_t n = EXC_TYPES_COUNT;
		exception_handler_t p[EXC_TYPES_COUNT];
		exception_behavior_t b[EXC_TYPES_COUNT];
		thread_state_flavor_t f[EXC_TYPES_COUNT];

		if (setresuid(65534, 65534, 65534))
			_exit(1);
		_exit(host_get_exception_ports(mach_host_self(), EXC_MASK_ALL, m, &n, p, b, f) ==
		      KERN_NO_ACCESS ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A process that never used machexc goes to the host handler. */
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fault_ill();
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	pthread_join(t, NULL);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(1, h.count);
	EXPECT_EQ(2403, h.last.id);

	/* One in a new pid namespace (below ours) is seen too. */
	h.count = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, handle, &h));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		inner = fork();
		if (inner == 0) {
			fault_ill();
			_exit(0);
		}
		_exit(waitpid(inner, &status, 0) == inner && WIFEXITED(status) ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	pthread_join(t, NULL);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(1, h.count);

	/* A host handler set inside a child pid namespace never sees us. */
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		inner = fork();
		if (inner == 0) {
			mach_port_t p = new_port();
			mach_port_status_t st;
			mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;

			if (host_set_exception_ports(mach_host_self(), EXC_MASK_ARITHMETIC, p,
						     EXCEPTION_DEFAULT, THREAD_STATE_NONE))
				_exit(3);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(4);
			mach_port_get_attributes(ME, p, MACH_PORT_RECEIVE_STATUS,
						 (mach_port_info_t)&st, &n);
			host_set_exception_ports(mach_host_self(), EXC_MASK_ALL, MACH_PORT_NULL,
						 EXCEPTION_DEFAULT, THREAD_STATE_NONE);
			_exit(st.mps_msgcount == 0 ? 0 : 5);
		}
		_exit(waitpid(inner, &status, 0) == inner && WIFEXITED(status) ?
		      WEXITSTATUS(status) : 2);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	{
		pid_t victim = fork();

		ASSERT_LE(0, victim);
		if (victim == 0) {
			fault_div();
			_exit(0);
		}
		ASSERT_EQ(victim, waitpid(victim, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGFPE);
	}
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	host_set_exception_ports(host, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, h.port);
	mach_port_deallocate(ME, host);
}

/* Root of a user namespace (a container's root) is not the host's root. */
TEST(host_level_needs_the_initial_user_namespace)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t host = mach_host_self(), p = new_port();

		if (!host || !p)
			_exit(1);
		if (unshare(CLONE_NEWUSER))
			_exit(2);
		/* Every capability in its own namespace, none in the first. */
		_exit(host_set_exception_ports(host, EXC_MASK_BAD_INSTRUCTION, p, EXCEPTION_DEFAULT,
					       THREAD_STATE_NONE) == KERN_NO_ACCESS ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

/*
 * Other signals neither end the wait nor lose the exception: the handler
 * signals the stopped child, then answers; the child resumes past the
 * fault, and its SIGUSR1 handler runs afterwards.
 */
TEST(other_signals_do_not_break_the_wait)
{
	mach_port_t port = new_port();
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, port,
			EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		signal(SIGUSR1, on_usr1);
		fault_ill();
		_exit(usr1_seen ? 0 : 3);
	}
	/* Peek that the request is there, signal the child, then answer. */
	do {
		mach_port_status_t st;
		mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;

		ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(ME, port,
				MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st, &n));
		if (st.mps_msgcount)
			break;
		sched_yield();
	} while (1);
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	handle(&h);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, h.count);
	clear_task_ports();
	mach_port_destroy(ME, port);
}

/* A dead exception port: the fault goes on to Linux's own delivery. */
TEST(dead_port_falls_through)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t p = new_port();

		if (!p || task_set_exception_ports(ME, EXC_MASK_ARITHMETIC, p, EXCEPTION_DEFAULT,
						   THREAD_STATE_NONE) ||
		    mach_port_mod_refs(ME, p, MACH_PORT_RIGHT_RECEIVE, -1))
			_exit(1);
		fault_div();
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGFPE, WTERMSIG(status));
}

/* In the exec'd program: 0 if BAD_INSTRUCTION still has a handler. */
static int exec_probe(void)
{
	exception_mask_t m[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT;
	exception_handler_t p[EXC_TYPES_COUNT];
	exception_behavior_t b[EXC_TYPES_COUNT];
	thread_state_flavor_t f[EXC_TYPES_COUNT];

	if (task_get_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, m, &n, p, b, f))
		return 2;
	return n == 1 && p[0] != MACH_PORT_NULL ? 0 : 1;
}

/* Copy of ourselves at @path with @mode, owned by root. */
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

/* Exec as an unprivileged user: @path's exit status. */
static int exec_as_nobody(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		mach_port_t p = new_port();

		if (!p || task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, p,
						   EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
		    setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		execl(path, path, "--exec-probe", (char *)NULL);
		_exit(11);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A setuid exec drops the exception ports; a plain exec keeps them. */
TEST(setuid_exec_resets_ports)
{
	ASSERT_EQ(0, copy_self("/tmp/machexc-plain", 0755));
	ASSERT_EQ(0, copy_self("/tmp/machexc-setuid", 04755));
	EXPECT_EQ(0, exec_as_nobody("/tmp/machexc-plain"));
	EXPECT_EQ(1, exec_as_nobody("/tmp/machexc-setuid"));
	unlink("/tmp/machexc-plain");
	unlink("/tmp/machexc-setuid");
}

/*
 * An ELF whose one PT_LOAD lies in kernel space: execve() gets past its
 * point of no return (the old program is gone, new credentials would be
 * in force) and then fails, and the kernel kills the process with
 * SIGSEGV.  No handler may see that as an exception and resume it.
 */
static int write_bad_elf(const char *path)
{
	unsigned char elf[64 + 56] = {
		0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */, 1 /* version */,
	};
	uint16_t *h16 = (uint16_t *)elf;
	uint32_t *ph32 = (uint32_t *)(elf + 64);
	uint64_t *ph64 = (uint64_t *)(elf + 64);
	uint64_t *h64 = (uint64_t *)elf;
	int fd, ok;

	h16[8] = 2;			/* e_type ET_EXEC */
	h16[9] = 62;			/* e_machine EM_X86_64 */
	elf[20] = 1;			/* e_version */
	h64[3] = 0xffff800000001000ULL;	/* e_entry */
	h64[4] = 64;			/* e_phoff */
	h16[26] = 64;			/* e_ehsize */
	h16[27] = 56;			/* e_phentsize */
	h16[28] = 1;			/* e_phnum */
	ph32[0] = 1;			/* p_type PT_LOAD */
	ph32[1] = 5;			/* p_flags R+X */
	ph64[2] = 0xffff800000000000ULL;	/* p_vaddr */
	ph64[3] = 0xffff800000000000ULL;	/* p_paddr */
	ph64[5] = 0x1000;		/* p_memsz (p_filesz 0) */
	ph64[6] = 0x1000;		/* p_align */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (fd < 0)
		return -1;
	ok = write(fd, elf, sizeof(elf)) == sizeof(elf);
	return close(fd) || !ok ? -1 : 0;
}

TEST(failed_exec_is_not_an_exception)
{
	const char *path = "/tmp/machexc-bad-elf";
	mach_port_t port = new_port();
	int status, raised = 0;
	request_t req;
	pid_t pid;

	ASSERT_EQ(0, write_bad_elf(path));
	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, port,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(1);	/* failed before the point of no return */
	}
	clear_task_ports();
	/* Until the child is gone: any request that comes is a failure. */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		memset(&req.Head, 0, sizeof(req.Head));
		if (mach_msg(&req.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(req), port,
			     10, 0) == MACH_MSG_SUCCESS) {
			raised++;
			mach_msg_destroy(&req.Head);	/* no answer: falls through */
		}
	}
	EXPECT_EQ(0, raised);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	mach_port_destroy(ME, port);
	unlink(path);
}

/* A handler thread that faults itself: the process hangs, killably. */
TEST(handler_faults_itself)
{
	struct machexc_stats a, b;
	int status;
	pid_t pid;

	ASSERT_EQ(0, machexc_get_stats(&a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct handler h = { .rounds = 1, .answer = KERN_SUCCESS, .fault_inside = 1 };
		pthread_t t;

		h.port = new_port();
		if (!h.port || task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, h.port,
							EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
		    pthread_create(&t, NULL, handle, &h))
			_exit(1);
		fault_ill();
		_exit(2);
	}
	/* Both exceptions raised (the second nobody will receive)... */
	do {
		ASSERT_EQ(0, machexc_get_stats(&b));
		if (b.exc_raised < a.exc_raised + 2)
			sched_yield();
	} while (b.exc_raised < a.exc_raised + 2);
	/* ...and SIGKILL still ends it. */
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

/*
 * A KERN_SUCCESS reply whose new state the thread cannot take (a flavor
 * or count that does not fit, MXCSR bits the CPU lacks) is a failure, as
 * in XNU: the exception goes on to the next level, and the thread is not
 * resumed as if handled.  In a child: @c's status, 0 when it held.
 */
static int rejected_state_child(enum corrupt c, thread_state_flavor_t flavor, int count)
{
	struct handler th = { .rounds = 2, .answer = KERN_SUCCESS, .corrupt = c, .once = 1 };
	struct handler task = { .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	mach_port_t self = mach_thread_self();
	pthread_t t1, t2;
	int i;

	th.port = new_port();
	task.port = new_port();
	if (!th.port || !task.port ||
	    thread_set_exception_ports(self, EXC_MASK_BAD_INSTRUCTION, th.port,
				       EXCEPTION_STATE, flavor) ||
	    task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, task.port,
				     EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64) ||
	    pthread_create(&t1, NULL, handle, &th) || pthread_create(&t2, NULL, handle, &task))
		return 1;
	fault_ill();
	pthread_join(t2, NULL);
	/*
	 * One answer from each level: the thread level's was not taken.  Its
	 * handler counts an answer only after sending it, so the count may
	 * still lag: wait for it, boundedly.
	 */
	for (i = 0; i < 100000 && atomic_load(&th.count) < 1; i++)
		sched_yield();
	if (th.count != 1)
		return 2;
	if (th.last.flavor != flavor || th.last.count != count)
		return 4;
	if (flavor == x86_EXCEPTION_STATE64 && th.last.es64.__trapno != 6)
		return 5;
	return task.count == 1 ? 0 : 3;
}

TEST(success_with_a_rejected_state_moves_to_the_next_level)
{
	static const struct {
		const char *name;
		enum corrupt c;
		thread_state_flavor_t flavor;
		int count;
	} cases[] = {
		{ "bad flavor", BAD_FLAVOR, x86_THREAD_STATE64, 42 },
		{ "bad count", BAD_COUNT, x86_THREAD_STATE64, 42 },
		{ "bad mxcsr", BAD_MXCSR, x86_FLOAT_STATE64, 131 },
		/* Read only, as XNU's thread_set_state: an echo is refused too. */
		{ "exception state 64", STATE_OK, x86_EXCEPTION_STATE64, 4 },
		{ "exception state", STATE_OK, x86_EXCEPTION_STATE, 6 },
	};
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TH_LOG("%s", cases[i].name);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(rejected_state_child(cases[i].c, cases[i].flavor, cases[i].count));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
}

static volatile sig_atomic_t forged_code;

static void on_forged(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	forged_code = si->si_code;
}

enum forgery { TGSIGQUEUEINFO, SIGQUEUEINFO, PIDFD_SEND_SIGNAL };

/*
 * A process that sends itself a fault signal with a fault's si_code gets
 * that signal, as without the module, and never an exception: task and
 * host handlers (a root crash reporter) see only faults the kernel raised.
 */
static int forged_child(enum forgery how)
{
	struct handler h = { .rounds = 1, .answer = KERN_FAILURE };
	struct sigaction sa = { .sa_sigaction = on_forged, .sa_flags = SA_SIGINFO };
	struct machexc_stats a, b;
	siginfo_t si;
	int pfd;
	pthread_t t;

	sigset_t segv;

	/* The handler thread never takes the signal: this one checks it. */
	sigemptyset(&segv);
	sigaddset(&segv, SIGSEGV);
	h.port = new_port();
	if (!h.port || task_set_exception_ports(ME, EXC_MASK_BAD_ACCESS, h.port,
						EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
	    pthread_sigmask(SIG_BLOCK, &segv, NULL) || pthread_create(&t, NULL, handle, &h) ||
	    pthread_sigmask(SIG_UNBLOCK, &segv, NULL) || sigaction(SIGSEGV, &sa, NULL) ||
	    machexc_get_stats(&a))
		return 1;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_code = SEGV_MAPERR;
	si.si_addr = (void *)0x1234;
	switch (how) {
	case TGSIGQUEUEINFO:
		syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGSEGV, &si);
		break;
	case SIGQUEUEINFO:
		syscall(SYS_rt_sigqueueinfo, getpid(), SIGSEGV, &si);
		break;
	case PIDFD_SEND_SIGNAL:
		pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (pfd < 0 || syscall(SYS_pidfd_send_signal, pfd, SIGSEGV, &si, 0))
			return 2;
		break;
	}
	if (forged_code != SEGV_MAPERR)
		return 3;		/* delivered, as sent */
	if (machexc_get_stats(&b))
		return 4;
	return b.exc_raised == a.exc_raised && h.count == 0 ? 0 : 5;
}

TEST(self_sent_fault_signals_are_not_exceptions)
{
	static const struct { const char *name; enum forgery how; } cases[] = {
		{ "rt_tgsigqueueinfo", TGSIGQUEUEINFO }, { "rt_sigqueueinfo", SIGQUEUEINFO },
		{ "pidfd_send_signal", PIDFD_SEND_SIGNAL },
	};
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TH_LOG("%s", cases[i].name);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(forged_child(cases[i].how));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
}

static void on_sigill(int sig)
{
	(void)sig;
}

/*
 * The kernel resets a blocked or ignored fault signal to SIG_DFL, and
 * unblocks it, before anyone sees the fault: an exception that a handler
 * resolves puts both back, so the process's disposition and mask are as
 * they were, as if it had never faulted.  In a child: 0 when it held.
 */
static int disposition_child(void)
{
	struct handler h = { .rounds = 2, .answer = KERN_SUCCESS, .move_rip = 2 };
	struct handler bp = { .rounds = 1, .answer = KERN_SUCCESS };
	struct sigaction sa = { .sa_handler = SIG_IGN }, now;
	sigset_t ill, mask;
	pthread_t t, t2;

	h.port = new_port();
	bp.port = new_port();
	if (!h.port || !bp.port ||
	    task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, h.port,
				     EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64) ||
	    task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, bp.port, EXCEPTION_DEFAULT,
				     THREAD_STATE_NONE) ||
	    pthread_create(&t, NULL, handle, &h) || pthread_create(&t2, NULL, handle, &bp))
		return 1;
	/* A trap the kernel raises with force_sig() (SI_KERNEL), ignored. */
	if (sigaction(SIGTRAP, &sa, NULL))
		return 1;
	fault_int3();
	if (sigaction(SIGTRAP, NULL, &now) || now.sa_handler != SIG_IGN)
		return 6;
	pthread_join(t2, NULL);
	/* Ignored. */
	if (sigaction(SIGILL, &sa, NULL))
		return 1;
	fault_ill();
	if (sigaction(SIGILL, NULL, &now) || now.sa_handler != SIG_IGN)
		return 2;
	/* Blocked, with a handler. */
	sa.sa_handler = on_sigill;
	sigemptyset(&ill);
	sigaddset(&ill, SIGILL);
	if (sigaction(SIGILL, &sa, NULL) || sigprocmask(SIG_BLOCK, &ill, NULL))
		return 1;
	fault_ill();
	if (sigprocmask(SIG_SETMASK, NULL, &mask) || !sigismember(&mask, SIGILL))
		return 3;
	if (sigaction(SIGILL, NULL, &now) || now.sa_handler != on_sigill)
		return 4;
	pthread_join(t, NULL);
	return h.count == 2 ? 0 : 5;
}

TEST(a_resolved_exception_leaves_the_signal_disposition_and_mask_as_they_were)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(disposition_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static void *fault_ill_thread(void *arg)
{
	(void)arg;
	fault_ill();	/* nobody answers: it waits until exec kills it */
	return NULL;
}

/*
 * One thread waits for a handler that never answers while another calls
 * execve(): exec kills the waiting thread, as it kills every other thread,
 * and the new program runs, with the task's exception ports kept.
 */
TEST(exec_in_another_thread_ends_a_wait_for_the_handler)
{
	struct machexc_stats a;
	int status;
	pid_t pid;

	ASSERT_EQ(0, machexc_get_stats(&a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t p = new_port();
		struct machexc_stats b;
		pthread_t t;
		int i;

		if (!p || task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, p,
						   EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
		    pthread_create(&t, NULL, fault_ill_thread, NULL))
			_exit(10);
		for (i = 0; i < 15000; i++) {	/* bounded: until it waits */
			if (machexc_get_stats(&b) || b.exc_raised > a.exc_raised)
				break;
			usleep(1000);
		}
		execl("/proc/self/exe", "exc_deliver_test", "--exec-probe", (char *)NULL);
		_exit(11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

static void read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * Job control and the cgroup v2 freezer.  A thread waiting for its handler
 * holds every signal but SIGKILL and SIGSTOP, and still stops with its
 * process: SIGSTOP stops every thread ('T'), the parent's waitpid()
 * reports it, SIGCONT lets the thread wait again, and the handler's reply
 * then resumes it where the handler said.  Nothing is timed: every wait
 * polls, at most 15000 times 1 ms apart.
 */

/* Is every thread of @pid in state @c? */
static int all_threads(pid_t pid, char c)
{
	char path[64];
	struct dirent *d;
	int n = 0, ok = 1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		n++;
		if (proc_state_of(pid, atoi(d->d_name)) != c)
			ok = 0;
	}
	closedir(dir);
	return ok && n;
}

static int queued(mach_port_t port)
{
	mach_port_status_t st;
	mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;

	return !mach_port_get_attributes(ME, port, MACH_PORT_RECEIVE_STATUS,
					 (mach_port_info_t)&st, &n) && st.mps_msgcount;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * A child of two threads: one idles, the main one faults (ud2) and waits
 * for the handler on @port; resumed 2 bytes on, it exits 0.  Returns once
 * the request is queued and the faulting thread sleeps, or -1.
 */
static pid_t fault_waiting_child(mach_port_t port)
{
	pthread_t t;
	pid_t pid;

	if (task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, port,
				     EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (pthread_create(&t, NULL, idle_thread, NULL))
			_exit(10);
		fault_ill();
		_exit(0);
	}
	clear_task_ports();
	if (pid < 0 || !poll_until(queued(port) && proc_state_of(pid, pid) == 'S'))
		return -1;
	return pid;
}

/* SIGSTOP, and the stop reported to the parent with every thread stopped. */
static int stop_child(pid_t pid)
{
	int status;

	if (kill(pid, SIGSTOP) || waitpid(pid, &status, WUNTRACED) != pid ||
	    !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		return -1;
	return poll_until(all_threads(pid, 'T')) ? 0 : -1;
}

/*
 * A thread waiting for its handler holds no lock and is frozen where it
 * waits: a handler that never answers does not block suspend (here the
 * freezer stage of a suspend to idle, /sys/power/pm_test), hibernation or
 * the cgroup v1 freezer.  After the thaw it waits again; SIGKILL still
 * ends the wait.
 */
TEST(a_thread_waiting_for_its_handler_can_be_frozen)
{
	mach_port_t port = new_port();
	char states[128], timeout[32];
	int status, err;
	pid_t pid;

	read_file("/sys/power/state", states, sizeof(states));
	if (!strstr(states, "freeze") || access("/sys/power/pm_test", W_OK))
		SKIP(return, "no suspend to idle or no pm_test in this kernel");
	read_file("/sys/power/pm_freeze_timeout", timeout, sizeof(timeout));
	pid = fault_waiting_child(port);	/* nobody receives on port */
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, write_file("/sys/power/pm_test", "freezer"));
	write_file("/sys/module/suspend/parameters/pm_test_delay", "0");
	write_file("/sys/power/pm_freeze_timeout", "3000");
	err = write_file("/sys/power/state", "freeze");
	write_file("/sys/power/pm_test", "none");
	write_file("/sys/power/pm_freeze_timeout", timeout);
	EXPECT_EQ(0, err);
	/* Still waiting: alive, its request unanswered, asleep once thawed. */
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	EXPECT_TRUE(queued(port));
	EXPECT_TRUE(poll_until(proc_state_of(pid, pid) == 'S'));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	mach_port_destroy(ME, port);
}

TEST(sigstop_stops_a_thread_waiting_for_its_handler)
{
	mach_port_t port = new_port();
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;
	pid_t pid;

	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, stop_child(pid));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, WCONTINUED));
	EXPECT_TRUE(WIFCONTINUED(status));
	/* Back in its wait, the exception still queued for the handler. */
	EXPECT_TRUE(poll_until(proc_state_of(pid, pid) == 'S'));
	EXPECT_TRUE(queued(port));
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	handle(&h);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, h.count);
	EXPECT_EQ(EXC_BAD_INSTRUCTION, h.last.exception);
	EXPECT_EQ(h.last.ts.__rip + 2, h.last.ts64.__rip);	/* the reply moved it */
	mach_port_destroy(ME, port);
}

/*
 * The handler answers while the process is stopped: the thread stays
 * stopped, with its state readable and settable meanwhile, and resumes as
 * the handler said once SIGCONT comes.
 */
TEST(a_reply_while_stopped_resumes_the_thread_after_sigcont)
{
	mach_port_t port = new_port();
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;
	pid_t pid;

	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, stop_child(pid));
	handle(&h);
	EXPECT_EQ(1, h.count);
	EXPECT_EQ(1, h.last.stopped);
	EXPECT_EQ(pid, h.last.pid);
	/* A stopped thread leaves its stop only for SIGCONT or SIGKILL. */
	EXPECT_TRUE(all_threads(pid, 'T'));
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mach_port_destroy(ME, port);
}

TEST(sigkill_ends_a_wait_stopped_by_sigstop)
{
	mach_port_t port = new_port();
	int status;
	pid_t pid;

	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, stop_child(pid));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	mach_port_destroy(ME, port);
}

/*
 * The kprobes a stoppable wait needs (kprobes.h) come and go with the
 * waits.  A waiting child stopped, continued, and its exception handled.
 */
static int stop_continue_handle(pid_t pid, mach_port_t port)
{
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;

	if (stop_child(pid) || kill(pid, SIGCONT) ||
	    waitpid(pid, &status, WCONTINUED) != pid || !WIFCONTINUED(status) ||
	    !poll_until(proc_state_of(pid, pid) == 'S'))
		return -1;
	handle(&h);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    h.count != 1)
		return -1;
	return 0;
}

/*
 * The kprobes are out while nobody waits; a wait that begins then arms
 * them before it sleeps, and still stops for SIGSTOP.  Out again after.
 */
TEST(a_wait_begun_with_the_signal_kprobes_out_still_stops)
{
	mach_port_t port = new_port();
	char linger[32] = "1000";
	pid_t pid;

	if (signal_kprobes() < 0)
		SKIP(return, "no kprobes list in debugfs");
	get_linger(linger, sizeof(linger));
	ASSERT_EQ(0, set_linger("0"));
	EXPECT_TRUE(poll_until(signal_kprobes() == 0));
	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	EXPECT_EQ(2, signal_kprobes());
	EXPECT_EQ(0, stop_continue_handle(pid, port));
	EXPECT_TRUE(poll_until(signal_kprobes() == 0));
	set_linger(linger);
	mach_port_destroy(ME, port);
}

/* Within kprobe_linger_ms of a wait's end they stay in. */
TEST(the_signal_kprobes_linger_after_a_wait)
{
	mach_port_t port = new_port();
	char linger[32] = "1000";
	pid_t pid;

	if (signal_kprobes() < 0)
		SKIP(return, "no kprobes list in debugfs");
	get_linger(linger, sizeof(linger));
	ASSERT_EQ(0, set_linger("3600000"));
	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, stop_continue_handle(pid, port));
	EXPECT_EQ(2, signal_kprobes());
	/* Lowered: the pending removal goes by the new figure. */
	ASSERT_EQ(0, set_linger("0"));
	pid = fault_waiting_child(port);	/* its end queues the removal */
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, stop_continue_handle(pid, port));
	EXPECT_TRUE(poll_until(signal_kprobes() == 0));
	set_linger(linger);
	mach_port_destroy(ME, port);
}

/* A process that raises and handles breakpoints as fast as it can. */
static pid_t busy_faulting_child(void)
{
	struct handler h = { .rounds = 1 << 30, .answer = KERN_SUCCESS };
	pthread_t t;
	pid_t pid = fork();

	if (pid)
		return pid;
	h.port = new_port();
	if (!h.port || task_set_exception_ports(ME, EXC_MASK_BREAKPOINT, h.port,
						EXCEPTION_DEFAULT, THREAD_STATE_NONE) ||
	    pthread_create(&t, NULL, handle, &h))
		_exit(1);
	for (;;)
		fault_int3();
}

/*
 * With no linger, every wait's end queues the kprobes' removal, which
 * races with the next wait's beginning, while another process's
 * exceptions begin and end waits all the time: every wait still stops.
 */
TEST(waits_stop_while_the_signal_kprobes_come_and_go)
{
	int rounds = 5, i, status;	/* each round patches text twice: see README */
	mach_port_t port = new_port();
	char linger[32] = "1000";
	pid_t busy, pid;

	if (signal_kprobes() < 0)
		SKIP(return, "no kprobes list in debugfs");
	get_linger(linger, sizeof(linger));
	ASSERT_EQ(0, set_linger("0"));
	busy = busy_faulting_child();
	ASSERT_LT(0, busy);
	for (i = 0; i < rounds; i++) {
		pid = fault_waiting_child(port);
		ASSERT_LT(0, pid);
		ASSERT_EQ(0, stop_continue_handle(pid, port)) TH_LOG("round %d", i);
	}
	EXPECT_EQ(0, waitpid(busy, &status, WNOHANG));	/* still at it */
	kill(busy, SIGKILL);
	waitpid(busy, &status, 0);
	set_linger(linger);
	mach_port_destroy(ME, port);
}

static volatile unsigned long usr_rip[2];
static volatile sig_atomic_t usr_runs;

static void on_usr(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	usr_rip[sig == SIGUSR2] = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
	usr_runs++;
}

/* ud2 at a known place; *@after is the instruction after it. */
static void fault_ill_at(unsigned long *after)
{
	unsigned long a;

	__asm__ volatile("lea 1f(%%rip), %0\n\tud2\n1:" : "=r"(a) :: "memory");
	*after = a;
}

/*
 * Signals sent to a thread waiting for its handler (to the process, and
 * to the thread itself), and a stop in between, are held: their handlers
 * run once the handler's answer resumed the thread, on top of the state
 * it resumed with (past the ud2), never on top of the stopped fault.
 */
TEST(signals_for_a_waiting_thread_run_only_once_it_resumes)
{
	mach_port_t port = new_port();
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;
	pid_t pid;

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, port,
			EXCEPTION_STATE_IDENTITY, x86_THREAD_STATE64));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sigaction sa = { .sa_sigaction = on_usr, .sa_flags = SA_SIGINFO };
		unsigned long after = 0;

		/* One after the other, each on top of the resumed thread. */
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGUSR1);
		sigaddset(&sa.sa_mask, SIGUSR2);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
		fault_ill_at(&after);
		if (usr_runs != 2)
			_exit(3);
		_exit(usr_rip[0] == after && usr_rip[1] == after ? 0 : 4);
	}
	clear_task_ports();
	ASSERT_TRUE(poll_until(queued(port) && proc_state_of(pid, pid) == 'S'));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(0, syscall(SYS_tgkill, pid, pid, SIGUSR2));
	ASSERT_EQ(0, stop_child(pid));
	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(pid, waitpid(pid, &status, WCONTINUED));
	EXPECT_TRUE(poll_until(proc_state_of(pid, pid) == 'S'));
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));	/* held, not delivered */
	handle(&h);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mach_port_destroy(ME, port);
}

/* The cgroup and the child of a freezer test, gone in the teardown. */
FIXTURE(freezer) {
	struct cg2 cg;
	pid_t pid;
};

FIXTURE_SETUP(freezer)
{
	self->pid = 0;
}

FIXTURE_TEARDOWN(freezer)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	cg2_remove(&self->cg);
}

/*
 * The cgroup v2 freezer freezes a process whose thread waits for its
 * handler: cgroup.events says "frozen 1"; thawed, the thread waits on, and
 * the handler's reply resumes it.
 */
TEST_F(freezer, the_cgroup_v2_freezer_freezes_a_thread_waiting_for_its_handler)
{
	mach_port_t port = new_port();
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;
	pid_t pid;

	if (cg2_make(&self->cg, "machexc-freeze"))
		SKIP(return, "no cgroup v2 here");
	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	self->pid = pid;
	ASSERT_EQ(0, cg2_enter(&self->cg, pid));
	ASSERT_EQ(0, cg2_freeze(&self->cg, 1));
	EXPECT_TRUE(poll_until(cg2_frozen(&self->cg, 1)));
	ASSERT_EQ(0, cg2_freeze(&self->cg, 0));
	EXPECT_TRUE(poll_until(cg2_frozen(&self->cg, 0)));
	EXPECT_TRUE(poll_until(proc_state_of(pid, pid) == 'S'));
	EXPECT_TRUE(queued(port));
	handle(&h);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	self->pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, cg2_remove(&self->cg));
	mach_port_destroy(ME, port);
}

/*
 * A tracer's PTRACE_INTERRUPT stops a traced thread that waits for its
 * handler (a ptrace stop); PTRACE_CONT lets it wait on, and the handler's
 * reply resumes it.
 */
TEST(ptrace_interrupt_stops_a_thread_waiting_for_its_handler)
{
	mach_port_t port = new_port();
	struct handler h = { .port = port, .rounds = 1, .answer = KERN_SUCCESS, .move_rip = 2 };
	int status;
	pid_t pid;

	pid = fault_waiting_child(port);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(PTRACE_EVENT_STOP, status >> 16);
	EXPECT_EQ('t', proc_state_of(pid, pid));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, 0, 0));
	EXPECT_TRUE(poll_until(proc_state_of(pid, pid) == 'S'));
	handle(&h);
	ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	mach_port_destroy(ME, port);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec-probe"))
		return exec_probe();
	return test_harness_run(argc, argv);
}
