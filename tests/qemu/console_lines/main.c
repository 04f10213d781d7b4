// TEST: smp=2,4 status=0 timeout=60
// EXPECT: ^PASS$
// REJECT: L:.*L:
// REJECT: ^L:.*[^E]$
// REJECT: ^[^L].*:E$
/*
 * console_lines - output is line-atomic across CPUs: goroutines on every
 * CPU print 400 lines each with printf (character by character into the
 * goroutine's line buffer, through picolibc), and none of the lines may be
 * torn or mixed with another: every line starting "L:" ends with ":E" and
 * holds exactly one "L:".
 */
#include "tests/qemu/testing.h"

static int64_t done;

static void printer(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < 400; i++) {
		printf("L:%d:%d:", id, i);
		for (int k = 0; k < 40; k++)
			putchar('a' + (id + k) % 26);
		printf(":E\n");
		if (i % 50 == 0)
			Gosched();
	}
	atomic_add64(&done, 1);
}

int main(void)
{
	int n = 2 * NumCPU();
	for (int i = 0; i < n; i++)
		go(printer, (void *)(intptr_t)i);
	wait_for(&done, n, 50000, "printers");
	printf("PASS\n");
	return 0;
}
