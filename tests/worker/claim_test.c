/*
 * claim_test.c — claim.c against the real MariaDB: SKIP LOCKED, leases on
 * the database clock, fencing by (owner, attempt), giving up, claim by id,
 * and many threads claiming one table with every request claimed once.
 *
 * Run by claim_test.sh, which makes a migrated database with one user and
 * sets FERRY_DATABASE_URL and CLAIM_TEST_USER.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "claim.h"
#include "db.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok: %s\n", #cond);                                                             \
        } else {                                                                                   \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static const char *url;
static int64_t user_id;
static const char *ua = "ferry-test/0 (claim_test)";

static ferry_db *connect_or_die(void)
{
    ferry_db *db;
    ferry_err err = FERRY_ERR_INIT;
    if (fdb_connect_url(&db, url, 30, &err)) {
        fprintf(stderr, "claim_test: %s\n", err.msg);
        exit(1);
    }
    return db;
}

static void sql(ferry_db *db, const char *q)
{
    ferry_err err = FERRY_ERR_INIT;
    if (fdb_run(db, q, &err)) {
        fprintf(stderr, "claim_test: %s\n", err.msg);
        exit(1);
    }
}

/* One value of a one-row query, as a malloc'd string ("" for none). */
static char *value(ferry_db *db, const char *q, const char *id)
{
    ferry_err err = FERRY_ERR_INIT;
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(id)};
    if (fdb_query(db, q, p, strchr(q, '?') ? 1 : 0, &r, &err)) {
        fprintf(stderr, "claim_test: %s\n", err.msg);
        exit(1);
    }
    char *s = strdup(r->nrows && fdb_get(r, 0, 0) ? fdb_get(r, 0, 0) : "");
    fdb_rows_free(r);
    return s;
}

static long count(ferry_db *db, const char *q, const char *id)
{
    char *s = value(db, q, id);
    long n = atol(s);
    free(s);
    return n;
}

/* Inserts `n` pending requests, created one microsecond apart. */
static void insert_requests(ferry_db *db, int n)
{
    ferry_err err = FERRY_ERR_INIT;
    fdb_param p[] = {fdb_i64(user_id), fdb_i64(n)};
    if (fdb_exec(db,
                 "INSERT INTO export_requests (id, title, description, format, filters, "
                 "selected_fields, status, progress_percentage, error_message, file_path, "
                 "download_url, download_count, is_scheduled, schedule_pattern, created_at, "
                 "updated_at, user_id) "
                 "SELECT LOWER(HEX(RANDOM_BYTES(16))), CONCAT('r', seq), '', 'csv', '{}', '[]', "
                 "'pending', 0, '', '', '', 0, 0, '', "
                 "UTC_TIMESTAMP(6) - INTERVAL 1 HOUR + INTERVAL seq MICROSECOND, "
                 "UTC_TIMESTAMP(6), ? FROM seq_1_to_1000 WHERE seq <= ?",
                 p, 2, NULL, &err)) {
        fprintf(stderr, "claim_test: %s\n", err.msg);
        exit(1);
    }
}

