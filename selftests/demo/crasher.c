// SPDX-License-Identifier: GPL-2.0
/*
 * A small program that crashes: a NULL pointer three calls deep, while a
 * second thread waits for work (the report unwinds both).
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

struct config {
	const char *name;
	int *limits;
};

static int *volatile no_limits;

__attribute__((noinline)) static void *wait_for_work(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

__attribute__((noinline)) static int read_limit(const struct config *c, int i)
{
	return c->limits[i];		/* c->limits is NULL */
}

__attribute__((noinline)) static int check_limits(const struct config *c)
{
	return read_limit(c, 2) > 0;
}

__attribute__((noinline)) static int load_config(const char *name)
{
	struct config c = { name, no_limits };

	printf("crasher: loading %s\n", name);
	fflush(stdout);
	return check_limits(&c);
}

int main(void)
{
	pthread_t worker;

	pthread_create(&worker, NULL, wait_for_work, NULL);
	return load_config("demo.conf");
}
