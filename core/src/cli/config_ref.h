/*
 * config_ref.h — the ferry.conf settings table printed as a reference:
 * text, or the ferry.conf(5) page in roff (config_ref.c).
 */
#ifndef FERRY_CORE_CONFIG_REF_H
#define FERRY_CORE_CONFIG_REF_H

#include <stdio.h>

/* Writes the reference to f; 0, or 1 when writing failed. */
int ferry_config_reference(FILE *f, int man);

#endif
