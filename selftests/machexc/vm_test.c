// SPDX-License-Identifier: GPL-2.0
/*
 * A task's memory, written as on macOS: mach_vm_read, mach_vm_read_overwrite,
 * mach_vm_write, mach_vm_region, mach_vm_region_recurse, mach_vm_protect,
 * mach_vm_allocate and mach_vm_deallocate, on our own task and on a forked
 * child's (task_for_pid), and machexc_task_suspend_at_exec().
 *
 * The child serves commands through shared memory (look at its memory,
 * call a function, give up being dumpable, exec), so that what a call did
 * to it is seen from inside it.  Every process a test starts is in the
 * registry of tasks.h and dies in the teardown, as do the files it made.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <machexc.h>
#include <mach/mach_vm.h>

#include "kselftest_harness.h"
#include "tasks.h"

#define PAGE 4096UL
#define BIG (64UL << 20)	/* the large transfer */
#define USER_END (1ULL << 47)

/* ret42() in a text page of this (static) program: mov $42, %eax; ret. */
__asm__(
	"	.text\n"
	"	.globl ret42\n"
	"	.type ret42, @function\n"
	"ret42:\n"
	"	mov $42, %eax\n"
	"	ret\n"
	"	.size ret42, . - ret42\n");
long ret42(void);
static const unsigned char ret42_code[6] = { 0xb8, 42, 0, 0, 0, 0xc3 };
static const unsigned char ret7_code[6] = { 0xb8, 7, 0, 0, 0, 0xc3 };

/* The image exec()ed by the suspend-at-exec test: says "ran" and exits. */
__attribute__((constructor)) static void exec_image(void)
{
	const char *fd = getenv("MACHEXC_VM_TEST_EXEC_FD");

	if (fd) {
		if (write(atoi(fd), "ran", 3) != 3)
			_exit(1);
		_exit(0);
	}
}

enum cmd { C_NONE, C_PEEK, C_CALL, C_NODUMP, C_SUM, C_EXEC, C_RLIMIT_AS, C_UFFD,
	   C_UFFD_PENDING, C_UFFD_READ };

/* What the parent and its child share. */
struct shm {
	atomic_int cmd;		/* set by the parent, 0 once done */
	atomic_int ready;
	uint64_t addr, len;
	long result;
	int fd;
	kern_return_t kr[4];	/* what a caller in another process got */
	uint64_t val;
	unsigned char buf[2 * 4096];
};

FIXTURE(vm) {
	struct shm *shm;
	pid_t pid;		/* the child */
	task_t task;		/* its task port */
	char path[2][64];	/* files to remove */
	int npath;
	void *map[8];		/* mappings to remove */
	size_t maplen[8];
	int nmap;
};

FIXTURE_SETUP(vm)
{
	ASSERT_EQ(0, registry_init());
	self->shm = shared_map(sizeof(*self->shm));
	ASSERT_NE(NULL, self->shm);
	self->shm->fd = -1;
}

FIXTURE_TEARDOWN(vm)
{
	int i;

	kill_all();
	if (self->task)
		mach_port_deallocate(ME, self->task);
	for (i = 0; i < self->npath; i++)
		unlink(self->path[i]);
	for (i = 0; i < self->nmap; i++)
		munmap(self->map[i], self->maplen[i]);
	munmap(self->shm, sizeof(*self->shm));
}

static uint64_t hash(const unsigned char *p, uint64_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL, i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * A page of ours under a userfaultfd that reports unmaps
 * (UFFD_FEATURE_EVENT_UNMAP): whoever unmaps it waits until the event is
 * read.  The descriptor, and the page's address in *@addr; or -1.
 */
static long uffd_page(uint64_t *addr)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_EVENT_UNMAP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	void *p;

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		return -1;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	reg.range.start = (uintptr_t)p;
	reg.range.len = PAGE;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return -1;
	*addr = (uintptr_t)p;
	return fd;
}

/* The child: serve the parent's commands until killed. */
static void __attribute__((noreturn)) serve(struct shm *s)
{
	char env[64];
	char *argv[] = { "vm_test-exec", NULL }, *envp[] = { env, NULL };

	atomic_store(&s->ready, 1);
	for (;;) {
		int c = atomic_load(&s->cmd);

		switch (c) {
		case C_NONE:
			usleep(200);
			continue;
		case C_PEEK:
			memcpy(s->buf, (void *)(uintptr_t)s->addr, s->len);
			break;
		case C_CALL:
			s->result = ((long (*)(void))(uintptr_t)s->addr)();
			break;
		case C_NODUMP:
			s->result = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
			break;
		case C_SUM:
			s->result = (long)hash((void *)(uintptr_t)s->addr, s->len);
			break;
		case C_RLIMIT_AS: {
			struct rlimit r = { s->len, s->len };

			s->result = setrlimit(RLIMIT_AS, &r);
			break;
		}
		case C_UFFD:
			s->result = uffd_page(&s->val);
			break;
		case C_UFFD_PENDING: {
			struct pollfd p = { .fd = (int)s->addr, .events = POLLIN };

			s->result = poll(&p, 1, 0);
			break;
		}
		case C_UFFD_READ: {
			struct uffd_msg m;

			s->result = read((int)s->addr, &m, sizeof(m)) == sizeof(m) ? m.event : -1;
			break;
		}
		case C_EXEC:
			snprintf(env, sizeof(env), "MACHEXC_VM_TEST_EXEC_FD=%d", s->fd);
			execve("/proc/self/exe", argv, envp);
			_exit(99);
		}
		atomic_store(&s->cmd, C_NONE);
	}
}

/* Fork the child (it has our mappings) and take its task port: 0 or -1. */
static int start(FIXTURE_DATA(vm) *self)
{
	self->pid = spawn();
	if (self->pid < 0)
		return -1;
	if (self->pid == 0)
		serve(self->shm);
	if (!poll_until(atomic_load(&self->shm->ready)))
		return -1;
	return task_for_pid(ME, self->pid, &self->task) == KERN_SUCCESS ? 0 : -1;
}

/* Have the child run @cmd; its result, or -999 if it did not answer. */
static long ask(FIXTURE_DATA(vm) *self, enum cmd cmd, uint64_t addr, uint64_t len)
{
	struct shm *s = self->shm;

	s->addr = addr;
	s->len = len;
	s->result = 0;
	atomic_store(&s->cmd, cmd);
	if (!poll_until(atomic_load(&s->cmd) == C_NONE))
		return -999;
	return s->result;
}

/*
 * @len bytes at @addr as the target sees them: the child's through
 * C_PEEK, ours directly.  0, or -1.
 */
static int peek(FIXTURE_DATA(vm) *self, int remote, uint64_t addr, size_t len, void *out)
{
	if (len > sizeof(self->shm->buf))
		return -1;
	if (!remote) {
		memcpy(out, (void *)(uintptr_t)addr, len);
		return 0;
	}
	if (ask(self, C_PEEK, addr, len) == -999)
		return -1;
	memcpy(out, self->shm->buf, len);
	return 0;
}

/* A mapping the teardown removes. */
static void *map(FIXTURE_DATA(vm) *self, size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);

	if (p == MAP_FAILED || self->nmap == 8)
		return NULL;
	self->map[self->nmap] = p;
	self->maplen[self->nmap++] = len;
	return p;
}

