/* address.c — checking addresses and building recipient lists (see address.h). */
#include "address.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void em_quote_value(char *why, size_t whylen, const char *s, size_t max)
{
    size_t n = strlen(why);
    for (size_t i = 0; s[i] && i < max && n + 5 < whylen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n' || c == '\t') {
            why[n++] = '\\';
            why[n++] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(why + n, whylen - n, "\\x%02x", c);
        } else if (c == '"' || c == '\\') {
            why[n++] = '\\';
            why[n++] = (char)c;
        } else {
            why[n++] = (char)c;
        }
    }
    if (strlen(s) > max && n + 4 < whylen) {
        memcpy(why + n, "...", 3);
        n += 3;
    }
    why[n] = '\0';
}

static int fail(char *why, size_t whylen, const char *addr, const char *reason)
{
    snprintf(why, whylen, "invalid email address \"");
    em_quote_value(why, whylen, addr, 120);
    size_t n = strlen(why);
    snprintf(why + n, whylen - n, "\": %s", reason);
    return -1;
}

int em_address_check(const char *addr, char *why, size_t whylen)
{
    size_t len = strlen(addr);
    if (len == 0)
        return fail(why, whylen, addr, "empty");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c == '\r' || c == '\n')
            return fail(why, whylen, addr, "contains a line break");
        if (c < 0x20 || c == 0x7f)
            return fail(why, whylen, addr, "contains a control character");
        if (c > 0x7e)
            return fail(why, whylen, addr, "contains a non-ASCII character");
        if (c == ' ')
            return fail(why, whylen, addr, "contains a space");
        if (strchr("\"(),:;<>[\\]", c))
            return fail(why, whylen, addr, "contains a character not allowed in an address");
    }
    if (len > 254)
        return fail(why, whylen, addr, "longer than 254 characters");
    const char *at = strrchr(addr, '@');
    if (!at || strchr(addr, '@') != at)
        return fail(why, whylen, addr, "needs exactly one '@'");
    size_t local = (size_t)(at - addr);
    if (local == 0 || local > 64)
        return fail(why, whylen, addr, "the part before '@' must be 1 to 64 characters");
    if (addr[0] == '.' || addr[local - 1] == '.' || strstr(addr, ".."))
        return fail(why, whylen, addr, "misplaced '.'");
    const char *dom = at + 1;
    if (!*dom || !strchr(dom, '.'))
        return fail(why, whylen, addr, "the domain needs a dot (user@example.com)");
    size_t label = 0;
    for (const char *p = dom;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-')
                return fail(why, whylen, addr, "the domain has an empty or malformed label");
            if (*p == '\0')
                break;
            label = 0;
            continue;
        }
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 (*p == '-' && label > 0);
        if (!ok)
            return fail(why, whylen, addr, "the domain may hold only letters, digits, '-' and '.'");
        label++;
    }
    return 0;
}

int em_from_parse(const char *from, em_from *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    const char *lt = strchr(from, '<');
    const char *name = "", *addr = from;
    size_t nlen = 0, alen = strlen(from);
    for (const char *p = from; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, whylen, "option from: \"");
            em_quote_value(why, whylen, from, 120);
            size_t n = strlen(why);
            snprintf(why + n, whylen - n, "\" contains a control character or line break");
            return -1;
        }
    }
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1] != '\0') {
            snprintf(why, whylen, "option from: \"%.200s\": expected \"Name <address>\"", from);
            return -1;
        }
        name = from;
        nlen = (size_t)(lt - from);
        while (nlen > 0 && name[nlen - 1] == ' ')
            nlen--;
        while (nlen > 0 && *name == ' ')
            name++, nlen--;
        if (nlen >= 2 && name[0] == '"' && name[nlen - 1] == '"')
            name++, nlen -= 2;
        addr = lt + 1;
        alen = (size_t)(gt - lt - 1);
    }
    out->name = strndup(name, nlen);
    out->addr = strndup(addr, alen);
    if (!out->name || !out->addr) {
        snprintf(why, whylen, "out of memory");
        em_from_free(out);
        return -1;
    }
    if (em_address_check(out->addr, why, whylen)) {
        char tmp[768];
        snprintf(tmp, sizeof tmp, "option from: %s", why);
        snprintf(why, whylen, "%s", tmp);
        em_from_free(out);
        return -1;
    }
    return 0;
}

void em_from_free(em_from *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->addr);
    f->name = f->addr = NULL;
}

int em_rcpts_add(em_rcpts *r, const char *addr, char *why, size_t whylen)
{
    if (em_address_check(addr, why, whylen))
        return -1;
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(r->items[i], addr) == 0)
            return 0;
    char **n = realloc(r->items, (r->n + 1) * sizeof *n);
    if (!n) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    r->items = n;
    if (!(r->items[r->n] = strdup(addr))) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    r->n++;
    return 0;
}

int em_rcpts_add_json(em_rcpts *r, const char *json, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *arr = json_loads(json, JSON_DECODE_ANY, &jerr);
    if (!arr) {
        snprintf(why, whylen, "request email_recipients is not JSON: %s", jerr.text);
        return -1;
    }
    int rc = 0;
    if (json_is_null(arr)) {
        rc = 0;
    } else if (json_is_string(arr)) {
        /* A single address as a JSON string: accepted. */
        rc = em_rcpts_add(r, json_string_value(arr), why, whylen);
    } else if (!json_is_array(arr)) {
        snprintf(why, whylen, "request email_recipients must be a JSON array of addresses");
        rc = -1;
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
            if (!json_is_string(v)) {
                snprintf(why, whylen,
                         "request email_recipients item %zu is not a string (a JSON array of "
                         "addresses is expected)",
                         i);
                rc = -1;
                break;
            }
            if (json_string_length(v) != strlen(json_string_value(v))) {
                snprintf(why, whylen, "request email_recipients item %zu contains a NUL byte", i);
                rc = -1;
                break;
            }
            if ((rc = em_rcpts_add(r, json_string_value(v), why, whylen)) != 0)
                break;
        }
    }
    json_decref(arr);
    return rc;
}

void em_rcpts_free(em_rcpts *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i]);
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
