// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's exception and task generators: exception ports at the
 * thread, task and host levels (often pointing at ports nobody serves),
 * threads that fault (null and PROT_NONE accesses, a general protection
 * fault, int3, ud2, a division by zero, single steps, hardware breakpoints
 * and watchpoints, a forged signal), threads and calls that handle the
 * exceptions (raw replies of every kind, libmachexc's MIG servers), and
 * the task and thread calls on this process and on others.
 *
 * A faulting thread comes back to its loop whichever way the exception
 * ends: its signal handler (the signal was delivered) or a handler that
 * answered KERN_SUCCESS with the thread's rip moved to fz_resume_point
 * (the binary is static and not PIE: the address is the same in every
 * fuzz process) both siglongjmp to the thread's fz_jb.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>
#include <mach/exc.h>
#include <mach/mach_exc.h>

#include "fuzz.h"

#define R (&c->rng)

_Thread_local sigjmp_buf *fz_jb;
/* The generator the catch_* routines draw from (the handling thread's). */
static _Thread_local struct fz_rng *catch_rng;

static long port_op(int fd, struct machexc_port_op *op)
{
	return ioctl(fd, MACHEXC_IOC_PORT, op);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (fz_jb)
		siglongjmp(*fz_jb, 1);
	_exit(128 + sig);
}

/* Where a handler that answers KERN_SUCCESS sends a faulting thread. */
__attribute__((noinline, noreturn)) void fz_resume_point(void)
{
	if (fz_jb)
		siglongjmp(*fz_jb, 2);
	_exit(4);
}

/* What hardware breakpoints and watchpoints are set on. */
__attribute__((noinline)) static void bp_target(void)
{
	__asm__ volatile("" ::: "memory");
}

static volatile long watched;

static void altstack(void *p, size_t size)
{
	stack_t ss = { .ss_sp = p, .ss_size = size };

	sigaltstack(&ss, NULL);
}

static void no_altstack(void)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	sigaltstack(&ss, NULL);
}

void fz_exc_setup(struct fz_ctx *c)
{
	static char main_altstack[32768] __attribute__((aligned(16)));
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER };
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	altstack(main_altstack, sizeof(main_altstack));
	if (!c->guard) {
		c->guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c->guard == MAP_FAILED)
			c->guard = NULL;
	}
}

/* A state that resumes in fz_resume_point, on an aligned stack below the red zone. */
static void resume_at_point(x86_thread_state64_t *ts)
{
	ts->__rip = (uint64_t)(uintptr_t)fz_resume_point;
	ts->__rsp = ((ts->__rsp - 512) & ~15ULL) - 8;
	ts->__rflags &= ~0x100ULL;	/* no single step */
}

/* --- choices --- */

uint32_t fz_exc_mask(struct fz_rng *r)
{
	const uint32_t faults = EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION |
				EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT;

	switch (fz_below(r, 8)) {
	case 0:
		return EXC_MASK_ALL;
	case 1:
		return fz_choose(r, EXC_MASK_BAD_ACCESS, EXC_MASK_BAD_INSTRUCTION,
				 EXC_MASK_ARITHMETIC, EXC_MASK_BREAKPOINT);
	case 2:
		return (uint32_t)fz_next(r);	/* bits that are no exception */
	case 3:
		return 0;
	case 4:
		return faults & (uint32_t)fz_next(r);
	default:
		return faults;
	}
}

uint32_t fz_exc_behavior(struct fz_rng *r)
{
	if (fz_one_in(r, 16))
		return fz_choose(r, 0, 4, 5, EXCEPTION_STATE | MACH_EXCEPTION_ERRORS,
				 (uint32_t)fz_next(r));
	return fz_choose(r, EXCEPTION_DEFAULT, EXCEPTION_STATE, EXCEPTION_STATE_IDENTITY) |
	       (fz_one_in(r, 2) ? MACH_EXCEPTION_CODES : 0);
}

static uint32_t state_flavor(struct fz_rng *r)
{
	if (fz_one_in(r, 16))
		return fz_below(r, 40);
	return fz_choose(r, x86_THREAD_STATE64, x86_THREAD_STATE64, x86_THREAD_STATE64,
			 x86_FLOAT_STATE64, x86_EXCEPTION_STATE64, x86_THREAD_STATE,
			 x86_FLOAT_STATE, x86_EXCEPTION_STATE, x86_DEBUG_STATE64,
			 x86_DEBUG_STATE, x86_AVX_STATE64, x86_AVX_STATE, x86_AVX512_STATE64,
			 x86_AVX512_STATE, x86_THREAD_STATE32);
}

uint32_t fz_exc_flavor(struct fz_rng *r)
{
	if (fz_one_in(r, 2))
		return x86_THREAD_STATE64;
	return state_flavor(r);
}

static uint32_t state_count(struct fz_rng *r, uint32_t flavor)
{
	if (fz_one_in(r, 12))
		return fz_choose(r, 0, 1, 16, MACHEXC_THREAD_STATE_MAX);
	switch (flavor) {
	case x86_THREAD_STATE64: return x86_THREAD_STATE64_COUNT;
	case x86_FLOAT_STATE64: return x86_FLOAT_STATE64_COUNT;
	case x86_EXCEPTION_STATE64: return x86_EXCEPTION_STATE64_COUNT;
	case x86_THREAD_STATE: return x86_THREAD_STATE_COUNT;
	case x86_FLOAT_STATE: return x86_FLOAT_STATE_COUNT;
	case x86_EXCEPTION_STATE: return x86_EXCEPTION_STATE_COUNT;
	case x86_DEBUG_STATE64: return x86_DEBUG_STATE64_COUNT;
	case x86_DEBUG_STATE: return x86_DEBUG_STATE_COUNT;
	case x86_AVX_STATE64: return x86_AVX_STATE64_COUNT;
	case x86_AVX_STATE: return x86_AVX_STATE_COUNT;
	case x86_AVX512_STATE64: return x86_AVX512_STATE64_COUNT;
	case x86_AVX512_STATE: return x86_AVX512_STATE_COUNT;
	default: return MACHEXC_THREAD_STATE_MAX;
	}
}

