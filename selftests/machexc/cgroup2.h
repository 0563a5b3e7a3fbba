/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cgroup v2 of a test's own, for the freezer tests: made in the
 * hierarchy where it is mounted already, else on a mount of a temporary
 * directory of the test's own (never over the machine's /sys/fs/cgroup).
 * cg2_remove() belongs in the teardown, so that it runs when an assertion
 * ends the test too; the cgroup's processes must be reaped first.
 *
 * A freezer test: cg2_make() (skip if it fails), cg2_enter() the process,
 * cg2_freeze() it and poll_until(cg2_frozen()) (proc.h), the same to thaw.
 */
#ifndef _MACHEXC_SELFTEST_CGROUP2_H
#define _MACHEXC_SELFTEST_CGROUP2_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

struct cg2 {
	char mnt[64];		/* our own mount of cgroup2, or "" */
	char dir[160];		/* the cgroup made, or "" */
};

/* Make cgroup @name: 0, or -1 without cgroup v2 (or the right to use it). */
static inline int cg2_make(struct cg2 *c, const char *name)
{
	const char *root = "/sys/fs/cgroup";
	char path[200];

	c->mnt[0] = c->dir[0] = 0;
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		mkdir("/tmp", 01777);	/* a VM's initramfs may have none yet */
		snprintf(c->mnt, sizeof(c->mnt), "/tmp/machexc-cg2-XXXXXX");
		if (!mkdtemp(c->mnt)) {
			c->mnt[0] = 0;
			return -1;
		}
		if (mount("cgroup2", c->mnt, "cgroup2", 0, NULL)) {
			rmdir(c->mnt);
			c->mnt[0] = 0;
			return -1;
		}
		root = c->mnt;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	if (access(path, F_OK) || access(root, W_OK))
		return -1;
	snprintf(c->dir, sizeof(c->dir), "%s/%s-%d", root, name, getpid());
	if (mkdir(c->dir, 0755)) {
		c->dir[0] = 0;
		return -1;
	}
	return 0;
}

/* The cgroup removed and our mount undone; 0, or -1 if rmdir failed. */
static inline int cg2_remove(struct cg2 *c)
{
	int err = 0;

	if (c->dir[0])
		err = rmdir(c->dir);
	c->dir[0] = 0;
	if (c->mnt[0]) {
		umount2(c->mnt, MNT_DETACH);
		rmdir(c->mnt);
	}
	c->mnt[0] = 0;
	return err;
}

/* Write @text to the cgroup's file @file: 0, or an errno. */
static inline int cg2_write(const struct cg2 *c, const char *file, const char *text)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Move process @pid into the cgroup: 0, or an errno. */
static inline int cg2_enter(const struct cg2 *c, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", pid);
	return cg2_write(c, "cgroup.procs", buf);
}

/* Ask the freezer to freeze (1) or thaw (0) the cgroup: 0, or an errno. */
static inline int cg2_freeze(const struct cg2 *c, int freeze)
{
	return cg2_write(c, "cgroup.freeze", freeze ? "1" : "0");
}

/* Does cgroup.events say "frozen @want" yet?  1 or 0, for poll_until(). */
static inline int cg2_frozen(const struct cg2 *c, int want)
{
	char path[256], buf[256], line[16];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.events", c->dir);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	snprintf(line, sizeof(line), "frozen %d", want);
	return strstr(buf, line) != NULL;
}

#endif
