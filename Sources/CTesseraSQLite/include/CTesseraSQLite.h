#ifndef C_TESSERA_SQLITE_H
#define C_TESSERA_SQLITE_H

#include "sqlite_nio_sqlite3.h"

/// Turns on SQLite's query planner stability guarantee for `db`, so that a statement's plan
/// never depends on the values bound to it. Without it, SQLite re-prepares a cached statement
/// on every run whose bound value it once used to choose a plan (a partial index's
/// `IS NOT NULL`, `LIMIT ?`, `LIKE ?`). Here in C because `sqlite3_db_config` is variadic,
/// which Swift cannot call. Answers an SQLite result code.
int tessera_sqlite_enable_stable_plans(sqlite3 *db);

/// Keeps statement and savepoint journals in memory up to `bytes` each before they spill to a
/// temporary file (SQLite's default is 64 KiB). Applies only if called before SQLite is first
/// used in the process; answers `SQLITE_MISUSE`, changing nothing, after. In C because
/// `sqlite3_config` is variadic. Answers an SQLite result code.
int tessera_sqlite_keep_statement_journals_in_memory(int bytes);

#endif