/* --- answering an exception --- */

#pragma pack(push, 4)
struct exc_reply {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int flavor;
	mach_msg_type_number_t new_stateCnt;
	natural_t new_state[THREAD_STATE_MAX];
};
#pragma pack(pop)

/* Move a stopped thread to fz_resume_point through thread_set_state. */
static void move_thread(int fd, uint32_t thread)
{
	x86_thread_state64_t ts;
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_GET_STATE, .task = thread,
				      .arg = x86_THREAD_STATE64, .buf = (uintptr_t)&ts,
				      .count = x86_THREAD_STATE64_COUNT };

	if (!thread || port_op(fd, &op) != 0)
		return;
	resume_at_point(&ts);
	op.op = MACHEXC_PORT_THREAD_SET_STATE;
	op.count = x86_THREAD_STATE64_COUNT;
	port_op(fd, &op);
}

/* Calls on a thread that is stopped in an exception. */
static void poke_stopped(int fd, struct fz_rng *r, uint32_t thread)
{
	union {
		natural_t state[MACHEXC_THREAD_STATE_MAX];
		struct machexc_thread_fault f;
	} u;
	struct machexc_port_op op = { .task = thread, .buf = (uintptr_t)&u };

	switch (fz_below(r, 3)) {
	case 0:
		op.op = MACHEXC_PORT_THREAD_FAULT;
		break;
	case 1:
		op.op = MACHEXC_PORT_THREAD_GET_STATE;
		op.arg = state_flavor(r);
		op.count = state_count(r, op.arg);
		break;
	default:
		op.op = MACHEXC_PORT_THREAD_INFO;
		op.arg = fz_choose(r, THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO);
		op.count = 64;
		break;
	}
	port_op(fd, &op);
}

/*
 * Answer the exception request @req, one way or another: resume the
 * thread (KERN_SUCCESS with its rip moved, through the reply's state or
 * thread_set_state), let it go to the next level (an error, no reply, a
 * reply it cannot use), or keep the reply right for later (@keep: the
 * process's table, which also takes the thread and task rights).
 */
void fz_serve(int fd, struct fz_rng *r, mach_msg_header_t *req, struct fz_ctx *keep)
{
	const uint8_t *p = (const uint8_t *)(req + 1), *end = (const uint8_t *)req + req->msgh_size;
	int wide = req->msgh_id >= 2405, stateful = req->msgh_id % 4 != 1;
	uint32_t thread = 0, task = 0, count = 0, flavor = 0, n, rbits;
	const natural_t *state = NULL;
	struct exc_reply rep;
	int choice = (int)fz_below(r, 20);

	if (req->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		mach_msg_port_descriptor_t d[2];

		if (p + 4 + sizeof(d) > end)
			goto rights;
		memcpy(d, p + 4, sizeof(d));
		if (d[0].type == MACH_MSG_PORT_DESCRIPTOR && d[1].type == MACH_MSG_PORT_DESCRIPTOR) {
			thread = d[0].name;
			task = d[1].name;
		}
		p += 4 + sizeof(d);
	}
	p += sizeof(NDR_record_t) + 4;		/* NDR, exception */
	if (p + 4 > end)
		goto rights;
	memcpy(&n, p, 4);
	p += 4 + (n <= 2 ? n : 0) * (wide ? 8 : 4);
	if (stateful && p + 8 <= end) {
		memcpy(&flavor, p, 4);
		memcpy(&count, p + 4, 4);
		if (count <= THREAD_STATE_MAX && p + 8 + count * 4 <= end)
			state = (const natural_t *)(p + 8);
		else
			count = 0;
	}

	if (thread && fz_one_in(r, 3))
		poke_stopped(fd, r, thread);

	memset(&rep, 0, offsetof(struct exc_reply, new_state));
	rbits = MACH_MSGH_BITS_REMOTE(req->msgh_bits);
	rep.Head.msgh_bits = MACH_MSGH_BITS(rbits == MACH_MSG_TYPE_PORT_SEND_ONCE ?
					    MACH_MSG_TYPE_MOVE_SEND_ONCE :
					    MACH_MSG_TYPE_COPY_SEND, 0);
	rep.Head.msgh_remote_port = req->msgh_remote_port;
	rep.Head.msgh_id = req->msgh_id + 100;
	rep.NDR = NDR_record;
	rep.Head.msgh_size = sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4;

	if (choice < 9 || choice == 19) {	/* resume (19: as it is) */
		rep.RetCode = KERN_SUCCESS;
		if (state) {
			rep.flavor = (int)flavor;
			rep.new_stateCnt = count;
			memcpy(rep.new_state, state, count * 4);
			rep.Head.msgh_size += 8 + count * 4;
		}
		if (choice != 19) {
			if (state && flavor == x86_THREAD_STATE64 &&
			    count == x86_THREAD_STATE64_COUNT)
				resume_at_point((x86_thread_state64_t *)rep.new_state);
			else if (state && flavor == x86_THREAD_STATE && count == x86_THREAD_STATE_COUNT)
				resume_at_point(&((x86_thread_state_t *)rep.new_state)->uts.ts64);
			else
				move_thread(fd, thread);
		}
	} else if (choice < 14) {		/* next level */
		rep.RetCode = (int)fz_choose(r, KERN_FAILURE, KERN_FAILURE, KERN_INVALID_ARGUMENT,
					     MIG_BAD_ID, KERN_ABORTED);
	} else if (choice < 16) {		/* a reply it cannot use */
		rep.RetCode = KERN_SUCCESS;
		switch (fz_below(r, 5)) {
		case 0:
			rep.Head.msgh_id = req->msgh_id + (int)fz_choose(r, 0, 99, 101, 200);
			break;
		case 1:
			rep.Head.msgh_size = fz_choose(r, 24, 28, 32 + 8 + 4);
			break;
		case 2:	/* a state of another flavor or size (zeros: no breakpoint in it) */
			memset(rep.new_state, 0, sizeof(rep.new_state));
			rep.flavor = (int)state_flavor(r);
			rep.new_stateCnt = fz_choose(r, 0, 1, 42, 44, 614, 615, 0xffffffffU);
			rep.Head.msgh_size += 8 + 4 * (rep.new_stateCnt <= 614 ? rep.new_stateCnt : 1);
			break;
		case 3:	/* a float state the CPU would refuse (MXCSR reserved bits) */
			rep.flavor = x86_FLOAT_STATE64;
			rep.new_stateCnt = x86_FLOAT_STATE64_COUNT;
			memset(rep.new_state, 0, sizeof(x86_float_state64_t));
			((x86_float_state64_t *)rep.new_state)->__fpu_mxcsr = 0xffffffffU;
			rep.Head.msgh_size += 8 + x86_FLOAT_STATE64_COUNT * 4;
			break;
		default:
			rep.RetCode = (int)fz_next(r);
			break;
		}
	} else if (choice < 18 || !keep) {	/* no answer: the reply right goes */
		mach_port_deallocate(mach_task_self(), req->msgh_remote_port);
		rep.Head.msgh_remote_port = 0;
		req->msgh_remote_port = 0;
	} else {				/* answered later, or never, by whoever */
		fz_add(keep, req->msgh_remote_port, FZ_SONCE);
		rep.Head.msgh_remote_port = 0;
		req->msgh_remote_port = 0;
	}
	if (rep.Head.msgh_remote_port &&
	    fz_msg(fd, &rep, MACH_SEND_MSG | MACH_SEND_TIMEOUT, rep.Head.msgh_size, 0, 0, 0) == 0)
		req->msgh_remote_port = 0;	/* the reply took the right */
	if (keep)
		atomic_fetch_add(&keep->sh->served, 1);
rights:
	if (keep) {
		pid_t pid = task ? fz_pid_of(keep, task) : 0;
		uint32_t who = pid == getpid() ? FZ_MINE : fz_is_child(keep, pid) ? FZ_CHILD :
			       FZ_FOREIGN;

		fz_refresh(keep, req->msgh_remote_port);
		fz_add(keep, thread, FZ_SEND | FZ_THREAD | FZ_FAULTY | who);
		fz_add(keep, task, FZ_SEND | FZ_TASK | who);
		return;
	}
	mach_msg_destroy(req);
}

