/*
 * address.h — sink-email's addresses: checking that an address has a sane
 * shape (and nothing that could inject a header), parsing RFC 5322
 * mailboxes ("addr", "Display Name <addr>", "\"Quoted\" <addr>") for `from`
 * and recipients, and building the recipient
 * list from the option and the request's "email_recipients" JSON array.
 */
#ifndef FERRY_EMAIL_ADDRESS_H
#define FERRY_EMAIL_ADDRESS_H

#include <stddef.h>

/* 0 if `addr` is a plain address local@domain (printable ASCII, no space,
 * no quotes or brackets, a dotted domain of letters, digits and hyphens,
 * at most 254 characters); -1 otherwise, with the reason in `why`. */
int em_address_check(const char *addr, char *why, size_t whylen);

/* Parses an RFC 5322 mailbox: "addr", "Name <addr>" or "\"Quoted Name\"
 * <addr>" (UTF-8 names allowed, RFC 6532). *name ("" when none) and *addr
 * are malloc'd. A control character or line break anywhere, an unquoted
 * special in the name, or a bad address: -1 with the reason in `why`. */
int em_mailbox_parse(const char *spec, char **name, char **addr, char *why, size_t whylen);

/* The `from` option split: display name (may be "") and address. */
typedef struct em_from {
    char *name; /* malloc'd */
    char *addr; /* malloc'd */
} em_from;

/* Parses and checks `from`; 0 or -1 with a message in `why`. */
int em_from_parse(const char *from, em_from *out, char *why, size_t whylen);
void em_from_free(em_from *f); /* accepts a zeroed struct */

/* A list of recipients, malloc'd, deduplicated by address
 * (case-insensitive): items[i] the bare address (the envelope's), names[i]
 * its display name ("" when none). */
typedef struct em_rcpts {
    char **items;
    char **names;
    size_t n;
} em_rcpts;

/* Adds a mailbox (em_mailbox_parse) after checking it; 0, or -1 with a message naming the bad
 * value in `why`. */
int em_rcpts_add(em_rcpts *r, const char *addr, char *why, size_t whylen);

/* Adds every string of a JSON array (the request's "email_recipients");
 * an empty or missing array adds nothing. 0, or -1 with a message. */
int em_rcpts_add_json(em_rcpts *r, const char *json, char *why, size_t whylen);

void em_rcpts_free(em_rcpts *r); /* accepts a zeroed struct */

/* Appends to `why` a printable rendering of `s` (controls as \r, \n, \xNN),
 * at most `max` input bytes: used to name a bad value in a message. */
void em_quote_value(char *why, size_t whylen, const char *s, size_t max);

#endif
