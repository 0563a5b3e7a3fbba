// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process-wide descriptor for /dev/machexc.
 *
 * Opened lazily and published with an atomic compare-and-swap, so threads
 * racing on first use end up sharing one descriptor.  A fork()ed child
 * inherits it, which is what it wants: the module keys state on the
 * calling process, not on the descriptor.
 *
 * The program may close the descriptor behind the library's back (a
 * daemon's close-every-descriptor loop, a child that closes what it
 * inherited), and the number may then be reused for another file.  So
 * before each use the descriptor is checked: lseek(fd, 0, SEEK_CUR) gives
 * MACHEXC_LSEEK_MARK (API 1.9), or, from an older module, fstat() finds
 * a character device with the number machexc had when it was opened.
 * (Where the number went to a regular file that another thread is
 * reading or writing, the lseek() waits for that call: the kernel's
 * file-position lock.)  If it is not the device, the library opens the
 * device again and never touches the file that now has the old number:
 * no ioctl, no close.  The port space does not depend on the descriptor,
 * so names stay valid across a reopen.  (A
 * descriptor closed and reused by another thread between the check and
 * the ioctl is not caught; closing a library's descriptor is the
 * program's own race.)  The descriptor is never 0, 1 or 2, so code that
 * closes the standard descriptors and opens new ones in their place does
 * not take it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "machexc.h"

static _Atomic int device_fd = -1;
/*
 * Whether the device gives MACHEXC_LSEEK_MARK, and its st_rdev (for one
 * that does not); stored before device_fd is published.
 */
static _Atomic bool device_marked;
static _Atomic unsigned long long device_rdev;

/*
 * fstat() as the kernel's fstat system call where the architecture has
 * one (x86-64: the kernel's struct stat is glibc's).  glibc's fstat() is
 * fstatat(fd, "", AT_EMPTY_PATH), which before Linux 6.11 copies in and
 * looks up the empty path: a 4 KiB name buffer, zeroed where the kernel
 * initializes every allocation (Debian's do), on every mach_msg().
 */
static int device_stat(int fd, struct stat *st)
{
#ifdef SYS_fstat
	return (int)syscall(SYS_fstat, fd, st);
#else
	return fstat(fd, st);
#endif
}

static bool is_device(int fd)
{
	struct stat st;

	if (atomic_load_explicit(&device_marked, memory_order_acquire))
		return lseek(fd, 0, SEEK_CUR) == MACHEXC_LSEEK_MARK;
	return device_stat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == atomic_load_explicit(&device_rdev, memory_order_acquire);
}

/* A new descriptor for the device, above the standard ones, or -1 with errno. */
static int open_device(void)
{
	struct stat st;
	int fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC), high, err;

	if (fd < 0)
		return -1;
	if (fd <= STDERR_FILENO) {
		high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		err = errno;
		close(fd);
		errno = err;
		fd = high;
		if (fd < 0)
			return -1;
	}
	if (device_stat(fd, &st) || !S_ISCHR(st.st_mode)) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	atomic_store_explicit(&device_rdev, st.st_rdev, memory_order_release);
	atomic_store_explicit(&device_marked, lseek(fd, 0, SEEK_CUR) == MACHEXC_LSEEK_MARK,
			      memory_order_release);
	return fd;
}

int machexc_device_fd(void)
{
	int fd = atomic_load_explicit(&device_fd, memory_order_acquire), fresh;

	for (;;) {
		if (fd >= 0 && is_device(fd))
			return fd;
		/* Never opened, closed, or now another file's: open anew. */
		fresh = open_device();
		if (fresh < 0) {
			/* Forget a descriptor that is not ours any more. */
			atomic_compare_exchange_strong(&device_fd, &fd, -1);
			return -1;
		}
		if (atomic_compare_exchange_strong(&device_fd, &fd, fresh))
			return fresh;
		/* Another thread got there first: fd is now its descriptor. */
		close(fresh);
	}
}

int machexc_api_version(struct machexc_version *v)
{
	int fd = machexc_device_fd();

	if (fd < 0)
		return -1;
	return ioctl(fd, MACHEXC_IOC_VERSION, v) < 0 ? -1 : 0;
}

int machexc_get_stats(struct machexc_stats *s)
{
	int fd = machexc_device_fd();

	return fd < 0 ? -1 : ioctl(fd, MACHEXC_IOC_STATS, s);
}

int machexc_port_fd(unsigned int name, int flags)
{
	struct machexc_port_fd req = { .name = name, .flags = (__u32)flags };
	int fd = machexc_device_fd();

	return fd < 0 ? -1 : ioctl(fd, MACHEXC_IOC_PORT_FD, &req);
}