/* --- threads that fault --- */

static void fault(int kind, void *guard)
{
	siginfo_t si;

	switch (kind) {
	case 0:	/* SIGSEGV SEGV_MAPERR: EXC_BAD_ACCESS KERN_INVALID_ADDRESS */
		__asm__ volatile("movl $1, (%0)" : : "r"(0UL) : "memory");
		break;
	case 1:	/* SEGV_ACCERR: KERN_PROTECTION_FAILURE */
		if (guard)
			__asm__ volatile("movl (%0), %%eax" : : "r"(guard) : "eax", "memory");
		break;
	case 2:	/* a general protection fault: EXC_I386_GPFLT */
		__asm__ volatile("movq (%0), %%rax" : : "r"(0x8000000000000000UL) : "rax", "memory");
		break;
	case 3:	/* EXC_BREAKPOINT EXC_I386_BPT */
		__asm__ volatile("int3");
		break;
	case 4:	/* EXC_BAD_INSTRUCTION */
		__asm__ volatile("ud2");
		break;
	case 5:	/* EXC_ARITHMETIC EXC_I386_DIV */
		__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\tcltd\n\tidivl %%ecx"
				 : : : "eax", "ecx", "edx", "cc");
		break;
	case 6:	/* a single step: EXC_BREAKPOINT EXC_I386_SGL */
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop\n\tnop"
				 : : : "memory", "cc");
		break;
	case 7:	/* a watchpoint, if someone set one */
		watched++;
		break;
	case 8:	/* a forged SIGSEGV with a kernel's si_code (never an exception) */
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGSEGV;
		si.si_code = SEGV_MAPERR;
		syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGSEGV, &si);
		break;
	default: /* a signal from kill: no exception */
		syscall(SYS_tgkill, getpid(), gettid(), SIGSEGV);
		break;
	}
}

static void publish_self(struct fz_thr *t)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_SELF };

	if (port_op(t->fd, &op) == 0)
		atomic_store(&t->port, op.name);
}