/* A file of @len bytes of @fill, opened with @flags; the teardown removes it. */
static int file(FIXTURE_DATA(vm) *self, size_t len, int fill, int flags)
{
	char *path = self->path[self->npath];
	unsigned char buf[PAGE];
	size_t done;
	int fd;

	snprintf(path, sizeof(self->path[0]), "/tmp/vm_test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	self->npath++;
	memset(buf, fill, sizeof(buf));
	for (done = 0; done < len; done += PAGE)
		if (write(fd, buf, PAGE) != (ssize_t)PAGE)
			return -1;
	close(fd);
	return open(path, flags | O_CLOEXEC);
}

/* Does file @fd hold only @fill in its first @len bytes? */
static int file_is(int fd, size_t len, int fill)
{
	unsigned char buf[PAGE];
	size_t off, i;

	for (off = 0; off < len; off += PAGE) {
		if (pread(fd, buf, PAGE, off) != (ssize_t)PAGE)
			return 0;
		for (i = 0; i < PAGE; i++)
			if (buf[i] != fill)
				return 0;
	}
	return 1;
}

static int all(const unsigned char *p, size_t len, int v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int maps_lines(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd, lines = 0, i;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static kern_return_t basic(task_t t, mach_vm_address_t *addr, mach_vm_size_t *size,
			   vm_region_basic_info_data_64_t *info)
{
	mach_msg_type_number_t n = VM_REGION_BASIC_INFO_COUNT_64;
	mach_port_t obj = 0x1234;

	memset(info, 0, sizeof(*info));
	return mach_vm_region(t, addr, size, VM_REGION_BASIC_INFO_64, (vm_region_info_t)info, &n,
			      &obj);
}

static task_t target(struct __test_metadata *_metadata, FIXTURE_DATA(vm) *self, int remote)
{
	TH_LOG("on the %s task", remote ? "child's" : "own");
	return remote ? self->task : ME;
}

/* The body once on the child's task, then once on our own. */
#define FOR_BOTH(self, t, remote)					\
	for (remote = 1; remote >= 0; remote--)				\
		for (t = target(_metadata, self, remote); t; t = MACH_PORT_NULL)

/* --- reading ------------------------------------------------------------- */

/* read_overwrite copies exactly the range, across pages, and says its size. */
TEST_F(vm, read_overwrite_copies_the_range_and_reports_its_size)
{
	unsigned char *src = map(self, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char dst[PAGE + 2];
	mach_vm_size_t out;
	int remote, i;
	task_t t;

	ASSERT_NE(NULL, src);
	for (i = 0; i < (int)(2 * PAGE); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		memset(dst, 0xee, sizeof(dst));
		out = 0;
		ASSERT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(t, (uintptr_t)src + PAGE / 2, PAGE,
							       (uintptr_t)dst + 1, &out));
		EXPECT_EQ(PAGE, out);
		EXPECT_EQ(0, memcmp(dst + 1, src + PAGE / 2, PAGE));
		EXPECT_EQ(0xee, dst[0]);
		EXPECT_EQ(0xee, dst[PAGE + 1]);
	}
}

/*
 * mach_vm_read gives fresh memory at the source's offset within its page,
 * which vm_deallocate(data, dataCnt) frees entirely.
 */
TEST_F(vm, read_returns_fresh_memory_at_the_same_page_offset)
{
	unsigned char *src = map(self, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	mach_msg_type_number_t cnt;
	vm_offset_t data;
	unsigned char v;
	int remote, i;
	task_t t;

	ASSERT_NE(NULL, src);
	for (i = 0; i < (int)(3 * PAGE); i++)
		src[i] = (unsigned char)(i ^ (i >> 8));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		data = 0;
		cnt = 0;
		ASSERT_EQ(KERN_SUCCESS, mach_vm_read(t, (uintptr_t)src + 123, 5000, &data, &cnt));
		EXPECT_EQ(5000, cnt);
		EXPECT_EQ(123, data % PAGE);
		EXPECT_NE((uintptr_t)src + 123, data);
		EXPECT_EQ(0, memcmp((void *)data, src + 123, 5000));
		EXPECT_EQ(KERN_SUCCESS, vm_deallocate(ME, data, cnt));
		/* Both pages it took are gone. */
		EXPECT_EQ(-1, mincore((void *)(data - 123), PAGE, &v));
		EXPECT_EQ(-1, mincore((void *)(data - 123 + PAGE), PAGE, &v));
	}
}

/*
 * dataCnt is a mach_msg_type_number_t: a size above UINT32_MAX is
 * KERN_INVALID_ARGUMENT (as XNU's mach_vm_read), and nothing is allocated.
 */
TEST_F(vm, read_of_more_than_32_bits_is_invalid_argument)
{
	unsigned char *src = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	mach_msg_type_number_t cnt = 77;
	vm_offset_t data = 0x1234;
	int remote, before;
	task_t t;

	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		before = maps_lines(getpid());
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  mach_vm_read(t, (uintptr_t)src, (mach_vm_size_t)UINT32_MAX + 1, &data,
				       &cnt));
		EXPECT_EQ(0x1234, data);
		EXPECT_EQ(77, cnt);
		EXPECT_EQ(before, maps_lines(getpid()));
	}
}

/*
 * A range whose second page is unmapped: KERN_INVALID_ADDRESS, the
 * destination untouched, and mach_vm_read leaves nothing allocated.
 */
TEST_F(vm, read_of_a_partly_unmapped_range_is_invalid_address_and_copies_nothing)
{
	unsigned char *src = map(self, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char dst[2 * PAGE];
	mach_msg_type_number_t cnt;
	mach_vm_size_t out;
	vm_offset_t data;
	int remote, before;
	task_t t;

	ASSERT_NE(NULL, src);
	memset(src, 0x11, PAGE);
	ASSERT_EQ(0, munmap(src + PAGE, PAGE));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		memset(dst, 0x5a, sizeof(dst));
		out = 99;
		EXPECT_EQ(KERN_INVALID_ADDRESS,
			  mach_vm_read_overwrite(t, (uintptr_t)src + 16, PAGE, (uintptr_t)dst, &out));
		EXPECT_TRUE(all(dst, sizeof(dst), 0x5a));
		EXPECT_EQ(99, out);
		before = maps_lines(getpid());
		data = 0;
		EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_read(t, (uintptr_t)src, 2 * PAGE, &data,
							     &cnt));
		EXPECT_EQ(0, data);
		EXPECT_EQ(before, maps_lines(getpid()));
		/* Wholly unmapped, and an address no process has. */
		EXPECT_EQ(KERN_INVALID_ADDRESS,
			  mach_vm_read_overwrite(t, (uintptr_t)src + PAGE, 8, (uintptr_t)dst, &out));
		EXPECT_EQ(KERN_INVALID_ADDRESS,
			  mach_vm_read_overwrite(t, USER_END, 8, (uintptr_t)dst, &out));
	}
}

/* PROT_NONE memory cannot be read: KERN_PROTECTION_FAILURE, nothing copied. */
TEST_F(vm, read_of_prot_none_is_protection_failure)
{
	unsigned char *src = map(self, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char dst[64];
	mach_vm_size_t out;
	int remote;
	task_t t;

	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, mprotect(src + PAGE, PAGE, PROT_NONE));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		memset(dst, 0x5a, sizeof(dst));
		EXPECT_EQ(KERN_PROTECTION_FAILURE,
			  mach_vm_read_overwrite(t, (uintptr_t)src + PAGE - 32, 64, (uintptr_t)dst,
						 &out));
		EXPECT_TRUE(all(dst, sizeof(dst), 0x5a));
	}
}

/* --- writing ------------------------------------------------------------- */

/* mach_vm_write changes the target's bytes, and only those. */
TEST_F(vm, write_changes_exactly_the_range)
{
	unsigned char *dst = map(self, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char data[PAGE], seen[2 * PAGE];
	int remote;
	task_t t;

	ASSERT_NE(NULL, dst);
	memset(dst, 0x11, 2 * PAGE);
	memset(data, 0x77, sizeof(data));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		ASSERT_EQ(KERN_SUCCESS, mach_vm_write(t, (uintptr_t)dst + PAGE / 2,
						      (uintptr_t)data, PAGE));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)dst, 2 * PAGE, seen));
		EXPECT_TRUE(all(seen, PAGE / 2, 0x11));
		EXPECT_TRUE(all(seen + PAGE / 2, PAGE, 0x77));
		EXPECT_TRUE(all(seen + 3 * PAGE / 2, PAGE / 2, 0x11));
	}
}

/* A write whose range runs into an unmapped page changes nothing at all. */
TEST_F(vm, write_into_a_partly_unmapped_range_is_invalid_address_and_changes_nothing)
{
	unsigned char *dst = map(self, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char data[2 * PAGE], seen[2 * PAGE];
	int remote;
	task_t t;

	ASSERT_NE(NULL, dst);
	memset(dst, 0x11, 2 * PAGE);
	ASSERT_EQ(0, munmap(dst + 2 * PAGE, PAGE));
	memset(data, 0x77, sizeof(data));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_write(t, (uintptr_t)dst + PAGE,
							      (uintptr_t)data, 2 * PAGE));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)dst, 2 * PAGE, seen));
		EXPECT_TRUE(all(seen, 2 * PAGE, 0x11));
	}
}

/* Write into a read-only private mapping: it works (copy on write), as ptrace's. */
TEST_F(vm, write_into_a_read_only_private_mapping_succeeds)
{
	unsigned char *dst = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char data[16], seen[32];
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a;
	mach_vm_size_t s;
	int remote;
	task_t t;

	ASSERT_NE(NULL, dst);
	memset(dst, 0x11, PAGE);
	ASSERT_EQ(0, mprotect(dst, PAGE, PROT_READ));
	memset(data, 0xcc, sizeof(data));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		ASSERT_EQ(KERN_SUCCESS, mach_vm_write(t, (uintptr_t)dst + 8, (uintptr_t)data, 16));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)dst, 32, seen));
		EXPECT_TRUE(all(seen, 8, 0x11));
		EXPECT_TRUE(all(seen + 8, 16, 0xcc));
		EXPECT_TRUE(all(seen + 24, 8, 0x11));
		/* Still read-only. */
		a = (uintptr_t)dst;
		ASSERT_EQ(KERN_SUCCESS, basic(t, &a, &s, &info));
		EXPECT_EQ(VM_PROT_READ, info.protection);
	}
}

/*
 * New code written into a text page is what the child runs (the file
 * behind the text stays as it was); an int3 planted there stops it.
 */
