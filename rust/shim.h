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
/*
 * Implemented in Rust (rust/ioctl.rs): PIDNS_GET_CHAIN, include/uapi/linux/pidns.h. In the
 * proc_ops table itself (the fast path: no call in between); file is not used.
 */
long pidnsmod_proc_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* Implemented in C (rust/proc_shim.c): /proc/pidns itself. */
struct proc_dir_entry *pidnsmod_proc_create(const char *name, umode_t mode, void *shared);
int pidnsmod_procfs_has(const char *name);
void pidnsmod_proc_remove(struct proc_dir_entry *entry);

/*
 * Implemented in C (rust/helpers.c): what Rust cannot read safely or call directly. Rust calls
 * them only from its wrapper files (rust/pid.rs says which fields are read where).
 */
bool pidnsmod_warn_ratelimit(void);
void pidnsmod_task_comm(struct task_struct *task, char *buf);
struct pid *pidnsmod_task_tgid(struct task_struct *task);
bool pidnsmod_should_stop(void);
/* offsetof(struct pid_namespace, ns.ns_id): bindgen cannot see the anonymous member it is in. */
extern const size_t pidnsmod_pid_ns_id_offset;
bool pidnsmod_pid_ns_is_alive(struct pid_namespace *ns);
struct pid *pidnsmod_pidfd_pid(struct file *file);
int pidnsmod_copy_to_user2(void __user *to, const void *head, size_t head_len, size_t tail_at,
			   const void *tail, size_t tail_len);
void pidnsmod_get_pid(struct pid *pid);

/* ------------------------------------------------------------------------------------------ */
/*
 * Implemented in C (rust/kunit_helpers.c), for the KUnit tests only: linked into
 * pidns_kunit.ko, never into pidns.ko.
 *
 * The layout the C compiler gives the kernel structs whose fields Rust reads through bindgen,
 * which need not be bindgen's (rust/helpers.c says how task_struct's is not). rust/kunit.rs
 * compares each entry with its own offset_of!/size_of, so an entry written here must be
 * checked there (it fails to compile otherwise, and checks that none is left over).
 * FIELD(s, f) is offsetof(struct s, f), in member s_f; SIZE(s) is sizeof(struct s), in s_size.
 */
#define PIDNSMOD_LAYOUT(FIELD, SIZE) \
	FIELD(pid, level)            \
	FIELD(pid, numbers)          \
	SIZE(upid)                   \
	FIELD(upid, nr)              \
	FIELD(upid, ns)              \
	FIELD(pid_namespace, level)  \
	FIELD(pid_namespace, ns)     \
	FIELD(ns_common, inum)       \
	FIELD(task_struct, pid)

#define PIDNSMOD_LAYOUT_FIELD(s, f) size_t s##_##f;
#define PIDNSMOD_LAYOUT_SIZE(s) size_t s##_size;
struct pidnsmod_layout {
	PIDNSMOD_LAYOUT(PIDNSMOD_LAYOUT_FIELD, PIDNSMOD_LAYOUT_SIZE)
};
#undef PIDNSMOD_LAYOUT_FIELD
#undef PIDNSMOD_LAYOUT_SIZE

void pidnsmod_layout(struct pidnsmod_layout *out);

#endif /* PIDNSMOD_SHIM_H */