static void *faulter(void *arg)
{
	struct fz_thr *t = arg;
	struct fz_shared *sh = t->sh;
	sigjmp_buf jb;
	volatile int i;
	int rc;

	altstack(t->altstack, sizeof(t->altstack));
	fz_jb = &jb;
	publish_self(t);
	if (t->exc_port) {
		struct machexc_port_op op = {
			.op = MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS, .task = atomic_load(&t->port),
			.arg = t->mask, .poly = t->exc_port, .value = t->behavior,
			.right = t->flavor,
		};

		port_op(t->fd, &op);
	}
	for (i = 0; i < t->rounds; i++) {
		rc = sigsetjmp(jb, 1);
		if (rc == 0) {
			atomic_fetch_add(&sh->faults, 1);
			if (t->may_die && fz_one_in(&t->rng, 24)) {
				/*
				 * The fault signal blocked: a handler that resolves
				 * the exception must leave the mask as it was;
				 * otherwise Linux unblocks it and the default
				 * action ends the process.
				 */
				sigset_t set;

				sigemptyset(&set);
				sigaddset(&set, SIGSEGV);
				sigaddset(&set, SIGILL);
				sigaddset(&set, SIGFPE);
				sigaddset(&set, SIGTRAP);
				sigaddset(&set, SIGBUS);
				pthread_sigmask(SIG_BLOCK, &set, NULL);
			}
			bp_target();
			fault((int)fz_below(&t->rng, 10), t->guard);
		} else {
			atomic_fetch_add(rc == 1 ? &sh->fault_signals : &sh->fault_resumed, 1);
		}
	}
	fz_jb = NULL;
	no_altstack();
	atomic_store(&t->done, 1);
	return NULL;
}

/* --- threads that handle --- */

static boolean_t demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	return in->msgh_id >= 2405 ? mach_exc_server(in, out) : exc_server(in, out);
}

/* The catch_* routines of libmachexc's servers (declared by the program, as on macOS). */
kern_return_t catch_mach_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
					 exception_type_t exception, mach_exception_data_t code,
					 mach_msg_type_number_t n);
kern_return_t catch_mach_exception_raise_state(mach_port_t port, exception_type_t exception,
					       const mach_exception_data_t code,
					       mach_msg_type_number_t n, int *flavor,
					       const thread_state_t old, mach_msg_type_number_t oldn,
					       thread_state_t new_state,
					       mach_msg_type_number_t *newn);
kern_return_t catch_mach_exception_raise_state_identity(mach_port_t port, mach_port_t thread,
							mach_port_t task,
							exception_type_t exception,
							mach_exception_data_t code,
							mach_msg_type_number_t n, int *flavor,
							thread_state_t old,
							mach_msg_type_number_t oldn,
							thread_state_t new_state,
							mach_msg_type_number_t *newn);

static int catch_fails(void)
{
	return catch_rng && fz_one_in(catch_rng, 3);
}

kern_return_t catch_mach_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
					 exception_type_t exception, mach_exception_data_t code,
					 mach_msg_type_number_t n)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t cnt = x86_THREAD_STATE64_COUNT;
	int fail = catch_fails();

	(void)port;
	(void)exception;
	(void)code;
	(void)n;
	if (fail || thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts, &cnt))
		return KERN_FAILURE;
	resume_at_point(&ts);
	if (thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts, cnt))
		return KERN_FAILURE;
	/* Success: the rights are ours to release (on failure the server does). */
	mach_port_deallocate(mach_task_self(), thread);
	mach_port_deallocate(mach_task_self(), task);
	return KERN_SUCCESS;
}

static kern_return_t catch_state(int *flavor, const thread_state_t old, mach_msg_type_number_t oldn,
				 thread_state_t new_state, mach_msg_type_number_t *newn)
{
	if (catch_fails() || oldn > THREAD_STATE_MAX)
		return KERN_FAILURE;
	memcpy(new_state, old, oldn * 4);
	*newn = oldn;
	if (*flavor == x86_THREAD_STATE64 && oldn == x86_THREAD_STATE64_COUNT)
		resume_at_point((x86_thread_state64_t *)new_state);
	else if (*flavor == x86_THREAD_STATE && oldn == x86_THREAD_STATE_COUNT)
		resume_at_point(&((x86_thread_state_t *)new_state)->uts.ts64);
	return KERN_SUCCESS;
}

kern_return_t catch_mach_exception_raise_state(mach_port_t port, exception_type_t exception,
					       const mach_exception_data_t code,
					       mach_msg_type_number_t n, int *flavor,
					       const thread_state_t old, mach_msg_type_number_t oldn,
					       thread_state_t new_state,
					       mach_msg_type_number_t *newn)
{
	(void)port;
	(void)exception;
	(void)code;
	(void)n;
	return catch_state(flavor, old, oldn, new_state, newn);
}

kern_return_t catch_mach_exception_raise_state_identity(mach_port_t port, mach_port_t thread,
							mach_port_t task,
							exception_type_t exception,
							mach_exception_data_t code,
							mach_msg_type_number_t n, int *flavor,
							thread_state_t old,
							mach_msg_type_number_t oldn,
							thread_state_t new_state,
							mach_msg_type_number_t *newn)
{
	kern_return_t kr;

	(void)port;
	(void)exception;
	(void)code;
	(void)n;
	kr = catch_state(flavor, old, oldn, new_state, newn);
	if (kr == KERN_SUCCESS) {
		mach_port_deallocate(mach_task_self(), thread);
		mach_port_deallocate(mach_task_self(), task);
	}
	return kr;
}

#include "exc32.h"

#define HANDLER_BUF (sizeof(mach_msg_header_t) + 8192)

