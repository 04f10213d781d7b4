/*
 * qemu-plugin-api.h - the part of QEMU's TCG plugin API (version 1, as in
 * QEMU 7.2) that scripts/qemu-turns.c and scripts/qemu-pcseg.c use,
 * declared here because Debian ships no qemu-plugin.h. Include it once per
 * plugin: it also defines the plugin's qemu_plugin_version.
 */
#ifndef QEMU_PLUGIN_API_H
#define QEMU_PLUGIN_API_H
#include <stddef.h>
#include <stdint.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;
typedef void (*exec_cb)(unsigned int vcpu, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t,
                                           void (*)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, exec_cb, int flags, void *);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, exec_cb, int flags, void *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, void (*)(qemu_plugin_id_t, void *), void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
void qemu_plugin_outs(const char *);
#endif
