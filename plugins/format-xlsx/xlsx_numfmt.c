/*
 * xlsx_numfmt.c — strftime formats turned into Excel number formats; see
 * xlsx_numfmt.h.
 */
#include "xlsx_numfmt.h"

#include <string.h>

static int nf_put(char *out, size_t cap, size_t *n, const char *s)
{
    size_t l = strlen(s);

    if (*n + l + 1 > cap)
        return -1;
    memcpy(out + *n, s, l + 1);
    *n += l;
    return 0;
}

int xlsx_numfmt_from_strftime(const char *fmt, char *out, size_t cap)
{
    size_t n = 0;
    int twelve = strstr(fmt, "%p") || strstr(fmt, "%r") || strstr(fmt, "%I");
    const char *p;

    if (cap == 0)
        return -1;
    out[0] = '\0';
    for (p = fmt; *p; p++) {
        const char *x = NULL;
        char lit[3];
        if (*p != '%') {
            /* Excel formats read letters and some signs as codes: escape
             * every literal except plain separators. */
            if (strchr("-/:., ()", *p)) {
                lit[0] = *p;
                lit[1] = '\0';
            } else {
                lit[0] = '\\';
                lit[1] = *p;
                lit[2] = '\0';
            }
            if (nf_put(out, cap, &n, lit) < 0)
                return -1;
            continue;
        }
        p++;
        if (*p == ':' && p[1] == 'z') { /* %:z */
            p++;
            while (n && out[n - 1] == ' ')
                out[--n] = '\0';
            continue;
        }
        switch (*p) {
        case 'Y':
            x = "yyyy";
            break;
        case 'y':
            x = "yy";
            break;
        case 'm':
            x = "mm";
            break;
        case 'd':
            x = "dd";
            break;
        case 'e':
            x = "d";
            break;
        case 'H':
            x = "hh";
            break;
        case 'I':
            x = "hh";
            break;
        case 'M':
            x = "mm";
            break;
        case 'S':
            x = "ss";
            break;
        case 'b':
        case 'h':
            x = "mmm";
            break;
        case 'B':
            x = "mmmm";
            break;
        case 'a':
            x = "ddd";
            break;
        case 'A':
            x = "dddd";
            break;
        case 'p':
            x = "AM/PM";
            break;
        case 'F':
            x = "yyyy-mm-dd";
            break;
        case 'T':
            x = twelve ? "hh:mm:ss" : "hh:mm:ss";
            break;
        case 'R':
            x = "hh:mm";
            break;
        case 'r':
            x = "hh:mm:ss AM/PM";
            break;
        case 'D':
            x = "mm/dd/yy";
            break;
        case '%':
            x = "\\%";
            break;
        case 'z':
        case 'Z':
            /* No zone in an Excel datetime; drop the space before it too. */
            while (n && out[n - 1] == ' ')
                out[--n] = '\0';
            continue;
        default:
            return -1;
        }
        if (nf_put(out, cap, &n, x) < 0)
            return -1;
    }
    while (n && out[n - 1] == ' ')
        out[--n] = '\0';
    return n ? 0 : -1;
}

void xlsx_numfmt_decimals(int decimals, char *out, size_t cap)
{
    size_t n = 0;

    if (decimals < 0)
        decimals = 0;
    if (decimals > 15)
        decimals = 15;
    if (cap < 18) {
        if (cap)
            out[0] = '\0';
        return;
    }
    out[n++] = '0';
    if (decimals > 0) {
        out[n++] = '.';
        while (decimals--)
            out[n++] = '0';
    }
    out[n] = '\0';
}