static void test_basic(ferry_db *a, ferry_db *b)
{
    ferry_err err = FERRY_ERR_INIT;
    sql(a, "DELETE FROM export_audit_logs");
    sql(a, "DELETE FROM export_requests");
    insert_requests(a, 3);
    char *oldest = value(a, "SELECT id FROM export_requests ORDER BY created_at LIMIT 1", NULL);

    /* b holds a lock on the oldest row: a skips it instead of waiting. */
    sql(b, "START TRANSACTION");
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(oldest)};
    fdb_query(b, "SELECT id FROM export_requests WHERE id = ? FOR UPDATE", p, 1, &r, &err);
    fdb_rows_free(r);
    ferry_claim c1, c2;
    int got = 0;
    char owner_a[129], owner_b[129];
    ferry_claim_owner(owner_a, 1);
    ferry_claim_owner(owner_b, 2);
    CHECK(strcmp(owner_a, owner_b) != 0, "owners %s %s", owner_a, owner_b);
    int rc = ferry_claim_next(a, owner_a, 30, 3, ua, &c1, &got, &err);
    CHECK(rc == 0 && got == 1, "rc %d got %d: %s", rc, got, err.msg);
    CHECK(strcmp(c1.id, oldest) != 0, "claimed the locked row %s", c1.id);
    sql(b, "ROLLBACK");

    rc = ferry_claim_next(b, owner_b, 30, 3, ua, &c2, &got, &err);
    CHECK(rc == 0 && got == 1 && strcmp(c2.id, oldest) == 0, "second claim %s: %s", c2.id, err.msg);
    CHECK(c1.attempt == 1 && c2.attempt == 1, "attempts %d %d", c1.attempt, c2.attempt);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE id = ? AND status = 'processing' "
                "AND ferry_attempt = 1 AND started_at IS NOT NULL AND "
                "ferry_lease_expires_at > NOW(6) + INTERVAL 20 SECOND",
                c1.id) == 1,
          "claimed row state");
    /* The claim carries the format and the wait the row keeps (no SELECT after it). */
    long wait = count(a,
                      "SELECT TIMESTAMPDIFF(MICROSECOND, created_at, started_at) "
                      "FROM export_requests WHERE id = ?",
                      c1.id);
    CHECK(strcmp(c1.format, "csv") == 0 && c1.wait_us == wait && wait > 3000000000L,
          "format %s wait %lld, the row's %ld", c1.format, (long long)c1.wait_us, wait);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = ? AND "
                "action = 'started' AND ip_address = ''",
                c1.id) == 1,
          "one started audit row");

    /* Renewal: held with the right claim, not with a wrong attempt or owner. */
    int held = 0;
    rc = ferry_claim_renew(a, &c1, 60, &held, &err);
    CHECK(rc == 0 && held == 1, "renew rc %d held %d", rc, held);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE id = ? AND "
                "ferry_lease_expires_at > NOW(6) + INTERVAL 50 SECOND",
                c1.id) == 1,
          "renewal moved the lease on the database clock");
    ferry_claim wrong = c1;
    wrong.attempt = 2;
    rc = ferry_claim_renew(a, &wrong, 60, &held, &err);
    CHECK(rc == 0 && held == 0, "renew with a wrong attempt: held %d", held);
    wrong = c1;
    snprintf(wrong.owner, sizeof wrong.owner, "%s", owner_b);
    rc = ferry_claim_renew(a, &wrong, 60, &held, &err);
    CHECK(rc == 0 && held == 0, "renew with a wrong owner: held %d", held);

    /* Release: pending again, lease cleared; claimed again as attempt 2
     * without a second 'started' row. */
    rc = ferry_claim_release(a, &c2, &err);
    CHECK(rc == 0, "release: %s", err.msg);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE id = ? AND status = 'pending' "
                "AND ferry_lease_owner = '' AND ferry_lease_expires_at IS NULL",
                c2.id) == 1,
          "released row is pending");
    ferry_claim c3;
    rc = ferry_claim_next(b, owner_b, 30, 3, ua, &c3, &got, &err);
    CHECK(rc == 0 && got == 1 && strcmp(c3.id, c2.id) == 0 && c3.attempt == 2,
          "re-claim %s attempt %d", c3.id, c3.attempt);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = ? AND "
                "action = 'started'",
                c3.id) == 1,
          "still one started audit row after the re-claim");
    /* The stale claim (attempt 1) can neither renew nor release. */
    rc = ferry_claim_renew(a, &c2, 60, &held, &err);
    CHECK(rc == 0 && held == 0, "stale renew held %d", held);
    ferry_claim_release(a, &c2, &err);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE id = ? AND status = 'processing' "
                "AND ferry_attempt = 2",
                c3.id) == 1,
          "stale release changed nothing");
    free(oldest);
}

