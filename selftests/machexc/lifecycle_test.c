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
#include <sys/wait.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/machexc.h>
#include <mach/mach.h>
#include <stdio.h>

#include "kprobes.h"
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

/*
 * A process with ports keeps the module loaded after it closed its
 * descriptor: an rmmod would silently drop its supervision (its exception
 * ports, its children's inherited ones).  Once it is gone, the module
 * unloads, and the node loads it again.
 */
TEST(a_process_with_ports_keeps_the_module_loaded_without_its_fd)
{
	struct machexc_port_op op = { .op = MACHEXC_PORT_TASK_SELF };
	int go[2], r = -1, err = 0, n, fd;
	char c;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	ASSERT_TRUE(loaded());
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, MACHEXC_IOC_PORT, &op) || close(fd) ||
		    write(go[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	errno = 0;
	EXPECT_EQ(-1, unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(loaded());

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	/* Its task goes on a workqueue: poll (bounded) until it has. */
	for (n = 0; n < 15000; n++) {
		r = unload();
		err = errno;
		if (r == 0 || err != EWOULDBLOCK)
			break;
		usleep(1000);
	}
	EXPECT_EQ(0, r) TH_LOG("delete_module: %s", strerror(err));
	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		unlink(MACHEXC_DEVICE_PATH);
		ASSERT_EQ(0, mknod(MACHEXC_DEVICE_PATH, S_IFCHR | 0666,
				   makedev(10, MACHEXC_MINOR)));
		fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	}
	ASSERT_LE(0, fd) TH_LOG("open after unload: %s", strerror(errno));
	EXPECT_TRUE(loaded());
	close(fd);
}

/*
 * The kprobes a stoppable wait needs stay armed for kprobe_linger_ms after
 * the last wait ends, their removal a delayed work: an unload meanwhile
 * cancels it and takes them out itself, and a fresh load starts without.
 */
TEST(unload_while_the_signal_kprobes_are_armed)
{
	mach_port_t port;
	int r = -1, err = 0, n, fd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root");
	if (signal_kprobes() < 0)
		SKIP(return, "no kprobes list in debugfs");
	ASSERT_TRUE(loaded());
	ASSERT_EQ(0, set_linger("3600000"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* int3 into an exception nobody takes: it waits till killed. */
		if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
		    mach_port_insert_right(mach_task_self(), port, port,
					   MACH_MSG_TYPE_MAKE_SEND) ||
		    task_set_exception_ports(mach_task_self(), EXC_MASK_BREAKPOINT, port,
					     EXCEPTION_DEFAULT, THREAD_STATE_NONE))
			_exit(1);
		__asm__ volatile("int3");
		_exit(2);
	}
	for (n = 0; n < 15000 && signal_kprobes() != 2; n++)
		usleep(1000);
	EXPECT_EQ(2, signal_kprobes());
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(2, signal_kprobes());		/* lingering */
	for (n = 0; n < 15000; n++) {
		r = unload();
		err = errno;
		if (r == 0 || err != EWOULDBLOCK)
			break;
		usleep(1000);
	}
	ASSERT_EQ(0, r) TH_LOG("delete_module: %s", strerror(err));
	EXPECT_EQ(0, signal_kprobes());
	fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		unlink(MACHEXC_DEVICE_PATH);
		ASSERT_EQ(0, mknod(MACHEXC_DEVICE_PATH, S_IFCHR | 0666,
				   makedev(10, MACHEXC_MINOR)));
		fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	}
	ASSERT_LE(0, fd) TH_LOG("open after unload: %s", strerror(errno));
	EXPECT_TRUE(loaded());
	EXPECT_EQ(0, signal_kprobes());
	close(fd);
}

TEST_HARNESS_MAIN