TEST_F(vm, write_into_text_changes_what_the_child_executes)
{
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a = (uintptr_t)ret42;
	unsigned char bytes[6];
	unsigned char cc = 0xcc;
	mach_vm_size_t s;
	int fd, status;

	struct rlimit nocore = { 0, 0 };

	ASSERT_EQ(0, memcmp((void *)(uintptr_t)ret42, ret42_code, 6));
	ASSERT_EQ(0, setrlimit(RLIMIT_CORE, &nocore));	/* the SIGTRAP below */
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(42, ask(self, C_CALL, (uintptr_t)ret42, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(self->task, (uintptr_t)ret42, (uintptr_t)ret7_code,
					      6));
	EXPECT_EQ(7, ask(self, C_CALL, (uintptr_t)ret42, 0));
	EXPECT_EQ(42, ret42());			/* ours is ours */

	/* The program file is unchanged. */
	ASSERT_EQ(KERN_SUCCESS, basic(ME, &a, &s, &info));
	EXPECT_EQ(VM_PROT_READ | VM_PROT_EXECUTE, info.protection);
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(6, pread(fd, bytes, 6, info.offset + ((uintptr_t)ret42 - a)));
	EXPECT_EQ(0, memcmp(bytes, ret42_code, 6));
	close(fd);

	/* A breakpoint: the child takes SIGTRAP when it runs into it. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(self->task, (uintptr_t)ret42, (uintptr_t)&cc, 1));
	self->shm->addr = (uintptr_t)ret42;
	atomic_store(&self->shm->cmd, C_CALL);
	ASSERT_EQ(0, reap(self->pid, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGTRAP, WTERMSIG(status));
}

/* Our own text too: the next call runs the new bytes. */
TEST_F(vm, write_into_own_text_changes_what_we_execute)
{
	long (*volatile fn)(void) = ret42;

	ASSERT_EQ(42, fn());
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(ME, (uintptr_t)ret42, (uintptr_t)ret7_code, 6));
	EXPECT_EQ(7, fn());
	EXPECT_EQ(KERN_SUCCESS, mach_vm_write(ME, (uintptr_t)ret42, (uintptr_t)ret42_code, 6));
	EXPECT_EQ(42, fn());
}

/*
 * A shared mapping of a file the target opened read-only cannot be written
 * (its maximum protection has no write): KERN_PROTECTION_FAILURE, and the
 * file is unchanged.
 */
TEST_F(vm, write_into_a_shared_file_mapping_the_target_cannot_write_is_protection_failure)
{
	int fd = file(self, 2 * PAGE, 0x33, O_RDONLY);
	vm_region_basic_info_data_64_t info;
	unsigned char data[64], seen[64];
	unsigned char *m;
	mach_vm_address_t a;
	mach_vm_size_t s;
	int remote;
	task_t t;

	ASSERT_LE(0, fd);
	m = map(self, 2 * PAGE, PROT_READ, MAP_SHARED, fd);
	ASSERT_NE(NULL, m);
	memset(data, 0x99, sizeof(data));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		a = (uintptr_t)m;
		ASSERT_EQ(KERN_SUCCESS, basic(t, &a, &s, &info));
		EXPECT_TRUE(info.shared);
		EXPECT_FALSE(info.max_protection & VM_PROT_WRITE);
		EXPECT_EQ(KERN_PROTECTION_FAILURE,
			  mach_vm_write(t, (uintptr_t)m + PAGE - 32, (uintptr_t)data, 64));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)m + PAGE - 32, 64, seen));
		EXPECT_TRUE(all(seen, 64, 0x33));
		EXPECT_TRUE(file_is(fd, 2 * PAGE, 0x33));
	}
	close(fd);
}

/* A write into a private file mapping changes the mapping, never the file. */
TEST_F(vm, write_into_a_private_file_mapping_leaves_the_file_alone)
{
	int fd = file(self, 2 * PAGE, 0x33, O_RDONLY);
	unsigned char data[64], seen[64];
	unsigned char *m;
	int remote;
	task_t t;

	ASSERT_LE(0, fd);
	m = map(self, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd);
	ASSERT_NE(NULL, m);
	memset(data, 0x99, sizeof(data));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		ASSERT_EQ(KERN_SUCCESS, mach_vm_write(t, (uintptr_t)m + PAGE - 32, (uintptr_t)data,
						      64));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)m + PAGE - 32, 64, seen));
		EXPECT_TRUE(all(seen, 64, 0x99));
		EXPECT_TRUE(file_is(fd, 2 * PAGE, 0x33));
	}
	close(fd);
}

/* A caller's buffer that is not there: MIG could not have sent it. */
TEST_F(vm, write_from_an_unmapped_buffer_is_send_invalid_memory)
{
	unsigned char *dst = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char seen[16];
	int remote;
	task_t t;

	ASSERT_NE(NULL, dst);
	memset(dst, 0x11, PAGE);
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		EXPECT_EQ(MACH_SEND_INVALID_MEMORY, mach_vm_write(t, (uintptr_t)dst, USER_END, 16));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)dst, 16, seen));
		EXPECT_TRUE(all(seen, 16, 0x11));
	}
}

/* --- ranges -------------------------------------------------------------- */

/* A range that wraps around the top of the address space: KERN_INVALID_ADDRESS. */
TEST_F(vm, wrapping_range_is_invalid_address)
{
	unsigned char buf[256];
	mach_vm_size_t out;
	vm_offset_t data = 0;
	mach_msg_type_number_t cnt;
	int remote;
	task_t t;

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		EXPECT_EQ(KERN_INVALID_ADDRESS,
			  mach_vm_read_overwrite(t, ~0ULL - 15, 32, (uintptr_t)buf, &out));
		EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_read(t, ~0ULL - 15, 32, &data, &cnt));
		EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_write(t, ~0ULL - 15, (uintptr_t)buf, 32));
	}
}

/* A size of 0 succeeds and copies nothing, wherever it points. */
TEST_F(vm, size_zero_succeeds_and_copies_nothing)
{
	unsigned char *m = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char buf[16], seen[16];
	mach_msg_type_number_t cnt;
	mach_vm_size_t out;
	vm_offset_t data;
	int remote;
	task_t t;

	ASSERT_NE(NULL, m);
	memset(m, 0x11, PAGE);
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		out = 99;
		EXPECT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(t, (uintptr_t)m, 0, (uintptr_t)buf,
							       &out));
		EXPECT_EQ(0, out);
		EXPECT_TRUE(all(buf, sizeof(buf), 0x5a));
		data = 0x1234;
		cnt = 5;
		EXPECT_EQ(KERN_SUCCESS, mach_vm_read(t, (uintptr_t)m, 0, &data, &cnt));
		EXPECT_EQ(0, data);
		EXPECT_EQ(0, cnt);
		EXPECT_EQ(KERN_SUCCESS, mach_vm_write(t, (uintptr_t)m, (uintptr_t)buf, 0));
		ASSERT_EQ(0, peek(self, remote, (uintptr_t)m, 16, seen));
		EXPECT_TRUE(all(seen, 16, 0x11));
	}
}

static void fill(uint64_t *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (i + 1) * 0x9e3779b97f4a7c15ULL ^ seed;
}

static int check(const uint64_t *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ((i + 1) * 0x9e3779b97f4a7c15ULL ^ seed))
			return 0;
	return 1;
}

