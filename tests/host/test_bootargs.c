// SOURCES: kernel/lib/bootargs.c
/*
 * test_bootargs.c - host tests of the boot flag parser (kernel/lib/bootargs.c).
 *
 * Defaults, every flag's bounds, "off", comma-separated tokens, blanks,
 * empty and NULL strings, and the exact text of each warning (captured
 * through the warn callback).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kernel/lib/bootargs.h"

#include "check.h"

#define CHECK_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	CHECK(_a == _b, "%s = %lld, want %lld", #a, _a, _b); \
} while (0)

static char warns[16][256];
static int nwarn;

static void warn(const char *msg)
{
	if (nwarn < 16) {
		strncpy(warns[nwarn], msg, sizeof warns[0] - 1);
		warns[nwarn][sizeof warns[0] - 1] = 0;
	}
	nwarn++;
}

static void parse(const char *s)
{
	nwarn = 0;
	bootargs_parse(s, warn);
}

static void check_defaults(const char *ctx)
{
	CHECK(rtflags.gomaxprocs == 0 && rtflags.schedtrace == 0 &&
	      rtflags.scheddetail == 0 && rtflags.gctrace == 0 &&
	      rtflags.gogc == 100 && rtflags.gccheckmark == 0 &&
	      rtflags.gcpoison == 0 && rtflags.memstats == 0 &&
	      rtflags.trace == 0 && rtflags.leakcheck == 0 &&
	      rtflags.slice == 10 && rtflags.stacksize == 1024 &&
	      rtflags.debug == 0 && rtflags.test == 0 && rtflags.testshort == 0 &&
	      rtflags.dtbtest == 0 &&
	      rtflags.quitexit == 0,
	      "%s: not all defaults", ctx);
}

static void test_defaults(void)
{
	check_defaults("static");       /* before any parse */
	parse(NULL);
	check_defaults("NULL");
	CHECK_EQ(nwarn, 0);
	parse("");
	check_defaults("empty");
	CHECK_EQ(nwarn, 0);
	parse("   \t  ,, , ");
	check_defaults("blanks");
	CHECK_EQ(nwarn, 0);
	bootargs_parse("bogus=1", NULL);        /* NULL warn: silent */
	check_defaults("NULL warn");
}

static void test_known(void)
{
	parse("gomaxprocs=4 schedtrace=1000 scheddetail=1 gctrace=2 gogc=50 "
	      "gccheckmark=1 gcpoison=1 memstats=1 slice=5 stacksize=64 debug=1 "
	      "test=-42 testshort=1 dtbtest=1 trace=1 leakcheck=1 quitexit=1");
	CHECK_EQ(nwarn, 0);
	CHECK_EQ(rtflags.trace, 1);
	CHECK_EQ(rtflags.leakcheck, 1);
	CHECK_EQ(rtflags.gomaxprocs, 4);
	CHECK_EQ(rtflags.schedtrace, 1000);
	CHECK_EQ(rtflags.scheddetail, 1);
	CHECK_EQ(rtflags.gctrace, 2);
	CHECK_EQ(rtflags.gogc, 50);
	CHECK_EQ(rtflags.gccheckmark, 1);
	CHECK_EQ(rtflags.gcpoison, 1);
	CHECK_EQ(rtflags.memstats, 1);
	CHECK_EQ(rtflags.slice, 5);
	CHECK_EQ(rtflags.stacksize, 64);
	CHECK_EQ(rtflags.debug, 1);
	CHECK_EQ(rtflags.test, -42);
	CHECK_EQ(rtflags.testshort, 1);
	CHECK_EQ(rtflags.dtbtest, 1);
	CHECK_EQ(rtflags.quitexit, 1);

	/* A new parse starts from the defaults again. */
	parse("debug=1");
	CHECK_EQ(rtflags.gogc, 100);
	CHECK_EQ(rtflags.debug, 1);

	/* Later overrides earlier; leading '+'. */
	parse("slice=3 slice=+7");
	CHECK_EQ(rtflags.slice, 7);
	CHECK_EQ(nwarn, 0);
}

