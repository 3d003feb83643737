#ifndef C_TESSERA_SQLITE_H
#define C_TESSERA_SQLITE_H

#include "sqlite_nio_sqlite3.h"

/// Turns on SQLite's query planner stability guarantee for `db`, so that a statement's plan
/// never depends on the values bound to it. Without it, SQLite re-prepares a cached statement
/// on every run whose bound value it once used to choose a plan (a partial index's
/// `IS NOT NULL`, `LIMIT ?`, `LIKE ?`). Here in C because `sqlite3_db_config` is variadic,
/// which Swift cannot call. Answers an SQLite result code.
int tessera_sqlite_enable_stable_plans(sqlite3 *db);

#endif