static void *handler(void *arg)
{
	struct fz_thr *t = arg;
	struct fz_shared *sh = t->sh;
	mach_msg_header_t *buf = malloc(HANDLER_BUF);
	sigjmp_buf jb;
	volatile int i, pfd = -1;
	long mr;

	altstack(t->altstack, sizeof(t->altstack));
	fz_jb = &jb;
	catch_rng = &t->rng;
	publish_self(t);
	for (i = 0; buf && i < t->rounds; i++) {
		if (sigsetjmp(jb, 1))
			continue;
		if (fz_one_in(&t->rng, 4)) {
			/* libmachexc: poll the port's fd, then its MIG server loop once */
			struct pollfd p;

			if (pfd < 0)
				pfd = machexc_port_fd(t->rcv, O_CLOEXEC);
			if (pfd < 0)
				break;
			p = (struct pollfd){ .fd = pfd, .events = POLLIN };
			if (poll(&p, 1, t->timeout) == 1 && (p.revents & POLLHUP))
				break;
			if (p.revents & POLLIN) {
				atomic_fetch_add(&sh->handler_msgs, 1);
				mach_msg_server_once(demux, 8192, t->rcv,
						     MACH_RCV_TRAILER_ELEMENTS(fz_below(&t->rng, 4)));
			}
			continue;
		}
		mr = fz_msg(t->fd, buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0,
			    HANDLER_BUF, t->rcv, (uint32_t)t->timeout);
		if (mr == MACH_RCV_INVALID_NAME || mr == MACH_RCV_PORT_DIED ||
		    mr == MACH_RCV_IN_SET || mr < 0)
			break;
		if (mr == MACH_RCV_TOO_LARGE) {
			/* Take it and let it go. */
			mr = fz_msg(t->fd, buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
				    HANDLER_BUF, t->rcv, 0);
			continue;
		}
		if (mr)
			continue;
		atomic_fetch_add(&sh->handler_msgs, 1);
		if (fz_is_exception(buf))
			fz_serve(t->fd, &t->rng, buf, NULL);
		else
			mach_msg_destroy(buf);
	}
	if (pfd >= 0)
		close(pfd);
	free(buf);
	catch_rng = NULL;
	fz_jb = NULL;
	no_altstack();
	atomic_store(&t->done, 1);
	return NULL;
}

/* Forget the threads that are done ( @all: every one, after a fork). */
void fz_reap_threads(struct fz_ctx *c, int all)
{
	unsigned int i = 0;

	while (i < c->nthr) {
		if (all || atomic_load(&c->thr[i]->done)) {
			free(c->thr[i]);
			c->thr[i] = c->thr[--c->nthr];
		} else {
			i++;
		}
	}
}

static struct fz_thr *new_thr(struct fz_ctx *c, enum fz_thr_kind kind)
{
	struct fz_thr *t;

	fz_reap_threads(c, 0);
	if (c->nthr == FZ_THREADS)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->kind = kind;
	t->sh = c->sh;
	t->fd = c->fd;
	t->guard = c->guard;
	fz_rng_seed(&t->rng, fz_next(R));
	return t;
}

static int start_thr(struct fz_ctx *c, struct fz_thr *t, void *(*fn)(void *))
{
	pthread_attr_t a;
	int err;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	err = pthread_create(&t->t, &a, fn, t);
	pthread_attr_destroy(&a);
	if (err) {
		free(t);
		return FZ_FAIL;
	}
	c->thr[c->nthr++] = t;
	atomic_fetch_add(&c->sh->threads, 1);
	return FZ_OK;
}

/* A receive right of a handler thread of ours, or 0. */
static uint32_t handler_port(struct fz_ctx *c)
{
	unsigned int i, start = fz_below(R, c->nthr ? c->nthr : 1);

	for (i = 0; i < c->nthr; i++) {
		struct fz_thr *t = c->thr[(start + i) % c->nthr];

		if (t->kind == FZ_HANDLER && !atomic_load(&t->done))
			return t->rcv;
	}
	return 0;
}

static void remember_target(struct fz_ctx *c, uint32_t port)
{
	if (!(fz_kind_of(c, port) & (FZ_RECV | FZ_PSET)))
		return;
	memmove(c->exc_targets + 1, c->exc_targets, sizeof(c->exc_targets) - 4);
	c->exc_targets[0] = port;
}

/* A port to make an exception port: a handler's, one of ours, anyone's, none. */
static uint32_t exc_port(struct fz_ctx *c)
{
	uint32_t p = 0;

	switch (fz_below(R, 8)) {
	case 0:
	case 1:
	case 2:
		p = handler_port(c);
		break;
	case 3:
		return MACH_PORT_NULL;
	case 4:
		return fz_pick(c, FZ_SEND);
	default:
		break;
	}
	if (!p)
		p = fz_pick(c, FZ_RECV | FZ_SEND);
	return p;
}

FZ_GEN(spawn_faulter)
{
	struct fz_thr *t = new_thr(c, FZ_FAULTER);

	if (!t)
		return FZ_SKIP;
	t->rounds = 1 + (int)fz_below(R, 12);
	t->may_die = c->depth > 0;
	if (!fz_one_in(R, 4)) {
		t->exc_port = exc_port(c);
		t->mask = fz_one_in(R, 4) ? fz_exc_mask(R) : EXC_MASK_BAD_ACCESS |
			  EXC_MASK_BAD_INSTRUCTION | EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT;
		t->behavior = fz_exc_behavior(R);
		t->flavor = fz_exc_flavor(R);
		remember_target(c, t->exc_port);
	}
	return start_thr(c, t, faulter);
}

FZ_GEN(spawn_handler)
{
	struct fz_thr *t = new_thr(c, FZ_HANDLER);

	if (!t)
		return FZ_SKIP;
	t->rcv = fz_one_in(R, 3) ? fz_pick(c, FZ_RECV | FZ_PSET) : fz_new_port(c, 1);
	t->rounds = 4 + (int)fz_below(R, 40);
	t->timeout = (int)fz_choose(R, 2, 5, 10, 20);
	if (fz_one_in(R, 2) && (fz_kind_of(c, t->rcv) & FZ_SEND)) {
		struct machexc_port_op op = {
			.op = MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS, .task = c->task,
			.arg = EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION |
			       EXC_MASK_ARITHMETIC | EXC_MASK_BREAKPOINT,
			.poly = t->rcv, .value = fz_exc_behavior(R), .right = fz_exc_flavor(R),
		};

		fz_port(c, &op);
	}
	return start_thr(c, t, handler);
}

