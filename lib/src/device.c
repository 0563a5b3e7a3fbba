// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process-wide descriptor for /dev/machexc.
 *
 * Opened lazily and published with an atomic compare-and-swap, so threads
 * racing on first use end up sharing one descriptor.  A fork()ed child
 * inherits it, which is what it wants: the module keys state on the
 * calling process, not on the descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "machexc.h"

static _Atomic int device_fd = -1;

int machexc_device_fd(void)
{
	int fd = atomic_load_explicit(&device_fd, memory_order_acquire);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!atomic_compare_exchange_strong(&device_fd, &expected, fd)) {
		close(fd);
		fd = expected;
	}
	return fd;
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
