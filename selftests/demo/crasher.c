// SPDX-License-Identifier: GPL-2.0
/* A small program that crashes: a NULL pointer three calls deep. */
#include <stdio.h>

struct config {
	const char *name;
	int *limits;
};

static int *volatile no_limits;

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
	return load_config("demo.conf");
}