/* Receive on the ports exceptions go to, and answer (ok = an exception answered). */
FZ_GEN(serve_op)
{
	uint32_t name = c->exc_targets[fz_below(R, 4)];
	mach_msg_header_t *h = c->rbuf;
	long mr;

	if (!name || fz_one_in(R, 3))
		name = fz_pick(c, FZ_RECV | FZ_PSET);
	mr = fz_msg(c->fd, h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, FZ_BUF, name,
		    fz_choose(R, 0, 0, 1, 2));
	if (mr)
		return FZ_FAIL;
	if (!fz_is_exception(h)) {
		fz_absorb(c, h, FZ_BUF);
		return FZ_FAIL;
	}
	fz_serve(c->fd, R, h, c);
	return FZ_OK;
}

/* ok = a finished thread was forgotten. */
FZ_GEN(reap_threads_op)
{
	unsigned int before = c->nthr;

	fz_reap_threads(c, 0);
	return c->nthr < before ? FZ_OK : FZ_FAIL;
}

/* --- exception ports at three levels --- */

/* A task to act on: ours mostly, a child's, anyone's. */
static uint32_t some_task(struct fz_ctx *c)
{
	switch (fz_below(R, 6)) {
	case 0:
	case 1:
		return fz_pick(c, FZ_SEND | FZ_TASK | FZ_CHILD);
	case 2:
		return fz_pick(c, FZ_SEND | FZ_TASK);
	default:
		return fz_one_in(R, 32) ? fz_junk_name(c) : c->task;
	}
}

static int exception_ports(struct fz_ctx *c, uint32_t code, uint32_t target, int variant)
{
	struct machexc_exc_ports *ep = c->rbuf;
	struct machexc_port_op op = { .op = code, .task = target, .buf = (uintptr_t)ep };
	long kr;
	uint32_t i;

	memset(ep, 0, sizeof(*ep));
	ep->count = fz_one_in(R, 8) ? fz_choose(R, 0, 1, 3, 15, 0xffffffffU) : MACHEXC_EXC_SLOTS;
	if (variant != 1) {	/* set, swap */
		op.arg = fz_exc_mask(R);
		op.poly = exc_port(c);
		op.value = fz_exc_behavior(R);
		op.right = fz_exc_flavor(R);
	} else {
		op.arg = fz_one_in(R, 4) ? fz_exc_mask(R) : EXC_MASK_ALL;
	}
	kr = fz_port(c, &op);
	if (kr != 0)
		return FZ_FAIL;
	if (variant != 1)
		remember_target(c, op.poly);
	for (i = 0; variant != 0 && i < ep->count && i < MACHEXC_EXC_SLOTS; i++)
		if (ep->ports[i])
			fz_refresh(c, ep->ports[i]);
	return FZ_OK;
}

FZ_GEN(task_set_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_TASK_SET_EXCEPTION_PORTS, some_task(c), 0);
}

FZ_GEN(task_get_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_TASK_GET_EXCEPTION_PORTS, some_task(c), 1);
}

FZ_GEN(task_swap_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_TASK_SWAP_EXCEPTION_PORTS, some_task(c), 2);
}

/* A thread to act on: one of our faulting or handling threads, ours, anyone's. */
static uint32_t some_thread(struct fz_ctx *c)
{
	if (c->nthr && fz_one_in(R, 2)) {
		uint32_t p = atomic_load(&c->thr[fz_below(R, c->nthr)]->port);

		if (p)
			return p;
	}
	return fz_one_in(R, 6) ? c->thread : fz_pick(c, FZ_SEND | FZ_THREAD);
}

FZ_GEN(thread_self)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_SELF };

	if (fz_port(c, &op))
		return FZ_FAIL;
	c->thread = op.name;
	fz_add(c, op.name, FZ_SEND | FZ_THREAD | FZ_MINE);
	return FZ_OK;
}

FZ_GEN(thread_set_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_THREAD_SET_EXCEPTION_PORTS, some_thread(c), 0);
}

FZ_GEN(thread_get_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_THREAD_GET_EXCEPTION_PORTS, some_thread(c), 1);
}

FZ_GEN(thread_swap_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_THREAD_SWAP_EXCEPTION_PORTS, some_thread(c), 2);
}

FZ_GEN(host_self)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_HOST_SELF };

	if (fz_port(c, &op))
		return FZ_FAIL;
	c->host = op.name;
	fz_add(c, op.name, FZ_SEND | FZ_HOST);
	return FZ_OK;
}

static uint32_t host(struct fz_ctx *c)
{
	if (!c->host || fz_one_in(R, 16))
		return fz_one_in(R, 2) ? fz_pick(c, FZ_SEND | FZ_HOST) : c->task;
	return c->host;
}

FZ_GEN(host_set_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_HOST_SET_EXCEPTION_PORTS, host(c), 0);
}

FZ_GEN(host_get_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_HOST_GET_EXCEPTION_PORTS, host(c), 1);
}

FZ_GEN(host_swap_exception_ports)
{
	return exception_ports(c, MACHEXC_PORT_HOST_SWAP_EXCEPTION_PORTS, host(c), 2);
}

/* --- thread state --- */

