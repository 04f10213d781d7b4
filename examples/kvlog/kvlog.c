/*
 * kvlog.c - an append-only key-value log on a virtio disk.
 *
 * On disk: sector n (n >= 1) holds record n, one 512-byte record each:
 *
 *     magic "KVL1" | crc32 | seq (= n) | prev crc | key len | value len | key | value
 *
 * crc covers the whole record (with crc = 0); prev is the crc of record
 * n - 1 (0 for the first). Replay reads sectors 1, 2, ... while each is a
 * record whose magic, crc, seq and prev all check; the first that does not
 * ends the log. An all-zero sector is a clean end; anything else there is a
 * torn record - power lost while it was written - and is dropped (the next
 * put overwrites it). The prev chain keeps an old record that happens to
 * sit beyond a new tail from being taken as part of the new log.
 *
 * In memory: an index (open addressing, key -> latest value) under an
 * RWMutex, and one logger goroutine that owns the tail. Writers send it
 * their puts on a channel; it takes every put waiting (group commit),
 * writes them as consecutive sectors in one Block_Write, calls Block_Flush,
 * updates the index, and answers each writer on its own channel. A put is
 * acknowledged only after the flush of its batch, so an acknowledged put
 * survives power-off; records are in log order, so replay never keeps a
 * record whose predecessor was lost.
 *
 * What it shows: goroutines parked on the disk (IO wait), channels as the
 * hand-off between writers and the logger, the allocator for batches.
 */
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include "kvlog.h"

#define SECTOR      512
#define KV_MAGIC    0x314c564bu       /* "KVL1" little-endian */
#define MAX_BATCH   32
#define INDEX_SIZE  1024              /* slots, a power of two */

struct record {
	uint32_t magic;
	uint32_t crc;
	uint64_t seq;
	uint32_t prev;
	uint16_t klen, vlen;
	char data[SECTOR - 24];
};
_Static_assert(sizeof(struct record) == SECTOR, "one record per sector");

struct put {
	const char *key, *value;
	chan_t *done;                   /* bool: durable or not */
};

struct slot {
	char key[KV_KEY_MAX + 1];
	char value[KV_VALUE_MAX + 1];
};

static struct {
	BlockDev *disk;
	uint64_t next;                  /* the next record's sector; logger only */
	uint32_t last_crc;              /* crc of record next - 1; logger only */
	chan_t *puts;                   /* struct put * */
	RWMutex mu;                     /* guards index */
	struct slot *index;
} kv;

static uint32_t crc32(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t record_crc(struct record r)
{
	r.crc = 0;
	return crc32(&r, sizeof r);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* The slot for key: its own, or the empty one where it belongs. mu held. */
static struct slot *lookup(const char *key)
{
	for (uint32_t i = hash(key), n = 0; n < INDEX_SIZE; i++, n++) {
		struct slot *s = &kv.index[i & (INDEX_SIZE - 1)];
		if (s->key[0] == 0 || strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;                    /* full */
}

static void index_set(const struct record *r)
{
	char key[KV_KEY_MAX + 1];
	memcpy(key, r->data, r->klen);
	key[r->klen] = 0;
	RWMutex_Lock(&kv.mu);
	struct slot *s = lookup(key);
	if (s) {
		memcpy(s->key, key, (size_t)r->klen + 1);
		memcpy(s->value, r->data + r->klen, r->vlen);
		s->value[r->vlen] = 0;
	}
	RWMutex_Unlock(&kv.mu);
}

static bool record_ok(const struct record *r, uint64_t seq, uint32_t prev)
{
	return r->magic == KV_MAGIC && r->seq == seq && r->prev == prev &&
	       r->klen > 0 && r->klen <= KV_KEY_MAX && r->vlen <= KV_VALUE_MAX &&
	       r->crc == record_crc(*r);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool replay(struct kv_open_stats *st)
{
	struct record *batch = malloc(MAX_BATCH * sizeof *batch);
	uint64_t end = Block_Sectors(kv.disk);
	kv.next = 1;
	kv.last_crc = 0;
	while (kv.next < end) {
		uint32_t n = end - kv.next < MAX_BATCH ? (uint32_t)(end - kv.next) : MAX_BATCH;
		if (Block_Read(kv.disk, kv.next, batch, n) != 0) {
			free(batch);
			return false;
		}
		for (uint32_t i = 0; i < n; i++) {
			if (!record_ok(&batch[i], kv.next, kv.last_crc)) {
				if (!all_zero(&batch[i], SECTOR)) {
					st->torn = true;
					st->torn_sector = kv.next;
				}
				free(batch);
				return true;
			}
			index_set(&batch[i]);
			kv.last_crc = batch[i].crc;
			kv.next++;
			st->replayed++;
		}
	}
	free(batch);
	return true;
}

/* Write the batch as consecutive records, flush, index, answer. */
static void commit(struct put **p, int n, struct record *recs)
{
	bool ok = kv.next + (uint64_t)n <= Block_Sectors(kv.disk);
	uint32_t crc = kv.last_crc;
	for (int i = 0; ok && i < n; i++) {
		struct record *r = &recs[i];
		memset(r, 0, sizeof *r);
		r->magic = KV_MAGIC;
		r->seq = kv.next + (uint64_t)i;
		r->prev = crc;
		r->klen = (uint16_t)strlen(p[i]->key);
		r->vlen = (uint16_t)strlen(p[i]->value);
		memcpy(r->data, p[i]->key, r->klen);
		memcpy(r->data + r->klen, p[i]->value, r->vlen);
		r->crc = crc = record_crc(*r);
	}
	ok = ok && Block_Write(kv.disk, kv.next, recs, (uint32_t)n) == 0 &&
	     Block_Flush(kv.disk) == 0;
	if (ok) {
		for (int i = 0; i < n; i++)
			index_set(&recs[i]);
		kv.next += (uint64_t)n;
		kv.last_crc = crc;
	}
	for (int i = 0; i < n; i++)
		chan_send(p[i]->done, &ok);
}

static void logger(void *arg)
{
	(void)arg;
	struct record *recs = malloc(MAX_BATCH * sizeof *recs);
	struct put *batch[MAX_BATCH];
	for (;;) {
		int n = 0;
		chan_recv(kv.puts, &batch[n++]);        /* wait for the first */
		while (n < MAX_BATCH && chan_tryrecv(kv.puts, &batch[n], NULL))
			n++;                            /* and take all that wait */
		commit(batch, n, recs);
	}
}

bool kv_open(BlockDev *d, struct kv_open_stats *st)
{
	memset(st, 0, sizeof *st);
	kv.disk = d;
	kv.index = calloc(INDEX_SIZE, sizeof *kv.index);
	if (d == NULL || Block_Sectors(d) < 2 || !replay(st))
		return false;
	kv.puts = make_chan(sizeof(struct put *), MAX_BATCH);
	go(logger, NULL);
	return true;
}

bool kv_put(const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	if (kl == 0 || kl > KV_KEY_MAX || vl > KV_VALUE_MAX)
		return false;
	struct put p = { key, value, make_chan(sizeof(bool), 1) };
	struct put *pp = &p;
	bool ok = false;
	chan_send(kv.puts, &pp);
	chan_recv(p.done, &ok);
	chan_free(p.done);
	return ok;
}

bool kv_get(const char *key, char *value)
{
	RWMutex_RLock(&kv.mu);
	struct slot *s = lookup(key);
	bool found = s && s->key[0];
	if (found)
		strcpy(value, s->value);
	RWMutex_RUnlock(&kv.mu);
	return found;
}
