/*
** bench_args.h — command-line helpers the benchmark tools in bench/
** share (header only: the tools link with nothing but the tree's
** libraries).
*/
#ifndef GZ_BENCH_ARGS_H
#define GZ_BENCH_ARGS_H

#include <errno.h>
#include <stdlib.h>

/*
** Read s as a decimal count from lo to hi into *out: 0, or -1 when s is
** not one (no sign, no trailing characters).
*/
static inline int bench_count(const char *s, unsigned long lo, unsigned long hi,
			      unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

#endif /* GZ_BENCH_ARGS_H */
