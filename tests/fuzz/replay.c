/*
** replay.c — a standalone main for one fuzz target: run its
** LLVMFuzzerTestOneInput once on every file named on the command line and
** on every regular file in every directory named there (not recursive).
** Prints "fuzz-replay: N passed, 0 failed"; a crash or sanitizer report
** ends the program, so any exit other than 0 is a failure.
**
** Built without -fsanitize=fuzzer (see mk/fuzz.mk), with gcc or clang.
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long replay_passed;

/* Read path whole and run the target on it.  Returns 0, or -1 if unreadable. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *p;
			cap = cap ? cap * 2 : 65536;
			p = realloc(data, cap);
			if (!p) {
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	if (getenv("FUZZ_REPLAY_VERBOSE"))
		fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	replay_passed++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long failed = 0;
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0)
			continue; /* a target may have no regressions yet */
		if (!S_ISDIR(st.st_mode)) {
			failed += replay_file(argv[i]) != 0;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			failed++;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i],
				 e->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				failed += replay_file(path) != 0;
		}
		closedir(d);
	}
	printf("fuzz-replay: %lu passed, %lu failed\n", replay_passed, failed);
	return failed != 0;
}
