// SPDX-License-Identifier: GPL-2.0
/*
 * Exception handling written as it is on macOS: a handler thread running
 * mach_exc_server()/exc_server() with catch_*exception_raise* routines,
 * and a handler that forwards an exception to the one it replaced with
 * the client stubs (mach_exception_raise*), as crash reporters chain.
 * Also the servers' checks, on hand-made requests, and the subsystem
 * tables MIG generates with a server (<mach/mach_excServer.h>), used as
 * programs written against mig's output use them.  Including the server
 * headers checks this file's catch_* routines against MIG's prototypes.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <mach/exc.h>
#include <mach/excServer.h>
#include <mach/mach.h>
#include <mach/mach_exc.h>
#include <mach/mach_excServer.h>

#include "kselftest_harness.h"

#define ME mach_task_self()

/* What the catch routines saw. */
static struct {
	int calls, which;
	mach_port_t port;
	exception_type_t exception;
	int64_t code[2];
	mach_msg_type_number_t count;
	mach_port_t forward_from;	/* exceptions on this port... */
	mach_port_t forward_to;		/* ...are forwarded to this one */
	kern_return_t forwarded;
} seen;

static void record(int which, mach_port_t port, exception_type_t exception, const int64_t *code,
		   mach_msg_type_number_t count)
{
	seen.calls++;
	seen.which = which;
	seen.port = port;
	seen.exception = exception;
	seen.count = count;
	seen.code[0] = count > 0 ? code[0] : 0;
	seen.code[1] = count > 1 ? code[1] : 0;
}

/* Step over the 2-byte ud2 in a thread state. */
static void skip_ud2(thread_state_t state)
{
	x86_thread_state64_t ts;

	memcpy(&ts, state, sizeof(ts));
	ts.__rip += 2;
	memcpy(state, &ts, sizeof(ts));
}

kern_return_t catch_mach_exception_raise(mach_port_t exception_port, mach_port_t thread,
					 mach_port_t task, exception_type_t exception,
					 mach_exception_data_t code,
					 mach_msg_type_number_t codeCnt)
{
	x86_thread_state64_t ts;
	mach_msg_type_number_t n = x86_THREAD_STATE64_COUNT;

	(void)task;
	record(1, exception_port, exception, code, codeCnt);
	if (thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts, &n))
		return KERN_FAILURE;
	ts.__rip += 2;
	return thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&ts, n);
}

kern_return_t catch_mach_exception_raise_state(mach_port_t exception_port,
					       exception_type_t exception,
					       const mach_exception_data_t code,
					       mach_msg_type_number_t codeCnt, int *flavor,
					       const thread_state_t old_state,
					       mach_msg_type_number_t old_stateCnt,
					       thread_state_t new_state,
					       mach_msg_type_number_t *new_stateCnt)
{
	record(2, exception_port, exception, code, codeCnt);
	if (*flavor != x86_THREAD_STATE64 || old_stateCnt != x86_THREAD_STATE64_COUNT)
		return KERN_FAILURE;
	memcpy(new_state, old_state, old_stateCnt * 4);
	*new_stateCnt = old_stateCnt;
	skip_ud2(new_state);
	return KERN_SUCCESS;
}

kern_return_t catch_mach_exception_raise_state_identity(mach_port_t exception_port,
							mach_port_t thread, mach_port_t task,
							exception_type_t exception,
							mach_exception_data_t code,
							mach_msg_type_number_t codeCnt,
							int *flavor, thread_state_t old_state,
							mach_msg_type_number_t old_stateCnt,
							thread_state_t new_state,
							mach_msg_type_number_t *new_stateCnt)
{
	if (seen.forward_to && exception_port == seen.forward_from) {
		/* Chain: hand the exception to the previous handler, as it came. */
		seen.forwarded = mach_exception_raise_state_identity(seen.forward_to, thread, task,
				exception, code, codeCnt, flavor, old_state, old_stateCnt,
				new_state, new_stateCnt);
		return seen.forwarded;
	}
	record(3, exception_port, exception, code, codeCnt);
	memcpy(new_state, old_state, old_stateCnt * 4);
	*new_stateCnt = old_stateCnt;
	skip_ud2(new_state);
	return KERN_SUCCESS;
}

