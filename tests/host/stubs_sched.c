/*
 * stubs_sched.c - host stand-ins for the scheduler primitives that the real
 * spinlock.c, sema.c, mutex.c, rwmutex.c and waitgroup.c call: each pthread
 * is an M holding a P and running one G (see arch_impl.h in this directory).
 *
 * gopark/goready keep the runtime's contract:
 *   - gopark marks the G Gwaiting, then runs unlockf (for goparkunlock:
 *     release the spinlock and the G's nopreempt); a waker can find the G
 *     only after that, so it never sees it running;
 *   - goready moves it Gwaiting -> Grunnable with a CAS and fails the test
 *     if the G was not waiting (a double wake-up, or a wake-up of a G that
 *     is running);
 *   - the wake-up itself is a pthread mutex/condvar token, so the woken
 *     thread sees everything the waker wrote before goready (on the board
 *     the run queue's release/acquire gives the same).
 * Nothing here spins: a parked thread sleeps in pthread_cond_wait.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kernel/sched/sched.h"
#include "kernel/chan/sudog.h"
#include "kernel/lib/print.h"
#include "stubs_sched.h"

__thread struct m *host_m;
__thread struct g *host_g;
__thread bool host_irq_on;

struct schedt sched;
int ncpu = 4;
int gomaxprocs = 4;
uint64_t host_nparks, host_npreempt;

struct host_thread {
	struct g g;             /* first: a struct g * is a struct host_thread * */
	struct m m;
	struct p p;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool woken;             /* mu */
	uint64_t rand;
};

static struct host_thread *ht(struct g *gp) { return (struct host_thread *)gp; }

void host_thread_enter(void)
{
	static uint64_t ids;    /* atomic */
	struct host_thread *t = calloc(1, sizeof *t);
	if (t == NULL)
		throw("host_thread_enter: out of memory");
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->g.goid = __atomic_add_fetch(&ids, 1, __ATOMIC_RELAXED);
	t->g.status = Grunning;
	t->g.m = &t->m;
	t->m.curg = &t->g;
	t->m.p = &t->p;
	t->m.id = (int)t->g.goid;
	t->p.m = &t->m;
	t->rand = 0x9e3779b97f4a7c15ULL * t->g.goid;
	host_m = &t->m;
	host_g = &t->g;
	host_irq_on = true;
}

void host_thread_exit(void)
{
	struct host_thread *t = ht(host_g);
	if (t->g.nopreempt != 0)
		throw("host_thread_exit: nopreempt is %d, want 0", (int)t->g.nopreempt);
	host_m = NULL;
	host_g = NULL;
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void gopark(bool (*unlockf)(struct g *, void *), void *lock, enum waitreason r)
{
	struct g *gp = getg();
	struct host_thread *t = ht(gp);
	gp->waitreason = (uint8_t)r;
	/* release: a waker's CAS in goready reads it after finding gp */
	__atomic_store_n(&gp->status, Gwaiting, __ATOMIC_RELEASE);
	if (unlockf != NULL && !unlockf(gp, lock)) {
		__atomic_store_n(&gp->status, Grunning, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&host_nparks, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&t->mu);
	while (!t->woken)
		pthread_cond_wait(&t->cv, &t->mu);
	t->woken = false;
	pthread_mutex_unlock(&t->mu);
	__atomic_store_n(&gp->status, Grunning, __ATOMIC_RELAXED);
}

/* On the board g0 drops gp's nopreempt and then releases the lock, on
 * gp's M, while gp cannot run (spinlock.h). Here the thread is both gp and
 * its g0, and nobody else can run gp before this thread sleeps, so a plain
 * spin_unlock (release, then nopreempt--) is the same hand-off. */
static bool unlock_spinlock(struct g *gp, void *lock)
{
	(void)gp;
	spin_unlock(lock);
	return true;
}

void goparkunlock(spinlock_t *lock, enum waitreason r)
{
	gopark(unlock_spinlock, lock, r);
}

void goready(struct g *gp)
{
	struct host_thread *t = ht(gp);
	uint32_t old = Gwaiting;
	/* acq_rel; pairs with the release store in gopark */
	if (!__atomic_compare_exchange_n(&gp->status, &old, Grunnable, false,
	                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		throw("goready: goroutine %d has status %u, not waiting",
		      (int)gp->goid, old);
	pthread_mutex_lock(&t->mu);
	t->woken = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void Gosched(void)
{
	sched_yield();
}

/* releasem calls it when a preemption request arrived while deferred. */
void gopreempt(void)
{
	struct g *gp = getg();
	__atomic_store_n(&gp->preempt, false, __ATOMIC_RELAXED);
	gp->preempt_count++;
	__atomic_add_fetch(&host_npreempt, 1, __ATOMIC_RELAXED);
	sched_yield();
}

struct sudog *acquireSudog(void)
{
	struct sudog *s = calloc(1, sizeof *s);
	if (s == NULL)
		throw("acquireSudog: out of memory");
	return s;
}

void releaseSudog(struct sudog *s)
{
	if (s->ticket != 0 || s->next != NULL || s->prev != NULL || s->parent != NULL)
		throw("releaseSudog: sudog still linked or ticketed");
	free(s);
}

uint32_t cheaprand(void)
{
	uint64_t x = ht(getg())->rand;  /* xorshift64 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	ht(getg())->rand = x;
	return (uint32_t)(x >> 32);
}

int64_t nanotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static _Noreturn void die(const char *what, const char *fmt, va_list ap)
{
	printf("%s: ", what);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);         /* abort() does not flush: keep the message in the log */
	abort();
}

void throw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	die("fatal error", fmt, ap);
}

void gopanic(const char *msg)
{
	printf("panic: %s\n", msg);
	fflush(stdout);
	abort();
}

static const char *watchdog_msg;

static void watchdog(int sig)
{
	(void)sig;
	(void)!write(1, "FAIL: ", 6);
	(void)!write(1, watchdog_msg, strlen(watchdog_msg));
	(void)!write(1, "\n", 1);
	_exit(1);
}

void host_watchdog(unsigned sec, const char *msg)
{
	watchdog_msg = msg;
	signal(SIGALRM, watchdog);
	alarm(sec);
}
