/*
 * ferry/ferry.h — the whole plugin SDK in one include.
 *
 * A plugin includes this (or ferry/plugin.h) and links against nothing of
 * the core: every service it needs comes in the ferry_host table at init.
 */
#ifndef FERRY_FERRY_H
#define FERRY_FERRY_H

#include "ferry/types.h"
#include "ferry/plugin.h"

#endif /* FERRY_FERRY_H */