/* 64 MiB each way, byte for byte. */
TEST_F_TIMEOUT(vm, large_transfers_are_exact, 300)
{
	uint64_t *src = map(self, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	uint64_t *dst = map(self, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	mach_vm_size_t out = 0;
	size_t n = BIG / 8;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	fill(src, n, 1);
	ASSERT_EQ(0, start(self));
	/* The child's 64 MiB into ours. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(self->task, (uintptr_t)src, BIG,
						       (uintptr_t)dst, &out));
	EXPECT_EQ(BIG, out);
	EXPECT_TRUE(check(dst, n, 1));
	/* Ours into the child's, which hashes what it then has. */
	fill(dst, n, 2);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(self->task, (uintptr_t)src, (uintptr_t)dst, BIG));
	EXPECT_EQ((long)hash((void *)dst, BIG), ask(self, C_SUM, (uintptr_t)src, BIG));
	EXPECT_TRUE(check(src, n, 1));		/* ours did not move */
	/* And within our own task. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(ME, (uintptr_t)src, BIG, (uintptr_t)dst,
						       &out));
	EXPECT_TRUE(check(dst, n, 1));
}

/* --- regions ------------------------------------------------------------- */

struct maps_entry {
	uint64_t start, end, offset;
	char perms[5];
};

static struct maps_entry want[1024], got[1024];
static char maps_buf[256 * 1024];

/* /proc/PID/maps, without [vsyscall] (not a VMA): the number of entries, or -1. */
static int read_maps(pid_t pid, struct maps_entry *e, int room)
{
	char path[64], *line, *next;
	size_t len = 0;
	ssize_t r;
	int fd, n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((r = read(fd, maps_buf + len, sizeof(maps_buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	maps_buf[len] = 0;
	for (line = maps_buf; *line && n < room; line = next) {
		next = strchr(line, '\n');
		if (!next)
			break;
		*next++ = 0;
		if (strstr(line, "[vsyscall]"))
			continue;
		if (sscanf(line, "%lx-%lx %4s %lx", &e[n].start, &e[n].end, e[n].perms,
			   &e[n].offset) != 4)
			return -1;
		n++;
	}
	return n;
}

/* The whole address space through mach_vm_region: the number of regions. */
static int walk(task_t t, struct maps_entry *e, int room, kern_return_t *last)
{
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a = 0;
	mach_vm_size_t s;
	int n = 0;

	while (n < room && (*last = basic(t, &a, &s, &info)) == KERN_SUCCESS) {
		e[n].start = a;
		e[n].end = a + s;
		e[n].offset = info.offset;
		e[n].perms[0] = info.protection & VM_PROT_READ ? 'r' : '-';
		e[n].perms[1] = info.protection & VM_PROT_WRITE ? 'w' : '-';
		e[n].perms[2] = info.protection & VM_PROT_EXECUTE ? 'x' : '-';
		e[n].perms[3] = info.shared ? 's' : 'p';
		e[n].perms[4] = 0;
		n++;
		a += s;
	}
	return n;
}

/*
 * Walking the address space region by region gives /proc/PID/maps line by
 * line (start, end, permissions, shared or private, offset), and ends
 * with KERN_INVALID_ADDRESS.
 */
TEST_F(vm, region_walk_matches_proc_maps)
{
	int fd = file(self, 2 * PAGE, 0x33, O_RDONLY);
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a = 0;
	mach_vm_size_t s;
	kern_return_t last;
	int remote, nw, ng, i;
	task_t t;

	/* Some variety: a shared file mapping, a private one, PROT_NONE. */
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, map(self, PAGE, PROT_READ, MAP_SHARED, fd));
	ASSERT_NE(NULL, map(self, 2 * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd));
	ASSERT_NE(NULL, map(self, PAGE, PROT_NONE, MAP_PRIVATE, -1));
	close(fd);
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, basic(ME, &a, &s, &info));	/* the device is open */
	FOR_BOTH(self, t, remote) {
		pid_t pid = remote ? self->pid : getpid();

		nw = read_maps(pid, want, 1024);
		ng = walk(t, got, 1024, &last);
		ASSERT_LT(10, nw);
		EXPECT_EQ(KERN_INVALID_ADDRESS, last);
		EXPECT_EQ(nw, ng);
		for (i = 0; i < nw && i < ng; i++) {
			if (want[i].start == got[i].start && want[i].end == got[i].end &&
			    !strcmp(want[i].perms, got[i].perms) &&
			    want[i].offset == got[i].offset)
				continue;
			TH_LOG("maps %lx-%lx %s %lx, region %lx-%lx %s %lx", want[i].start,
			       want[i].end, want[i].perms, want[i].offset, got[i].start,
			       got[i].end, got[i].perms, got[i].offset);
			EXPECT_TRUE(0);
		}
	}
}

/* An address between two regions describes the next one; none above: invalid. */
TEST_F(vm, region_of_a_hole_is_the_next_region)
{
	unsigned char *m = map(self, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a;
	mach_vm_size_t s;
	int remote;
	task_t t;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, munmap(m + PAGE, PAGE));
	ASSERT_EQ(0, mprotect(m + 2 * PAGE, PAGE, PROT_READ));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		a = (uintptr_t)m + PAGE + 100;
		ASSERT_EQ(KERN_SUCCESS, basic(t, &a, &s, &info));
		EXPECT_EQ((uintptr_t)m + 2 * PAGE, a);
		EXPECT_EQ(VM_PROT_READ, info.protection);
		/* Inside a region: that region, from its start. */
		a = (uintptr_t)m + 100;
		ASSERT_EQ(KERN_SUCCESS, basic(t, &a, &s, &info));
		EXPECT_GE((uintptr_t)m, a);
		EXPECT_LE((uintptr_t)m + PAGE, a + s);
		EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, info.protection);
		a = USER_END;
		EXPECT_EQ(KERN_INVALID_ADDRESS, basic(t, &a, &s, &info));
	}
}

/*
 * The basic flavors: VM_REGION_BASIC_INFO is the 64-bit structure for
 * mach_vm_region and vm_region_64, the legacy one for vm_region; another
 * flavor or a short count is KERN_INVALID_ARGUMENT; object_name is null;
 * shared, inheritance and wiring are the mapping's.
 */
TEST_F(vm, region_basic_info_flavors_counts_and_fields)
{
	unsigned char *sh = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, -1);
	unsigned char *wired = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	vm_region_basic_info_data_64_t b64;
	vm_region_basic_info_data_t b32[2];
	mach_msg_type_number_t n;
	mach_port_t obj;
	mach_vm_address_t a;
	vm_address_t va;
	mach_vm_size_t s;
	vm_size_t vs;
	int remote;
	task_t t;

	ASSERT_NE(NULL, sh);
	ASSERT_NE(NULL, wired);
	ASSERT_EQ(0, mlock(wired, PAGE));
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		a = (uintptr_t)sh;
		n = VM_REGION_BASIC_INFO_COUNT_64;
		obj = 0x1234;
		ASSERT_EQ(KERN_SUCCESS, mach_vm_region(t, &a, &s, VM_REGION_BASIC_INFO,
						       (vm_region_info_t)&b64, &n, &obj));
		EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT_64, n);
		EXPECT_EQ(MACH_PORT_NULL, obj);
		EXPECT_EQ((uintptr_t)sh, a);
		EXPECT_EQ(PAGE, s);
		EXPECT_TRUE(b64.shared);
		EXPECT_EQ(VM_INHERIT_SHARE, b64.inheritance);
		EXPECT_EQ(0, b64.user_wired_count);
		n = VM_REGION_BASIC_INFO_COUNT_64 - 1;
		EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_region(t, &a, &s, VM_REGION_BASIC_INFO,
								(vm_region_info_t)&b64, &n,
								&obj));
		n = VM_REGION_INFO_MAX;
		EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_region(t, &a, &s, VM_REGION_TOP_INFO,
								(vm_region_info_t)&b64, &n,
								&obj));
		EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_region(t, &a, &s, 77,
								(vm_region_info_t)&b64, &n,
								&obj));

		/* vm_region: the legacy structure, and nothing past it written. */
		va = (uintptr_t)wired;
		n = VM_REGION_BASIC_INFO_COUNT;
		memset(b32, 0xee, sizeof(b32));
		ASSERT_EQ(KERN_SUCCESS, vm_region(t, &va, &vs, VM_REGION_BASIC_INFO,
						  (vm_region_info_t)b32, &n, &obj));
		EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT, n);
		EXPECT_GE((uintptr_t)wired, va);
		EXPECT_LT((uintptr_t)wired, va + vs);
		EXPECT_FALSE(b32[0].shared);
		EXPECT_EQ(VM_INHERIT_COPY, b32[0].inheritance);
		EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, b32[0].protection);
		EXPECT_EQ(VM_PROT_ALL, b32[0].max_protection);
		EXPECT_EQ(remote ? 0 : 1, b32[0].user_wired_count);	/* mlock is not inherited */
		EXPECT_EQ(0xeeeeeeeeU, (unsigned int)b32[1].protection);
		/* vm_region_64 with the same flavor: the 64-bit structure. */
		va = (uintptr_t)wired;
		n = VM_REGION_BASIC_INFO_COUNT;
		EXPECT_EQ(KERN_INVALID_ARGUMENT, vm_region_64(t, &va, &vs, VM_REGION_BASIC_INFO,
							      (vm_region_info_t)&b64, &n, &obj));
		n = VM_REGION_BASIC_INFO_COUNT_64;
		EXPECT_EQ(KERN_SUCCESS, vm_region_64(t, &va, &vs, VM_REGION_BASIC_INFO,
						     (vm_region_info_t)&b64, &n, &obj));
		EXPECT_EQ(VM_REGION_BASIC_INFO_COUNT_64, n);
	}
}

/*
 * mach_vm_region_recurse picks its structure by the count as XNU does and
 * writes nothing past it; no submaps: is_submap 0, depth 0; share modes
 * SM_SHARED, SM_COW (private file), SM_PRIVATE (private anonymous).
 */