static void test_bounds(void)
{
	static const struct {
		const char *arg;
		int64_t *val;
		int64_t want;           /* value after parsing */
		int warns;
	} t[] = {
		{ "gomaxprocs=0", &rtflags.gomaxprocs, 0, 0 },
		{ "gomaxprocs=256", &rtflags.gomaxprocs, 256, 0 },
		{ "gomaxprocs=257", &rtflags.gomaxprocs, 0, 1 },
		{ "gomaxprocs=-1", &rtflags.gomaxprocs, 0, 1 },
		{ "slice=1", &rtflags.slice, 1, 0 },
		{ "slice=1000", &rtflags.slice, 1000, 0 },
		{ "slice=0", &rtflags.slice, 10, 1 },
		{ "slice=1001", &rtflags.slice, 10, 1 },
		{ "stacksize=16", &rtflags.stacksize, 16, 0 },
		{ "stacksize=65536", &rtflags.stacksize, 65536, 0 },
		{ "stacksize=15", &rtflags.stacksize, 1024, 1 },
		{ "stacksize=65537", &rtflags.stacksize, 1024, 1 },
		{ "gcsatbring=4", &rtflags.gcsatbring, 4, 0 },
		{ "gcsatbring=65536", &rtflags.gcsatbring, 65536, 0 },
		{ "gcsatbring=3", &rtflags.gcsatbring, 512, 1 },
		{ "gcsatbring=65537", &rtflags.gcsatbring, 512, 1 },
		{ "gctrace=2", &rtflags.gctrace, 2, 0 },
		{ "gctrace=3", &rtflags.gctrace, 0, 1 },
		{ "scheddetail=2", &rtflags.scheddetail, 0, 1 },
		{ "debug=true", &rtflags.debug, 0, 1 },
		{ "schedtrace=0", &rtflags.schedtrace, 0, 0 },
		{ "schedtrace=-5", &rtflags.schedtrace, 0, 1 },
		{ "gogc=0", &rtflags.gogc, 0, 0 },
		{ "gogc=off", &rtflags.gogc, -1, 0 },
		{ "gogc=-1", &rtflags.gogc, 100, 1 },
		{ "gogc=OFF", &rtflags.gogc, 100, 1 },
		{ "gogc=100000", &rtflags.gogc, 100000, 0 },
		{ "gogc=9223372036854775807", &rtflags.gogc, INT64_MAX, 0 },
		{ "gogc=9223372036854775808", &rtflags.gogc, 100, 1 },
		{ "gogc=99999999999999999999999", &rtflags.gogc, 100, 1 },
		{ "test=-9223372036854775808", &rtflags.test, INT64_MIN, 0 },
		{ "test=-9223372036854775809", &rtflags.test, 0, 1 },
		{ "test=12x", &rtflags.test, 0, 1 },
		{ "test=", &rtflags.test, 0, 1 },
		{ "test=-", &rtflags.test, 0, 1 },
		{ "test= 5", &rtflags.test, 0, 2 },     /* "test=" bad, "5" unknown */
		{ "slice=off", &rtflags.slice, 10, 1 },
		{ "memstats=01", &rtflags.memstats, 1, 0 },
		{ "gcbarrier=hw", &rtflags.gcbarrier, 1, 0 },
		{ "gcbarrier=fault", &rtflags.gcbarrier, 2, 0 },
		{ "gcbarrier=auto", &rtflags.gcbarrier, 0, 0 },
		{ "gcbarrier=1", &rtflags.gcbarrier, 0, 1 },
		{ "gcbarrier=HW", &rtflags.gcbarrier, 0, 1 },
		{ "gcbarrier=faul", &rtflags.gcbarrier, 0, 1 },
		{ "gcconc=1", &rtflags.gcconc, 1, 0 },
		{ "gcconc=2", &rtflags.gcconc, 0, 1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		parse(t[i].arg);
		CHECK(*t[i].val == t[i].want && nwarn == t[i].warns,
		      "'%s': value %lld (want %lld), %d warnings (want %d)", t[i].arg,
		      (long long)*t[i].val, (long long)t[i].want, nwarn, t[i].warns);
	}
}

static void expect_warn(const char *arg, const char *want)
{
	parse(arg);
	CHECK(nwarn == 1 && strcmp(warns[0], want) == 0,
	      "'%s': %d warnings, first '%s', want '%s'", arg, nwarn,
	      nwarn ? warns[0] : "", want);
}

static void test_warnings(void)
{
	expect_warn("foo=1", "runtime: warning: unknown boot flag \"foo\"");
	expect_warn("foo", "runtime: warning: unknown boot flag \"foo\"");
	expect_warn("=3", "runtime: warning: unknown boot flag \"\"");
	expect_warn("GOGC=50", "runtime: warning: unknown boot flag \"GOGC\"");
	expect_warn("gogc=x",
	            "runtime: warning: bad value \"x\" for boot flag \"gogc\" (want an integer >= 0 or \"off\")");
	expect_warn("gcbarrier=soft",
	            "runtime: warning: bad value \"soft\" for boot flag \"gcbarrier\" (want auto|hw|fault)");
	expect_warn("gomaxprocs=1000",
	            "runtime: warning: bad value \"1000\" for boot flag \"gomaxprocs\" (want an integer in 0..256)");
	expect_warn("debug=2",
	            "runtime: warning: bad value \"2\" for boot flag \"debug\" (want 0 or 1)");
	expect_warn("test=abc",
	            "runtime: warning: bad value \"abc\" for boot flag \"test\" (want an integer)");
	expect_warn("slice",
	            "runtime: warning: boot flag \"slice\" has no value (want slice=an integer in 1..1000)");
	/* Long and odd user text is cut and made printable. */
	expect_warn("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
	            "runtime: warning: unknown boot flag \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
	expect_warn("gogc=\x01\x7f", "runtime: warning: bad value \"??\" for boot flag \"gogc\" (want an integer >= 0 or \"off\")");

	/* Known flags around bad ones still apply; the bad one keeps its default. */
	parse("slice=20 foo=1 gogc=bad gctrace=1");
	CHECK_EQ(nwarn, 2);
	CHECK_EQ(rtflags.slice, 20);
	CHECK_EQ(rtflags.gogc, 100);
	CHECK_EQ(rtflags.gctrace, 1);
	CHECK(nwarn >= 2 && strstr(warns[0], "\"foo\"") && strstr(warns[1], "\"gogc\""),
	      "order: '%s' / '%s'", warns[0], warns[1]);
}

static void test_separators(void)
{
	parse("gctrace=1,schedtrace=1000");
	CHECK_EQ(nwarn, 0);
	CHECK_EQ(rtflags.gctrace, 1);
	CHECK_EQ(rtflags.schedtrace, 1000);

	parse("  gctrace=1,,schedtrace=1000,  slice=2\tdebug=1\n memstats=1 ,gogc=off,");
	CHECK_EQ(nwarn, 0);
	CHECK_EQ(rtflags.gctrace, 1);
	CHECK_EQ(rtflags.schedtrace, 1000);
	CHECK_EQ(rtflags.slice, 2);
	CHECK_EQ(rtflags.debug, 1);
	CHECK_EQ(rtflags.memstats, 1);
	CHECK_EQ(rtflags.gogc, -1);

	/* Linux-style arguments are simply unknown flags. */
	parse("console=ttyS0 x=1 gomaxprocs=2");
	CHECK_EQ(nwarn, 2);
	CHECK_EQ(rtflags.gomaxprocs, 2);
}

static int nhelp;
static void help_line(const char *line)
{
	nhelp++;
	CHECK(strlen(line) < 200 && strchr(line, '\n') == NULL, "help line '%s'", line);
	if (strstr(line, "gogc"))
		CHECK(strstr(line, "default 100") && strstr(line, "\"off\""), "gogc help '%s'", line);
}

static void test_help(void)
{
	bootargs_print_help(help_line);
	CHECK_EQ(nhelp, 25);       /* one line per flag of bootargs.c's table */
}

int main(void)
{
	test_defaults();
	test_known();
	test_bounds();
	test_warnings();
	test_separators();
	test_help();
	return check_summary();
}
