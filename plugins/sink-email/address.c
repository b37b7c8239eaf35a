/* address.c — checking addresses, parsing RFC 5322 mailboxes and building
 * recipient lists (see address.h). */
#include "address.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

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

/* Copies `s` with leading and trailing spaces and tabs dropped. */
static char *trimmed(const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return strndup(s, len);
}

/* A quoted string's content, its \-escapes undone; NULL if not one whole
 * quoted string. `q` starts at the opening quote. */
static char *unquote(const char *q, size_t len)
{
    if (len < 2 || q[0] != '"' || q[len - 1] != '"')
        return NULL;
    char *out = malloc(len);
    size_t k = 0;
    for (size_t i = 1; out && i + 1 < len; i++) {
        if (q[i] == '\\' && i + 2 < len)
            i++;
        else if (q[i] == '"' || q[i] == '\\') {
            free(out);
            return NULL;
        }
        out[k++] = q[i];
    }
    if (out)
        out[k] = '\0';
    return out;
}

/* The display name before '<': a quoted string, or words (UTF-8 allowed)
 * without RFC 5322 specials. 0, or -1 with the reason in `why`. */
static int display_name(const char *spec, const char *s, size_t len, char **name, char *why,
                        size_t whylen)
{
    char *t = trimmed(s, len);
    if (!t)
        return fail(why, whylen, spec, "out of memory");
    if (t[0] == '"') {
        *name = unquote(t, strlen(t));
        free(t);
        return *name ? 0 : fail(why, whylen, spec, "the display name's quotes do not match");
    }
    for (const char *p = t; *p; p++)
        if (strchr("\"()<>[]:;@\\,", *p)) {
            free(t);
            return fail(why, whylen, spec,
                        "a display name with one of ()<>[]:;@\\,\" must be quoted");
        }
    *name = t;
    return 0;
}

int em_mailbox_parse(const char *spec, char **name, char **addr, char *why, size_t whylen)
{
    *name = *addr = NULL;
    size_t len = strlen(spec);
    if (!em_text_clean(spec, len))
        return fail(why, whylen, spec,
                    "contains a line break, a control character or invalid "
                    "UTF-8");
    while (len > 0 && (spec[len - 1] == ' ' || spec[len - 1] == '\t'))
        len--;
    const char *lt = len && spec[len - 1] == '>' ? memrchr(spec, '<', len) : NULL;
    int rc = 0;
    if (lt) {
        rc = display_name(spec, spec, (size_t)(lt - spec), name, why, whylen);
        *addr = rc ? NULL : strndup(lt + 1, (size_t)(spec + len - 1 - lt - 1));
    } else {
        *name = strdup("");
        *addr = trimmed(spec, len);
    }
    if (!rc && (!*name || !*addr))
        rc = fail(why, whylen, spec, "out of memory");
    if (!rc)
        rc = em_address_check(*addr, why, whylen);
    if (!rc && !em_text_clean(*name, strlen(*name)))
        rc = fail(why, whylen, spec, "the display name contains a control character");
    if (rc) {
        free(*name);
        free(*addr);
        *name = *addr = NULL;
    }
    return rc;
}

int em_from_parse(const char *from, em_from *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (em_mailbox_parse(from, &out->name, &out->addr, why, whylen) == 0)
        return 0;
    char tmp[768];
    snprintf(tmp, sizeof tmp, "option from: %s", why);
    snprintf(why, whylen, "%s", tmp);
    return -1;
}

void em_from_free(em_from *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->addr);
    f->name = f->addr = NULL;
}

int em_rcpts_add(em_rcpts *r, const char *spec, char *why, size_t whylen)
{
    char *name, *addr;
    if (em_mailbox_parse(spec, &name, &addr, why, whylen))
        return -1;
    for (size_t i = 0; i < r->n; i++)
        if (strcasecmp(r->items[i], addr) == 0) {
            free(name);
            free(addr);
            return 0;
        }
    char **n = realloc(r->items, (r->n + 1) * sizeof *n);
    if (n)
        r->items = n;
    char **m = n ? realloc(r->names, (r->n + 1) * sizeof *m) : NULL;
    if (m)
        r->names = m;
    if (!n || !m) {
        free(name);
        free(addr);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    r->items[r->n] = addr;
    r->names[r->n] = name;
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
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i]);
        free(r->names[i]);
    }
    free(r->items);
    free(r->names);
    r->items = NULL;
    r->names = NULL;
    r->n = 0;
}
