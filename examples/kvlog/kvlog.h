/*
 * kvlog.h - a tiny append-only key-value log on a block device.
 *
 * Every put is one 512-byte record appended to the log (sector 1 on),
 * durable when kv_put returns. At open the log is replayed into an
 * in-memory index; a torn record at the tail (power lost mid-write) is
 * detected by its checksum and dropped. See kvlog.c.
 */
#ifndef KVLOG_H
#define KVLOG_H

#include <stdbool.h>
#include <stdint.h>
#include "gort.h"

#define KV_KEY_MAX   32
#define KV_VALUE_MAX 200

struct kv_open_stats {
	uint64_t replayed;      /* valid records read back */
	bool torn;              /* a damaged record ended the log (dropped) */
	uint64_t torn_sector;
};

/* Replay the log on d and start its writer goroutine. */
bool kv_open(BlockDev *d, struct kv_open_stats *st);
/* Append key=value; returns once it is durable (false: device error or
 * the disk is full). Safe from any number of goroutines. */
bool kv_put(const char *key, const char *value);
/* The latest value of key into value (KV_VALUE_MAX + 1 bytes); false if
 * the key was never put. */
bool kv_get(const char *key, char *value);

#endif
