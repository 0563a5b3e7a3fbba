// SPDX-License-Identifier: GPL-2.0
/*
 * Global and per-user caps on what a user can make the module hold:
 * spaces (processes with a task), ports and messages.  The per-space cap
 * on names (table.c) is not enough on its own: a receive right moved into
 * a message leaves its space's table, and so does everything queued on it.
 *
 * Each object is charged, when it is made, to the real uid of the process
 * that makes it (as RLIMIT_NPROC counts), the same process whose memory
 * cgroup pays for its memory; it remembers that user and uncharges it when
 * freed.  Kernel-made objects (a notification, an exception message, a
 * thread's port) are charged to the process whose action made them.
 *
 * Locks: users_lock (spin) guards the table of users; the counts are
 * atomics.  Nothing here sleeps but mx_user_get() for a new user.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "names.h"

/* Module parameters: 0 means no cap. */
static unsigned int limit_total[MX_LIMITS] = {
	[MX_LIMIT_SPACES] = 32768,
	[MX_LIMIT_PORTS] = 1048576,
	[MX_LIMIT_MSGS] = 1048576,
};

static unsigned int limit_user[MX_LIMITS] = {
	[MX_LIMIT_SPACES] = 4096,
	[MX_LIMIT_PORTS] = 131072,
	[MX_LIMIT_MSGS] = 131072,
};

module_param_named(max_spaces, limit_total[MX_LIMIT_SPACES], uint, 0644);
MODULE_PARM_DESC(max_spaces, "Processes with a port space, in all (0: no cap)");
module_param_named(max_ports, limit_total[MX_LIMIT_PORTS], uint, 0644);
MODULE_PARM_DESC(max_ports, "Ports, in all (0: no cap)");
module_param_named(max_msgs, limit_total[MX_LIMIT_MSGS], uint, 0644);
MODULE_PARM_DESC(max_msgs, "Messages queued or in flight, in all (0: no cap)");
module_param_named(max_user_spaces, limit_user[MX_LIMIT_SPACES], uint, 0644);
MODULE_PARM_DESC(max_user_spaces, "Processes with a port space, per user (0: no cap)");
module_param_named(max_user_ports, limit_user[MX_LIMIT_PORTS], uint, 0644);
MODULE_PARM_DESC(max_user_ports, "Ports, per user (0: no cap)");
module_param_named(max_user_msgs, limit_user[MX_LIMIT_MSGS], uint, 0644);
MODULE_PARM_DESC(max_user_msgs, "Messages queued or in flight, per user (0: no cap)");

struct mx_user {
	struct hlist_node link;
	struct rcu_head rcu;
	kuid_t uid;
	refcount_t ref;			/* one per object charged, plus lookups */
	atomic_t count[MX_LIMITS];
};

static DEFINE_HASHTABLE(users, 6);
static DEFINE_SPINLOCK(users_lock);
static atomic_long_t total[MX_LIMITS];
atomic_long_t mx_nr_limit_hits;

static struct mx_user *user_find_rcu(kuid_t uid)
{
	struct mx_user *u;

	hash_for_each_possible_rcu(users, u, link, __kuid_val(uid))
		if (uid_eq(u->uid, uid) && refcount_inc_not_zero(&u->ref))
			return u;
	return NULL;
}

/* The record of the calling process's real uid, with a reference. */
static struct mx_user *user_get_current(void)
{
	kuid_t uid = current_uid();
	struct mx_user *u, *fresh;

	rcu_read_lock();
	u = user_find_rcu(uid);
	rcu_read_unlock();
	if (u)
		return u;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);
	spin_lock(&users_lock);
	u = user_find_rcu(uid);
	if (!u) {
		hash_add_rcu(users, &fresh->link, __kuid_val(uid));
		u = fresh;
		fresh = NULL;
	}
	spin_unlock(&users_lock);
	kfree(fresh);
	return u;
}

/* refcount_dec_and_lock(), spelled out so that sparse follows the lock. */
static void user_put(struct mx_user *u)
{
	bool last;

	if (refcount_dec_not_one(&u->ref))
		return;
	spin_lock(&users_lock);
	last = refcount_dec_and_test(&u->ref);
	if (last)
		hash_del_rcu(&u->link);
	spin_unlock(&users_lock);
	if (last)
		kfree_rcu(u, rcu);
}

static bool over(unsigned int cap, long now)
{
	return cap && now > cap;
}

/*
 * Charge one object of kind @what to the calling process's user: that
 * user, with a reference the matching mx_uncharge() drops; NULL if a cap
 * is reached (counted in the stats) or without memory.
 */
struct mx_user *mx_charge(enum mx_limit what)
{
	struct mx_user *u = user_get_current();
	long mine, all;

	if (!u)
		return NULL;
	mine = atomic_inc_return(&u->count[what]);
	all = atomic_long_inc_return(&total[what]);
	if (over(READ_ONCE(limit_user[what]), mine) ||
	    over(READ_ONCE(limit_total[what]), all)) {
		mx_uncharge(u, what);
		atomic_long_inc(&mx_nr_limit_hits);
		return NULL;
	}
	return u;
}
EXPORT_SYMBOL_IF_KUNIT(mx_charge);

/* Undo mx_charge(): @u may be NULL (nothing was charged). */
void mx_uncharge(struct mx_user *u, enum mx_limit what)
{
	if (!u)
		return;
	atomic_dec(&u->count[what]);
	atomic_long_dec(&total[what]);
	user_put(u);
}
EXPORT_SYMBOL_IF_KUNIT(mx_uncharge);
