// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/machexc: the API-version ioctl, and the errors every other input
 * gets (unknown commands, bad pointers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/machexc.h>
#include "machexc.h"

#include "kselftest_harness.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(MACHEXC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MACHEXC_DEVICE_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, version)
{
	struct machexc_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, MACHEXC_IOC_VERSION, &v));
	EXPECT_EQ(MACHEXC_API_MAJOR, v.major);
	EXPECT_EQ(MACHEXC_API_MINOR, v.minor);
	EXPECT_TRUE(v.features & MACHEXC_FEATURE_VERSION);
	EXPECT_TRUE(v.features & MACHEXC_FEATURE_OOL);
	EXPECT_TRUE(v.features & MACHEXC_FEATURE_LIMITS);
	EXPECT_TRUE(v.features & MACHEXC_FEATURE_CRASH);	/* no IBT under TCG */
	EXPECT_TRUE(v.features & MACHEXC_FEATURE_LSEEK_MARK);
}

TEST_F(dev, version_through_library)
{
	struct machexc_version v = { 0 };

	ASSERT_EQ(0, machexc_api_version(&v));
	EXPECT_EQ(MACHEXC_API_MAJOR, v.major);
	/* The library keeps one descriptor for the whole process. */
	EXPECT_EQ(machexc_device_fd(), machexc_device_fd());
	EXPECT_TRUE(fcntl(machexc_device_fd(), F_GETFD) & FD_CLOEXEC);
}

/*
 * The device has no position: lseek(fd, 0, SEEK_CUR) answers with the
 * mark (the library's check that a descriptor is still the device's);
 * any other lseek() fails with ESPIPE, as on a pipe.
 */
TEST_F(dev, lseek_gives_the_mark_and_seeks_nowhere)
{
	EXPECT_EQ(MACHEXC_LSEEK_MARK, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_GT(0, MACHEXC_LSEEK_MARK);	/* no file's position */
	EXPECT_GT(-4096, MACHEXC_LSEEK_MARK);	/* nor an error number */
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 1, SEEK_CUR));
	EXPECT_EQ(ESPIPE, errno);
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(MACHEXC_LSEEK_MARK, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	struct machexc_version v;
	const unsigned long bad[] = {
		0,
		_IO(MACHEXC_IOC_MAGIC, 0x7f),
		_IOW(MACHEXC_IOC_MAGIC, 0x00, struct machexc_version),
		_IOWR(MACHEXC_IOC_MAGIC, 0x00, struct machexc_version),
		_IOR(MACHEXC_IOC_MAGIC, 0x00, __u32),
		_IOR(0x42, 0x00, struct machexc_version),
		TCGETS,
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, bad[i], &v)) TH_LOG("cmd %#lx", bad[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx", bad[i]);
	}
}

TEST_F(dev, bad_pointer_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	void *none, *ro;

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MACHEXC_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);

	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MACHEXC_IOC_VERSION, none));
	EXPECT_EQ(EFAULT, errno);

	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MACHEXC_IOC_VERSION, ro));
	EXPECT_EQ(EFAULT, errno);

	/* Straddling the end of a mapping: the tail is unmapped. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MACHEXC_IOC_VERSION, (char *)ro + page - 4));
	EXPECT_EQ(EFAULT, errno);

	/* A kernel address. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MACHEXC_IOC_VERSION, (void *)0xffffffff81000000UL));
	EXPECT_EQ(EFAULT, errno);

	munmap(none, page);
	munmap(ro, page);
}

/* machexc-info names every feature the module reports (tools on PATH in the VM). */
TEST(machexc_info_names_every_feature)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ MACHEXC_FEATURE_VERSION, " version" }, { MACHEXC_FEATURE_IPC, " ipc" },
		{ MACHEXC_FEATURE_EXC, " exceptions" }, { MACHEXC_FEATURE_TASKS, " tasks" },
		{ MACHEXC_FEATURE_OOL, " ool" }, { MACHEXC_FEATURE_LIMITS, " limits" },
		{ MACHEXC_FEATURE_VM, " vm" }, { MACHEXC_FEATURE_VM_ALLOCATE, " vm-allocate" },
		{ MACHEXC_FEATURE_CRASH, " crash" }, { MACHEXC_FEATURE_SOFT_SIGNAL, " soft-signal" },
		{ MACHEXC_FEATURE_MSG_STATS, " msg-stats" },
		{ MACHEXC_FEATURE_LSEEK_MARK, " lseek-mark" },
	};
	struct machexc_version v;
	char line[256] = "", out[1024] = "";
	unsigned int i;
	FILE *f;

	ASSERT_EQ(0, machexc_api_version(&v));
	f = popen("machexc-info", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "features:", 9))
			strncpy(out, line, sizeof(out) - 1);
	EXPECT_EQ(0, pclose(f));
	ASSERT_NE('\0', out[0]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (v.features & names[i].bit)
			EXPECT_NE(NULL, strstr(out, names[i].name)) TH_LOG("%s missing: %s",
									 names[i].name, out);
	EXPECT_EQ(NULL, strstr(out, " 0x"));	/* no bit it cannot name */
}

TEST(many_opens)
{
	int fds[64];
	unsigned int i;

	for (i = 0; i < 64; i++) {
		fds[i] = open(MACHEXC_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0, close(fds[i]));
}

TEST_HARNESS_MAIN
