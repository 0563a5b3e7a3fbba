// SPDX-License-Identifier: GPL-2.0
/*
 * Allocations that the probes make in atomic context (GFP_ATOMIC: the
 * fault hook's work, the fork hook's inheritance) can fail, and what
 * follows a failure must be tested.  In kernels with fault injection
 * (CONFIG_FAULT_INJECTION_DEBUG_FS, the debug lane), debugfs
 * "machexc_fail_atomic" makes them fail on demand, with the usual knobs
 * (probability, times, task-filter with /proc/<pid>/make-it-fail); see
 * Documentation/fault-injection/fault-injection.rst.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/slab.h>

#include "hooks.h"

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(fail_atomic);
static struct dentry *fail_dir;

void mx_failinject_init(void)
{
	struct dentry *dir = fault_create_debugfs_attr("machexc_fail_atomic", NULL,
						       &fail_atomic);

	fail_dir = IS_ERR(dir) ? NULL : dir;
}

void mx_failinject_exit(void)
{
	debugfs_remove_recursive(fail_dir);
}

static bool fail(size_t size)
{
	return should_fail(&fail_atomic, size);
}
#else
void mx_failinject_init(void)
{
}

void mx_failinject_exit(void)
{
}

static bool fail(size_t size)
{
	return false;
}
#endif

/* kzalloc(@size, GFP_ATOMIC), charged to the memory cgroup; may be made to fail. */
void *mx_probe_alloc(size_t size)
{
	return fail(size) ? NULL : kzalloc(size, GFP_ATOMIC | __GFP_ACCOUNT | __GFP_NOWARN);
}

/* kmem_cache_zalloc(@cache, GFP_ATOMIC) (an accounted cache); may be made to fail. */
void *mx_probe_cache_alloc(struct kmem_cache *cache)
{
	return fail(kmem_cache_size(cache)) ? NULL :
	       kmem_cache_zalloc(cache, GFP_ATOMIC | __GFP_NOWARN);
}
