// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mig_get_reply_port(): each thread's port for the replies of its RPCs,
 * a receive right made on first use, destroyed when the thread exits, and
 * forgotten in a fork()ed child (whose space is new); and the helpers
 * MIG-generated code calls for strings and out-of-line memory, as
 * libsyscall has them (mig_strncpy.c, mig_allocate.c, mig_deallocate.c).
 */
#include <pthread.h>
#include <string.h>

#include <mach/mach.h>
#include <mach/mig.h>

static __thread mach_port_t reply_port;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;

static void destroy(void *p)
{
	mach_port_mod_refs(mach_task_self(), (mach_port_t)(uintptr_t)p, MACH_PORT_RIGHT_RECEIVE,
			   -1);
}

static void forget_in_child(void)
{
	reply_port = MACH_PORT_NULL;
	pthread_setspecific(key, NULL);
}

static void setup(void)
{
	pthread_key_create(&key, destroy);
	pthread_atfork(NULL, NULL, forget_in_child);
}

mach_port_t mig_get_reply_port(void)
{
	pthread_once(&once, setup);
	if (reply_port == MACH_PORT_NULL &&
	    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply_port) ==
	    KERN_SUCCESS)
		pthread_setspecific(key, (void *)(uintptr_t)reply_port);
	return reply_port;
}

void mig_dealloc_reply_port(mach_port_t port)
{
	if (port == reply_port) {
		reply_port = MACH_PORT_NULL;
		pthread_setspecific(key, NULL);
	}
	mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

void mig_put_reply_port(mach_port_t port)
{
	(void)port;	/* the port stays the thread's */
}

int mig_strncpy(char *dest, const char *src, int len)
{
	int i;

	if (len <= 0)
		return 0;
	for (i = 0; i < len - 1 && src[i]; i++)
		dest[i] = src[i];
	dest[i] = '\0';
	return i + 1;
}

int mig_strncpy_zerofill(char *dest, const char *src, int len)
{
	int n;

	if (len <= 0 || !dest)
		return 0;
	n = mig_strncpy(dest, src ? src : "", len);
	memset(dest + n, 0, (size_t)(len - n));
	return src ? n : 0;
}

void mig_allocate(vm_address_t *addr, vm_size_t size)
{
	if (vm_allocate(mach_task_self(), addr, size,
			VM_FLAGS_ANYWHERE | VM_MAKE_TAG(VM_MEMORY_MACH_MSG)) != KERN_SUCCESS)
		*addr = 0;
}

void mig_deallocate(vm_address_t addr, vm_size_t size)
{
	vm_deallocate(mach_task_self(), addr, size);
}
