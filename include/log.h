/*
** log.h — one line per event, key=value fields, to stderr or a file.
**
**   2026-11-28T13:00:00.123Z gazette-indexer[4242] W msg="fetch failed" url=...
**
** Levels: D debug, I info, W warning, E error.  The logger is configured once
** in main (log_init); the functions are safe to call from several threads.
*/
#ifndef GZ_LOG_H
#define GZ_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

/*
** Set the program name, the lowest level written and the log file (NULL for
** stderr).  Returns 0, or -1 (errno set) when the file cannot be opened, in
** which case logging goes on to stderr.  Call from main before any thread.
*/
int log_init(const char *prog, enum log_level min, const char *path);

/* Reopen the log file (after logrotate moved it); a no-op for stderr. */
int log_reopen(void);

/* Close the log file, if any. */
void log_close(void);

/* Write one line at level; fmt should produce key=value fields. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
** Write s (n bytes, untrusted) into out (size outn) quoted for a log line:
** printable ASCII kept, '"' and '\\' escaped, other bytes as \xNN, cut at
** max input bytes with "..." appended.  Always NUL-terminates.
*/
void log_escape(const char *s, size_t n, size_t max, char *out, size_t outn);

#endif /* GZ_LOG_H */
