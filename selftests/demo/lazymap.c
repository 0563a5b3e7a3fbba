// SPDX-License-Identifier: GPL-2.0
/*
 * A program that recovers from its own faults: a 1 GiB array reserved
 * with no access; a handler thread (mach_exc_server(), as on macOS) makes
 * each page it touches readable and writable on EXC_BAD_ACCESS, and the
 * faulting thread carries on.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mach/mach.h>
#include <mach/mach_exc.h>

#define SIZE (1UL << 30)

static char *base;
static long page, faults;

kern_return_t catch_mach_exception_raise(mach_port_t exception_port, mach_port_t thread,
					 mach_port_t task, exception_type_t exception,
					 mach_exception_data_t code, mach_msg_type_number_t codeCnt)
{
	char *addr = (char *)(uintptr_t)code[1];

	(void)exception_port;
	mach_port_deallocate(mach_task_self(), thread);
	mach_port_deallocate(mach_task_self(), task);
	if (exception != EXC_BAD_ACCESS || codeCnt < 2 || addr < base || addr >= base + SIZE)
		return KERN_FAILURE;		/* not ours: let it crash */
	faults++;
	return mprotect((void *)((uintptr_t)addr & ~(uintptr_t)(page - 1)), page,
			PROT_READ | PROT_WRITE) ? KERN_FAILURE : KERN_SUCCESS;
}

static void *handler(void *arg)
{
	mach_port_t port = *(mach_port_t *)arg;
	union __RequestUnion__mach_exc_subsystem req[2];	/* room for the trailer */
	union __ReplyUnion__mach_exc_subsystem rep;

	for (;;) {
		mach_msg_header_t *in = (mach_msg_header_t *)req, *out = (mach_msg_header_t *)&rep;

		if (mach_msg(in, MACH_RCV_MSG, 0, sizeof(req), port, 0, 0))
			return NULL;
		mach_exc_server(in, out);
		mach_msg(out, MACH_SEND_MSG, out->msgh_size, 0, 0, 0, 0);
	}
}

int main(void)
{
	mach_port_t port;
	pthread_t t;
	long i, sum = 0;

	page = sysconf(_SC_PAGESIZE);
	base = mmap(NULL, SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED ||
	    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) ||
	    task_set_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, port,
				     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE)) {
		fprintf(stderr, "lazymap: setup failed (is machexc loaded?)\n");
		return 1;
	}
	pthread_create(&t, NULL, handler, &port);
	printf("lazymap: 1 GiB reserved with PROT_NONE; writing every 256th page...\n");
	for (i = 0; i < (long)(SIZE / page); i += 256) {
		base[i * page] = (char)(i / 256);	/* faults, the handler maps it */
		sum += base[i * page];
	}
	printf("lazymap: done: %ld pages touched, %ld faults handled in-process, checksum %ld\n",
	       (long)(SIZE / page / 256), faults, sum);
	return faults == (long)(SIZE / page / 256) ? 0 : 1;
}