static void test_expiry_and_give_up(ferry_db *a, ferry_db *b)
{
    ferry_err err = FERRY_ERR_INIT;
    sql(a, "DELETE FROM export_audit_logs");
    sql(a, "DELETE FROM export_usage_stats");
    sql(a, "DELETE FROM export_requests");
    insert_requests(a, 1);
    char owner_a[129], owner_b[129];
    ferry_claim_owner(owner_a, 1);
    ferry_claim_owner(owner_b, 2);
    ferry_claim c1, c2, c3, c4;
    int got = 0, held = 0;
    int rc = ferry_claim_next(a, owner_a, 30, 2, ua, &c1, &got, &err);
    CHECK(rc == 0 && got == 1, "claim: %s", err.msg);
    /* Nothing else is claimable while the lease holds. */
    rc = ferry_claim_next(b, owner_b, 30, 2, ua, &c2, &got, &err);
    CHECK(rc == 0 && got == 0, "nothing to claim under a live lease (got %d)", got);
    /* The lease runs out (on the database clock). */
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND");
    rc = ferry_claim_next(b, owner_b, 30, 2, ua, &c2, &got, &err);
    CHECK(rc == 0 && got == 1 && strcmp(c2.id, c1.id) == 0 && c2.attempt == 2,
          "expired lease re-claimed: got %d attempt %d", got, c2.attempt);
    rc = ferry_claim_renew(a, &c1, 30, &held, &err);
    CHECK(rc == 0 && held == 0, "the first worker's renewal changes nothing (held %d)", held);
    /* Attempt 2 of 2 runs out too: the next claim gives up. */
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND");
    rc = ferry_claim_next(a, owner_a, 30, 2, ua, &c3, &got, &err);
    CHECK(rc == 0 && got == 0, "gave up instead of claiming (got %d): %s", got, err.msg);
    char *msg = value(a, "SELECT error_message FROM export_requests WHERE id = ?", c1.id);
    CHECK(strcmp(msg, "gave up after 2 attempts: lease expired") == 0, "message '%s'", msg);
    free(msg);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE id = ? AND status = 'failed' "
                "AND completed_at IS NOT NULL AND ferry_lease_owner = ''",
                c1.id) == 1,
          "given-up row is failed");
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = ? AND "
                "action = 'failed'",
                c1.id) == 1,
          "one failed audit row");
    CHECK(count(a, "SELECT SUM(failed_exports) FROM export_usage_stats ", NULL) == 1,
          "usage failure counted once");

    /* An operator's retry keeps attempt numbers unique: attempts 3 and 4
     * are the second round of 2; a new lifecycle gets its 'started' row. */
    sql(a, "UPDATE export_requests SET status = 'pending', started_at = NULL, "
           "completed_at = NULL, error_message = ''");
    rc = ferry_claim_next(b, owner_b, 30, 2, ua, &c2, &got, &err);
    CHECK(rc == 0 && got == 1 && c2.attempt == 3, "retried: got %d attempt %d", got, c2.attempt);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_audit_logs WHERE export_request_id = ? AND "
                "action = 'started'",
                c2.id) == 2,
          "the retried lifecycle has its own started row");
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND");
    rc = ferry_claim_next(b, owner_b, 30, 2, ua, &c2, &got, &err);
    CHECK(rc == 0 && got == 1 && c2.attempt == 4, "attempt 4: got %d attempt %d", got, c2.attempt);
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND");
    rc = ferry_claim_next(b, owner_b, 30, 2, ua, &c2, &got, &err);
    CHECK(rc == 0 && got == 0, "second round given up (got %d)", got);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE id = ? AND status = 'failed' AND "
                "error_message = 'gave up after 2 attempts: lease expired'",
                c1.id) == 1,
          "failed after the second round");

    /* A retry delay: a pending row whose lease column lies ahead waits. */
    sql(a, "UPDATE export_requests SET status = 'pending', ferry_attempt = 0, "
           "ferry_lease_expires_at = NOW(6) + INTERVAL 1 HOUR");
    rc = ferry_claim_next(a, owner_a, 30, 2, ua, &c3, &got, &err);
    CHECK(rc == 0 && got == 0, "a delayed retry is not claimable yet (got %d)", got);
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND");
    rc = ferry_claim_next(a, owner_a, 30, 2, ua, &c3, &got, &err);
    CHECK(rc == 0 && got == 1 && c3.attempt == 1, "claimable after the delay (got %d)", got);

    /* Claim by id. */
    rc = ferry_claim_by_id(b, "0123456789abcdef0123456789abcdef", owner_b, 30, ua, &c4, &err);
    CHECK(rc == FERRY_ERR_NOTFOUND, "unknown id: rc %d %s", rc, err.msg);
    rc = ferry_claim_by_id(b, c3.id, owner_b, 30, ua, &c4, &err);
    CHECK(rc == FERRY_ERR && strstr(err.msg, "processing"), "held request: rc %d %s", rc, err.msg);
    sql(a, "UPDATE export_requests SET status = 'completed'");
    rc = ferry_claim_by_id(b, c3.id, owner_b, 30, ua, &c4, &err);
    CHECK(rc == FERRY_ERR && strstr(err.msg, "completed"), "completed request: rc %d %s", rc,
          err.msg);
    sql(a, "UPDATE export_requests SET status = 'pending'");
    rc = ferry_claim_by_id(b, c3.id, owner_b, 30, ua, &c4, &err);
    CHECK(rc == 0 && c4.attempt == 2 && strcmp(c4.owner, owner_b) == 0 &&
              strcmp(c4.format, "csv") == 0,
          "by id: rc %d %s", rc, err.msg);
}

/* Many threads, each with its own connection, claim until nothing is left;
 * every request must be claimed exactly once. */
