/*
 * fdt_walk.c - header check and validating walk of a flattened device tree.
 *
 * Objects: a blob (header + memory reservation block + structure block +
 * strings block, per the DTSpec "flattened devicetree" chapter), a walk
 * stack of at most FDT_MAX_DEPTH nodes, and one static error buffer.
 *
 * Invariants: nothing outside [base, base+total) is ever read, and total is
 * never more than the caller's avail. Every token, node name, property
 * header, property value and property-name offset is checked against its
 * block before it is used. The walk always advances by at least one token
 * (4 bytes), so it terminates. A walk either returns a negative error with a
 * message in the buffer, or it has seen exactly one balanced root node
 * followed by FDT_END.
 *
 * Node callback timing: DTSpec requires a node's properties to come before
 * its children, so a node is "complete" (all properties known) when its
 * first child begins or when it ends. The callback runs at that moment, with
 * every ancestor complete too; that is what lets a child's reg be decoded
 * with its parent's #address-cells/#size-cells and translated through the
 * ancestors' ranges in a single pass.
 *
 * Written from the DTSpec v0.3/v0.4 facts; no libfdt or Linux code. Portable
 * C: used by the kernel on both architectures and by host tests.
 */
#include <string.h>
#include "kernel/dt/fdt_walk.h"

/* ---- messages -------------------------------------------------------- */

static char msgbuf[240];
static size_t msglen;

const char *fdt_errmsg(void)
{
	return msgbuf;
}

static void msg_c(char c)
{
	if (msglen + 1 < sizeof msgbuf) {
		msgbuf[msglen++] = c;
		msgbuf[msglen] = 0;
	}
}

void fdt_msg_begin(void)
{
	msglen = 0;
	msgbuf[0] = 0;
	fdt_msg_s("device tree: ");
}

void fdt_msg_s(const char *s)
{
	while (*s)
		msg_c(*s++);
}

void fdt_msg_sn(const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		if (i == 48) {                  /* keep messages one line */
			fdt_msg_s("...");
			return;
		}
		char c = s[i];
		msg_c(c >= 0x20 && c < 0x7f ? c : '?');
	}
}