/* A thread likely to be stopped: one we suspended, one of our faulting threads. */
static uint32_t stopped_thread(struct fz_ctx *c)
{
	unsigned int i, start;

	if (c->nsusp && fz_one_in(R, 3)) {
		start = fz_below(R, c->nsusp);
		for (i = 0; i < c->nsusp; i++)
			if (!c->susp[(start + i) % c->nsusp].task)
				return c->susp[(start + i) % c->nsusp].name;
	}
	if (c->nthr && !fz_one_in(R, 3)) {
		start = fz_below(R, c->nthr);
		for (i = 0; i < c->nthr; i++) {
			struct fz_thr *t = c->thr[(start + i) % c->nthr];

			if (t->kind == FZ_FAULTER && !atomic_load(&t->done) && atomic_load(&t->port))
				return atomic_load(&t->port);
		}
	}
	return fz_one_in(R, 2) ? fz_pick(c, FZ_SEND | FZ_THREAD | FZ_FAULTY) : some_thread(c);
}

FZ_GEN(thread_get_state)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_GET_STATE, .task = stopped_thread(c),
				      .buf = (uintptr_t)c->rbuf };

	op.arg = state_flavor(R);
	op.count = state_count(R, op.arg);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

/*
 * Read a state and write it back changed: resumed at fz_resume_point,
 * single-stepping, with a hardware breakpoint or watchpoint, a bad MXCSR;
 * now and then bytes at random.
 */
FZ_GEN(thread_set_state)
{
	natural_t *s = c->rbuf;
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_GET_STATE,
				      .task = stopped_thread(c), .buf = (uintptr_t)s };
	unsigned int i;

	op.arg = state_flavor(R);
	if (fz_one_in(R, 3))
		op.arg = fz_choose(R, x86_THREAD_STATE64, x86_DEBUG_STATE64);
	op.count = state_count(R, op.arg);
	if (fz_one_in(R, 16)) {
		for (i = 0; i < MACHEXC_THREAD_STATE_MAX; i++)
			s[i] = (natural_t)fz_next(R);
	} else if (fz_port(c, &op) == 0) {
		if (op.arg == x86_THREAD_STATE64 && op.count == x86_THREAD_STATE64_COUNT) {
			x86_thread_state64_t *ts = (void *)s;

			switch (fz_below(R, 4)) {
			case 0:
				resume_at_point(ts);
				break;
			case 1:
				ts->__rflags |= 0x100;	/* single step */
				break;
			case 2:
				ts->__rax = fz_next(R);
				break;
			default:
				break;
			}
		} else if (op.arg == x86_DEBUG_STATE64 && op.count == x86_DEBUG_STATE64_COUNT) {
			x86_debug_state64_t *d = (void *)s;

			switch (fz_below(R, 5)) {
			case 0:	/* execute breakpoint on bp_target in dr0 */
				d->__dr0 = (uint64_t)(uintptr_t)bp_target;
				d->__dr7 = 0x1;
				break;
			case 1:	/* write watchpoint, 8 bytes, in dr1 */
				d->__dr1 = (uint64_t)(uintptr_t)&watched;
				d->__dr7 = (1 << 2) | (1 << 20) | (3 << 22);
				break;
			case 2:
				d->__dr7 = 0;
				break;
			case 3:	/* bits that are refused: GD, I/O, reserved; kernel addresses */
				d->__dr7 = (uint32_t)fz_next(R);
				d->__dr2 = fz_one_in(R, 2) ? 0xffffffff81000000ULL : fz_next(R);
				break;
			default:
				break;
			}
		} else if ((op.arg == x86_FLOAT_STATE64 || op.arg == x86_AVX_STATE64) &&
			   fz_one_in(R, 3)) {
			((x86_float_state64_t *)s)->__fpu_mxcsr = (uint32_t)fz_next(R);
		}
	} else if (!fz_one_in(R, 4)) {
		return FZ_FAIL;		/* not stopped: nothing to write back */
	}
	if (!c->sh->hwbp && (op.arg == x86_DEBUG_STATE64 || op.arg == x86_DEBUG_STATE)) {
		/* No enabled slot: no breakpoint is made (--no-hw-breakpoints). */
		x86_debug_state64_t *d = (void *)(s + (op.arg == x86_DEBUG_STATE ? 2 : 0));

		d->__dr7 &= ~0xffULL;
	}
	op.op = MACHEXC_PORT_THREAD_SET_STATE;
	if (fz_one_in(R, 16))
		op.count = fz_below(R, MACHEXC_THREAD_STATE_MAX + 1);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

/* --- task and thread calls --- */

FZ_GEN(pid_for_task)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_PID_FOR_TASK };

	op.task = fz_one_in(R, 6) ? fz_pick(c, FZ_ANY) : fz_pick(c, FZ_SEND | FZ_TASK);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(thread_fault)
{
	struct machexc_thread_fault f;
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_FAULT, .task = some_thread(c),
				      .buf = (uintptr_t)&f };

	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(task_for_pid)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_FOR_PID };
	pid_t pid = fz_random_target(c);

	op.task = fz_one_in(R, 32) ? fz_pick(c, FZ_ANY) : c->task;	/* mach_task_self() */

	op.arg = (uint32_t)pid;
	if (fz_port(c, &op))
		return FZ_FAIL;
	fz_add(c, op.name, FZ_SEND | FZ_TASK | (pid == getpid() ? FZ_MINE :
		fz_is_child(c, pid) ? FZ_CHILD : FZ_FOREIGN));
	return FZ_OK;
}

FZ_GEN(task_threads)
{
	uint32_t *names = c->rbuf, task = some_task(c), k = fz_kind_of(c, task), i;
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_THREADS, .task = task,
				      .buf = (uintptr_t)names };

	op.count = fz_choose(R, 0, 1, 2, 64, 64, 64);
	if (fz_port(c, &op))
		return FZ_FAIL;
	for (i = 0; i < op.count && i < 64; i++)
		fz_add(c, names[i], FZ_SEND | FZ_THREAD |
		       (k & (FZ_MINE | FZ_CHILD | FZ_FOREIGN) ?: FZ_FOREIGN));
	return FZ_OK;
}

