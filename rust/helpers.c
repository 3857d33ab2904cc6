// SPDX-License-Identifier: GPL-2.0
/*
 * What pidns's Rust needs of the kernel and cannot do safely itself:
 *
 * - struct task_struct: its layout as bindgen sees it need not be the
 *   compiler's. Without CONFIG_SCHEDSTATS, struct sched_statistics is empty
 *   but ____cacheline_aligned; bindgen drops the alignment, and every field
 *   after it (comm among them) is 48 bytes off in Rust (measured on 7.3.4).
 *   So the task fields pidns needs are read here.
 * - static inline helpers with no Rust binding (fatal_signal_pending(),
 *   cond_resched()) and the kernel's printk rate limiter, a static C object.
 * - batched user access (user_write_access_begin(), unsafe_copy_to_user()),
 *   macros that the kernel crate's UserSlice does not offer.
 *
 * - ns_common's ns_id sits behind an anonymous struct member (struct
 *   ns_tree;) that bindgen does not see: its offset is given here.
 * - a pidfd's struct pid: pidfd_pid() and pidfd_get_pid() are not exported
 *   to modules, and struct inode and struct super_block are read here for the
 *   same reason as task_struct.
 *
 * rust/pid.rs states the rule for the whole module: which fields Rust reads
 * through bindgen (each proved by the pidns_layout KUnit suite) and which here.
 *
 * No logic lives here. Linked into pidns.ko and, through kunit_helpers.c, into
 * the test module pidns_kunit.ko.
 */

#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "shim.h"

/* One limiter for every warning that user input can trigger. */
bool pidnsmod_warn_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(state, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&state);
}

/*
 * Copies task->comm into buf (TASK_COMM_LEN bytes) without a lock, as
 * get_task_comm() does: a rename may race with it and give a mix of the old
 * and new name, which the writer's strscpy_pad() keeps NUL-terminated. A
 * plain copy (two moves, no call): the ioctl's fast path reads it.
 */
void pidnsmod_task_comm(struct task_struct *task, char *buf)
{
	memcpy(buf, task->comm, TASK_COMM_LEN);
}

/* The pid of task's thread-group leader; the caller holds the RCU read lock. */
struct pid *pidnsmod_task_tgid(struct task_struct *task)
{
	return task_tgid(task);
}

/*
 * Between two steps of a long walk: lets others run, and says whether the
 * caller was killed (then the walk stops with EINTR). Process context only.
 */
bool pidnsmod_should_stop(void)
{
	cond_resched();
	return fatal_signal_pending(current);
}

/*
 * Where a PID namespace's 64-bit id (never reused, unlike its inode number)
 * is, for Rust to read it without a call on the ioctl's fast path.
 */
const size_t pidnsmod_pid_ns_id_offset = offsetof(struct pid_namespace, ns.ns_id);

/*
 * Whether processes may still join ns: PIDNS_ADDING is cleared, for good, when
 * its init process exits (disable_pid_allocation(), under pidmap_lock; read
 * here without it, as a hint that only ever goes from true to false).
 */
bool pidnsmod_pid_ns_is_alive(struct pid_namespace *ns)
{
	return READ_ONCE(ns->pid_allocated) & PIDNS_ADDING;
}

/*
 * The struct pid of a pidfd, or NULL if file is not a pidfd. A pidfd is a file
 * on pidfs whose inode's i_private is its struct pid, kept alive by the inode
 * for as long as the file is open; that is all pidfd_pid() does (fs/pidfs.c,
 * 7.3.4). No reference is taken: the caller holds one on file, and uses the
 * pid only while it does.
 */
struct pid *pidnsmod_pidfd_pid(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (inode->i_sb->s_magic != PID_FS_MAGIC)
		return NULL;
	return inode->i_private;
}

/* get_pid() is a static inline; put_pid() is exported. */
void pidnsmod_get_pid(struct pid *pid)
{
	get_pid(pid);
}

/*
 * Copies head to to[0, head_len) and tail to to[tail_at, tail_at + tail_len),
 * with tail_at >= head_len, in one user-access window, as the kernel's own
 * hot paths write several fields (filldir(), rseq): the ioctl's answer is two
 * pieces, and copy_to_user() twice would open and close user access twice.
 * Returns 0, or -EFAULT with part of it written.
 */
int pidnsmod_copy_to_user2(void __user *to, const void *head, size_t head_len, size_t tail_at,
			   const void *tail, size_t tail_len)
{
	size_t span = tail_len ? tail_at + tail_len : head_len;

	if (!user_write_access_begin(to, span))
		return -EFAULT;
	unsafe_copy_to_user(to, head, head_len, efault);
	unsafe_copy_to_user(to + tail_at, tail, tail_len, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}
