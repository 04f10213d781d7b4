/*
 * bootargs.c - parse runtime flags from the boot command line.
 *
 * Objects: one table, generated with the flag list below, that gives every
 * flag its name, value kind, bounds, default, help text and storage in
 * `rtflags`. The same list initializes rtflags statically, so the defaults
 * hold even before (or without) bootargs_parse.
 *
 * Syntax: tokens separated by blanks or commas; each token is name=value.
 * Values are decimal integers (optional sign), or "off" where the flag
 * allows it (gogc=off -> -1, like GOGC=off). A later token overrides an
 * earlier one. Anything wrong - unknown name, missing '=', bad or
 * out-of-range value - produces one warning and leaves the flag at its
 * default; parsing continues with the next token.
 *
 * What it mirrors: Go reads GOGC, GOMAXPROCS and GODEBUG from the process
 * environment; a bare-metal kernel has no environment, so the same knobs
 * come from /chosen/bootargs (QEMU -append). Differences: one namespace for
 * all flags, and warnings go through a caller-supplied callback (the parser
 * itself never prints, so host tests can capture the text).
 *
 * Portable C with only string.h/stdint.h; no allocation.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "kernel/lib/bootargs.h"

enum flag_kind {
	FLAG_INT,       /* integer in [min, max] */
	FLAG_BOOL,      /* 0 or 1 */
	FLAG_OFFINT,    /* integer in [min, max], or "off" = -1 */
	FLAG_WORD,      /* one of the flag's words (flag_words), stored as its index */
};

struct flag {
	const char *name;
	enum flag_kind kind;
	int64_t min, max, def;
	const char *help;
	int64_t *val;
};

/* name, kind, min, max, default, help */
#define RUNTIME_FLAGS(X) \
	X(gomaxprocs,  FLAG_INT,    0, 256,       0,    "CPUs running goroutines at once (0 = every CPU)") \
	X(schedtrace,  FLAG_INT,    0, 3600000,   0,    "print a scheduler summary every N ms (0 = off)") \
	X(scheddetail, FLAG_BOOL,   0, 1,         0,    "with schedtrace: also print every P, M and G") \
	X(gctrace,     FLAG_INT,    0, 2,         0,    "print one line per GC cycle (2 = more detail)") \
	X(gogc,        FLAG_OFFINT, 0, INT64_MAX, 100,  "GC target: heap growth percent before the next cycle (off = never)") \
	X(gccheckmark, FLAG_INT,    0, 2,         0,    "verify each parallel mark with a second, single-threaded mark (2 = also list the roots keeping the most memory)") \
	X(gcpoison,    FLAG_BOOL,   0, 1,         0,    "fill freed objects with a poison pattern") \
	X(gcconc,      FLAG_BOOL,   0, 1,         0,    "mark concurrently: short pauses at the start and end of the mark, the page-dirty barrier between") \
	X(forcegc,     FLAG_INT,    1, 3600000000, 120000, "ms without a GC cycle after which one is forced") \
	X(memstats,    FLAG_BOOL,   0, 1,         0,    "print memory statistics at exit") \
	X(trace,       FLAG_BOOL,   0, 1,         0,    "record an execution trace from boot; write it to the console at exit (docs/trace.md)") \
	X(leakcheck,   FLAG_BOOL,   0, 1,         0,    "at exit, list goroutines still blocked, with their creators") \
	X(slice,       FLAG_INT,    1, 1000,      10,   "scheduler time slice in ms (preemption period)") \
	X(stacksize,   FLAG_INT,    16, 65536,    1024, "KiB of address space reserved per goroutine stack") \
	X(debug,       FLAG_BOOL,   0, 1,         0,    "extra runtime consistency checks and messages") \
	X(test,        FLAG_INT,    INT64_MIN, INT64_MAX, 0, "free integer for test programs") \
	X(testshort,   FLAG_BOOL,   0, 1,         0,    "tests: a shorter workload, as go test -short (make test's second builds)") \
	X(dtbtest,     FLAG_BOOL,   0, 1,         0,    "print what was read from the device tree") \
	X(quitexit,    FLAG_BOOL,   0, 1,         0,    "Ctrl-\\ on the console: exit with status 2 after the goroutine dump") \
	X(gcbarrier,   FLAG_WORD,   0, 2,         0,    "how the GC's page-dirty barrier learns of writes: auto (hw if the MMU can), hw, fault") \
	X(gcsatb,      FLAG_BOOL,   0, 1,         1,    "with gcconc=1: snapshot at the beginning (grey a page's contents at its first write fault) instead of rescanning written pages") \
	X(gcsatbring,  FLAG_INT,    4, 65536,     512,  "KiB of each CPU's snapshot ring, rounded down to a power of two (tests: a small ring overflows)") \
	X(blktimeout,  FLAG_INT,    0, 3600000,  30000, "ms a block request waits before the driver checks its device (0 = never)") \
	X(blkfault,    FLAG_WORD,   0, 7,         0,    "tests: make block device 0 misbehave once (docs/devices.md)") \
	X(blkfaultn,   FLAG_INT,    1, 1000000,   1,    "with blkfault: at the Nth used entry, or after the Nth request (gone)")

#define FLAG_INIT(n, k, lo, hi, d, h) .n = (d),
struct runtime_flags rtflags = { RUNTIME_FLAGS(FLAG_INIT) };

#define FLAG_ENTRY(n, k, lo, hi, d, h) { #n, k, lo, hi, d, h, &rtflags.n },
static const struct flag flags[] = { RUNTIME_FLAGS(FLAG_ENTRY) };

#define NFLAGS (sizeof flags / sizeof flags[0])

