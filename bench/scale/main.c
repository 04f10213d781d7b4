// TEST: smp=2 status=0 timeout=120
// EXPECT: ^bench: [a-z0-9]+ mandelbrot_time [0-9.]+ ns
/*
 * bench/scale - parallel speed-up. A 480x360 Mandelbrot set (300 iterations), one row per
 * work item, handed out through an atomic counter to one goroutine per P.
 * bench/run.sh runs it at -smp 1 and -smp 2 WITHOUT -icount (so the vCPUs
 * really run in parallel on the host's two cores) and reports the ratio of
 * the two times as scale_2. The checksum guards against a wrong answer.
 */
#include "bench/bench.h"

#define W 480
#define H 360
#define ITER 300

static int64_t next_row, rows_done;
static uint64_t checksum;

static unsigned row(int y)
{
	unsigned sum = 0;
	for (int x = 0; x < W; x++) {
		double cr = -2.0 + 3.0 * x / W, ci = -1.2 + 2.4 * y / H;
		double zr = 0, zi = 0;
		int i = 0;
		while (i < ITER && zr * zr + zi * zi < 4.0) {
			double t = zr * zr - zi * zi + cr;
			zi = 2 * zr * zi + ci;
			zr = t;
			i++;
		}
		sum += (unsigned)i;
	}
	return sum;
}

static void worker(void *arg)
{
	int64_t y;
	while ((y = __atomic_fetch_add(&next_row, 1, __ATOMIC_RELAXED)) < H) {
		__atomic_fetch_add(&checksum, row((int)y), __ATOMIC_RELAXED);
		__atomic_fetch_add(&rows_done, 1, __ATOMIC_RELEASE);
	}
}

int main(void)
{
	int procs = GOMAXPROCS(0);
	int64_t t0 = nanotime();
	for (int i = 0; i < procs; i++)
		go(worker, NULL);
	while (__atomic_load_n(&rows_done, __ATOMIC_ACQUIRE) < H)
		Sleep(Millisecond);
	int64_t t = nanotime() - t0;
	printf("bench: %s mandelbrot_time %lld ns procs=%d checksum=%llu\n", ARCH_NAME,
	       (long long)t, procs, (unsigned long long)checksum);
	return 0;
}
