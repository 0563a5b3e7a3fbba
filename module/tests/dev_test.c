// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the /dev/machexc device and its ioctl dispatch.
 *
 * The suite runs inside the kernel, so "user" pointers it passes are kernel
 * addresses: access_ok() refuses them, which is exactly the -EFAULT path.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>

#include "../machexc.h"

static void version_reports_api(struct kunit *test)
{
	struct machexc_version v;

	memset(&v, 0xa5, sizeof(v));
	machexc_version_get(&v);
	KUNIT_EXPECT_EQ(test, v.major, (u32)MACHEXC_API_MAJOR);
	KUNIT_EXPECT_EQ(test, v.minor, (u32)MACHEXC_API_MINOR);
	KUNIT_EXPECT_TRUE(test, v.features & MACHEXC_FEATURE_VERSION);
}

static void unknown_ioctl_is_enotty(struct kunit *test)
{
	static const unsigned int bad[] = {
		0,
		_IO(MACHEXC_IOC_MAGIC, 0x7f),
		/* The version number with the wrong direction or size. */
		_IOW(MACHEXC_IOC_MAGIC, 0x00, struct machexc_version),
		_IOR(MACHEXC_IOC_MAGIC, 0x00, u32),
		/* Another driver's magic with our number. */
		_IOR(0x42, 0x00, struct machexc_version),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, machexc_dev_ioctl(NULL, bad[i], 0), -ENOTTY,
				    "cmd %#x", bad[i]);
}

static void bad_pointer_is_efault(struct kunit *test)
{
	struct machexc_version v;

	KUNIT_EXPECT_EQ(test, machexc_dev_ioctl(NULL, MACHEXC_IOC_VERSION, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test,
			machexc_dev_ioctl(NULL, MACHEXC_IOC_VERSION, (unsigned long)&v),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, machexc_dev_ioctl(NULL, MACHEXC_IOC_VERSION, ~0UL), -EFAULT);
}

/* An open file pins the module; closing it lets go. */
static void open_pins_module(struct kunit *test)
{
	struct module *mod = machexc_module();
	int before = module_refcount(mod);
	struct file *f;

	f = filp_open(MACHEXC_DEVICE_PATH, O_RDWR, 0);
	if (IS_ERR(f))
		KUNIT_FAIL(test, "open %s: %ld", MACHEXC_DEVICE_PATH, PTR_ERR(f));
	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	KUNIT_EXPECT_EQ(test, module_refcount(mod), before + 1);
	KUNIT_EXPECT_EQ(test, f->f_op->unlocked_ioctl(f, 0, 0), -ENOTTY);
	filp_close(f, NULL);
	/* fput() of the last reference runs from task work or a workqueue. */
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, module_refcount(mod), before);
}

static struct kunit_case machexc_dev_cases[] = {
	KUNIT_CASE(version_reports_api),
	KUNIT_CASE(unknown_ioctl_is_enotty),
	KUNIT_CASE(bad_pointer_is_efault),
	KUNIT_CASE(open_pins_module),
	{}
};

static struct kunit_suite machexc_dev_suite = {
	.name = "machexc_dev",
	.test_cases = machexc_dev_cases,
};

kunit_test_suite(machexc_dev_suite);