/* The words of FLAG_WORD flags, in index order (kernel/lib/bootargs.h). */
static const char *const gcbarrier_words[] = { "auto", "hw", "fault", NULL };
static const char *const blkfault_words[] = {   /* drivers/virtio/fault.c */
	"none", "drop", "lostirq", "badid", "staleid", "badlen", "gone", "needsreset", NULL };

static const char *const *flag_words(const struct flag *f)
{
	if (f->val == &rtflags.blkfault)
		return blkfault_words;
	return f->val == &rtflags.gcbarrier ? gcbarrier_words : NULL;
}

/* ---- small bounded string builder (no snprintf in freestanding code) ---- */

struct sb {
	char buf[200];
	size_t len;
};

static void sb_c(struct sb *b, char c)
{
	if (b->len + 1 < sizeof b->buf) {
		b->buf[b->len++] = c;
		b->buf[b->len] = 0;
	}
}

static void sb_s(struct sb *b, const char *s)
{
	while (*s)
		sb_c(b, *s++);
}

/* A user-supplied piece, printable and at most 40 characters. */
static void sb_user(struct sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 40) {
			sb_s(b, "...");
			return;
		}
		sb_c(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	}
}

static void sb_i(struct sb *b, int64_t v)
{
	char t[20];
	int n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	if (v < 0)
		sb_c(b, '-');
	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		sb_c(b, t[--n]);
}

static void sb_pad(struct sb *b, size_t col)
{
	do
		sb_c(b, ' ');
	while (b->len < col);
}

/* "an integer in 1..256", "0 or 1", "an integer >= 0 or \"off\"", ... */
static void sb_want(struct sb *b, const struct flag *f)
{
	if (f->kind == FLAG_BOOL) {
		sb_s(b, "0 or 1");
		return;
	}
	if (f->kind == FLAG_WORD) {
		const char *const *w = flag_words(f);
		for (int i = 0; w != NULL && w[i] != NULL; i++) {
			sb_s(b, i ? "|" : "");
			sb_s(b, w[i]);
		}
		return;
	}
	sb_s(b, "an integer");
	if (f->min == INT64_MIN && f->max == INT64_MAX) {
		/* any */
	} else if (f->max == INT64_MAX) {
		sb_s(b, " >= ");
		sb_i(b, f->min);
	} else {
		sb_s(b, " in ");
		sb_i(b, f->min);
		sb_s(b, "..");
		sb_i(b, f->max);
	}
	if (f->kind == FLAG_OFFINT)
		sb_s(b, " or \"off\"");
}

/* ---- parsing ------------------------------------------------------------ */

static bool parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, lim;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return false;           /* overflow */
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static bool parse_value(const struct flag *f, const char *s, size_t n, int64_t *out)
{
	if (f->kind == FLAG_OFFINT && n == 3 && memcmp(s, "off", 3) == 0) {
		*out = -1;
		return true;
	}
	if (f->kind == FLAG_WORD) {
		const char *const *w = flag_words(f);
		for (int i = 0; w != NULL && w[i] != NULL; i++)
			if (strlen(w[i]) == n && memcmp(w[i], s, n) == 0) {
				*out = i;
				return true;
			}
		return false;
	}
	int64_t v;
	if (!parse_int(s, n, &v) || v < f->min || v > f->max)
		return false;
	*out = v;
	return true;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static void token(const char *t, size_t n, void (*warn)(const char *))
{
	const char *eq = memchr(t, '=', n);
	size_t nl = eq ? (size_t)(eq - t) : n;
	const struct flag *f = NULL;
	struct sb b;

	b.len = 0;
	b.buf[0] = 0;
	for (size_t i = 0; i < NFLAGS; i++)
		if (strlen(flags[i].name) == nl && memcmp(flags[i].name, t, nl) == 0)
			f = &flags[i];
	if (!f) {
		sb_s(&b, "runtime: warning: unknown boot flag \"");
		sb_user(&b, t, nl);
		sb_s(&b, "\"");
	} else if (!eq) {
		sb_s(&b, "runtime: warning: boot flag \"");
		sb_s(&b, f->name);
		sb_s(&b, "\" has no value (want ");
		sb_s(&b, f->name);
		sb_s(&b, "=");
		sb_want(&b, f);
		sb_s(&b, ")");
	} else {
		const char *v = eq + 1;
		size_t vl = n - nl - 1;
		int64_t x;
		if (parse_value(f, v, vl, &x)) {
			*f->val = x;
			return;
		}
		sb_s(&b, "runtime: warning: bad value \"");
		sb_user(&b, v, vl);
		sb_s(&b, "\" for boot flag \"");
		sb_s(&b, f->name);
		sb_s(&b, "\" (want ");
		sb_want(&b, f);
		sb_s(&b, ")");
	}
	if (warn)
		warn(b.buf);
}

void bootargs_parse(const char *s, void (*warn)(const char *))
{
	for (size_t i = 0; i < NFLAGS; i++)
		*flags[i].val = flags[i].def;
	if (!s)
		return;
	while (*s) {
		while (*s && is_sep(*s))
			s++;
		const char *t = s;
		while (*s && !is_sep(*s))
			s++;
		if (s > t)
			token(t, (size_t)(s - t), warn);
	}
}

void bootargs_print_help(void (*out)(const char *))
{
	struct sb b;

	for (size_t i = 0; i < NFLAGS; i++) {
		const struct flag *f = &flags[i];
		b.len = 0;
		b.buf[0] = 0;
		sb_s(&b, "  ");
		sb_s(&b, f->name);
		sb_pad(&b, 15);
		sb_s(&b, "default ");
		sb_i(&b, f->def);
		sb_pad(&b, 29);
		sb_s(&b, f->help);
		sb_s(&b, " (");
		sb_want(&b, f);
		sb_s(&b, ")");
		out(b.buf);
	}
}
