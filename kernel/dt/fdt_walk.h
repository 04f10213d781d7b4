/*
 * fdt_walk.h - internal interface of the flattened device tree reader.
 *
 * Private to kernel/dt/. fdt_walk.c checks the header and walks the
 * structure block; fdt.c uses the walk to fill struct bootinfo.
 *
 * Every accessor here takes offsets that the walker already checked, and
 * checks them again anyway: the blob comes from firmware (or from a fuzzing
 * test) and nothing in it is trusted. All multi-byte reads are bytewise
 * big-endian, so neither the blob's alignment nor -mstrict-align matters.
 */
#ifndef KERNEL_DT_FDT_WALK_H
#define KERNEL_DT_FDT_WALK_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define FDT_MAGIC       0xd00dfeedu
#define FDT_BEGIN_NODE  1u
#define FDT_END_NODE    2u
#define FDT_PROP        3u
#define FDT_NOP         4u
#define FDT_END         9u

#define FDT_MAX_DEPTH   16      /* root is depth 0 */
#define FDT_MAX_CELLS   4       /* #address-cells / #size-cells we decode */

/* The checked layout of one blob. */
struct fdt_blob {
	const uint8_t *base;
	uint32_t total;                 /* header totalsize, <= avail */
	uint32_t version;
	const uint8_t *st;              /* structure block */
	uint32_t st_size;
	const uint8_t *strs;            /* strings block */
	uint32_t str_size;
	uint32_t rsv_off;               /* memory reservation block */
};

/* A property value: pointer into the blob and its length. */
struct fdt_pv {
	const uint8_t *p;
	uint32_t len;
};

/* One node on the walk stack. Offsets are relative to the structure block. */
struct fdt_frame {
	uint32_t name;          /* offset of the NUL-terminated node name */
	uint32_t name_len;
	uint32_t props;         /* first token after the name */
	uint32_t props_end;     /* first child / END_NODE token, once done */
	bool done;              /* properties complete, callback ran */
	uint32_t ac, sc;        /* #address-cells / #size-cells for children */
	bool has_ranges;
	struct fdt_pv ranges;
};

struct fdt_walk;
/* Called once per node when its properties are complete (the node is
 * w->f[w->depth]). Returns <0 to fail the walk, >0 to stop it early, 0 to
 * continue. */
typedef int (*fdt_node_fn)(struct fdt_walk *w, void *arg);

struct fdt_walk {
	const struct fdt_blob *b;
	struct fdt_frame f[FDT_MAX_DEPTH];
	int depth;
};

/* Negative results (also in bootinfo.h's comment). */
#define FDT_ERR_TRUNC    (-1)   /* blob or block shorter than it claims */
#define FDT_ERR_MAGIC    (-2)
#define FDT_ERR_VERSION  (-3)
#define FDT_ERR_LAYOUT   (-4)   /* header offsets/sizes inconsistent */
#define FDT_ERR_STRUCT   (-5)   /* malformed structure block */
#define FDT_ERR_VALUE    (-6)   /* malformed property we need */
#define FDT_ERR_MISSING  (-7)   /* no memory / no cpu */
#define FDT_ERR_LIMIT    (-8)   /* more than we can hold safely */

static inline uint32_t fdt_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t fdt_rd64(const uint8_t *p)
{
	return (uint64_t)fdt_rd32(p) << 32 | fdt_rd32(p + 4);
}

/* ---- error messages (one static buffer; boot is single-threaded) ---- */
const char *fdt_errmsg(void);
void fdt_msg_begin(void);                       /* "device tree: " */
void fdt_msg_s(const char *s);
void fdt_msg_sn(const char *s, size_t n);       /* printable, bounded */
void fdt_msg_x(uint64_t v);                     /* 0x... */
void fdt_msg_u(uint64_t v);                     /* decimal */
void fdt_msg_path(const struct fdt_walk *w, int depth);

/* ---- header and walk ---- */
int fdt_check_header(const void *dtb, uint64_t avail, struct fdt_blob *b);
int fdt_walk(const struct fdt_blob *b, fdt_node_fn fn, void *arg);

/* ---- property helpers ---- */
bool fdt_find_prop(const struct fdt_blob *b, uint32_t off, uint32_t end,
                   const char *name, struct fdt_pv *v);
bool fdt_getprop(const struct fdt_walk *w, int d, const char *name,
                 struct fdt_pv *v);
/* The node name of frame d, bounded, and comparisons on it. */
const char *fdt_node_name(const struct fdt_walk *w, int d, uint32_t *len);
bool fdt_name_is(const struct fdt_walk *w, int d, const char *s);
/* String property equal to s (value "s\0", a missing NUL tolerated). */
bool fdt_pv_streq(const struct fdt_pv *v, const char *s);
/* Stringlist contains s exactly (prefix: an entry starts with s). */
bool fdt_pv_has(const struct fdt_pv *v, const char *s, bool prefix);
/* A u32 or u64 value (length 4 or 8). */
bool fdt_pv_uint(const struct fdt_pv *v, uint64_t *out);
/* n big-endian cells at p as one 64-bit value; false if n > FDT_MAX_CELLS
 * or the value does not fit in 64 bits. */
bool fdt_cells(const uint8_t *p, uint32_t n, uint64_t *out);
/* Translate an address of the node at depth d (in its parent's address
 * space) to a CPU physical address through the ancestors' "ranges". */
bool fdt_translate(const struct fdt_walk *w, int d, uint64_t addr,
                   uint64_t *out);

#endif
