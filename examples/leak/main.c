// TEST: smp=1,2 bootargs="leakcheck=1" status=0 timeout=60
// EXPECT: ^1\. leaky process\(\) x10: every call timed out; NumGoroutine 1 -> 11$
// EXPECT: ^2\. fixed process\(\) x10: every call timed out; NumGoroutine 11 -> 11$
// EXPECT: ^leakcheck: goroutine [0-9]+ \[chan send, [0-9]+ ms\]:$
// EXPECT: leaky_worker
// EXPECT: ^created by (process|run)\+0x[0-9a-f]+ in goroutine 1$
// EXPECT: ^leakcheck: 10 goroutines still blocked at exit$
// REJECT: fixed_worker
/*
 * leak - the seed notes' goroutine leak: a worker sends its result on an
 * unbuffered channel, but the caller has already given up on a
 * time_After timeout and nobody will ever receive. The worker blocks in
 * "chan send" forever, and keeps everything it references alive (the
 * collector must treat a blocked goroutine's stack as a root).
 *
 *     func process(timeout time.Duration) bool {
 *         ch := make(chan bool)
 *         go func() { time.Sleep(timeout + time.Second); ch <- true }()
 *         select {
 *         case result := <-ch: return result
 *         case <-time.After(timeout): return false
 *         }
 *     }
 *
 * What to look for:
 *  1. Calling the leaky process() 10 times: NumGoroutine (runtime.
 *     NumGoroutine) grows by one per call and never comes back.
 *  2. The fix: a channel with capacity 1, so the late send completes
 *     into the buffer and the worker exits. NumGoroutine does not grow.
 *  3. Who is leaking? Booted with leakcheck=1 (make run APP=examples/leak
 *     BOOTARGS=leakcheck=1), the runtime lists at exit every goroutine
 *     still blocked, as goleak does for Go tests: each leaked one shows as
 *     "[chan send, N ms]" with a traceback into leaky_worker and the line
 *     "created by process" (or run, where the compiler inlined process),
 *     the function that started it.
 */
#include <stdio.h>
#include "gort.h"

#define TIMEOUT (2 * Millisecond)

static __attribute__((noinline)) void leaky_worker(void *arg)
{
	chan_t *ch = arg;
	Sleep(TIMEOUT + 20 * Millisecond);     /* the slow work; 20 ms: a loaded host can run a timer a few ms late */
	bool t = true;
	chan_send(ch, &t);                      /* nobody will receive */
}

static __attribute__((noinline)) void fixed_worker(void *arg)
{
	chan_t *ch = arg;
	Sleep(TIMEOUT + 20 * Millisecond);
	bool t = true;
	chan_send(ch, &t);                      /* into the buffer: done */
}

static bool process(void (*worker)(void *), int cap)
{
	chan_t *ch = make_chan(sizeof(bool), cap);
	go(worker, ch);
	bool result = false;
	struct SelectCase cs[2] = {
		{ SelectRecv, ch, &result, NULL },
		{ SelectRecv, time_After(TIMEOUT), NULL, NULL },
	};
	if (Select(cs, 2, false) == 0)
		return result;
	return false;                           /* timed out */
}

static void run(const char *what, void (*worker)(void *), int cap)
{
	int before = NumGoroutine(), timeouts = 0;
	for (int i = 0; i < 10; i++)
		timeouts += !process(worker, cap);
	Sleep(60 * Millisecond);                /* every worker has sent or blocked */
	printf("%s process() x10: %s; NumGoroutine %d -> %d\n", what,
	       timeouts == 10 ? "every call timed out" : "some calls returned a result",
	       before, NumGoroutine());
}

int main(void)
{
	run("1. leaky", leaky_worker, 0);
	run("2. fixed", fixed_worker, 1);
	printf("3. the goroutines still blocked (leakcheck=1 lists them at exit)\n");
	return 0;
}
