// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle: an open /dev/machexc pins the module; once closed it
 * unloads cleanly; opening a node for its minor loads it again through the
 * module alias (request_module("char-major-10-249")).
 *
 * Needs root and the module installed under /lib/modules with depmod run;
 * the VM harness runs it last, because it unloads the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/machexc.h>

#include "kselftest_harness.h"

static int unload(void)
{
	return syscall(SYS_delete_module, "machexc", O_NONBLOCK);
}

static int loaded(void)
{
	struct stat st;

	return stat("/sys/module/machexc", &st) == 0;
}

TEST(unload_refused_while_open_then_autoload)
{
	struct machexc_version v;
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	ASSERT_TRUE(loaded());

	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(loaded());
	/* Still fully working after the refused unload. */
	EXPECT_EQ(0, ioctl(fd, MACHEXC_IOC_VERSION, &v));
	ASSERT_EQ(0, close(fd));

	ASSERT_EQ(0, unload()) TH_LOG("delete_module: %s", strerror(errno));
	EXPECT_FALSE(loaded());
	EXPECT_EQ(-1, access(MACHEXC_DEVICE_PATH, F_OK));

	/* What "kmod static-nodes" makes from modules.devname. */
	ASSERT_EQ(0, mknod(MACHEXC_DEVICE_PATH, S_IFCHR | 0666,
			   makedev(10, MACHEXC_MINOR)));
	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open after unload: %s", strerror(errno));
	EXPECT_TRUE(loaded());
	EXPECT_EQ(0, ioctl(fd, MACHEXC_IOC_VERSION, &v));
	EXPECT_EQ(MACHEXC_API_MAJOR, v.major);
	close(fd);
}

TEST_HARNESS_MAIN
