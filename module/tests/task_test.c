// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the fault hooks' filter of processes that may have exception
 * ports (mx_exc_keys, task/task.h), a counting filter: a bucket's bit is
 * set while a holder of a key in it lives, and cleared with the last.
 *
 * The keys are addresses in an array of our own, not signal_structs: the
 * filter only hashes them.  Every case picks a bucket whose bit is clear
 * when it starts (other processes of the machine may hold others), and
 * skips if there is none.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/sched.h>

#include "../task/task.h"

#define NKEYS	(2 * BIT(MX_EXC_KEY_BITS) + 1)	/* a bucket gets three */
static u8 keys[NKEYS];

/* Two distinct keys whose bucket is clear, in *@a and *@b; false if none. */
static bool clear_pair(const void **a, const void **b)
{
	unsigned int i, j, h;

	for (i = 0; i < NKEYS; i++) {
		h = hash_ptr(&keys[i], MX_EXC_KEY_BITS);
		if (test_bit(h, &mx_exc_keys))
			continue;
		for (j = i + 1; j < NKEYS; j++) {
			if (hash_ptr(&keys[j], MX_EXC_KEY_BITS) != h)
				continue;
			*a = &keys[i];
			*b = &keys[j];
			return true;
		}
	}
	return false;
}

static void key_bit_is_set_while_its_holder_lives(struct kunit *test)
{
	const void *key, *other;
	bool counted = false;

	if (!clear_pair(&key, &other))
		kunit_skip(test, "every bucket in use");
	mx_exc_key_get(key, &counted);
	KUNIT_EXPECT_TRUE(test, counted);
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(key));
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(other));	/* its bucket's */
	mx_exc_key_put(key, &counted);
	KUNIT_EXPECT_FALSE(test, counted);
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(key));
	mx_exc_key_put(key, &counted);	/* not counted: nothing to undo */
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(key));
}

static void holder_is_counted_once(struct kunit *test)
{
	const void *key, *other;
	bool counted = false;

	if (!clear_pair(&key, &other))
		kunit_skip(test, "every bucket in use");
	mx_exc_key_get(key, &counted);
	mx_exc_key_get(key, &counted);
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(key));
	mx_exc_key_put(key, &counted);	/* one put undoes both */
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(key));
}

static void bucket_stays_set_until_its_last_holder_goes(struct kunit *test)
{
	bool counted_a = false, counted_b = false;
	const void *a, *b;

	if (!clear_pair(&a, &b))
		kunit_skip(test, "every bucket in use");
	mx_exc_key_get(a, &counted_a);
	mx_exc_key_get(b, &counted_b);
	mx_exc_key_put(a, &counted_a);
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(b));
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(a));
	mx_exc_key_put(b, &counted_b);
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(a));
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(b));
	/* The other order. */
	mx_exc_key_get(a, &counted_a);
	mx_exc_key_get(b, &counted_b);
	mx_exc_key_put(b, &counted_b);
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(a));
	mx_exc_key_put(a, &counted_a);
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(a));
}

/* A task marked for exception ports keeps its bit until it is freed. */
static void marked_task_keeps_its_bit_until_freed(struct kunit *test)
{
	struct mx_task *task;

	if (mx_task_may_handle(current->signal))
		kunit_skip(test, "this thread's bucket is in use");
	task = mx_task_create(current);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(task->key));	/* not yet */
	mx_task_mark_exc(task);
	mx_task_mark_exc(task);
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(task->key));
	refcount_inc(&task->ref);	/* someone still holds it */
	mx_task_destroy(task);
	mx_task_put(task);
	KUNIT_EXPECT_TRUE(test, mx_task_may_handle(current->signal));
	mx_task_put(task);		/* freed */
	KUNIT_EXPECT_FALSE(test, mx_task_may_handle(current->signal));
}

static struct kunit_case machexc_task_cases[] = {
	KUNIT_CASE(key_bit_is_set_while_its_holder_lives),
	KUNIT_CASE(holder_is_counted_once),
	KUNIT_CASE(bucket_stays_set_until_its_last_holder_goes),
	KUNIT_CASE(marked_task_keeps_its_bit_until_freed),
	{}
};

static struct kunit_suite machexc_task_suite = {
	.name = "machexc_task",
	.test_cases = machexc_task_cases,
};

kunit_test_suite(machexc_task_suite);
