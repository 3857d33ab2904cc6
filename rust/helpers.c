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
 *
 * - ns_common's ns_id sits behind an anonymous struct member (struct
 *   ns_tree;) that bindgen need not lay out as the compiler does.
 * - a pidfd's struct pid: pidfd_pid() and pidfd_get_pid() are not exported
 *   to modules, and struct inode and struct super_block are read here for the
 *   same reason as task_struct.
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

#include "shim.h"

/* One limiter for every warning that user input can trigger. */
bool pidnsmod_warn_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(state, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&state);
}

/*
 * Copies task->comm into buf (TASK_COMM_LEN bytes), as get_task_comm() does:
 * without a lock, the writer's strscpy_pad() keeping it NUL-terminated.
 */
void pidnsmod_task_comm(struct task_struct *task, char *buf)
{
	strscpy_pad(buf, task->comm, TASK_COMM_LEN);
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

/* The namespace's 64-bit id: never reused, unlike its inode number. */
u64 pidnsmod_ns_id(struct pid_namespace *ns)
{
	return ns->ns.ns_id;
}

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
 * The struct pid of a pidfd, with a reference taken for the caller (who drops
 * it with put_pid()), or NULL if file is not a pidfd. A pidfd is a file on
 * pidfs whose inode's i_private is its struct pid, kept alive by the inode for
 * as long as the file is open; that is all pidfd_pid() does (fs/pidfs.c,
 * 7.3.4). The caller holds a reference on file.
 */
struct pid *pidnsmod_pidfd_get_pid(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (inode->i_sb->s_magic != PID_FS_MAGIC)
		return NULL;
	return get_pid(inode->i_private);
}
