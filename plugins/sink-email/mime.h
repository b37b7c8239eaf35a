/*
 * mime.h — sink-email's message: RFC 5322 headers (Date, Message-ID, From,
 * To, RFC 2047 Subject) and a multipart/mixed MIME body with a
 * quoted-printable UTF-8 text part and, optionally, the artifact attached
 * in base64 with an RFC 2231 file name and an ASCII fallback.
 */
#ifndef FERRY_EMAIL_MIME_H
#define FERRY_EMAIL_MIME_H

#include <stdint.h>

#include "address.h"
#include "text.h"

typedef struct em_message {
    const em_from *from;     /* borrowed */
    const em_rcpts *to;      /* borrowed; at least one */
    const char *subject;     /* UTF-8, checked clean (no controls) */
    const char *body;        /* UTF-8 text, '\n' line ends */
    int attach_fd;           /* open file to attach, or -1; read from offset 0, not closed */
    uint64_t attach_size;    /* bytes to read from attach_fd */
    const char *attach_name; /* file name offered (UTF-8) */
    const char *attach_type; /* its content type */
} em_message;

/* Writes the whole message, CRLF line ends, into `out`. 0, or -1 with a
 * message in `why`. */
int em_mime_build(em_buf *out, const em_message *m, char *why, size_t whylen);

#endif
