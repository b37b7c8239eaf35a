/*
 * fuzz_email_address.c — the email sink's address checks (address.c):
 * an address, a From value and a recipients JSON list. Whatever is accepted
 * must be safe to put in a header and an SMTP command: no CR, LF or NUL.
 * Input: three parts separated by NUL bytes.
 */
#include "address.h"
#include "fuzz_common.h"

static void safe(const char *s)
{
    if (s && strpbrk(s, "\r\n"))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p[3];
    fz_split(data, size, p, 3);
    char why[256];
    if (em_address_check(p[0], why, sizeof why) == 0)
        safe(p[0]);
    em_from f;
    memset(&f, 0, sizeof f);
    if (em_from_parse(p[1], &f, why, sizeof why) == 0) {
        safe(f.name);
        safe(f.addr);
        if (em_address_check(f.addr, why, sizeof why) != 0)
            abort(); /* a parsed From's address passes the address check */
    }
    em_from_free(&f);
    em_rcpts r;
    memset(&r, 0, sizeof r);
    if (em_rcpts_add_json(&r, p[2], why, sizeof why) == 0)
        for (size_t i = 0; i < r.n; i++)
            safe(r.items[i]);
    em_rcpts_free(&r);
    char q[128] = "value ";
    em_quote_value(q, sizeof q, p[0], 40);
    if (strlen(q) >= sizeof q)
        abort();
    for (int i = 0; i < 3; i++)
        free(p[i]);
    return 0;
}
