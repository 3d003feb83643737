#include "CTesseraSQLite.h"

int tessera_sqlite_enable_stable_plans(sqlite3 *db) {
    return sqlite_nio_sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)0);
}

int tessera_sqlite_keep_statement_journals_in_memory(int bytes) {
    return sqlite_nio_sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}