TEST_F(vm, region_recurse_structure_by_count_and_share_modes)
{
	int fd = file(self, PAGE, 0x33, O_RDONLY);
	unsigned char *sh = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, -1);
	unsigned char *anon = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char *cow;
	static const struct { mach_msg_type_number_t in, out; kern_return_t kr; } counts[] = {
		{ 11, 0, KERN_INVALID_ARGUMENT }, { 12, 12, KERN_SUCCESS },
		{ 15, 12, KERN_SUCCESS }, { 16, 16, KERN_SUCCESS }, { 17, 17, KERN_SUCCESS },
		{ 18, 17, KERN_SUCCESS }, { 19, 19, KERN_SUCCESS }, { 40, 19, KERN_SUCCESS },
	};
	union {
		vm_region_submap_info_data_64_t full;
		vm_region_submap_short_info_data_64_t shrt;
		vm_region_submap_info_data_t legacy;
		natural_t w[64];
	} u;
	mach_msg_type_number_t n;
	mach_vm_address_t a;
	mach_vm_size_t s;
	vm_address_t va;
	vm_size_t vs;
	natural_t depth;
	unsigned int i;
	int remote;
	task_t t;

	ASSERT_LE(0, fd);
	cow = map(self, PAGE, PROT_READ, MAP_PRIVATE, fd);
	ASSERT_NE(NULL, cow);
	ASSERT_NE(NULL, sh);
	ASSERT_NE(NULL, anon);
	close(fd);
	ASSERT_EQ(0, start(self));
	FOR_BOTH(self, t, remote) {
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			memset(&u, 0xee, sizeof(u));
			a = (uintptr_t)anon;
			n = counts[i].in;
			depth = 5;
			EXPECT_EQ(counts[i].kr, mach_vm_region_recurse(t, &a, &s, &depth,
								       (vm_region_recurse_info_t)&u,
								       &n));
			if (counts[i].kr != KERN_SUCCESS)
				continue;
			EXPECT_EQ(counts[i].out, n);
			EXPECT_EQ(0, depth);
			EXPECT_GE((uintptr_t)anon, a);	/* it may have merged below */
			EXPECT_LT((uintptr_t)anon, a + s);
			EXPECT_EQ(0xeeeeeeeeU, u.w[n]);
			if (n == VM_REGION_SUBMAP_SHORT_INFO_COUNT_64) {
				EXPECT_EQ(0, u.shrt.is_submap);
				EXPECT_EQ(SM_PRIVATE, u.shrt.share_mode);
				EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, u.shrt.protection);
			} else {
				EXPECT_EQ(0, u.full.is_submap);
				EXPECT_EQ(SM_PRIVATE, u.full.share_mode);
				EXPECT_EQ(0, u.full.pages_resident);
				EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, u.full.protection);
			}
		}
		a = (uintptr_t)sh;
		n = VM_REGION_SUBMAP_INFO_COUNT_64;
		depth = 0;
		ASSERT_EQ(KERN_SUCCESS, mach_vm_region_recurse(t, &a, &s, &depth,
							       (vm_region_recurse_info_t)&u, &n));
		EXPECT_EQ(SM_SHARED, u.full.share_mode);
		EXPECT_EQ(VM_INHERIT_SHARE, u.full.inheritance);
		a = (uintptr_t)cow;
		n = VM_REGION_SUBMAP_INFO_COUNT_64;
		ASSERT_EQ(KERN_SUCCESS, mach_vm_region_recurse(t, &a, &s, &depth,
							       (vm_region_recurse_info_t)&u, &n));
		EXPECT_EQ(SM_COW, u.full.share_mode);
		EXPECT_EQ(1, u.full.external_pager);
		/* vm_region_recurse: the 32-bit structure. */
		va = (uintptr_t)cow;
		n = VM_REGION_SUBMAP_INFO_COUNT - 1;
		EXPECT_EQ(KERN_INVALID_ARGUMENT,
			  vm_region_recurse(t, &va, &vs, &depth, (vm_region_recurse_info_t)&u, &n));
		memset(&u, 0xee, sizeof(u));
		n = VM_REGION_SUBMAP_INFO_COUNT;
		ASSERT_EQ(KERN_SUCCESS, vm_region_recurse(t, &va, &vs, &depth,
							  (vm_region_recurse_info_t)&u, &n));
		EXPECT_EQ(VM_REGION_SUBMAP_INFO_COUNT, n);
		EXPECT_EQ(SM_COW, u.legacy.share_mode);
		EXPECT_EQ(VM_PROT_READ, u.legacy.protection);
		EXPECT_EQ(0xeeeeeeeeU, u.w[n]);
	}
}

/* --- permission and targets ---------------------------------------------- */

/*
 * A child that stops being dumpable after we took its port: every call
 * checks again, and without CAP_SYS_PTRACE we may not: KERN_FAILURE.
 */
TEST_F(vm, task_we_may_no_longer_access_is_kern_failure)
{
	unsigned char *m = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	vm_region_basic_info_data_64_t info;
	unsigned char buf[16];
	mach_vm_address_t a;
	mach_vm_size_t s, out;
	vm_offset_t data;
	mach_msg_type_number_t cnt;
	natural_t depth = 0;
	mach_msg_type_number_t n;
	union {
		vm_region_submap_info_data_64_t full;
		natural_t w[32];
	} u;
	int lines;

	ASSERT_NE(NULL, m);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, drop_cap_sys_ptrace());
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(self->task, (uintptr_t)m, 16,
						       (uintptr_t)buf, &out));
	ASSERT_EQ(0, ask(self, C_NODUMP, 0, 0));
	EXPECT_EQ(KERN_FAILURE, mach_vm_read_overwrite(self->task, (uintptr_t)m, 16,
						       (uintptr_t)buf, &out));
	EXPECT_EQ(KERN_FAILURE, mach_vm_read(self->task, (uintptr_t)m, 16, &data, &cnt));
	EXPECT_EQ(KERN_FAILURE, mach_vm_write(self->task, (uintptr_t)m, (uintptr_t)buf, 16));
	a = (uintptr_t)m;
	EXPECT_EQ(KERN_FAILURE, basic(self->task, &a, &s, &info));
	n = VM_REGION_SUBMAP_INFO_COUNT_64;
	EXPECT_EQ(KERN_FAILURE, mach_vm_region_recurse(self->task, &a, &s, &depth,
						       (vm_region_recurse_info_t)&u, &n));
	EXPECT_EQ(KERN_FAILURE, machexc_task_suspend_at_exec(self->task));
	lines = maps_lines(self->pid);
	a = 0x1234;
	EXPECT_EQ(KERN_FAILURE, mach_vm_allocate(self->task, &a, PAGE, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0x1234, a);
	EXPECT_EQ(KERN_FAILURE, mach_vm_deallocate(self->task, (uintptr_t)m, PAGE));
	EXPECT_EQ(lines, maps_lines(self->pid));	/* nothing made, nothing unmapped */
}

/*
 * Another task's protections cannot be changed from here: protect on its
 * port is KERN_NOT_SUPPORTED, and it keeps its memory as it was.
 */
TEST_F(vm, remote_protect_is_not_supported)
{
	unsigned char *m = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t ma;
	mach_vm_size_t s;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, start(self));
	EXPECT_EQ(KERN_NOT_SUPPORTED, mach_vm_protect(self->task, (uintptr_t)m, PAGE, FALSE,
						      VM_PROT_READ));
	EXPECT_EQ(KERN_NOT_SUPPORTED, vm_protect(self->task, (uintptr_t)m, PAGE, TRUE,
						 VM_PROT_NONE));
	ma = (uintptr_t)m;
	ASSERT_EQ(KERN_SUCCESS, basic(self->task, &ma, &s, &info));
	EXPECT_EQ((uintptr_t)m, ma);
	EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, info.protection);
}

/* What MIG cannot send to: MACH_SEND_INVALID_DEST, for every call. */
TEST_F(vm, null_and_dead_targets_are_send_invalid_dest)
{
	vm_region_basic_info_data_64_t info;
	mach_port_t dead = dead_name(), bad[2] = { MACH_PORT_NULL, dead };
	unsigned char buf[16];
	mach_vm_address_t a;
	mach_vm_size_t s, out;
	vm_offset_t data;
	mach_msg_type_number_t cnt;
	int i;

	ASSERT_NE(MACH_PORT_NULL, dead);
	for (i = 0; i < 2; i++) {
		a = (uintptr_t)buf;
		EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_read_overwrite(bad[i], (uintptr_t)buf, 16,
									 (uintptr_t)buf, &out));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_read(bad[i], (uintptr_t)buf, 16, &data,
							       &cnt));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_write(bad[i], (uintptr_t)buf,
								(uintptr_t)buf, 16));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, basic(bad[i], &a, &s, &info));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_protect(bad[i], (uintptr_t)buf, 16, FALSE,
								  VM_PROT_DEFAULT));
		EXPECT_EQ(MACH_SEND_INVALID_DEST, machexc_task_suspend_at_exec(bad[i]));
	}
	mach_port_deallocate(ME, dead);
}

/* --- vm_protect on our own task ------------------------------------------ */

static vm_prot_t prot_of(void *p, vm_prot_t *max)
{
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a = (uintptr_t)p;
	mach_vm_size_t s;

	if (basic(ME, &a, &s, &info) || a > (uintptr_t)p)
		return -1;
	if (max)
		*max = info.max_protection;
	return info.protection;
}

/* The current protection changes, within the maximum. */
TEST_F(vm, protect_changes_the_current_protection)
{
	unsigned char *m = map(self, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);

	ASSERT_NE(NULL, m);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(ME, (uintptr_t)m + 10, PAGE, FALSE, VM_PROT_READ));
	EXPECT_EQ(VM_PROT_READ, prot_of(m, NULL));
	EXPECT_EQ(VM_PROT_READ, prot_of(m + PAGE, NULL));	/* the pages the range touches */
	ASSERT_EQ(KERN_SUCCESS, vm_protect(ME, (uintptr_t)m, 2 * PAGE, FALSE, VM_PROT_ALL));
	EXPECT_EQ(VM_PROT_ALL, prot_of(m, NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_protect(ME, (uintptr_t)m, 0, FALSE, VM_PROT_NONE));
	EXPECT_EQ(VM_PROT_ALL, prot_of(m, NULL));
}

/*
 * A maximum is never raised: not as the current protection of a shared
 * mapping of a read-only file, nor as a new maximum (KERN_PROTECTION_FAILURE).
 */
