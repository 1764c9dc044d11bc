/*
** version.h — the release version of all three programs.
*/
#ifndef GZ_VERSION_H
#define GZ_VERSION_H

#define GZ_VERSION "0.1.0"

/* Exit codes, shared by the programs (cron and scripts read them). */
#define GZ_EXIT_OK 0 /* all went well */
#define GZ_EXIT_PARTIAL \
	1 /* finished, some items failed (indexer); no hits (gazette) */
#define GZ_EXIT_USAGE    2  /* usage or configuration error */
#define GZ_EXIT_SOFTWARE 70 /* internal or index error (EX_SOFTWARE) */
#define GZ_EXIT_TEMPFAIL 75 /* another run holds the index lock (EX_TEMPFAIL) */

#endif /* GZ_VERSION_H */