/* The 32-bit subsystem: record and step over, as above. */
kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread,
				    mach_port_t task, exception_type_t exception,
				    exception_data_t code, mach_msg_type_number_t codeCnt)
{
	int64_t c[2] = { codeCnt > 0 ? code[0] : 0, codeCnt > 1 ? code[1] : 0 };

	return catch_mach_exception_raise(exception_port, thread, task, exception, c, codeCnt) ==
	       KERN_SUCCESS ? (seen.which = 11, KERN_SUCCESS) : KERN_FAILURE;
}

kern_return_t catch_exception_raise_state(mach_port_t exception_port,
					  exception_type_t exception,
					  const exception_data_t code,
					  mach_msg_type_number_t codeCnt, int *flavor,
					  const thread_state_t old_state,
					  mach_msg_type_number_t old_stateCnt,
					  thread_state_t new_state,
					  mach_msg_type_number_t *new_stateCnt)
{
	int64_t c[2] = { codeCnt > 0 ? code[0] : 0, codeCnt > 1 ? code[1] : 0 };
	kern_return_t kr = catch_mach_exception_raise_state(exception_port, exception, c, codeCnt,
							    flavor, old_state, old_stateCnt,
							    new_state, new_stateCnt);

	seen.which = 12;
	return kr;
}

kern_return_t catch_exception_raise_state_identity(mach_port_t exception_port,
						   mach_port_t thread, mach_port_t task,
						   exception_type_t exception,
						   exception_data_t code,
						   mach_msg_type_number_t codeCnt, int *flavor,
						   thread_state_t old_state,
						   mach_msg_type_number_t old_stateCnt,
						   thread_state_t new_state,
						   mach_msg_type_number_t *new_stateCnt)
{
	int64_t c[2] = { codeCnt > 0 ? code[0] : 0, codeCnt > 1 ? code[1] : 0 };

	(void)thread;
	(void)task;
	(void)flavor;
	record(13, exception_port, exception, c, codeCnt);
	memcpy(new_state, old_state, old_stateCnt * 4);
	*new_stateCnt = old_stateCnt;
	skip_ud2(new_state);
	return KERN_SUCCESS;
}

struct server {
	mach_port_t port;
	int rounds;
	int wide;	/* mach_exc_server, else exc_server */
};

/* The classic loop: receive, demux, reply. */
static void *serve(void *arg)
{
	struct server *s = arg;
	union __RequestUnion__mach_exc_subsystem req_u;
	union __ReplyUnion__mach_exc_subsystem rep_u;
	struct {
		mach_msg_header_t head;
		char body[sizeof(req_u) + sizeof(mach_msg_max_trailer_t)];
	} req;
	struct {
		mach_msg_header_t head;
		char body[sizeof(rep_u)];
	} rep;
	int i;

	for (i = 0; i < s->rounds; i++) {
		if (mach_msg(&req.head, MACH_RCV_MSG, 0, sizeof(req), s->port, 0, 0))
			return NULL;
		if (!(s->wide ? mach_exc_server : exc_server)(&req.head, &rep.head))
			return NULL;
		if (mach_msg(&rep.head, MACH_SEND_MSG, rep.head.msgh_size, 0, 0, 0, 0))
			return NULL;
	}
	return NULL;
}

static mach_port_t new_port(void)
{
	mach_port_t p;

	if (mach_port_allocate(ME, MACH_PORT_RIGHT_RECEIVE, &p) ||
	    mach_port_insert_right(ME, p, p, MACH_MSG_TYPE_MAKE_SEND))
		return MACH_PORT_NULL;
	return p;
}

static void ud2(void)
{
	__asm__ volatile("ud2");
}

/* Each behavior through mach_exc_server() and exc_server(). */
TEST(servers_call_the_catch_routines)
{
	static const struct {
		exception_behavior_t behavior;
		int wide, which;
	} b[] = {
		{ EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 1, 1 },
		{ EXCEPTION_STATE | MACH_EXCEPTION_CODES, 1, 2 },
		{ EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, 1, 3 },
		{ EXCEPTION_DEFAULT, 0, 11 },
		{ EXCEPTION_STATE, 0, 12 },
		{ EXCEPTION_STATE_IDENTITY, 0, 13 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct server s = { new_port(), 1, b[i].wide };
		pthread_t t;

		TH_LOG("behavior %#x", b[i].behavior);
		memset(&seen, 0, sizeof(seen));
		ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION,
				s.port, b[i].behavior, x86_THREAD_STATE64));
		ASSERT_EQ(0, pthread_create(&t, NULL, serve, &s));
		ud2();
		pthread_join(t, NULL);
		EXPECT_EQ(1, seen.calls);
		EXPECT_EQ(b[i].which, seen.which);
		EXPECT_EQ(s.port, seen.port);
		EXPECT_EQ(EXC_BAD_INSTRUCTION, seen.exception);
		EXPECT_EQ(2, seen.count);
		EXPECT_EQ(EXC_I386_INVOP, seen.code[0]);
		task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
					 THREAD_STATE_NONE);
		mach_port_destroy(ME, s.port);
	}
}

