/* store_int.h - what tools/history/store.c and tools/history/store_read.c share: the connection and the
 * statement helpers. Not for other files: use store.h. */
#ifndef HP_STORE_INT_H
#define HP_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>

struct hp_store {
	sqlite3 *db;
	char *path;
	int busy_ms;
	int writable;
};

/* One line naming the file and why, from the connection's last error; returns -1. */
int hp_store_fail(struct hp_store *st, const char *doing, char *err, size_t errlen);
/* sqlite3_exec without results; -1 with err. */
int hp_store_exec(struct hp_store *st, const char *sql, const char *doing, char *err,
		  size_t errlen);
/* A persistent prepared statement, NULL with err. */
sqlite3_stmt *hp_store_prepare(struct hp_store *st, const char *sql, char *err, size_t errlen);
/* Reset `s` and bind by a format: i int, I int64, U uint64 (stored as its two's complement
 * int64), t text or NULL, d double, - NULL. */
void hp_store_bind(sqlite3_stmt *s, const char *fmt, ...);

#endif
