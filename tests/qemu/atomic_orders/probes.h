/* probes.h - the probes of probes.c, for main.c. */
#ifndef ATOMIC_ORDERS_PROBES_H
#define ATOMIC_ORDERS_PROBES_H
#include <stdbool.h>
#include <stdint.h>

#define NOINLINE __attribute__((noinline))

#define ORDERS(X, bits) X(bits, relaxed) X(bits, acquire) X(bits, release) \
	X(bits, acq_rel) X(bits, seq_cst)
#define DECLARE_CAS(bits, order) \
	bool probe_cas##bits##_##order(uint##bits##_t *p, uint##bits##_t *old, uint##bits##_t new);
ORDERS(DECLARE_CAS, 32)
ORDERS(DECLARE_CAS, 64)

uint32_t probe_load32_acquire(uint32_t *p);
uint32_t probe_load32_seq_cst(uint32_t *p);
void probe_store32_release(uint32_t *p, uint32_t v);
void probe_store32_seq_cst(uint32_t *p, uint32_t v);
uint32_t probe_xchg32_acquire(uint32_t *p, uint32_t v);
uint32_t probe_xchg32_release(uint32_t *p, uint32_t v);
uint32_t probe_xchg32_seq_cst(uint32_t *p, uint32_t v);
uint32_t probe_add32_release(uint32_t *p, uint32_t v);
uint32_t probe_add32_acq_rel(uint32_t *p, uint32_t v);
uint32_t probe_add32_seq_cst(uint32_t *p, uint32_t v);
void probe_fence_acquire(void);
void probe_fence_release(void);
void probe_fence_seq_cst(void);
#endif
