/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every function that crosses between pidns's Rust and its C shim, declared
 * once. The C files include this header, so the compiler checks their
 * definitions against it; rust/shim.rs is made from it by bindgen
 * (scripts/check fails when the two differ), and the Rust side checks its own
 * handlers against that file (rust/proc_file.rs). The prefix is the module's
 * own: the kernel already has static functions named pidns_*.
 *
 * Outside the kernel (bindgen on the host) the few kernel types used here are
 * spelled out for x86_64, the one architecture the module is built for.
 */
#ifndef PIDNSMOD_SHIM_H
#define PIDNSMOD_SHIM_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
typedef unsigned long long u64;
typedef long ssize_t;
typedef unsigned short umode_t;
#define __user
#endif

struct file;
struct pid;
struct pid_namespace;
struct proc_dir_entry;
struct task_struct;

/* Implemented in Rust (rust/proc_file.rs), called by the proc_ops table. */
int pidnsmod_proc_open(void **private_data);
void pidnsmod_proc_release(void *private_data);
ssize_t pidnsmod_proc_read(void *shared, void *private_data, char __user *buf, size_t count);
ssize_t pidnsmod_proc_write(void *shared, void *private_data, const char __user *buf,
			    size_t count);
/* Implemented in Rust (rust/ioctl.rs): PIDNS_GET_CHAIN, include/uapi/linux/pidns.h. */
long pidnsmod_proc_ioctl(unsigned int cmd, unsigned long arg);

/* Implemented in C (rust/proc_shim.c): /proc/pidns itself. */
struct proc_dir_entry *pidnsmod_proc_create(const char *name, umode_t mode, void *shared);
int pidnsmod_procfs_has(const char *name);
void pidnsmod_proc_remove(struct proc_dir_entry *entry);

/* Implemented in C (rust/helpers.c): what Rust cannot read safely or call directly. */
bool pidnsmod_warn_ratelimit(void);
void pidnsmod_task_comm(struct task_struct *task, char *buf);
struct pid *pidnsmod_task_tgid(struct task_struct *task);
bool pidnsmod_should_stop(void);
u64 pidnsmod_ns_id(struct pid_namespace *ns);
bool pidnsmod_pid_ns_is_alive(struct pid_namespace *ns);
struct pid *pidnsmod_pidfd_get_pid(struct file *file);

#endif /* PIDNSMOD_SHIM_H */