struct msg_server {
	mach_port_t port;
	int loop;		/* mach_msg_server(), else mach_msg_server_once() */
	mach_msg_return_t mr;
};

static void *run_msg_server(void *arg)
{
	struct msg_server *m = arg;
	mach_msg_size_t size = sizeof(union __RequestUnion__mach_exc_subsystem);

	m->mr = (m->loop ? mach_msg_server : mach_msg_server_once)(mach_exc_server, size,
								    m->port, 0);
	return NULL;
}

/* macOS's generic loops run mach_exc_server() as well. */
TEST(mach_msg_server_and_server_once)
{
	struct msg_server once = { new_port(), 0, -1 }, loop = { new_port(), 1, -1 };
	pthread_t t;
	int i;

	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, once.port,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_msg_server, &once));
	ud2();
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, once.mr);
	EXPECT_EQ(1, seen.calls);
	EXPECT_EQ(3, seen.which);

	/* The loop answers until its port goes. */
	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, loop.port,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_msg_server, &loop));
	for (i = 0; i < 3; i++)
		ud2();
	EXPECT_EQ(3, seen.calls);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(ME, loop.port, MACH_PORT_RIGHT_RECEIVE, -1));
	pthread_join(t, NULL);
	EXPECT_NE(MACH_MSG_SUCCESS, loop.mr);
	mach_port_destroy(ME, once.port);
	mach_port_deallocate(ME, loop.port);
}

/* A handler forwards to the handler it replaced (client stub), which answers. */
TEST(forward_to_previous_handler)
{
	struct server old = { new_port(), 1, 1 }, cur = { new_port(), 1, 1 };
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_msg_type_number_t n = EXC_TYPES_COUNT;
	exception_handler_t ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
	pthread_t t1, t2;

	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, old.port,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
	ASSERT_EQ(KERN_SUCCESS, task_swap_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, cur.port,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64,
			masks, &n, ports, behaviors, flavors));
	ASSERT_EQ(1, n);
	ASSERT_EQ(old.port, ports[0]);
	seen.forward_from = cur.port;
	seen.forward_to = ports[0];
	ASSERT_EQ(0, pthread_create(&t1, NULL, serve, &cur));
	ASSERT_EQ(0, pthread_create(&t2, NULL, serve, &old));
	ud2();
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	EXPECT_EQ(KERN_SUCCESS, seen.forwarded);
	EXPECT_EQ(1, seen.calls);		/* the old handler did the work */
	EXPECT_EQ(old.port, seen.port);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_deallocate(ME, ports[0]);
	mach_port_destroy(ME, old.port);
	mach_port_destroy(ME, cur.port);
}

/* The client stub against a dead port, and against a bad count. */
TEST(client_stub_errors)
{
	mach_exception_data_type_t code[3] = { 1, 2, 3 };
	mach_port_t p = new_port();

	EXPECT_EQ(MIG_ARRAY_TOO_LARGE, mach_exception_raise(p, MACH_PORT_NULL, MACH_PORT_NULL,
							    EXC_BAD_ACCESS, code, 3));
	mach_port_destroy(ME, p);
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_exception_raise(p, mach_thread_self(), ME,
							       EXC_BAD_ACCESS, code, 2));
}