void fdt_msg_x(uint64_t v)
{
	char t[16];
	int n = 0;
	do {
		t[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	fdt_msg_s("0x");
	while (n)
		msg_c(t[--n]);
}

void fdt_msg_u(uint64_t v)
{
	char t[20];
	int n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		msg_c(t[--n]);
}

void fdt_msg_path(const struct fdt_walk *w, int depth)
{
	if (depth <= 0) {
		msg_c('/');
		return;
	}
	for (int d = 1; d <= depth; d++) {
		uint32_t len;
		const char *n = fdt_node_name(w, d, &len);
		msg_c('/');
		fdt_msg_sn(n, len);
	}
}

/* ---- header ---------------------------------------------------------- */

static int trunc_block(const char *what, uint64_t end, uint32_t total)
{
	fdt_msg_begin();
	fdt_msg_s("truncated: ");
	fdt_msg_s(what);
	fdt_msg_s(" ends at ");
	fdt_msg_x(end);
	fdt_msg_s(" but totalsize is ");
	fdt_msg_x(total);
	return FDT_ERR_TRUNC;
}

int fdt_check_header(const void *dtb, uint64_t avail, struct fdt_blob *b)
{
	const uint8_t *p = dtb;

	if (!p) {
		fdt_msg_begin();
		fdt_msg_s("no blob (null pointer)");
		return FDT_ERR_TRUNC;
	}
	if (avail < 4) {
		fdt_msg_begin();
		fdt_msg_s("truncated: only ");
		fdt_msg_u(avail);
		fdt_msg_s(" bytes, not even the magic");
		return FDT_ERR_TRUNC;
	}
	uint32_t magic = fdt_rd32(p);
	if (magic != FDT_MAGIC) {
		fdt_msg_begin();
		fdt_msg_s("bad magic ");
		fdt_msg_x(magic);
		fdt_msg_s(" (want 0xd00dfeed)");
		return FDT_ERR_MAGIC;
	}
	if (avail < 28) {
		fdt_msg_begin();
		fdt_msg_s("truncated: only ");
		fdt_msg_u(avail);
		fdt_msg_s(" bytes, header incomplete");
		return FDT_ERR_TRUNC;
	}
	uint32_t total = fdt_rd32(p + 4);
	uint32_t off_struct = fdt_rd32(p + 8);
	uint32_t off_strings = fdt_rd32(p + 12);
	uint32_t off_rsv = fdt_rd32(p + 16);
	uint32_t version = fdt_rd32(p + 20);
	uint32_t last_comp = fdt_rd32(p + 24);

	if (version < 16) {
		fdt_msg_begin();
		fdt_msg_s("unsupported version ");
		fdt_msg_u(version);
		fdt_msg_s(" (need 16 or later)");
		return FDT_ERR_VERSION;
	}
	if (last_comp > 17) {
		fdt_msg_begin();
		fdt_msg_s("version ");
		fdt_msg_u(version);
		fdt_msg_s(" is only compatible back to ");
		fdt_msg_u(last_comp);
		fdt_msg_s(" (we read 17)");
		return FDT_ERR_VERSION;
	}
	uint32_t hdr = version >= 17 ? 40 : 36;
	if (avail < hdr) {
		fdt_msg_begin();
		fdt_msg_s("truncated: only ");
		fdt_msg_u(avail);
		fdt_msg_s(" bytes, header needs ");
		fdt_msg_u(hdr);
		return FDT_ERR_TRUNC;
	}
	if (total > avail) {
		fdt_msg_begin();
		fdt_msg_s("truncated: totalsize is ");
		fdt_msg_x(total);
		fdt_msg_s(" but only ");
		fdt_msg_x(avail);
		fdt_msg_s(" bytes are available");
		return FDT_ERR_TRUNC;
	}
	if (total < hdr) {
		fdt_msg_begin();
		fdt_msg_s("totalsize ");
		fdt_msg_x(total);
		fdt_msg_s(" is smaller than the header");
		return FDT_ERR_LAYOUT;
	}
	uint32_t size_strings = fdt_rd32(p + 32);
	uint32_t size_struct;
	if (version >= 17) {
		size_struct = fdt_rd32(p + 36);
	} else {
		/* v16 has no size_dt_struct: bound it by what follows. */
		size_struct = off_struct < total ? total - off_struct : 0;
		if (off_strings > off_struct && off_strings - off_struct < size_struct)
			size_struct = off_strings - off_struct;
	}

	struct { const char *what; uint32_t off; uint32_t align; } blk[3] = {
		{ "memory reservation block", off_rsv, 8 },
		{ "struct block", off_struct, 4 },
		{ "strings block", off_strings, 1 },
	};
	for (int i = 0; i < 3; i++) {
		if (blk[i].off < hdr) {
			fdt_msg_begin();
			fdt_msg_s(blk[i].what);
			fdt_msg_s(" offset ");
			fdt_msg_x(blk[i].off);
			fdt_msg_s(" overlaps the header");
			return FDT_ERR_LAYOUT;
		}
		if (blk[i].off % blk[i].align) {
			fdt_msg_begin();
			fdt_msg_s(blk[i].what);
			fdt_msg_s(" offset ");
			fdt_msg_x(blk[i].off);
			fdt_msg_s(" is not ");
			fdt_msg_u(blk[i].align);
			fdt_msg_s("-byte aligned");
			return FDT_ERR_LAYOUT;
		}
	}
	if ((uint64_t)off_struct + size_struct > total)
		return trunc_block("struct block", (uint64_t)off_struct + size_struct, total);
	if ((uint64_t)off_strings + size_strings > total)
		return trunc_block("strings block", (uint64_t)off_strings + size_strings, total);
	if ((uint64_t)off_rsv + 16 > total)
		return trunc_block("memory reservation block", (uint64_t)off_rsv + 16, total);

	b->base = p;
	b->total = total;
	b->version = version;
	b->st = p + off_struct;
	b->st_size = size_struct;
	b->strs = p + off_strings;
	b->str_size = size_strings;
	b->rsv_off = off_rsv;
	return 0;
}

/* ---- walk ------------------------------------------------------------ */

static int struct_err(const struct fdt_walk *w, const char *what, uint32_t off)
{
	fdt_msg_begin();
	fdt_msg_s(what);
	fdt_msg_s(" at struct offset ");
	fdt_msg_x(off);
	if (w->depth >= 0) {
		fdt_msg_s(" in ");
		fdt_msg_path(w, w->depth);
	}
	return FDT_ERR_STRUCT;
}

/* Node w->f[w->depth] has all its properties: read the ones that shape its
 * children's addresses, then hand it to the callback. */
static int finish_props(struct fdt_walk *w, uint32_t end, fdt_node_fn fn, void *arg)
{
	struct fdt_frame *f = &w->f[w->depth];
	struct fdt_pv v;

	f->props_end = end;
	f->done = true;
	f->ac = 2;              /* DTSpec defaults when the property is absent */
	f->sc = 1;
	static const char *const cellprop[2] = { "#address-cells", "#size-cells" };
	for (int i = 0; i < 2; i++) {
		if (!fdt_getprop(w, w->depth, cellprop[i], &v))
			continue;
		if (v.len != 4) {
			fdt_msg_begin();
			fdt_msg_s(cellprop[i]);
			fdt_msg_s(" of ");
			fdt_msg_path(w, w->depth);
			fdt_msg_s(" has length ");
			fdt_msg_u(v.len);
			fdt_msg_s(" (want 4)");
			return FDT_ERR_VALUE;
		}
		if (i == 0)
			f->ac = fdt_rd32(v.p);
		else
			f->sc = fdt_rd32(v.p);
	}
	f->has_ranges = fdt_getprop(w, w->depth, "ranges", &f->ranges);
	return fn(w, arg);
}

int fdt_walk(const struct fdt_blob *b, fdt_node_fn fn, void *arg)
{
	struct fdt_walk w;
	uint32_t off = 0;
	bool seen_root = false;
	int r;

	w.b = b;
	w.depth = -1;
	for (;;) {
		if (b->st_size < 4 || off > b->st_size - 4) {
			fdt_msg_begin();
			fdt_msg_s("struct block (size ");
			fdt_msg_x(b->st_size);
			fdt_msg_s(") ends without FDT_END");
			return FDT_ERR_STRUCT;
		}
		uint32_t tok_off = off;
		uint32_t tok = fdt_rd32(b->st + off);
		off += 4;
		switch (tok) {
		case FDT_NOP:
			break;
		case FDT_BEGIN_NODE: {
			if (w.depth < 0 && seen_root)
				return struct_err(&w, "second root node", tok_off);
			if (w.depth >= 0 && !w.f[w.depth].done) {
				r = finish_props(&w, tok_off, fn, arg);
				if (r)
					return r;
			}
			if (w.depth + 1 >= FDT_MAX_DEPTH)
				return struct_err(&w, "nodes nested too deep (limit 16)", tok_off);
			const uint8_t *nul = memchr(b->st + off, 0, b->st_size - off);
			if (!nul)
				return struct_err(&w, "node name runs past the struct block", tok_off);
			uint32_t len = (uint32_t)(nul - (b->st + off));
			struct fdt_frame *f = &w.f[++w.depth];
			memset(f, 0, sizeof *f);
			f->name = off;
			f->name_len = len;
			uint64_t next = ((uint64_t)off + len + 1 + 3) & ~(uint64_t)3;
			if (next > b->st_size)
				return struct_err(&w, "node name padding runs past the struct block", tok_off);
			off = (uint32_t)next;
			f->props = off;
			break;
		}
		case FDT_END_NODE:
			if (w.depth < 0)
				return struct_err(&w, "FDT_END_NODE outside any node", tok_off);
			if (!w.f[w.depth].done) {
				r = finish_props(&w, tok_off, fn, arg);
				if (r)
					return r;
			}
			if (--w.depth < 0)
				seen_root = true;
			break;
		case FDT_PROP: {
			if (w.depth < 0)
				return struct_err(&w, "property outside any node", tok_off);
			if (w.f[w.depth].done)
				return struct_err(&w, "property after a subnode", tok_off);
			if (b->st_size - off < 8)
				return struct_err(&w, "property header runs past the struct block", tok_off);
			uint32_t len = fdt_rd32(b->st + off);
			uint32_t nameoff = fdt_rd32(b->st + off + 4);
			const uint8_t *nend = NULL;
			if (nameoff < b->str_size)
				nend = memchr(b->strs + nameoff, 0, b->str_size - nameoff);
			if (!nend) {
				fdt_msg_begin();
				fdt_msg_s("property at struct offset ");
				fdt_msg_x(tok_off);
				fdt_msg_s(" of ");
				fdt_msg_path(&w, w.depth);
				fdt_msg_s(nameoff < b->str_size ?
				          ": name not terminated inside the strings block" :
				          ": name offset outside the strings block");
				return FDT_ERR_STRUCT;
			}
			off += 8;
			if (len > b->st_size - off) {
				fdt_msg_begin();
				fdt_msg_s("property '");
				fdt_msg_sn((const char *)b->strs + nameoff,
				           (size_t)(nend - (b->strs + nameoff)));
				fdt_msg_s("' of ");
				fdt_msg_path(&w, w.depth);
				fdt_msg_s(" runs past the struct block");
				return FDT_ERR_STRUCT;
			}
			/* Padding may end exactly at the block end, never past it:
			 * st_size is itself a multiple of 4 in a valid blob, and an
			 * unaligned size just fails at the next token read. */
			off = (uint32_t)(((uint64_t)off + len + 3) & ~(uint64_t)3);
			if (off > b->st_size)
				off = b->st_size;
			break;
		}
		case FDT_END:
			if (w.depth >= 0)
				return struct_err(&w, "FDT_END inside a node", tok_off);
			if (!seen_root)
				return struct_err(&w, "FDT_END before any node", tok_off);
			return 0;
		default:
			fdt_msg_begin();
			fdt_msg_s("bad token ");
			fdt_msg_x(tok);
			fdt_msg_s(" at struct offset ");
			fdt_msg_x(tok_off);
			if (w.depth >= 0) {
				fdt_msg_s(" in ");
				fdt_msg_path(&w, w.depth);
			}
			return FDT_ERR_STRUCT;
		}
	}
}

/* ---- property helpers ------------------------------------------------ */

bool fdt_find_prop(const struct fdt_blob *b, uint32_t off, uint32_t end,
                   const char *name, struct fdt_pv *v)
{
	size_t nl = strlen(name);

	if (end > b->st_size)
		end = b->st_size;
	while (off < end && end - off >= 4) {
		uint32_t tok = fdt_rd32(b->st + off);
		if (tok == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tok != FDT_PROP || end - off < 12)
			return false;
		uint32_t len = fdt_rd32(b->st + off + 4);
		uint32_t no = fdt_rd32(b->st + off + 8);
		off += 12;
		if (len > end - off)
			return false;
		if (no < b->str_size && b->str_size - no > nl &&
		    memcmp(b->strs + no, name, nl + 1) == 0) {
			v->p = b->st + off;
			v->len = len;
			return true;
		}
		uint64_t next = ((uint64_t)off + len + 3) & ~(uint64_t)3;
		if (next > end)
			return false;
		off = (uint32_t)next;
	}
	return false;
}

bool fdt_getprop(const struct fdt_walk *w, int d, const char *name,
                 struct fdt_pv *v)
{
	const struct fdt_frame *f = &w->f[d];
	uint32_t end = f->done ? f->props_end : w->b->st_size;
	return fdt_find_prop(w->b, f->props, end, name, v);
}

const char *fdt_node_name(const struct fdt_walk *w, int d, uint32_t *len)
{
	*len = w->f[d].name_len;
	return (const char *)w->b->st + w->f[d].name;
}

bool fdt_name_is(const struct fdt_walk *w, int d, const char *s)
{
	uint32_t len;
	const char *n = fdt_node_name(w, d, &len);
	return strlen(s) == len && memcmp(n, s, len) == 0;
}

bool fdt_pv_streq(const struct fdt_pv *v, const char *s)
{
	size_t n = strlen(s);
	if (v->len == n + 1)
		return v->p[n] == 0 && memcmp(v->p, s, n) == 0;
	return v->len == n && memcmp(v->p, s, n) == 0;
}

bool fdt_pv_has(const struct fdt_pv *v, const char *s, bool prefix)
{
	size_t n = strlen(s);
	uint32_t i = 0;
	while (i < v->len) {
		const uint8_t *e = memchr(v->p + i, 0, v->len - i);
		uint32_t elen = e ? (uint32_t)(e - (v->p + i)) : v->len - i;
		if ((elen == n || (prefix && elen > n)) && memcmp(v->p + i, s, n) == 0)
			return true;
		i += elen + 1;
	}
	return false;
}

bool fdt_pv_uint(const struct fdt_pv *v, uint64_t *out)
{
	if (v->len == 4)
		*out = fdt_rd32(v->p);
	else if (v->len == 8)
		*out = fdt_rd64(v->p);
	else
		return false;
	return true;
}

bool fdt_cells(const uint8_t *p, uint32_t n, uint64_t *out)
{
	if (n > FDT_MAX_CELLS)
		return false;
	for (uint32_t i = 0; i + 2 < n; i++)
		if (fdt_rd32(p + 4 * i))
			return false;           /* wider than 64 bits */
	if (n == 0)
		*out = 0;
	else if (n == 1)
		*out = fdt_rd32(p);
	else
		*out = fdt_rd64(p + 4 * (n - 2));
	return true;
}

bool fdt_translate(const struct fdt_walk *w, int d, uint64_t addr,
                   uint64_t *out)
{
	/* f[i] is the bus holding the level-(i+1) ancestor; its ranges map
	 * its children's addresses into f[i-1]'s children's address space.
	 * The root's children are in the CPU's physical address space. A bus
	 * with an empty (or, leniently, absent) ranges is an identity map. */
	for (int i = d - 1; i >= 1; i--) {
		const struct fdt_frame *bus = &w->f[i];
		if (!bus->has_ranges || bus->ranges.len == 0)
			continue;
		uint32_t ca = bus->ac, pa = w->f[i - 1].ac, sc = bus->sc;
		if (ca > FDT_MAX_CELLS || pa > FDT_MAX_CELLS || sc > FDT_MAX_CELLS)
			return false;
		uint32_t ent = (ca + pa + sc) * 4;
		if (ent == 0)
			return false;
		bool found = false;
		for (uint32_t o = 0; ent <= bus->ranges.len - o; o += ent) {
			const uint8_t *e = bus->ranges.p + o;
			uint64_t cb, pb, sz;
			if (!fdt_cells(e, ca, &cb) || !fdt_cells(e + 4 * ca, pa, &pb) ||
			    !fdt_cells(e + 4 * (ca + pa), sc, &sz))
				continue;
			if (addr >= cb && addr - cb < sz) {
				addr = addr - cb + pb;
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	*out = addr;
	return true;
}