TEST_F(vm, protect_above_the_maximum_is_protection_failure)
{
	int fd = file(self, PAGE, 0x33, O_RDONLY);
	unsigned char *m;
	vm_prot_t max;

	ASSERT_LE(0, fd);
	m = map(self, PAGE, PROT_READ, MAP_SHARED, fd);
	ASSERT_NE(NULL, m);
	close(fd);
	ASSERT_EQ(VM_PROT_READ, prot_of(m, &max));
	ASSERT_FALSE(max & VM_PROT_WRITE);
	EXPECT_EQ(KERN_PROTECTION_FAILURE, mach_vm_protect(ME, (uintptr_t)m, PAGE, FALSE,
							   VM_PROT_DEFAULT));
	EXPECT_EQ(KERN_PROTECTION_FAILURE, mach_vm_protect(ME, (uintptr_t)m, PAGE, TRUE,
							   VM_PROT_DEFAULT));
	EXPECT_EQ(VM_PROT_READ, prot_of(m, NULL));
}

/*
 * set_maximum lowers the current protection to what it shares with the
 * new maximum (the maximum itself Linux keeps: see lib/src/vm.c).
 */
TEST_F(vm, protect_set_maximum_lowers_the_current_protection)
{
	unsigned char *m = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);

	ASSERT_NE(NULL, m);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(ME, (uintptr_t)m, PAGE, TRUE,
						VM_PROT_READ | VM_PROT_EXECUTE));
	EXPECT_EQ(VM_PROT_READ, prot_of(m, NULL));
}

/* A hole anywhere in the range: KERN_INVALID_ADDRESS, and nothing changed. */
TEST_F(vm, protect_over_a_hole_is_invalid_address_and_changes_nothing)
{
	unsigned char *m = map(self, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, munmap(m + PAGE, PAGE));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_protect(ME, (uintptr_t)m, 3 * PAGE, FALSE,
							VM_PROT_READ));
	EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, prot_of(m, NULL));
	EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, prot_of(m + 2 * PAGE, NULL));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_protect(ME, (uintptr_t)m + PAGE, 16, FALSE,
							VM_PROT_READ));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_protect(ME, USER_END, PAGE, FALSE,
							VM_PROT_READ));
}

/* Unknown protection bits and a wrapping range: KERN_INVALID_ARGUMENT. */
TEST_F(vm, protect_bad_arguments_are_invalid_argument)
{
	unsigned char *m = map(self, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_protect(ME, (uintptr_t)m, PAGE, FALSE, 0x20));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_protect(ME, (uintptr_t)m, ~0ULL, FALSE,
							 VM_PROT_READ));
	EXPECT_EQ(VM_PROT_READ | VM_PROT_WRITE, prot_of(m, NULL));
}

/* VM_PROT_COPY on a private file mapping: writable, and the file stays. */
TEST_F(vm, protect_copy_on_a_private_mapping_makes_it_writable)
{
	int fd = file(self, PAGE, 0x33, O_RDONLY);
	unsigned char *m;

	ASSERT_LE(0, fd);
	m = map(self, PAGE, PROT_READ, MAP_PRIVATE, fd);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(ME, (uintptr_t)m, PAGE, FALSE,
						VM_PROT_COPY | VM_PROT_DEFAULT));
	EXPECT_EQ(VM_PROT_DEFAULT, prot_of(m, NULL));
	memset(m, 0x44, 16);
	EXPECT_TRUE(all(m + 16, PAGE - 16, 0x33));
	EXPECT_TRUE(file_is(fd, PAGE, 0x33));
	close(fd);
}

/*
 * VM_PROT_COPY on a shared mapping of a read-only file: a private copy of
 * its bytes takes its place, writable; the file stays as it was.
 */
TEST_F(vm, protect_copy_on_a_shared_read_only_mapping_gives_a_private_copy)
{
	int fd = file(self, 2 * PAGE, 0x33, O_RDONLY);
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a;
	mach_vm_size_t s;
	unsigned char *m;

	ASSERT_LE(0, fd);
	m = map(self, 2 * PAGE, PROT_READ, MAP_SHARED, fd);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(KERN_SUCCESS, mach_vm_protect(ME, (uintptr_t)m, 2 * PAGE, FALSE,
						VM_PROT_COPY | VM_PROT_DEFAULT));
	a = (uintptr_t)m;
	ASSERT_EQ(KERN_SUCCESS, basic(ME, &a, &s, &info));
	EXPECT_GE((uintptr_t)m, a);
	EXPECT_LE((uintptr_t)m + 2 * PAGE, a + s);
	EXPECT_FALSE(info.shared);
	EXPECT_EQ(VM_PROT_DEFAULT, info.protection);
	EXPECT_TRUE(info.max_protection & VM_PROT_WRITE);
	EXPECT_TRUE(all(m, 2 * PAGE, 0x33));
	memset(m + PAGE, 0x44, 16);
	EXPECT_TRUE(file_is(fd, 2 * PAGE, 0x33));
	close(fd);
}

/* --- suspend at exec ----------------------------------------------------- */

static int comm_is(pid_t pid, const char *want)
{
	char path[64], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return !strncmp(buf, want, strlen(want)) && buf[strlen(want)] == '\n';
}

static int suspend_count(task_t task)
{
	mach_task_basic_info_data_t ti;
	mach_msg_type_number_t n = MACH_TASK_BASIC_INFO_COUNT;

	if (task_info(task, MACH_TASK_BASIC_INFO, (task_info_t)&ti, &n))
		return -1;
	return ti.suspend_count;
}

/*
 * The exec'd program does not run until task_resume(): it would write
 * "ran" to a pipe, and nothing arrives while the task is suspended (suspend
 * count 1 after the exec, asked for twice); it arrives after the resume.
 */
TEST_F(vm, suspend_at_exec_holds_the_new_program_until_task_resume)
{
	struct pollfd pfd;
	char buf[4] = { 0 };
	int p[2], i, status;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, fcntl(p[0], F_SETFL, O_NONBLOCK));
	self->shm->fd = p[1];
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, machexc_task_suspend_at_exec(self->task));
	ASSERT_EQ(KERN_SUCCESS, machexc_task_suspend_at_exec(self->task));
	EXPECT_EQ(0, suspend_count(self->task));	/* nothing until the exec */
	atomic_store(&self->shm->cmd, C_EXEC);
	ASSERT_TRUE(poll_until(comm_is(self->pid, "exe") && suspend_count(self->task) == 1));
	/* Held: nothing comes while we give it every chance to run. */
	for (i = 0; i < 50; i++) {
		EXPECT_EQ(-1, read(p[0], buf, 3));
		EXPECT_EQ(EAGAIN, errno);
		sched_yield();
		usleep(2000);
	}
	EXPECT_EQ(1, suspend_count(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	pfd.fd = p[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 15000));
	EXPECT_EQ(3, read(p[0], buf, 3));
	EXPECT_STREQ("ran", buf);
	ASSERT_EQ(0, reap(self->pid, &status));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(p[0]);
	close(p[1]);
}

/*
 * The park comes after the exec's own work: the close-on-exec files are
 * closed while the new program is held, so a launcher's close-on-exec
 * pipe reports the exec (end of file) before anything resumes it.
 */
TEST_F(vm, suspend_at_exec_parks_after_close_on_exec_files_are_closed)
{
	struct pollfd pfd;
	int p[2], q[2], status;
	char c;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));	/* the launcher's exec pipe */
	ASSERT_EQ(0, pipe(q));			/* the program's "ran" */
	self->shm->fd = q[1];
	ASSERT_EQ(0, start(self));
	close(p[1]);				/* the child's copy is the last */
	ASSERT_EQ(KERN_SUCCESS, machexc_task_suspend_at_exec(self->task));
	atomic_store(&self->shm->cmd, C_EXEC);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 15000));
	EXPECT_EQ(0, read(p[0], &c, 1));	/* end of file: exec'd */
	ASSERT_TRUE(poll_until(suspend_count(self->task) == 1));
	pfd.fd = q[0];
	EXPECT_EQ(0, poll(&pfd, 1, 0));		/* and held: it has not run */
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	ASSERT_EQ(1, poll(&pfd, 1, 15000));
	ASSERT_EQ(0, reap(self->pid, &status));
	EXPECT_TRUE(WIFEXITED(status));
	close(p[0]);
	close(q[0]);
	close(q[1]);
}

/* Without the request an exec runs straight away. */
TEST_F(vm, exec_without_suspend_at_exec_runs_at_once)
{
	struct pollfd pfd;
	char buf[4] = { 0 };
	int p[2], status;

	ASSERT_EQ(0, pipe(p));
	self->shm->fd = p[1];
	ASSERT_EQ(0, start(self));
	atomic_store(&self->shm->cmd, C_EXEC);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 15000));
	EXPECT_EQ(3, read(p[0], buf, 3));
	EXPECT_STREQ("ran", buf);
	ASSERT_EQ(0, reap(self->pid, &status));
	EXPECT_TRUE(WIFEXITED(status));
	close(p[0]);
	close(p[1]);
}

/* --- allocate and deallocate in another task ------------------------------ */

/* An allocated range of @t: its region, which must be exactly it, rw, private. */
static int is_fresh_region(task_t t, mach_vm_address_t addr, mach_vm_size_t size)
{
	vm_region_basic_info_data_64_t info;
	mach_vm_address_t a = addr;
	mach_vm_size_t s;

	if (basic(t, &a, &s, &info) != KERN_SUCCESS || a > addr || a + s < addr + size)
		return 0;
	return info.protection == (VM_PROT_READ | VM_PROT_WRITE) && !info.shared;
}

