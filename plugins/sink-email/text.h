/*
 * text.h — sink-email's byte buffer and the text checks and encodings it
 * needs: UTF-8 validation, base64, quoted-printable, RFC 2047 encoded
 * words, RFC 2231 parameter values. Pure functions over plain memory; the
 * plugin's own, never crossing the plugin boundary.
 */
#ifndef FERRY_EMAIL_TEXT_H
#define FERRY_EMAIL_TEXT_H

#include <stddef.h>

/* A growable buffer, malloc'd; `data` is NUL-terminated once anything has
 * been appended. Owned by whoever declared it: em_buf_free. */
typedef struct em_buf {
    char *data;
    size_t len;
    size_t cap;
} em_buf;

int em_buf_add(em_buf *b, const void *data, size_t len); /* 0 or -1 (out of memory) */
int em_buf_str(em_buf *b, const char *s);
int em_buf_printf(em_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void em_buf_free(em_buf *b); /* accepts a zeroed buffer */

/* 1 if `s` (len bytes) is valid UTF-8 with no control characters (C0, DEL,
 * C1); 0 otherwise. */
int em_text_clean(const char *s, size_t len);

/* 1 if every byte is printable ASCII (0x20..0x7e). */
int em_text_ascii(const char *s, size_t len);

/* Appends base64 of `len` bytes, lines of 76 characters ended by CRLF
 * (wrap != 0) or one unbroken run (wrap == 0). */
int em_base64(em_buf *out, const unsigned char *data, size_t len, int wrap);

/* Appends `text` (UTF-8, '\n' line ends) as quoted-printable with CRLF
 * line ends and soft breaks before 76 characters. */
int em_qp(em_buf *out, const char *text, size_t len);

/*
 * Appends a header field body: printable ASCII as it is; anything else as
 * RFC 2047 "=?UTF-8?B?…?=" words of at most 75 characters, split on
 * character boundaries and folded with CRLF SP. `used` is the length of the
 * line so far ("Subject: " is 9).
 */
int em_header_text(em_buf *out, const char *text, size_t used);

/* Appends an RFC 2231 extended value: UTF-8''percent-encoded. */
int em_rfc2231(em_buf *out, const char *text);

/* Appends an ASCII stand-in for `text` usable inside a quoted string:
 * each non-ASCII character, control, quote and backslash becomes '_'. */
int em_ascii_fallback(em_buf *out, const char *text);

#endif
