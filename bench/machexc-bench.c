// SPDX-License-Identifier: GPL-2.0
/*
 * machexc-bench: the exception round trip against what a Linux user would
 * pick instead, measured in the same boot.  It reports figures; it never
 * passes or fails on them.
 *
 *   machexc-bench rows [--pin] [--runs R] [--iters N]
 *	each row: median ns per round trip over R runs of N, with min-max
 *   machexc-bench legs [--pin]
 *	the cross-process EXCEPTION_DEFAULT round trip in three legs: fault
 *	to handler, the handler itself, reply to the faulting thread resumed
 *   machexc-bench throughput [--pin] [--runs R] [--iters N]
 *	exceptions per second, 1-8 faulting threads x 1-2 handler threads
 *	receiving on one port, N exceptions a run, the configurations
 *	interleaved R times: "throughput RUN FAULTERS HANDLERS RATE SHARE..."
 *   machexc-bench overhead
 *	signal delivery, fault, fork, exec and exit cost for a process that
 *	never uses machexc (run it with the module loaded and not loaded);
 *	bench/overhead.sh boots QEMU with -icount for it, where the clock
 *	counts instructions
 *   machexc-bench memory
 *	kernel memory per port and per port space
 *   machexc-bench hold
 *	set an exception port and wait: another process that uses machexc,
 *	so that every hook of the module is attached
 *   machexc-bench hold-waiting
 *	the same, with a thread stopped in an exception nobody takes
 *
 * Output is one line per figure, "key value ..." (see bench/run.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <machexc.h>
#include <mach/mach.h>

#define ME mach_task_self()

static int runs = 7, iters = 2000;
static const char *only;	/* --only ROW */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "machexc-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Print "row NAME median min max" (ns per operation) over the runs. */
static void report(const char *name, uint64_t *ns)
{
	qsort(ns, (size_t)runs, sizeof(*ns), cmp_u64);
	printf("row %s %llu %llu %llu\n", name, (unsigned long long)ns[runs / 2],
	       (unsigned long long)ns[0], (unsigned long long)ns[runs - 1]);
	fflush(stdout);
}

