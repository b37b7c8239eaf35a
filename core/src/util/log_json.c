/* log_json.c — a log line as a JSON object (log_json.h). */
#include "log_json.h"

#include <stdio.h>
#include <string.h>

typedef struct out {
    char *p;
    size_t n, cap; /* cap keeps room for the closing "}\n" */
} out;

static void put(out *o, char c)
{
    if (o->n < o->cap)
        o->p[o->n++] = c;
}

/* The length of the valid UTF-8 sequence at s[0..n) (n >= 1, s[0] >= 0x80),
 * or minus that of its maximal invalid subpart (Unicode table 3-7: no
 * overlong form, surrogate or code point above U+10FFFF). */
static int utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    int need = c >= 0xc2 && c <= 0xdf   ? 1
               : c >= 0xe0 && c <= 0xef ? 2
               : c >= 0xf0 && c <= 0xf4 ? 3
                                        : 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    for (int k = 1; k <= need; k++) {
        if ((size_t)k >= n || s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xbf))
            return -k;
    }
    return need ? need + 1 : -1;
}

/* A JSON string of s[0..len) (quotes, backslashes, control characters;
 * invalid UTF-8 as U+FFFD, one per maximal invalid subpart). */
static void str(out *o, const char *s, size_t len)
{
    put(o, '"');
    for (size_t i = 0; i < len && o->n + 8 < o->cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            int k = utf8_seq((const unsigned char *)s + i, len - i);
            for (int j = 0; j < k; j++)
                put(o, s[i + (size_t)j]);
            for (int j = 0; k < 0 && j < 3; j++)
                put(o, "\xef\xbf\xbd"[j]);
            i += (size_t)(k < 0 ? -k : k) - 1;
        } else if (c == '"' || c == '\\') {
            put(o, '\\');
            put(o, (char)c);
        } else if (c < 0x20) {
            o->n += (size_t)snprintf(o->p + o->n, o->cap - o->n, "\\u%04x", c);
        } else {
            put(o, (char)c);
        }
    }
    put(o, '"');
}

static void member(out *o, const char *k, size_t kl, const char *v, size_t vl, int raw)
{
    if (o->n + kl + 8 >= o->cap)
        return;
    put(o, ',');
    str(o, k, kl);
    put(o, ':');
    if (raw)
        for (size_t i = 0; i < vl; i++)
            put(o, v[i]);
    else
        str(o, v, vl);
}

/* A plain number JSON accepts: -?digits(.digits)? without leading zeros. */
static int is_number(const char *v, size_t n)
{
    size_t i = v[0] == '-';
    if (i >= n || v[i] < '0' || v[i] > '9' || (v[i] == '0' && i + 1 < n && v[i + 1] != '.'))
        return 0;
    int dot = 0;
    for (; i < n; i++) {
        if (v[i] == '.' && !dot && i + 1 < n)
            dot = 1;
        else if (v[i] < '0' || v[i] > '9')
            return 0;
    }
    return n < 19;
}

/* Unquotes a logfmt quoted value into buf; returns its end in the input. */
static const char *quoted(const char *p, char *buf, size_t cap, size_t *len)
{
    *len = 0;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\' && p[1])
            c = *++p == 'n' ? '\n' : *p; /* \n a newline; \" \\ the character */
        if (*len + 1 < cap)
            buf[(*len)++] = c;
    }
    return *p ? p + 1 : p;
}

static void fields_members(out *o, const char *f)
{
    char buf[1024];
    while (f && *f) {
        while (*f == ' ')
            f++;
        const char *k = f;
        while (*f && *f != '=' && *f != ' ')
            f++;
        size_t kl = (size_t)(f - k);
        if (*f != '=') {
            if (kl)
                member(o, k, kl, "true", 4, 1);
            continue;
        }
        f++;
        if (*f == '"') {
            size_t vl;
            f = quoted(f, buf, sizeof buf, &vl);
            member(o, k, kl, buf, vl, 0);
        } else {
            const char *v = f;
            while (*f && *f != ' ')
                f++;
            size_t vl = (size_t)(f - v);
            member(o, k, kl, v, vl, vl && is_number(v, vl));
        }
    }
}

size_t ferry_log_json_line(char *line, size_t cap, const char *time, const char *level,
                           const char *cmd, const char *msg, const char *fields)
{
    out o = {line, 0, cap - 2};
    put(&o, '{');
    str(&o, "time", 4);
    put(&o, ':');
    str(&o, time, strlen(time));
    member(&o, "level", 5, level, strlen(level), 0);
    if (cmd)
        member(&o, "cmd", 3, cmd, strlen(cmd), 0);
    member(&o, "msg", 3, msg, strlen(msg), 0);
    fields_members(&o, fields);
    line[o.n++] = '}';
    line[o.n++] = '\n';
    return o.n;
}
