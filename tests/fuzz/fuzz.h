/*
** fuzz.h — helpers shared by the fuzz targets in tests/fuzz/.
**
** Every target defines LLVMFuzzerTestOneInput(data, size).  The same source
** builds three ways: with clang's -fsanitize=fuzzer (make fuzz), with the
** standalone replay main in replay.c (make fuzz-replay), and included into
** tests/unit/test_fuzz_replay.c, which renames the entry point with
** FUZZ_ENTRY before each #include so that one program holds every target.
** Helpers here are static inline so that they may be included many times.
*/
#ifndef GZ_FUZZ_H
#define GZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

/* A NUL-terminated copy of data[0..n); NULL when out of memory. */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/*
** Split data at its first '\n': the head (at most max bytes of it, as a
** malloc'd string in *head) and the rest (*rest, *rest_len, borrowed).
** Without a newline the head is empty and the rest is everything.
** Returns 0, or -1 when out of memory.
*/
static inline int fuzz_split(const uint8_t *data, size_t size, size_t max,
			     char **head, const uint8_t **rest,
			     size_t *rest_len)
{
	const uint8_t *nl = size ? memchr(data, '\n', size) : NULL;
	size_t n = nl ? (size_t)(nl - data) : 0;

	*head = fuzz_strndup(data, n < max ? n : max);
	if (!*head)
		return -1;
	*rest = nl ? nl + 1 : data;
	*rest_len = nl ? size - n - 1 : size;
	return 0;
}

/*
** Write data[0..size) to a fresh temporary file whose path goes into path
** (n bytes).  Returns 0, or -1 (nothing left behind).  The caller unlinks.
*/
static inline int fuzz_tempfile(const uint8_t *data, size_t size,
				const char *tag, char *path, size_t n)
{
	const char *dir = getenv("TMPDIR");
	size_t off = 0;
	int fd;

	snprintf(path, n, "%s/gz-fuzz-%s-XXXXXX", dir && *dir ? dir : "/tmp",
		 tag);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			close(fd);
			unlink(path);
			return -1;
		}
		off += (size_t)w;
	}
	close(fd);
	return 0;
}

#endif /* GZ_FUZZ_H */
