/*
 * kvlog - a key-value log on a disk that survives power-off, with a
 * console to query it (examples/kvlog/kvlog.c has the on-disk format).
 *
 *   make run APP=examples/kvlog DISK=kv.img    (truncate -s 4M kv.img first)
 *
 * At boot the log is replayed (a torn record at its tail is dropped). Then
 * one writer goroutine per key range - writer w owns keys k<w>00..k<w>09 -
 * puts 20 values each, every one durable when kv_put returns; the writers'
 * puts share flushes (group commit in the logger goroutine). Then a reader
 * answers lines typed on the console:
 *
 *   get KEY     the latest value, e.g. "get k103"
 *   quit        power off
 *
 * Boot it again on the same image: the replay finds every record of the
 * earlier boots, and the writers go on from there.
 */
#include <stdio.h>
#include <string.h>
#include "kvlog.h"

#define WRITERS 4
#define KEYS    10
#define ROUNDS  20

static WaitGroup wg;
static int boot;                /* how many boots this log has seen */

static void writer(void *arg)
{
	int w = (int)(intptr_t)arg;
	char key[16], value[64];
	for (int r = 0; r < ROUNDS; r++) {
		snprintf(key, sizeof key, "k%d%02d", w, r % KEYS);
		snprintf(value, sizeof value, "boot%d-writer%d-round%d", boot, w, r);
		if (!kv_put(key, value)) {
			printf("kvlog: writer %d: put failed\n", w);
			Exit(1);
		}
	}
	printf("kvlog: writer %d: %d puts durable\n", w, ROUNDS);
	WaitGroup_Done(&wg);
}

/* A line from the console, without its end; false at the end of input. */
static bool read_line(char *buf, int cap)
{
	int n = 0;
	for (;;) {
		char c;
		if (Console_Read(&c, 1) != 1)
			return false;
		if (c == '\r' || c == '\n') {
			if (n == 0)
				continue;       /* the other half of CR LF */
			buf[n] = 0;
			return true;
		}
		if (n < cap - 1)
			buf[n++] = c;
	}
}

static void reader(void)
{
	char line[80], value[KV_VALUE_MAX + 1];
	printf("kvlog: ready: type 'get KEY' (keys k000..k%d09) or 'quit'\n", WRITERS - 1);
	while (read_line(line, sizeof line)) {
		if (strcmp(line, "quit") == 0)
			return;
		if (strncmp(line, "get ", 4) != 0) {
			printf("usage: get KEY | quit\n");
			continue;
		}
		if (kv_get(line + 4, value))
			printf("%s = %s\n", line + 4, value);
		else
			printf("%s: not found\n", line + 4);
	}
}

int main(void)
{
	struct kv_open_stats st;
	BlockDev *d = Block_Open(0);
	if (d == NULL) {
		printf("kvlog: no disk: make run APP=examples/kvlog DISK=kv.img\n");
		return 1;
	}
	if (!kv_open(d, &st)) {
		printf("kvlog: cannot read the log\n");
		return 1;
	}
	printf("kvlog: replayed %llu records\n", (unsigned long long)st.replayed);
	if (st.torn)
		printf("kvlog: dropped a torn record at sector %llu\n",
		       (unsigned long long)st.torn_sector);
	boot = (int)(st.replayed / (WRITERS * ROUNDS)) + 1;
	WaitGroup_Add(&wg, WRITERS);
	for (int w = 0; w < WRITERS; w++)
		go(writer, (void *)(intptr_t)w);
	WaitGroup_Wait(&wg);
	reader();
	return 0;
}
