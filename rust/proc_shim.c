// SPDX-License-Identifier: GPL-2.0
/*
 * The one place where pidns's Rust meets C it cannot reach from Rust safely.
 *
 * - procfs: the kernel has no Rust abstraction for proc_create() and struct
 *   proc_ops, and neither is in the Rust bindings, so this file holds the
 *   proc_ops table and forwards every call to the Rust handlers in
 *   proc_file.rs, with the entry's data and the file's private data unpacked.
 * - struct task_struct: its layout as bindgen sees it need not be the
 *   compiler's. Without CONFIG_SCHEDSTATS, struct sched_statistics is empty
 *   but ____cacheline_aligned; bindgen drops the alignment, and every field
 *   after it (comm among them) is 48 bytes off in Rust (measured on 7.3.4).
 *   So the two task fields pidns needs are read here.
 * - the kernel's printk rate limiter, a static C object.
 *
 * No logic lives here.
 */

#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>

/* Implemented in Rust (proc_file.rs). */
int pidns_proc_open(void **open);
void pidns_proc_release(void *open);
ssize_t pidns_proc_read(void *shared, void *open, char __user *buf, size_t count, loff_t *ppos);
ssize_t pidns_proc_write(void *shared, void *open, struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos);

/* Called from Rust (proc_file.rs). */
struct proc_dir_entry *pidns_proc_create(const char *name, umode_t mode, void *shared);
void pidns_proc_remove(struct proc_dir_entry *entry);
bool pidns_warn_ratelimit(void);
void pidns_task_comm(struct task_struct *task, char *buf);
struct pid *pidns_task_tgid(struct task_struct *task);
void pidns_file_rewind(struct file *file);

static int pidns_open(struct inode *inode, struct file *file)
{
	return pidns_proc_open(&file->private_data);
}

static int pidns_release(struct inode *inode, struct file *file)
{
	pidns_proc_release(file->private_data);
	return 0;
}

static ssize_t pidns_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return pidns_proc_read(pde_data(file_inode(file)), file->private_data, buf, count, ppos);
}

static ssize_t pidns_write(struct file *file, const char __user *buf, size_t count,
			   loff_t *ppos)
{
	return pidns_proc_write(pde_data(file_inode(file)), file->private_data, file, buf, count,
				ppos);
}

static const struct proc_ops pidns_proc_ops = {
	.proc_open = pidns_open,
	.proc_release = pidns_release,
	.proc_read = pidns_read,
	.proc_write = pidns_write,
	.proc_lseek = default_llseek,
};

struct proc_dir_entry *pidns_proc_create(const char *name, umode_t mode, void *shared)
{
	return proc_create_data(name, mode, NULL, &pidns_proc_ops, shared);
}

/* Waits for handlers in flight and releases open files (proc_entry_rundown). */
void pidns_proc_remove(struct proc_dir_entry *entry)
{
	proc_remove(entry);
}

/* One limiter for every warning that user input can trigger. */
bool pidns_warn_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(state, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&state);
}

/*
 * Copies task->comm into buf (TASK_COMM_LEN bytes), as get_task_comm() does:
 * without a lock, the writer's strscpy_pad() keeping it NUL-terminated.
 */
void pidns_task_comm(struct task_struct *task, char *buf)
{
	strscpy_pad(buf, task->comm, TASK_COMM_LEN);
}

/* The pid of task's thread-group leader; the caller holds the RCU read lock. */
struct pid *pidns_task_tgid(struct task_struct *task)
{
	return task_tgid(task);
}

/*
 * Sets the file's read position to 0. Needed when a write fails with ESRCH
 * after answering: the VFS then does not store the position the handler set.
 * An aligned 64-bit store: a concurrent read on the same file sees the old or
 * the new position.
 */
void pidns_file_rewind(struct file *file)
{
	WRITE_ONCE(file->f_pos, 0);
}