/* Is [addr, addr + size) one line (or inside one) of /proc/PID/maps? */
static int in_maps(pid_t pid, uint64_t addr, uint64_t size)
{
	int n = read_maps(pid, want, 1024), i;

	for (i = 0; i < n; i++)
		if (want[i].start <= addr && addr + size <= want[i].end)
			return 1;
	return 0;
}

/*
 * mach_vm_allocate on a child's port gives zero-filled memory in the
 * child: what we write there with mach_vm_write, the child reads.
 */
TEST_F(vm, allocate_in_another_task_gives_memory_the_target_sees)
{
	unsigned char zero[2 * PAGE], pat[2 * PAGE], seen[2 * PAGE];
	mach_vm_address_t a = 0;
	mach_vm_size_t out;

	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 2 * PAGE, VM_FLAGS_ANYWHERE));
	ASSERT_NE(0, a);
	EXPECT_EQ(0, a % PAGE);
	EXPECT_TRUE(is_fresh_region(self->task, a, 2 * PAGE));
	EXPECT_TRUE(in_maps(self->pid, a, 2 * PAGE));
	memset(zero, 0, sizeof(zero));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_read_overwrite(self->task, a, sizeof(seen),
						       (uintptr_t)seen, &out));
	EXPECT_EQ(0, memcmp(zero, seen, sizeof(seen)));
	memset(pat, 0x6b, sizeof(pat));
	pat[0] = 1;
	pat[sizeof(pat) - 1] = 2;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(self->task, a, (uintptr_t)pat, sizeof(pat)));
	ASSERT_EQ(0, peek(self, 1, a, sizeof(seen), seen));
	EXPECT_EQ(0, memcmp(pat, seen, sizeof(seen)));
}

/* The legacy forms take the same path. */
TEST_F(vm, legacy_vm_allocate_and_vm_deallocate_work_on_another_task)
{
	vm_address_t va = 0;
	vm_offset_t data;
	mach_msg_type_number_t cnt;

	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, vm_allocate(self->task, &va, 3 * PAGE, VM_FLAGS_ANYWHERE));
	EXPECT_TRUE(is_fresh_region(self->task, va, 3 * PAGE));
	ASSERT_EQ(KERN_SUCCESS, vm_deallocate(self->task, va, 3 * PAGE));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_read(self->task, va, PAGE, &data, &cnt));
}

/*
 * VM_FLAGS_ANYWHERE: the target's kernel picks a free range, top-down
 * from the target's mmap base (far above the static program's image and
 * heap, below 2^47), ignoring what *address said; two calls, two ranges.
 */
TEST_F(vm, allocate_anywhere_picks_a_free_range_near_the_targets_mmap_base)
{
	mach_vm_address_t a = 0x10000, b = 0;

	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 5 * PAGE, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &b, PAGE, VM_FLAGS_ANYWHERE));
	EXPECT_NE(0x10000, a);
	EXPECT_GE(a, 1ULL << 46);
	EXPECT_LT(a + 5 * PAGE, USER_END);
	EXPECT_TRUE(b + PAGE <= a || b >= a + 5 * PAGE);
	EXPECT_TRUE(is_fresh_region(self->task, a, 5 * PAGE));
	EXPECT_TRUE(is_fresh_region(self->task, b, PAGE));
}

/*
 * Without VM_FLAGS_ANYWHERE the range is fixed: the address truncated to
 * its page, the size rounded up on its own, and *address says where.
 */
TEST_F(vm, allocate_fixed_goes_at_the_truncated_address)
{
	mach_vm_address_t a = 0, want;

	ASSERT_EQ(0, start(self));
	/* A free range of the child's: allocated, then freed. */
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 4 * PAGE, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, a, 4 * PAGE));
	want = a + PAGE;
	a = want + 123;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, PAGE + 1, VM_FLAGS_FIXED));
	EXPECT_EQ(want, a);
	EXPECT_TRUE(is_fresh_region(self->task, want, 2 * PAGE));
	EXPECT_TRUE(in_maps(self->pid, want, 2 * PAGE));
	EXPECT_FALSE(in_maps(self->pid, want - PAGE, PAGE));
	EXPECT_FALSE(in_maps(self->pid, want + 2 * PAGE, PAGE));
}

/* A fixed range over one of the target's mappings: KERN_NO_SPACE, as macOS. */
TEST_F(vm, allocate_fixed_over_a_mapping_is_no_space_and_changes_nothing)
{
	unsigned char *m = map(self, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1);
	unsigned char seen[16];
	mach_vm_address_t a;

	ASSERT_NE(NULL, m);
	memset(m, 0x3c, 2 * PAGE);
	ASSERT_EQ(0, start(self));	/* the child has its own copy */
	a = (uintptr_t)m + PAGE;	/* half over it */
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(self->task, &a, 2 * PAGE, VM_FLAGS_FIXED));
	ASSERT_EQ(0, peek(self, 1, (uintptr_t)m + PAGE, sizeof(seen), seen));
	EXPECT_TRUE(all(seen, sizeof(seen), 0x3c));
}

/* VM_FLAGS_OVERWRITE replaces what is there with fresh zeroed memory. */
TEST_F(vm, allocate_with_overwrite_replaces_the_mapping)
{
	unsigned char *m = map(self, 2 * PAGE, PROT_READ, MAP_PRIVATE, -1);
	unsigned char seen[2 * PAGE];
	mach_vm_address_t a;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(self->task, (uintptr_t)m, (uintptr_t)"xyz", 3));
	a = (uintptr_t)m;
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 2 * PAGE,
						 VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE));
	EXPECT_EQ((uintptr_t)m, a);
	EXPECT_TRUE(is_fresh_region(self->task, a, 2 * PAGE));	/* now writable */
	ASSERT_EQ(0, peek(self, 1, a, sizeof(seen), seen));
	EXPECT_TRUE(all(seen, sizeof(seen), 0));
}

/*
 * mach_vm_deallocate unmaps the pages the range touches: a read there is
 * then KERN_INVALID_ADDRESS.  As XNU: an unmapped range (holes) and a
 * size of 0 succeed, a range that wraps is KERN_INVALID_ARGUMENT.
 */
TEST_F(vm, deallocate_unmaps_and_a_read_there_is_invalid_address)
{
	unsigned char buf[16];
	mach_vm_address_t a = 0;
	mach_vm_size_t out;

	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 3 * PAGE, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, a + PAGE + 5, 1));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_read_overwrite(self->task, a + PAGE, 16,
							       (uintptr_t)buf, &out));
	EXPECT_FALSE(in_maps(self->pid, a + PAGE, PAGE));
	EXPECT_TRUE(is_fresh_region(self->task, a, PAGE));
	EXPECT_TRUE(is_fresh_region(self->task, a + 2 * PAGE, PAGE));
	/* Again, over the hole and the rest. */
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, a, 3 * PAGE));
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_read_overwrite(self->task, a, 16,
							       (uintptr_t)buf, &out));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, a, 3 * PAGE));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, a, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_deallocate(self->task, a, ~0ULL - a + 2));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, USER_END, PAGE));
}

/*
 * Flags outside VM_FLAGS_USER_ALLOCATE, or VM_FLAGS_OVERWRITE without a
 * fixed address: KERN_INVALID_ARGUMENT and nothing made; a tag is fine.
 */
TEST_F(vm, allocate_with_bad_flags_is_invalid_argument)
{
	static const int bad[] = { VM_FLAGS_ANYWHERE | VM_FLAGS_RESILIENT_CODESIGN,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_RETURN_DATA_ADDR,
				   VM_FLAGS_ANYWHERE | 0x100,
				   VM_FLAGS_ANYWHERE | VM_FLAGS_OVERWRITE };
	mach_vm_address_t a;
	unsigned int i;
	int lines;

	ASSERT_EQ(0, start(self));
	lines = maps_lines(self->pid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 0x1234;
		EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_allocate(self->task, &a, PAGE, bad[i]))
			TH_LOG("flags 0x%x", bad[i]);
		EXPECT_EQ(0x1234, a);
	}
	EXPECT_EQ(lines, maps_lines(self->pid));
	a = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, PAGE,
						 VM_FLAGS_ANYWHERE | VM_MAKE_TAG(VM_MEMORY_MALLOC)));
}

/*
 * Sizes: 0 gives address 0; one that cannot be rounded to pages is
 * KERN_INVALID_ARGUMENT; one larger than user space is KERN_NO_SPACE
 * anywhere, KERN_INVALID_ADDRESS fixed, as is a fixed range past its end.
 */
TEST_F(vm, allocate_sizes_that_overflow_are_refused)
{
	mach_vm_address_t a;

	ASSERT_EQ(0, start(self));
	a = 0x1234;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 0, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(0, a);
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_allocate(self->task, &a, ~0ULL, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_allocate(self->task, &a, ~0ULL - PAGE + 2,
							  VM_FLAGS_FIXED));
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(self->task, &a, 1ULL << 62, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(self->task, &a, USER_END, VM_FLAGS_ANYWHERE));
	a = PAGE * 16;
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_allocate(self->task, &a, 1ULL << 62, VM_FLAGS_FIXED));
	a = USER_END - PAGE;
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_allocate(self->task, &a, 2 * PAGE, VM_FLAGS_FIXED));
	a = ~0ULL - PAGE;
	EXPECT_EQ(KERN_INVALID_ADDRESS, mach_vm_allocate(self->task, &a, 4 * PAGE, VM_FLAGS_FIXED));
}

