/* status_access.c — who may see /status (status_page.h). */
#include "status_page.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the first `bits` bits of a and b (len bytes each) agree. */
static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
    for (int i = 0; bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((a[i] & mask) != (b[i] & mask))
            return 0;
    }
    return 1;
}

/* The prefix length after '/': 1 to 3 digits, at most `max`; -1 if not. */
static int prefix_len(const char *s, int max)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 3 || s[n])
        return -1;
    int bits = atoi(s);
    return bits <= max ? bits : -1;
}

/* Whether `ip` is in `cidr` ("ADDR" or "ADDR/BITS"); a malformed entry
 * matches nothing. */
static int in_cidr(const char *ip, const char *cidr)
{
    char net[64];
    snprintf(net, sizeof net, "%s", cidr);
    char *slash = strchr(net, '/');
    if (slash)
        *slash = '\0';
    unsigned char a[16], b[16];
    const char *v4 = strncmp(ip, "::ffff:", 7) == 0 && strchr(ip, '.') ? ip + 7 : ip;
    if (inet_pton(AF_INET, net, b) == 1) {
        int bits = slash ? prefix_len(slash + 1, 32) : 32;
        return bits >= 0 && inet_pton(AF_INET, v4, a) == 1 && prefix_eq(a, b, bits);
    }
    if (inet_pton(AF_INET6, net, b) == 1) {
        int bits = slash ? prefix_len(slash + 1, 128) : 128;
        return bits >= 0 && inet_pton(AF_INET6, ip, a) == 1 && prefix_eq(a, b, bits);
    }
    return 0;
}

/* Compares without an early exit, so a wrong token's length of match does
 * not show in the time taken. */
static int same(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i < lb ? i : 0]);
    return d == 0;
}

int ferry_status_allowed(const char *ip, const char *authorization, const char *allow,
                         const char *token)
{
    if (token && *token && authorization && strncmp(authorization, "Bearer ", 7) == 0 &&
        same(authorization + 7, token))
        return 1;
    char list[1024];
    snprintf(list, sizeof list, "%s", allow ? allow : "127.0.0.0/8, ::1");
    char *save = NULL;
    for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (ip && in_cidr(ip, t))
            return 1;
    return 0;
}