/* The servers' own checks, on requests made by hand. */
TEST(server_checks_requests)
{
	union __RequestUnion__mach_exc_subsystem in;
	union __ReplyUnion__mach_exc_subsystem out;
	__Request__mach_exception_raise_state_t *r = &in.Request_mach_exception_raise_state;
	mig_reply_error_t *e = (mig_reply_error_t *)&out;

	memset(&in, 0, sizeof(in));
	r->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	r->Head.msgh_remote_port = 0x1234;
	r->Head.msgh_id = 2499;
	r->Head.msgh_size = sizeof(*r);
	EXPECT_FALSE(mach_exc_server(&r->Head, &e->Head));
	EXPECT_EQ(MIG_BAD_ID, e->RetCode);
	EXPECT_EQ(2599, e->Head.msgh_id);

	/* STATE: codeCnt 3, old_stateCnt 615, sizes that do not add up. */
	r->Head.msgh_id = 2406;
	r->NDR = NDR_record;
	r->exception = EXC_BAD_ACCESS;
	r->codeCnt = 3;
	EXPECT_TRUE(mach_exc_server(&r->Head, &e->Head));
	EXPECT_EQ(MIG_BAD_ARGUMENTS, e->RetCode);
	EXPECT_EQ(0x1234, e->Head.msgh_remote_port);
	EXPECT_EQ(sizeof(mig_reply_error_t), e->Head.msgh_size);
	r->codeCnt = 2;
	r->flavor = x86_THREAD_STATE64;
	r->old_stateCnt = THREAD_STATE_MAX + 1;
	EXPECT_TRUE(mach_exc_server(&r->Head, &e->Head));
	EXPECT_EQ(MIG_BAD_ARGUMENTS, e->RetCode);
	r->old_stateCnt = x86_THREAD_STATE64_COUNT;
	r->Head.msgh_size = sizeof(*r);		/* larger than the count says */
	EXPECT_TRUE(mach_exc_server(&r->Head, &e->Head));
	EXPECT_EQ(MIG_BAD_ARGUMENTS, e->RetCode);
	/* Right: the routine runs and the reply is trimmed to its state. */
	memset(&seen, 0, sizeof(seen));
	r->Head.msgh_size = sizeof(*r) - (THREAD_STATE_MAX - x86_THREAD_STATE64_COUNT) * 4;
	EXPECT_TRUE(mach_exc_server(&r->Head, &e->Head));
	EXPECT_EQ(KERN_SUCCESS, e->RetCode);
	EXPECT_EQ(2, seen.which);
	EXPECT_EQ(44 + x86_THREAD_STATE64_COUNT * 4, (int)e->Head.msgh_size);
	EXPECT_EQ(2506, e->Head.msgh_id);
	/* DEFAULT without its port descriptors is refused. */
	r->Head.msgh_id = 2405;
	EXPECT_TRUE(mach_exc_server(&r->Head, &e->Head));
	EXPECT_EQ(MIG_BAD_ARGUMENTS, e->RetCode);
}

/*
 * catch_mach_exc_subsystem and catch_exc_subsystem as MIG generates them:
 * ids 2405-2407 (2401-2403), maxsize the size of the largest reply, one
 * descriptor per routine with its argument count and reply size, and the
 * lookup routine as .server.
 */
TEST(subsystem_tables_describe_the_servers_as_mig_does)
{
	mach_msg_header_t h = { 0 };
	int i;

	EXPECT_EQ(2405, catch_mach_exc_subsystem.start);
	EXPECT_EQ(2408, catch_mach_exc_subsystem.end);
	EXPECT_EQ(sizeof(union __ReplyUnion__catch_mach_exc_subsystem),
		  catch_mach_exc_subsystem.maxsize);
	EXPECT_EQ(24 + 8 + 4 + 4 + 4 + THREAD_STATE_MAX * 4, (int)catch_mach_exc_subsystem.maxsize);
	EXPECT_EQ((mig_server_routine_t)mach_exc_server_routine, catch_mach_exc_subsystem.server);
	EXPECT_EQ(0, catch_mach_exc_subsystem.reserved);
	EXPECT_EQ(6, catch_mach_exc_subsystem.routine[0].argc);
	EXPECT_EQ(9, catch_mach_exc_subsystem.routine[1].argc);
	EXPECT_EQ(11, catch_mach_exc_subsystem.routine[2].argc);
	EXPECT_EQ(sizeof(__Reply__mach_exception_raise_t),
		  catch_mach_exc_subsystem.routine[0].max_reply_msg);
	EXPECT_EQ(sizeof(__Reply__mach_exception_raise_state_identity_t),
		  catch_mach_exc_subsystem.routine[2].max_reply_msg);
	EXPECT_EQ(2401, catch_exc_subsystem.start);
	EXPECT_EQ(2404, catch_exc_subsystem.end);
	EXPECT_EQ(sizeof(union __ReplyUnion__catch_exc_subsystem), catch_exc_subsystem.maxsize);
	EXPECT_EQ((mig_server_routine_t)exc_server_routine, catch_exc_subsystem.server);
	EXPECT_EQ(11, catch_exc_subsystem.routine[2].argc);
	for (i = 0; i < 3; i++) {
		EXPECT_NE(NULL, catch_mach_exc_subsystem.routine[i].stub_routine);
		EXPECT_EQ(NULL, catch_mach_exc_subsystem.routine[i].impl_routine);
		EXPECT_EQ(0, catch_mach_exc_subsystem.routine[i].descr_count);
		h.msgh_id = 2405 + i;
		EXPECT_EQ(catch_mach_exc_subsystem.routine[i].stub_routine,
			  mach_exc_server_routine(&h));
		h.msgh_id = 2401 + i;
		EXPECT_EQ(catch_exc_subsystem.routine[i].stub_routine, exc_server_routine(&h));
	}
	h.msgh_id = 2408;
	EXPECT_EQ(NULL, mach_exc_server_routine(&h));
	h.msgh_id = 2404;
	EXPECT_EQ(NULL, exc_server_routine(&h));
	h.msgh_id = 2400;
	EXPECT_EQ(NULL, exc_server_routine(&h));
}

