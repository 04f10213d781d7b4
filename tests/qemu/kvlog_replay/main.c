// TEST: smp=1,4 disk=1M boots=2 status=0 timeout=120
// INPUT: when=^kvlog:.ready get k103\nget k000\nget nosuch\nbogus\nquit\n
// EXPECT: ^kvlog: replayed 0 records$
// EXPECT: ^kvlog: replayed 80 records$
// EXPECT: ^kvlog: writer 3: 20 puts durable$
// EXPECT: ^k103 = boot1-writer1-round13$
// EXPECT: ^k103 = boot2-writer1-round13$
// EXPECT: ^nosuch: not found$
// EXPECT: ^usage: get KEY \| quit$
// REJECT: torn|failed|cannot
// TEST: smp=2 disk=1M boots=2 status=0 timeout=120 bootargs="test=1"
// EXPECT: ^kvlog test: tore record 81$
// EXPECT: ^kvlog: replayed 80 records$
// EXPECT: ^kvlog: dropped a torn record at sector 81$
// EXPECT: ^kvlog test: after the torn tail, k000 = boot2-writer0-round10$
// EXPECT: ^PASS$
/*
 * kvlog_replay - examples/kvlog, run: the example itself on two boots of one disk
 * (replay finds the 80 records of the first boot; the console queries it),
 * and its torn-tail handling: with test=1 the first boot writes a record's
 * worth of garbage after the log's tail, as a write cut short by a power
 * failure would leave it, and the second boot must drop exactly that
 * record, keep the 80 before it, and append after them.
 * (This directory compiles the example's files into the test program.)
 */
#include "tests/qemu/testing.h"
#include "examples/kvlog/kvlog.c"
#define main kvlog_main
#include "examples/kvlog/main.c"
#undef main

static void tear(BlockDev *d, uint64_t sector)
{
	struct record r = { .magic = KV_MAGIC, .seq = sector, .klen = 4, .vlen = 4 };
	memcpy(r.data, "k000half", 8);
	r.crc = record_crc(r) ^ 1;      /* the write did not finish */
	if (Block_Write(d, sector, &r, 1) != 0 || Block_Flush(d) != 0)
		Exit(1);
	printf("kvlog test: tore record %llu\n", (unsigned long long)sector);
}

int main(void)
{
	if (BootFlagTest() != 1)
		return kvlog_main();
	BlockDev *d = Block_Open(0);
	struct kv_open_stats st;
	CHECK(d && kv_open(d, &st), "kv_open");
	if (st.replayed == 0) {
		char key[8];
		for (int i = 0; i < 80; i++) {
			snprintf(key, sizeof key, "k%03d", i % 10);
			char value[40];
			snprintf(value, sizeof value, "boot1-writer0-round%d", i);
			CHECK(kv_put(key, value), "put");
		}
		tear(d, 81);
		return 0;
	}
	printf("kvlog: replayed %llu records\n", (unsigned long long)st.replayed);
	if (st.torn)
		printf("kvlog: dropped a torn record at sector %llu\n", (unsigned long long)st.torn_sector);
	CHECK(st.replayed == 80 && st.torn && st.torn_sector == 81, "replay");
	char value[KV_VALUE_MAX + 1];
	CHECK(kv_put("k000", "boot2-writer0-round10") && kv_get("k000", value), "put after the tail");
	printf("kvlog test: after the torn tail, k000 = %s\n", value);
	CHECK(kv_open(d, &st) && st.replayed == 81 && !st.torn, "replay again: %llu",
	      (unsigned long long)st.replayed);
	printf("PASS\n");
	return 0;
}