/* A child that times @n rounds of @fn and writes ns per round to @fd. */
static pid_t timed_child(int fd, void (*setup)(void), void (*fn)(void), int n)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		uint64_t t0, t;
		int i;

		if (setup)
			setup();
		fn();		/* warm up */
		t0 = now_ns();
		for (i = 0; i < n; i++)
			fn();
		t = (now_ns() - t0) / (uint64_t)n;
		if (write(fd, &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	return pid;
}

static uint64_t read_result(int fd, pid_t pid)
{
	uint64_t t = 0;
	int status;

	if (read(fd, &t, sizeof(t)) != sizeof(t)) {
		/* The child died before its result: say how, rather than hang. */
		waitpid(pid, &status, 0);
		fprintf(stderr, "machexc-bench: the child died without a result: %s %d\n",
			WIFSIGNALED(status) ? "signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		exit(1);
	}
	waitpid(pid, &status, 0);
	return t;
}

static void do_int3(void)
{
	__asm__ volatile("int3");
}

static void do_ud2(void)
{
	__asm__ volatile("ud2");	/* the handler steps over it */
}

/* ---- machexc ---------------------------------------------------------- */

#pragma pack(push, 4)
union msg {
	mach_msg_header_t head;
	struct {
		mach_msg_header_t head;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t thread, task;
		NDR_record_t ndr;
		exception_type_t exception;
		mach_msg_type_number_t code_count;
		int64_t code[2];
		int flavor;
		mach_msg_type_number_t state_count;
		x86_thread_state64_t state;
	} req;
	struct {
		mach_msg_header_t head;
		NDR_record_t ndr;
		kern_return_t ret;
		int flavor;
		mach_msg_type_number_t state_count;
		x86_thread_state64_t state;
	} rep;
	char room[4096];
};
#pragma pack(pop)

/*
 * The thread and task rights each request brings pile up as user
 * references on one name per thread and task; the server drops them in
 * batches (one mach_port_mod_refs per name), as a busy server would.
 */
struct urefs {
	mach_port_t name[16];
	int count[16], n;
};

static void urefs_flush(struct urefs *u)
{
	int i;

	for (i = 0; i < u->n; i++)
		mach_port_mod_refs(ME, u->name[i], MACH_PORT_RIGHT_SEND, -u->count[i]);
	u->n = 0;
}

static void urefs_add(struct urefs *u, mach_port_t name)
{
	int i;

	for (i = 0; i < u->n && u->name[i] != name; i++)
		;
	if (i == u->n) {
		if (u->n == 16)
			urefs_flush(u);
		i = u->n++;
		u->name[i] = name;
		u->count[i] = 0;
	}
	if (++u->count[i] == 1000) {
		mach_port_mod_refs(ME, name, MACH_PORT_RIGHT_SEND, -1000);
		u->count[i] = 0;
	}
}

/* Clock stamps shared with a faulting child (legs()); NULL otherwise. */
struct stamps {
	_Atomic uint64_t t0, t1, t2;
};

static struct stamps *stamps;

/* A message with this id ends a serve() loop that has no count. */
#define MSGID_STOP 0x57a9

/*
 * A server loop: answer @n exceptions on @port with KERN_SUCCESS, each
 * reply sent together with the next receive (one call), as
 * mach_msg_server() does.  STATE_IDENTITY requests get rip + 2.  With
 * @n < 0 it serves until a MSGID_STOP message arrives.  Returns the
 * number of exceptions answered.
 */
static int serve(mach_port_t port, int n)
{
	struct urefs u = { .n = 0 };
	union msg m;
	mach_msg_option_t opt = MACH_RCV_MSG;
	mach_msg_size_t send = 0;
	mach_msg_return_t mr;
	int i;

	for (i = 0; n < 0 || i <= n; i++) {
		if (stamps && (opt & MACH_SEND_MSG))
			atomic_store(&stamps->t2, now_ns());
		mr = mach_msg(&m.head, opt | (i == n ? 0 : MACH_RCV_MSG), send,
			      i == n ? 0 : sizeof(m), port, 0, MACH_PORT_NULL);
		if (mr) {
			fprintf(stderr, "machexc-bench: mach_msg: %s (0x%x)\n",
				mach_error_string(mr), mr);
			exit(1);
		}
		if (i == n || m.head.msgh_id == MSGID_STOP)
			break;
		if (stamps)
			atomic_store(&stamps->t1, now_ns());
		mach_port_t reply = m.head.msgh_remote_port;
		int id = m.head.msgh_id, state = id == 2407 || id == 2403;
		x86_thread_state64_t st;

		if (state)
			memcpy(&st, &m.req.state, sizeof(st));
		if (m.head.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
			urefs_add(&u, m.req.thread.name);
			urefs_add(&u, m.req.task.name);
		}
		m.rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		m.rep.head.msgh_remote_port = reply;
		m.rep.head.msgh_local_port = MACH_PORT_NULL;
		m.rep.head.msgh_id = id + 100;
		m.rep.ndr = NDR_record;
		m.rep.ret = KERN_SUCCESS;
		m.rep.head.msgh_size = sizeof(mach_msg_header_t) + sizeof(NDR_record_t) + 4;
		if (state) {
			st.__rip += 2;
			m.rep.flavor = x86_THREAD_STATE64;
			m.rep.state_count = x86_THREAD_STATE64_COUNT;
			m.rep.state = st;
			m.rep.head.msgh_size += 8 + sizeof(st);
		}
		send = m.rep.head.msgh_size;
		opt = MACH_SEND_MSG;
	}
	urefs_flush(&u);
	return i;
}

/* Send @port a MSGID_STOP message: one serve() loop without a count ends. */
static void send_stop(mach_port_t port)
{
	mach_msg_header_t h = {
		.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
		.msgh_size = sizeof(h),
		.msgh_remote_port = port,
		.msgh_local_port = MACH_PORT_NULL,
		.msgh_id = MSGID_STOP,
	};

	if (mach_msg(&h, MACH_SEND_MSG, sizeof(h), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL))
		die("mach_msg stop");
}

static mach_port_t exc_port(exception_mask_t mask, exception_behavior_t behavior)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(ME, mask, p, behavior, x86_THREAD_STATE64))
		die("exception port");
	return p;
}

static void drop_exc_port(mach_port_t p)
{
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, p);
}

/*
 * The faulting child of the cross-process rows names itself, so that the
 * kernel profile (bench/run.sh) tells its work from the handler's
 * ("machexc", the first 7 characters the function-graph tracer shows).
 */
static void name_faulter(void)
{
	prctl(PR_SET_NAME, "mxfault", 0, 0, 0);
}

