/* mime.c — writing sink-email's MIME message (see mime.h). */
#include "mime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Hex of 16 random bytes into out[33]. */
static void random_hex(char out[33])
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* No entropy source: fall back on time and pid; uniqueness only. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            unsigned long long v = (unsigned long long)ts.tv_nsec ^
                                   ((unsigned long long)ts.tv_sec << 20) ^
                                   ((unsigned long long)getpid() << 40);
            for (size_t i = got; i < sizeof r; i++, v = v * 6364136223846793005ULL + 1)
                r[i] = (unsigned char)(v >> 56);
            break;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* RFC 5322 date, English names whatever the locale: "Tue, 05 Mar 2024 12:34:56 +0000". */
static void rfc5322_date(char *buf, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A display name as a quoted string (ASCII) or encoded words (otherwise). */
static int add_display_name(em_buf *out, const char *name, size_t used)
{
    size_t len = strlen(name);
    if (!em_text_ascii(name, len))
        return em_header_text(out, name, used);
    if (em_buf_add(out, "\"", 1))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if ((name[i] == '"' || name[i] == '\\') && em_buf_add(out, "\\", 1))
            return -1;
        if (em_buf_add(out, name + i, 1))
            return -1;
    }
    return em_buf_add(out, "\"", 1);
}

static int add_headers(em_buf *out, const em_message *m, const char *boundary)
{
    char date[64], id[33];
    rfc5322_date(date, sizeof date);
    random_hex(id);
    const char *domain = strrchr(m->from->addr, '@') + 1;
    if (em_buf_printf(out, "Date: %s\r\n", date) ||
        em_buf_printf(out, "Message-ID: <%s@%s>\r\n", id, domain) || em_buf_str(out, "From: "))
        return -1;
    if (m->from->name[0]) {
        if (add_display_name(out, m->from->name, 6) || em_buf_str(out, " "))
            return -1;
    }
    if (em_buf_printf(out, "<%s>\r\nTo: ", m->from->addr))
        return -1;
    for (size_t i = 0; i < m->to->n; i++) {
        if (i > 0 && em_buf_str(out, ",\r\n "))
            return -1;
        const char *name = m->to->names ? m->to->names[i] : "";
        if (name[0] && (add_display_name(out, name, 1) || em_buf_str(out, " <") ||
                        em_buf_str(out, m->to->items[i]) || em_buf_str(out, ">")))
            return -1;
        if (!name[0] && em_buf_str(out, m->to->items[i]))
            return -1;
    }
    if (em_buf_str(out, "\r\nSubject: ") || em_header_text(out, m->subject, 9) ||
        em_buf_str(out, "\r\nMIME-Version: 1.0\r\n") ||
        em_buf_str(out, "Auto-Submitted: auto-generated\r\n") ||
        em_buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", boundary))
        return -1;
    return em_buf_str(out, "This is a message in MIME format.\r\n");
}

static int add_attachment(em_buf *out, const em_message *m, const char *boundary, char *why,
                          size_t whylen)
{
    const char *type =
        m->attach_type && *m->attach_type ? m->attach_type : "application/octet-stream";
    if (!em_text_ascii(type, strlen(type)))
        type = "application/octet-stream";
    if (em_buf_printf(out, "\r\n--%s\r\nContent-Type: %s;\r\n name=\"", boundary, type) ||
        em_ascii_fallback(out, m->attach_name) ||
        em_buf_str(out, "\"\r\nContent-Transfer-Encoding: base64\r\n"
                        "Content-Disposition: attachment;\r\n filename*=") ||
        em_rfc2231(out, m->attach_name) || em_buf_str(out, ";\r\n filename=\"") ||
        em_ascii_fallback(out, m->attach_name) ||
        em_buf_printf(out, "\";\r\n size=%llu\r\n\r\n", (unsigned long long)m->attach_size)) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    /* Read in chunks of a multiple of 57 bytes (one 76-character base64 line). */
    enum { CHUNK = 57 * 1024 };
    unsigned char *chunk = malloc(CHUNK);
    if (!chunk) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    uint64_t done = 0;
    int rc = 0;
    while (done < m->attach_size) {
        size_t want = m->attach_size - done < CHUNK ? (size_t)(m->attach_size - done) : CHUNK;
        size_t have = 0;
        while (have < want) {
            ssize_t n = pread(m->attach_fd, chunk + have, want - have, (off_t)(done + have));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                snprintf(why, whylen, "reading the file to attach: %s",
                         n < 0 ? strerror(errno) : "it is shorter than its recorded size");
                rc = -1;
                goto out;
            }
            have += (size_t)n;
        }
        if (em_base64(out, chunk, have, 1)) {
            snprintf(why, whylen, "out of memory");
            rc = -1;
            goto out;
        }
        done += have;
    }
out:
    free(chunk);
    return rc;
}

int em_mime_build(em_buf *out, const em_message *m, char *why, size_t whylen)
{
    char rnd[33], boundary[64];
    random_hex(rnd);
    /* "=_" cannot occur in quoted-printable or base64 text. */
    snprintf(boundary, sizeof boundary, "=_ferry_%s", rnd);
    if (add_headers(out, m, boundary) ||
        em_buf_printf(out,
                      "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                      boundary) ||
        em_qp(out, m->body, strlen(m->body)) || em_buf_str(out, "\r\n")) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    if (m->attach_fd >= 0 && add_attachment(out, m, boundary, why, whylen))
        return -1;
    if (em_buf_printf(out, "\r\n--%s--\r\n", boundary)) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}