/*
 * Never suspend what would stop the fuzz: ourselves, our main thread, a
 * process that is not our child, the main thread of one.  (A suspended
 * child is resumed by task_resume, by us before we exit, or dies.)
 */
static int may_suspend_task(struct fz_ctx *c, uint32_t task)
{
	pid_t pid = fz_pid_of(c, task);

	return pid <= 0 || fz_is_child(c, pid);
}

static int may_suspend_thread(struct fz_ctx *c, uint32_t thread)
{
	struct machexc_thread_fault f;
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_FAULT, .task = thread,
				      .buf = (uintptr_t)&f };
	pid_t tid;
	int i;

	if (thread == c->thread)
		return 0;
	if (fz_port(c, &op) != 0)
		return 1;		/* fails anyway */
	tid = (pid_t)op.value;
	if (tid == getpid() || tid == c->sh->driver || tid == 1)
		return 0;
	if (fz_is_child(c, tid))
		return 1;
	for (i = 0; i < FZ_MAX_PROCS; i++)
		if (atomic_load(&c->sh->slot[i].pid) == tid)
			return 0;	/* another fuzz process's main thread */
	return 1;
}

static void suspended(struct fz_ctx *c, uint32_t name, int task)
{
	if (c->nsusp < FZ_SUSPENDED)
		c->susp[c->nsusp++] = (struct fz_suspended){ name, task };
}

/* The last thing we suspended of this sort, taken off the list; or 0. */
static uint32_t unsuspend(struct fz_ctx *c, int task)
{
	unsigned int i;

	for (i = c->nsusp; i-- > 0;) {
		if (c->susp[i].task == task) {
			uint32_t n = c->susp[i].name;

			c->susp[i] = c->susp[--c->nsusp];
			return n;
		}
	}
	return 0;
}

FZ_GEN(task_suspend)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SUSPEND };

	op.task = fz_one_in(R, 4) ? fz_pick(c, FZ_SEND | FZ_TASK) :
				    fz_pick(c, FZ_SEND | FZ_TASK | FZ_CHILD);
	if (op.task == c->task || !may_suspend_task(c, op.task))
		op.task = MACH_PORT_NULL;
	if (fz_port(c, &op))
		return FZ_FAIL;
	suspended(c, op.task, 1);
	return FZ_OK;
}

FZ_GEN(task_resume)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_RESUME };

	op.task = fz_one_in(R, 4) ? 0 : unsuspend(c, 1);
	if (!op.task)
		op.task = fz_pick(c, FZ_SEND | FZ_TASK);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(thread_suspend)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_SUSPEND, .task = some_thread(c) };

	if (!may_suspend_thread(c, op.task))
		op.task = MACH_PORT_NULL;
	if (fz_port(c, &op))
		return FZ_FAIL;
	suspended(c, op.task, 0);
	return FZ_OK;
}

FZ_GEN(thread_resume)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_RESUME };

	op.task = fz_one_in(R, 4) ? 0 : unsuspend(c, 0);
	if (!op.task)
		op.task = some_thread(c);
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(task_info)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_INFO, .task = some_task(c),
				      .buf = (uintptr_t)c->rbuf };

	op.arg = fz_choose(R, MACH_TASK_BASIC_INFO, MACH_TASK_BASIC_INFO, MACH_TASK_BASIC_INFO,
			   5, 3, fz_below(R, 64));
	op.count = fz_one_in(R, 6) ? fz_choose(R, 0, 1, 2048) : MACH_TASK_BASIC_INFO_COUNT;
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

FZ_GEN(thread_info)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_THREAD_INFO, .task = some_thread(c),
				      .buf = (uintptr_t)c->rbuf };

	op.arg = fz_choose(R, THREAD_BASIC_INFO, THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO,
			   THREAD_IDENTIFIER_INFO, fz_below(R, 16));
	op.count = fz_one_in(R, 6) ? fz_choose(R, 0, 1, 2048) : 32;
	return fz_port(c, &op) == 0 ? FZ_OK : FZ_FAIL;
}

/* The task and thread calls through libmachexc. */
FZ_GEN(lib_task)
{
	thread_act_array_t list = NULL;
	mach_msg_type_number_t n = 0, i;
	mach_task_basic_info_data_t ti;
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_port_t ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	struct machexc_thread_fault f;
	int tid, stopped, pid;
	kern_return_t kr;
	task_t task = fz_one_in(R, 2) ? mach_task_self() : fz_pick(c, FZ_SEND | FZ_TASK);

	switch (fz_below(R, 5)) {
	case 0:
		kr = task_threads(task, &list, &n);
		if (kr == 0) {
			for (i = 0; i < n; i++)
				mach_port_deallocate(mach_task_self(), list[i]);
			vm_deallocate(mach_task_self(), (vm_address_t)list, n * sizeof(*list));
		}
		break;
	case 1:
		n = MACH_TASK_BASIC_INFO_COUNT;
		kr = task_info(task, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n);
		break;
	case 2:
		n = EXC_TYPES_COUNT;
		kr = task_get_exception_ports(task, EXC_MASK_ALL, masks, &n, ports, behaviors,
					      flavors);
		for (i = 0; kr == 0 && i < n; i++)
			if (ports[i])
				mach_port_deallocate(mach_task_self(), ports[i]);
		break;
	case 3:
		kr = machexc_thread_fault(some_thread(c), &tid, &stopped, &f);
		break;
	default:
		kr = pid_for_task(task, &pid);
		break;
	}
	return kr == 0 ? FZ_OK : FZ_FAIL;
}