/* Handler in this process, faulting child (inherits the task port). */
static uint64_t machexc_remote(exception_mask_t mask, exception_behavior_t b,
			       void (*fault)(void))
{
	mach_port_t p = exc_port(mask, b);
	int fd[2];
	pid_t pid;
	uint64_t t;

	if (pipe(fd))
		die("pipe");
	pid = timed_child(fd[1], name_faulter, fault, iters);
	close(fd[1]);	/* the child's end: a child that dies gives EOF */
	serve(p, iters + 1);
	t = read_result(fd[0], pid);
	close(fd[0]);
	drop_exc_port(p);
	return t;
}

struct server_arg {
	mach_port_t port;
	int n;		/* exceptions to answer; < 0: until MSGID_STOP */
	int served;	/* answered */
	long vcsw, ivcsw;	/* the thread's context switches while serving */
};

static void *server_thread(void *arg)
{
	struct server_arg *a = arg;
	struct rusage r0, r1;

	getrusage(RUSAGE_THREAD, &r0);
	a->served = serve(a->port, a->n);
	getrusage(RUSAGE_THREAD, &r1);
	a->vcsw = r1.ru_nvcsw - r0.ru_nvcsw;
	a->ivcsw = r1.ru_nivcsw - r0.ru_nivcsw;
	return NULL;
}

/* Handler thread in the faulting process itself. */
static uint64_t machexc_local(void)
{
	struct server_arg a = { exc_port(EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT |
					 MACH_EXCEPTION_CODES), iters + 1, 0, 0, 0 };
	pthread_t t;
	uint64_t t0, ns;
	int i;

	pthread_create(&t, NULL, server_thread, &a);
	do_int3();
	t0 = now_ns();
	for (i = 0; i < iters; i++)
		do_int3();
	ns = (now_ns() - t0) / (uint64_t)iters;
	pthread_join(t, NULL);
	drop_exc_port(a.port);
	return ns;
}

/*
 * Where a cross-process round trip goes: the faulting child stamps the
 * clock just before its int3 (t0) and just after it runs again (t3); the
 * server just after its receive returns (t1) and just before it sends the
 * reply (t2), in a page both share.  Legs: t1 - t0 (fault to handler),
 * t2 - t1 (the handler itself), t3 - t2 (reply to resumed).  serve()
 * stamps t1 and t2 while `stamps` is set.
 */
static uint64_t median_u64(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

static void legs_child(int fd)
{
	uint64_t *leg[3], m[3], t3;
	int i, k;

	for (k = 0; k < 3; k++) {
		leg[k] = calloc((size_t)iters, sizeof(uint64_t));
		if (!leg[k])
			_exit(1);
	}
	do_int3();	/* warm up */
	for (i = 0; i < iters; i++) {
		atomic_store(&stamps->t0, now_ns());
		do_int3();
		t3 = now_ns();
		leg[0][i] = atomic_load(&stamps->t1) - atomic_load(&stamps->t0);
		leg[1][i] = atomic_load(&stamps->t2) - atomic_load(&stamps->t1);
		leg[2][i] = t3 - atomic_load(&stamps->t2);
	}
	for (k = 0; k < 3; k++)
		m[k] = median_u64(leg[k], iters);
	if (write(fd, m, sizeof(m)) != sizeof(m))
		_exit(1);
	_exit(0);
}

/* "leg NAME median min max": each the median over the runs' medians. */
static void legs(void)
{
	static const char *const names[3] = {
		"fault_to_handler", "handler", "reply_to_resumed",
	};
	uint64_t v[3][64];
	int fd[2], r, k;

	stamps = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stamps == MAP_FAILED)
		die("mmap");
	for (r = 0; r < runs; r++) {
		mach_port_t p = exc_port(EXC_MASK_BREAKPOINT,
					 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES);
		uint64_t m[3];
		pid_t pid;

		if (pipe(fd))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			legs_child(fd[1]);
		close(fd[1]);
		serve(p, iters + 1);
		if (read(fd[0], m, sizeof(m)) != sizeof(m))
			die("child result");
		waitpid(pid, NULL, 0);
		close(fd[0]);
		drop_exc_port(p);
		for (k = 0; k < 3; k++)
			v[k][r] = m[k];
	}
	for (k = 0; k < 3; k++) {
		qsort(v[k], (size_t)runs, sizeof(uint64_t), cmp_u64);
		printf("leg %s %llu %llu %llu\n", names[k], (unsigned long long)v[k][runs / 2],
		       (unsigned long long)v[k][0], (unsigned long long)v[k][runs - 1]);
	}
	munmap(stamps, 4096);
	stamps = NULL;
}

