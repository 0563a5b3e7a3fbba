/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * machexc: Mach exception ports for Linux -- the ioctl ABI of /dev/machexc.
 *
 * This header is shared by the kernel module and user space (libmachexc,
 * the tools and the selftests).  Every structure is made of fixed-width
 * types with explicit padding so that its layout is the same for every
 * compiler; every ioctl number encodes the structure's size.
 *
 * Versioning: MACHEXC_IOC_VERSION reports MACHEXC_API_MAJOR/MINOR.  A
 * change that breaks an existing caller bumps MAJOR; an addition bumps
 * MINOR and sets a bit in the features mask.
 */
#ifndef _UAPI_LINUX_MACHEXC_H
#define _UAPI_LINUX_MACHEXC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MACHEXC_DEVICE_NAME	"machexc"
#define MACHEXC_DEVICE_PATH	"/dev/machexc"
/* Misc-device minor, so that opening /dev/machexc can load the module. */
#define MACHEXC_MINOR		249

#define MACHEXC_API_MAJOR	1
#define MACHEXC_API_MINOR	0

/* Feature bits reported in machexc_version.features. */
#define MACHEXC_FEATURE_VERSION	0x1U

struct machexc_version {
	__u32 major;		/* MACHEXC_API_MAJOR of the running module */
	__u32 minor;		/* MACHEXC_API_MINOR of the running module */
	__u64 features;		/* MACHEXC_FEATURE_* */
};

#define MACHEXC_IOC_MAGIC	0xE7

#define MACHEXC_IOC_VERSION	_IOR(MACHEXC_IOC_MAGIC, 0x00, struct machexc_version)

#endif /* _UAPI_LINUX_MACHEXC_H */