/* The target's mapped size in pages (total_vm), from /proc/PID/statm. */
static long total_vm(pid_t pid)
{
	char path[64];
	long pages = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &pages) != 1)
		pages = -1;
	fclose(f);
	return pages;
}

/*
 * The target's RLIMIT_AS holds, not the kernel thread's (unlimited) nor
 * ours: with 1 MiB left, 2 MiB is KERN_NO_SPACE and 512 KiB fits.
 */
TEST_F(vm, allocate_past_the_targets_rlimit_as_is_no_space)
{
	mach_vm_address_t a = 0;
	long pages;

	ASSERT_EQ(0, start(self));
	pages = total_vm(self->pid);
	ASSERT_LT(0, pages);
	ASSERT_EQ(0, ask(self, C_RLIMIT_AS, 0, pages * PAGE + (1UL << 20)));
	ASSERT_EQ(pages, total_vm(self->pid));
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(self->task, &a, 2UL << 20, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(pages, total_vm(self->pid));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 512UL << 10, VM_FLAGS_ANYWHERE));
	EXPECT_EQ(pages + 128, total_vm(self->pid));
}

/* vm.max_map_count: the target's mapping count is the kernel's own check. */
TEST_F(vm, allocate_past_the_max_map_count_is_no_space)
{
	mach_vm_address_t a = 0;
	char old[32] = "", now[32];
	kern_return_t kr;
	ssize_t n;
	int fd, lines;

	ASSERT_EQ(0, start(self));
	lines = maps_lines(self->pid);
	ASSERT_LT(4, lines);
	fd = open("/proc/sys/vm/max_map_count", O_RDWR);
	ASSERT_LE(0, fd);
	n = read(fd, old, sizeof(old) - 1);
	ASSERT_LT(0, n);
	snprintf(now, sizeof(now), "%d\n", lines - 3);	/* below the child's count */
	ASSERT_EQ((ssize_t)strlen(now), pwrite(fd, now, strlen(now), 0));
	kr = mach_vm_allocate(self->task, &a, PAGE, VM_FLAGS_ANYWHERE);
	EXPECT_EQ((ssize_t)n, pwrite(fd, old, n, 0));
	close(fd);
	EXPECT_EQ(KERN_NO_SPACE, kr);
	EXPECT_EQ(lines, maps_lines(self->pid));
}

/*
 * A suspended target (a debugger's usual case) gets its memory all the
 * same: nothing of it has to run.  It sees the bytes once resumed.
 */
TEST_F(vm, allocate_in_a_suspended_target_works)
{
	unsigned char seen[8];
	mach_vm_address_t a = 0;

	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, PAGE, VM_FLAGS_ANYWHERE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_write(self->task, a, (uintptr_t)"abcdefgh", 8));
	EXPECT_EQ(1, suspend_count(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	ASSERT_EQ(0, peek(self, 1, a, 8, seen));
	EXPECT_EQ(0, memcmp(seen, "abcdefgh", 8));
}

/*
 * After the target's exec the task port reaches the new program: the
 * memory goes into the new image's address space (held by
 * suspend-at-exec so that it stays to be looked at).
 */
TEST_F(vm, allocate_after_the_target_execs_goes_into_the_new_image)
{
	mach_vm_address_t a = 0;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	self->shm->fd = p[1];
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(KERN_SUCCESS, machexc_task_suspend_at_exec(self->task));
	atomic_store(&self->shm->cmd, C_EXEC);
	ASSERT_TRUE(poll_until(comm_is(self->pid, "exe") && suspend_count(self->task) == 1));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, 7 * PAGE, VM_FLAGS_ANYWHERE));
	EXPECT_TRUE(in_maps(self->pid, a, 7 * PAGE));
	EXPECT_TRUE(is_fresh_region(self->task, a, 7 * PAGE));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_deallocate(self->task, a, 7 * PAGE));
	EXPECT_FALSE(in_maps(self->pid, a, PAGE));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	close(p[0]);
	close(p[1]);
}

/*
 * vm.mmap_min_addr is judged with the caller's credentials, never the
 * kernel thread's: page 0 of a child is KERN_NO_SPACE for a caller
 * without CAP_SYS_RAWIO (uid 1000, its own child), and root may map it.
 */
TEST_F(vm, allocate_below_mmap_min_addr_is_judged_with_the_callers_credentials)
{
	struct shm *s = self->shm;
	mach_vm_address_t a;
	char buf[32] = "";
	pid_t cpid;
	int fd, status;

	fd = open("/proc/sys/vm/mmap_min_addr", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	if (atol(buf) == 0)
		SKIP(return, "vm.mmap_min_addr is 0");
	s->kr[0] = s->kr[1] = -1;
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		task_t t;
		pid_t tpid;

		/* A change of uid left us not dumpable: the child would be too. */
		if (become(1000) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(1);
		tpid = spawn();
		if (tpid == 0)
			serve(s);
		if (tpid < 0 || !poll_until(atomic_load(&s->ready)))
			_exit(2);
		s->val = tpid;
		s->kr[0] = task_for_pid(ME, tpid, &t);
		a = 0;
		s->kr[1] = mach_vm_allocate(t, &a, PAGE, VM_FLAGS_FIXED);
		_exit(0);
	}
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(KERN_SUCCESS, s->kr[0]);
	EXPECT_EQ(KERN_NO_SPACE, s->kr[1]);
	if (s->val > 1)
		kill((pid_t)s->val, SIGKILL);	/* it served the same commands */
	atomic_store(&s->ready, 0);
	ASSERT_EQ(0, start(self));
	a = 0;
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(self->task, &a, PAGE, VM_FLAGS_FIXED));
	EXPECT_EQ(0, a);
	EXPECT_TRUE(in_maps(self->pid, 0, PAGE));
}

/*
 * A caller of another uid (which took the port while it could) is refused
 * as for every other call on the port: KERN_FAILURE, nothing made.
 */
TEST_F(vm, allocate_by_a_caller_of_another_uid_is_kern_failure)
{
	struct shm *s = self->shm;
	pid_t cpid;
	int status, lines;

	ASSERT_EQ(0, start(self));
	lines = maps_lines(self->pid);
	s->kr[0] = s->kr[1] = s->kr[2] = -1;
	s->val = 0x1234;
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		mach_vm_address_t a = 0x1234;
		task_t t;

		s->kr[0] = task_for_pid(ME, self->pid, &t);
		if (become(1001))
			_exit(1);
		s->kr[1] = mach_vm_allocate(t, &a, PAGE, VM_FLAGS_ANYWHERE);
		s->val = a;
		s->kr[2] = mach_vm_deallocate(t, (uintptr_t)s, PAGE);
		_exit(0);
	}
	ASSERT_EQ(0, reap(cpid, &status));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(KERN_SUCCESS, s->kr[0]);
	EXPECT_EQ(KERN_FAILURE, s->kr[1]);
	EXPECT_EQ(0x1234, s->val);
	EXPECT_EQ(KERN_FAILURE, s->kr[2]);
	EXPECT_EQ(lines, maps_lines(self->pid));
}

/*
 * A caller killed while it waits returns at once; the work it asked for
 * goes on and cleans up by itself.  Held here by the target's userfaultfd,
 * which makes an unmap wait until its monitor reads the event: the caller
 * dies while the kernel thread still waits, then the event is read.
 */
TEST_F(vm, a_caller_killed_while_it_waits_leaves_the_work_to_finish)
{
	struct shm *s = self->shm;
	uint64_t page;
	long fd;
	pid_t cpid;
	int status;

	ASSERT_EQ(0, start(self));
	fd = ask(self, C_UFFD, 0, 0);
	if (fd < 0)
		SKIP(return, "no userfaultfd with unmap events");
	page = s->val;
	s->kr[0] = -1;
	cpid = spawn();
	ASSERT_LE(0, cpid);
	if (cpid == 0) {
		task_t t;

		if (task_for_pid(ME, self->pid, &t))
			_exit(1);
		s->kr[0] = mach_vm_deallocate(t, page, PAGE);	/* waits for the event */
		_exit(0);
	}
	ASSERT_TRUE(poll_until(ask(self, C_UFFD_PENDING, fd, 0) == 1));
	EXPECT_EQ(-1, s->kr[0]);		/* still waiting */
	ASSERT_EQ(0, kill(cpid, SIGKILL));
	ASSERT_EQ(0, reap(cpid, &status));	/* the wait was killable */
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(1, ask(self, C_UFFD_PENDING, fd, 0));	/* the work still waits */
	EXPECT_EQ(UFFD_EVENT_UNMAP, ask(self, C_UFFD_READ, fd, 0));
	EXPECT_FALSE(in_maps(self->pid, page, PAGE));
	EXPECT_EQ(-1, s->kr[0]);
}

TEST_HARNESS_MAIN