/* ---- peers -------------------------------------------------------------- */

/* ptrace: stop at int3, GETREGS, SETREGS, CONT. */
static uint64_t ptrace_rt(void)
{
	struct user_regs_struct regs;
	int fd[2], status, i;
	uint64_t t;
	pid_t pid;

	if (pipe(fd))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		uint64_t t0;

		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		do_int3();
		t0 = now_ns();
		for (i = 0; i < iters; i++)
			do_int3();
		t = (now_ns() - t0) / (uint64_t)iters;
		if (write(fd[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	waitpid(pid, &status, 0);
	ptrace(PTRACE_CONT, pid, 0, 0);
	for (;;) {
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
			break;
		ptrace(PTRACE_GETREGS, pid, 0, &regs);
		ptrace(PTRACE_SETREGS, pid, 0, &regs);
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	if (read(fd[0], &t, sizeof(t)) != sizeof(t))
		die("ptrace child");
	close(fd[0]);
	return t;
}

/* seccomp user notification: the supervisor answers getppid(). */
static int seccomp_fd_send(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c = 0;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			     .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int seccomp_fd_recv(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			     .msg_controllen = sizeof(buf) };
	int fd = -1;

	if (recvmsg(sock, &mh, 0) != 1 || !CMSG_FIRSTHDR(&mh))
		return -1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	return fd;
}

static void do_getppid(void)
{
	syscall(SYS_getppid);
}

static uint64_t seccomp_rt(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int fd[2], sock[2], nfd, i;
	uint64_t t;
	pid_t pid;

	if (pipe(fd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sock))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		uint64_t t0;

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		nfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (nfd < 0 || seccomp_fd_send(sock[1], nfd))
			_exit(1);
		close(nfd);
		do_getppid();
		t0 = now_ns();
		for (i = 0; i < iters; i++)
			do_getppid();
		t = (now_ns() - t0) / (uint64_t)iters;
		if (write(fd[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	nfd = seccomp_fd_recv(sock[0]);
	if (nfd < 0)
		die("seccomp listener");
	for (i = 0; i <= iters; i++) {
		memset(&req, 0, sizeof(req));
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req))
			die("NOTIF_RECV");
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.val = 1;
		ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	t = read_result(fd[0], pid);
	close(nfd);
	close(fd[0]);
	close(sock[0]);
	close(sock[1]);
	return t;
}

/* An in-process SIGSEGV handler that steps over the faulting load. */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

static void do_segv(void)
{
	long a = 8;

	__asm__ volatile("mov (%%rax), %%eax" : "+a"(a) :: "memory");	/* 2 bytes */
}

static uint64_t sigsegv_rt(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO }, old;
	uint64_t t0, t;
	int i;

	sigaction(SIGSEGV, &sa, &old);
	do_segv();
	t0 = now_ns();
	for (i = 0; i < iters; i++)
		do_segv();
	t = (now_ns() - t0) / (uint64_t)iters;
	sigaction(SIGSEGV, &old, NULL);
	return t;
}

/* Pipe ping-pong: a byte there and back. */
static uint64_t pipe_rt(void)
{
	int a[2], b[2], r[2], i;
	char c = 0;
	uint64_t t = 0;
	pid_t pid;

	if (pipe(a) || pipe(b) || pipe(r))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		for (i = 0; i <= iters; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i <= iters; i++) {
		if (i == 1)
			t = now_ns();
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			die("pipe ping-pong");
	}
	t = (now_ns() - t) / (uint64_t)iters;
	waitpid(pid, NULL, 0);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]); close(r[0]); close(r[1]);
	return t;
}

/* Futex ping-pong between two processes: the floor, two context switches. */
static void futex_wait(atomic_int *f, int val)
{
	while (atomic_load(f) == val)
		syscall(SYS_futex, f, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake(atomic_int *f, int val)
{
	atomic_store(f, val);
	syscall(SYS_futex, f, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static uint64_t futex_rt(void)
{
	atomic_int *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			     -1, 0);
	uint64_t t = 0;
	pid_t pid;
	int i;

	if (f == MAP_FAILED)
		die("mmap");
	atomic_store(&f[0], 0);
	atomic_store(&f[1], 0);
	pid = fork();
	if (pid == 0) {
		for (i = 1; i <= iters + 1; i++) {
			futex_wait(&f[0], i - 1);
			futex_wake(&f[1], i);
		}
		_exit(0);
	}
	for (i = 1; i <= iters + 1; i++) {
		if (i == 2)
			t = now_ns();
		futex_wake(&f[0], i);
		futex_wait(&f[1], i - 1);
	}
	t = (now_ns() - t) / (uint64_t)iters;
	waitpid(pid, NULL, 0);
	munmap(f, 4096);
	return t;
}

static void row(const char *name, uint64_t (*fn)(void))
{
	uint64_t ns[64];
	int r;

	if (only && strcmp(only, name))
		return;
	for (r = 0; r < runs; r++)
		ns[r] = fn();
	report(name, ns);
}

static uint64_t rt_default(void)
{
	return machexc_remote(EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
			      do_int3);
}

static uint64_t rt_identity(void)
{
	return machexc_remote(EXC_MASK_BAD_INSTRUCTION,
			      EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, do_ud2);
}

static void rows(void)
{
	struct machexc_stats a, b;

	if (machexc_get_stats(&a))
		die("/dev/machexc");
	row("machexc_other_process_default", rt_default);
	if (machexc_get_stats(&b))
		die("/dev/machexc");
	/* Fast path: how often the handler was already waiting. */
	printf("fastpath %llu %llu %llu\n",
	       (unsigned long long)(b.exc_handoffs - a.exc_handoffs),
	       (unsigned long long)(b.exc_misses - a.exc_misses),
	       (unsigned long long)(b.exc_raised - a.exc_raised));
	row("machexc_other_process_state_identity", rt_identity);
	row("machexc_same_process_thread", machexc_local);
	row("ptrace", ptrace_rt);
	row("seccomp_user_notif", seccomp_rt);
	row("sigsegv_handler", sigsegv_rt);
	row("pipe", pipe_rt);
	row("futex", futex_rt);
}

/* ---- throughput ---------------------------------------------------------- */

/*
 * Exceptions per second: a faulting process with @nf threads, each
 * raising its share of @total int3 exceptions as fast as it can, and a
 * handler process with @nh threads all receiving on the one exception
 * port until the faulting process is done.  The faulting threads share
 * nothing but the start barrier; the clock runs from their release to
 * the last one's end.  The handler threads are waiting in receive before
 * the start (each serves until a stop message, so none of them runs out
 * of a quota early and leaves the rest to the other).  Prints the rate
 * and the number each handler thread answered.
 */
static pthread_barrier_t start_line;

/* The kernel's context switches so far, all CPUs (/proc/stat's ctxt). */
static unsigned long long ctxt_switches(void)
{
	unsigned long long n = 0;
	char line[256];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void *fault_thread(void *arg)
{
	int i, n = *(int *)arg;

	pthread_barrier_wait(&start_line);
	for (i = 0; i < n; i++)
		do_int3();
	return NULL;
}

static void throughput_one(int run, int nf, int nh, int total)
{
	int per = total / nf, i, fd[2], go[2];
	mach_port_t p = exc_port(EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES);
	struct server_arg sa[2];
	struct machexc_stats s0 = { 0 }, s1 = { 0 };
	struct rusage c0, c1;
	unsigned long long x0, x1;
	int diag = getenv("MACHEXC_BENCH_DIAG") != NULL;
	pthread_t ht[2];
	uint64_t t;
	pid_t pid;
	char c = 0;

	if (pipe(fd) || pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pthread_t ft[8];
		uint64_t t0;

		pthread_barrier_init(&start_line, NULL, (unsigned int)nf + 1);
		for (i = 0; i < nf; i++)
			if (pthread_create(&ft[i], NULL, fault_thread, &per))
				_exit(1);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		t0 = now_ns();
		pthread_barrier_wait(&start_line);
		for (i = 0; i < nf; i++)
			pthread_join(ft[i], NULL);
		t = now_ns() - t0;
		if (write(fd[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);	/* the child's end: a child that dies gives EOF */
	fd[1] = -1;
	for (i = 0; i < nh; i++) {
		sa[i] = (struct server_arg){ p, -1, 0, 0, 0 };
		if (pthread_create(&ht[i], NULL, server_thread, &sa[i]))
			die("pthread_create");
	}
	usleep(20000);	/* the handlers reach their receive */
	getrusage(RUSAGE_CHILDREN, &c0);
	machexc_get_stats(&s0);
	x0 = ctxt_switches();
	if (write(go[1], &c, 1) != 1)
		die("pipe");
	t = read_result(fd[0], pid);
	x1 = ctxt_switches();
	machexc_get_stats(&s1);
	getrusage(RUSAGE_CHILDREN, &c1);
	for (i = 0; i < nh; i++)
		send_stop(p);
	for (i = 0; i < nh; i++)
		pthread_join(ht[i], NULL);
	/*
	 * MACHEXC_BENCH_DIAG: what the run cost in switches and how its
	 * messages went (a "tdiag" line, which report.py does not read).
	 */
	if (diag) {
		printf("tdiag %d %d %d ctxt %llu fault_vcsw %ld fault_ivcsw %ld", run, nf, nh,
		       x1 - x0, c1.ru_nvcsw - c0.ru_nvcsw, c1.ru_nivcsw - c0.ru_nivcsw);
		for (i = 0; i < nh; i++)
			printf(" h%d_vcsw %ld h%d_ivcsw %ld", i, sa[i].vcsw, i, sa[i].ivcsw);
		printf(" exc_handoffs %llu exc_misses %llu msg_handoffs %llu msg_requeued %llu\n",
		       (unsigned long long)(s1.exc_handoffs - s0.exc_handoffs),
		       (unsigned long long)(s1.exc_misses - s0.exc_misses),
		       (unsigned long long)(s1.msg_handoffs - s0.msg_handoffs),
		       (unsigned long long)(s1.msg_requeued - s0.msg_requeued));
	}
	printf("throughput %d %d %d %llu", run, nf, nh,
	       (unsigned long long)((uint64_t)per * (uint64_t)nf * 1000000000ULL / t));
	for (i = 0; i < nh; i++)
		printf(" %d", sa[i].served);
	printf("\n");
	fflush(stdout);
	close(fd[0]);
	close(go[0]);
	close(go[1]);
	drop_exc_port(p);
}

/* Every configuration once a run, R runs: drift in the VM hits them alike. */
static void throughput(void)
{
	int r, nh, nf;

	for (r = 0; r < runs; r++)
		for (nh = 1; nh <= 2; nh++)
			for (nf = 1; nf <= 8; nf++)
				throughput_one(r, nf, nh, iters);
}

/* ---- overhead for processes that never use machexc ----------------------- */

static void on_usr1(int sig)
{
	(void)sig;
}

static void do_kill(void)
{
	kill(getpid(), SIGUSR1);
}

static void setup_usr1(void)
{
	signal(SIGUSR1, on_usr1);
}

static void setup_segv(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
}

static uint64_t in_child(void (*setup)(void), void (*fn)(void))
{
	int fd[2];
	pid_t pid;
	uint64_t t;

	if (pipe(fd))
		die("pipe");
	pid = timed_child(fd[1], setup, fn, iters * 10);
	close(fd[1]);
	t = read_result(fd[0], pid);
	close(fd[0]);
	return t;
}

static uint64_t ov_signal(void)
{
	return in_child(setup_usr1, do_kill);
}

static uint64_t ov_fault_signal(void)
{
	return in_child(setup_segv, do_segv);
}

/*
 * Blocking and unblocking a signal: every sigprocmask() recalculates the
 * pending state (recalc_sigpending()), which machexc probes while any
 * process has a task (stoppable exception waits, exc/raise.c).
 */
static void do_sigmask(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static uint64_t ov_sigmask(void)
{
	return in_child(NULL, do_sigmask);
}

/* Minor page faults: touch fresh anonymous pages. */
static uint64_t ov_page_fault(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int n = iters * 4, i;
	char *m = mmap(NULL, (size_t)n * (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0, t;

	if (m == MAP_FAILED)
		die("mmap");
	t0 = now_ns();
	for (i = 0; i < n; i++)
		m[(size_t)i * (size_t)page] = 1;
	t = (now_ns() - t0) / (uint64_t)n;
	munmap(m, (size_t)n * (size_t)page);
	return t;
}

/* fork(), the child _exit()s at once, the parent reaps it: fork and exit. */
static uint64_t ov_fork_exit(void)
{
	int n = iters / 10 + 1, i;
	uint64_t t0 = 0;
	pid_t pid;

	for (i = -1; i < n; i++) {	/* -1: warm up */
		if (i == 0)
			t0 = now_ns();
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, NULL, 0) != pid)
			die("waitpid");
	}
	return (now_ns() - t0) / (uint64_t)n;
}

static const char *self_exe = "/proc/self/exe";

/* The same, the child first exec()ing this program, which exits at once. */
static uint64_t ov_fork_exec_exit(void)
{
	char *argv[] = { "machexc-bench", "exit", NULL }, *envp[] = { NULL };
	int n = iters / 20 + 1, i, status;
	uint64_t t0 = 0;
	pid_t pid;

	for (i = -1; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execve(self_exe, argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die("exec");
	}
	return (now_ns() - t0) / (uint64_t)n;
}

static void overhead(void)
{
	row("signal_delivery", ov_signal);
	row("sigprocmask", ov_sigmask);
	row("fault_signal_to_own_handler", ov_fault_signal);
	row("page_fault", ov_page_fault);
	row("fork_exit", ov_fork_exit);
	row("fork_exec_exit", ov_fork_exec_exit);
}

/*
 * A process with an exception port and a thread stopped in an exception
 * nobody takes: it waits (stoppably) for ever, so that the kprobes that
 * let a waiting thread stop for SIGSTOP stay armed.
 */
static void *wait_thread(void *arg)
{
	(void)arg;
	do_int3();
	return NULL;
}

static void hold_waiting(void)
{
	pthread_t t;

	if (!exc_port(EXC_MASK_BREAKPOINT | EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT))
		die("exception port");
	if (pthread_create(&t, NULL, wait_thread, NULL))
		die("pthread_create");
	pause();
}

/* ---- kernel memory -------------------------------------------------------- */

/* Slab memory in bytes, from /proc/meminfo. */
static long long kernel_bytes(void)
{
	char line[256];
	long long kb, sum = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			sum += kb;
	fclose(f);
	return sum * 1024;
}

static void memory(void)
{
	int nports = 20000, nspaces = 200, i, ready[2], go[2], done[2];
	long long before, after;
	mach_port_t p;
	char c;

	before = kernel_bytes();
	for (i = 0; i < nports; i++)
		if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p))
			die("mach_port_allocate");
	after = kernel_bytes();
	printf("memory port %lld\n", (after - before) / nports);

	/* Processes that exist, then each makes its space: the difference. */
	if (pipe(ready) || pipe(go) || pipe(done))
		die("pipe");
	for (i = 0; i < nspaces; i++) {
		if (fork() == 0) {
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			mach_task_self();
			if (write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
	}
	sleep(1);	/* let them all settle before the baseline */
	before = kernel_bytes();
	for (i = 0; i < nspaces; i++)
		if (write(go[1], "g", 1) != 1)
			die("pipe");
	for (i = 0; i < nspaces; i++)
		if (read(ready[0], &c, 1) != 1)
			die("pipe");
	after = kernel_bytes();
	printf("memory space %lld\n", (after - before) / nspaces);
	for (i = 0; i < nspaces; i++)
		if (write(done[1], "d", 1) != 1)
			die("pipe");
	while (wait(NULL) > 0)
		;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: machexc-bench rows|legs|throughput|overhead|memory|hold [--pin] "
		"[--runs R] [--iters N] [--only ROW]\n");
}

int main(int argc, char **argv)
{
	const char *what;
	int i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	what = argv[1];
	if (!strcmp(what, "exit"))	/* ov_fork_exec_exit()'s child */
		return 0;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--pin")) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(0, &set);
			if (sched_setaffinity(0, sizeof(set), &set))
				die("sched_setaffinity");
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			iters = atoi(argv[++i]);
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (runs < 1 || runs > 64 || iters < 1) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(what, "rows"))
		rows();
	else if (!strcmp(what, "throughput"))
		throughput();
	else if (!strcmp(what, "legs"))
		legs();
	else if (!strcmp(what, "overhead"))
		overhead();
	else if (!strcmp(what, "memory"))
		memory();
	else if (!strcmp(what, "hold") && exc_port(EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT))
		pause();
	else if (!strcmp(what, "hold-waiting"))
		hold_waiting();
	else {
		usage(stderr);
		return 2;
	}
	return 0;
}