/* Claims with a caller's state `st`; returns the claimed id (static buffer). */
static const char *claim_with(ferry_db *db, ferry_claim_state *st)
{
    static ferry_claim c;
    char owner[129];
    ferry_claim_owner(owner, 3);
    ferry_err err = FERRY_ERR_INIT;
    int got = 0;
    int rc = ferry_claim_next_limited(db, owner, 30, 5, NULL, st, ua, &c, &got, &err);
    CHECK(rc == 0, "claim: %s", err.msg);
    return rc == 0 && got ? c.id : "";
}

/* With a ferry_claim_state, expired leases come first only once a
 * FERRY_CLAIM_EXPIRED_MS after a look that found none, or when no pending
 * request is claimable. */
static void test_expired_bound(ferry_db *a)
{
    sql(a, "DELETE FROM export_audit_logs");
    sql(a, "DELETE FROM export_requests");
    insert_requests(a, 4);
    ferry_claim_state st = {0};
    char *first = strdup(claim_with(a, &st)); /* due: looks, finds no expired lease */
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND "
           "WHERE status = 'processing'");
    char *next = strdup(claim_with(a, &st));
    CHECK(*next && strcmp(next, first) != 0, "within the bound a pending one first (%s)", next);
    st.expired_next_ms = 0; /* the second has passed */
    const char *again = claim_with(a, &st);
    CHECK(strcmp(again, first) == 0, "then the expired lease first (%s)", again);
    /* No pending request left once these two are taken: the expired one
     * is found without waiting for the bound. */
    claim_with(a, &st);
    claim_with(a, &st);
    sql(a, "UPDATE export_requests SET ferry_lease_expires_at = NOW(6) - INTERVAL 1 SECOND "
           "WHERE id = (SELECT id FROM (SELECT id FROM export_requests "
           "ORDER BY created_at LIMIT 1) x)");
    again = claim_with(a, &st);
    CHECK(strcmp(again, first) == 0, "an expired lease when nothing is pending (%s)", again);
    free(first);
    free(next);
}

typedef struct racer {
    int slot;
    int claimed;
    int error;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    ferry_db *db = connect_or_die();
    char owner[129];
    ferry_claim_owner(owner, r->slot);
    for (;;) {
        ferry_claim c;
        int got = 0;
        ferry_err err = FERRY_ERR_INIT;
        if (ferry_claim_next(db, owner, 300, 3, ua, &c, &got, &err)) {
            fprintf(stderr, "slot %d: %s\n", r->slot, err.msg);
            r->error = 1;
            break;
        }
        if (!got)
            break;
        r->claimed++;
    }
    fdb_close(db);
    return NULL;
}

static void test_race(ferry_db *a)
{
    sql(a, "DELETE FROM export_audit_logs");
    sql(a, "DELETE FROM export_requests");
    insert_requests(a, 400);
    enum { N = 8 };
    pthread_t t[N];
    racer r[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){i, 0, 0};
        pthread_create(&t[i], NULL, race, &r[i]);
    }
    int total = 0, errors = 0, busy = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        total += r[i].claimed;
        errors += r[i].error;
        busy += r[i].claimed > 0;
    }
    CHECK(errors == 0, "%d threads failed", errors);
    CHECK(total == 400, "claimed %d", total);
    CHECK(count(a,
                "SELECT COUNT(*) FROM export_requests WHERE status = 'processing' AND "
                "ferry_attempt = 1 ",
                NULL) == 400,
          "every request claimed once");
    CHECK(count(a, "SELECT COUNT(*) FROM export_audit_logs WHERE action = 'started' ", NULL) == 400,
          "one started row each");
    CHECK(count(a, "SELECT COUNT(DISTINCT export_request_id) FROM export_audit_logs ", NULL) == 400,
          "started rows name 400 requests");
    printf("# %d of %d threads claimed something\n", busy, N);
}

int main(void)
{
    url = getenv("FERRY_DATABASE_URL");
    const char *u = getenv("CLAIM_TEST_USER");
    if (!url || !u) {
        fprintf(stderr, "claim_test: run through claim_test.sh\n");
        return 2;
    }
    user_id = atoll(u);
    ferry_db *a = connect_or_die(), *b = connect_or_die();
    test_basic(a, b);
    test_expiry_and_give_up(a, b);
    test_expired_bound(a);
    test_race(a);
    fdb_close(a);
    fdb_close(b);
    if (failures)
        printf("%d checks failed\n", failures);
    return failures ? 1 : 0;
}
