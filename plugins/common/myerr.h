/*
 * myerr.h — which MariaDB/MySQL client error numbers say that the server
 * cannot be reached or cannot take a connection now, so that waiting can
 * help and nothing the caller asked for was at fault: source-mysql's
 * FERRY_ERR_UNAVAILABLE (ABI 1.4). The core's store layer, which may not
 * include a plugin header, has the same list (fdb_errno_unavailable, the
 * worker's own connections); test_myerr checks the two agree on every
 * error number. Header only, over <mysql.h>'s error headers.
 */
#ifndef FERRY_PLUGINS_MYERR_H
#define FERRY_PLUGINS_MYERR_H

#include <errmsg.h>
#include <mysqld_error.h>

/* Non-zero for: refused or unreachable (2002, 2003), too many connections
 * (1040, 1203), the account's own limits reached (1226: MAX_USER_CONNECTIONS,
 * MAX_QUERIES_PER_HOUR, MAX_CONNECTIONS_PER_HOUR, MAX_UPDATES_PER_HOUR),
 * shutting down (1053), the connection lost or killed (2006, 2013, 2055,
 * 1927, 4031). Not a wrong password, an unknown host or database, a bad
 * query: those need a person. */
static inline int fmy_errno_unavailable(unsigned e)
{
    return e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR || e == ER_CON_COUNT_ERROR ||
           e == ER_TOO_MANY_USER_CONNECTIONS || e == ER_USER_LIMIT_REACHED ||
           e == ER_SERVER_SHUTDOWN || e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
           e == 2055 /* lost, system error */ || e == 1927 /* connection killed */ ||
           e == 4031 /* disconnected: inactivity */;
}

#endif