/*
 * A demux of the program's own, as debuggers write one: find the stub
 * through the subsystem's lookup routine, make the reply header as MIG's
 * server does, and run it.
 */
TEST(stub_found_through_the_subsystem_serves_the_request)
{
	union __RequestUnion__catch_mach_exc_subsystem in;
	union __ReplyUnion__catch_mach_exc_subsystem out;
	__Request__mach_exception_raise_state_t *r = &in.Request_mach_exception_raise_state;
	__Reply__mach_exception_raise_state_t *o = &out.Reply_mach_exception_raise_state;
	x86_thread_state64_t ts = { 0 };
	mig_routine_t stub;

	memset(&in, 0, sizeof(in));
	r->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	r->Head.msgh_remote_port = 0x1234;
	r->Head.msgh_local_port = 0x5678;
	r->Head.msgh_id = 2406;
	r->NDR = NDR_record;
	r->exception = EXC_BAD_INSTRUCTION;
	r->codeCnt = 2;
	r->code[0] = EXC_I386_INVOP;
	r->flavor = x86_THREAD_STATE64;
	r->old_stateCnt = x86_THREAD_STATE64_COUNT;
	ts.__rip = 0x1000;
	memcpy(r->old_state, &ts, sizeof(ts));
	r->Head.msgh_size = sizeof(*r) - (THREAD_STATE_MAX - x86_THREAD_STATE64_COUNT) * 4;

	stub = catch_mach_exc_subsystem.server(&r->Head);
	ASSERT_NE(NULL, stub);
	memset(&out, 0, sizeof(out));
	o->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(r->Head.msgh_bits), 0);
	o->Head.msgh_remote_port = r->Head.msgh_remote_port;
	o->Head.msgh_size = sizeof(mig_reply_error_t);
	o->Head.msgh_id = r->Head.msgh_id + 100;
	memset(&seen, 0, sizeof(seen));
	stub(&r->Head, &o->Head);
	EXPECT_EQ(KERN_SUCCESS, o->RetCode);
	EXPECT_EQ(2, seen.which);
	EXPECT_EQ(0x5678, seen.port);
	EXPECT_EQ(2506, o->Head.msgh_id);
	EXPECT_EQ(0x1234, o->Head.msgh_remote_port);
	EXPECT_EQ(x86_THREAD_STATE64_COUNT, o->new_stateCnt);
	memcpy(&ts, o->new_state, sizeof(ts));
	EXPECT_EQ(0x1002, ts.__rip);
}

static void *run_sized_server(void *arg)
{
	struct msg_server *m = arg;

	m->mr = mach_msg_server_once(mach_exc_server, catch_mach_exc_subsystem.maxsize, m->port,
				     MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT) |
				     MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0));
	return NULL;
}

/* mach_msg_server(mach_exc_server, catch_mach_exc_subsystem.maxsize, ...), as crash reporters size it. */
TEST(mach_msg_server_sized_by_the_subsystem_maxsize)
{
	struct msg_server once = { new_port(), 0, -1 };
	pthread_t t;

	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(ME, EXC_MASK_BAD_INSTRUCTION, once.port,
			EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, x86_THREAD_STATE64));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_sized_server, &once));
	ud2();
	pthread_join(t, NULL);
	EXPECT_EQ(MACH_MSG_SUCCESS, once.mr);
	EXPECT_EQ(1, seen.calls);
	EXPECT_EQ(3, seen.which);
	task_set_exception_ports(ME, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT,
				 THREAD_STATE_NONE);
	mach_port_destroy(ME, once.port);
}

TEST_HARNESS_MAIN
