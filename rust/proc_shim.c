// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/pidns in C: the kernel has no Rust abstraction for procfs, and neither
 * proc_create_data() nor struct proc_ops is in the Rust bindings. This file
 * holds the proc_ops table and forwards every call to the Rust handlers in
 * proc_file.rs, with the entry's data and the file's private data unpacked.
 * No logic lives here.
 */

#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/magic.h>
#include <linux/proc_fs.h>

#include "shim.h"

/*
 * The file has no position (stream_open()): reads continue where the last one
 * stopped and every answer is read from its start (proc_file.rs keeps that
 * cursor), so lseek(), pread() and pwrite() fail with ESPIPE and the handlers
 * below get no position to keep consistent.
 */
static int pidnsmod_open(struct inode *inode, struct file *file)
{
	int err = stream_open(inode, file);

	return err ? err : pidnsmod_proc_open(&file->private_data);
}

static int pidnsmod_release(struct inode *inode, struct file *file)
{
	pidnsmod_proc_release(file->private_data);
	return 0;
}

static ssize_t pidnsmod_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return pidnsmod_proc_read(pde_data(file_inode(file)), file->private_data, buf, count);
}

static ssize_t pidnsmod_write(struct file *file, const char __user *buf, size_t count,
			      loff_t *ppos)
{
	return pidnsmod_proc_write(pde_data(file_inode(file)), file->private_data, buf, count);
}

static const struct proc_ops pidnsmod_proc_ops = {
	.proc_open = pidnsmod_open,
	.proc_release = pidnsmod_release,
	.proc_read = pidnsmod_read,
	.proc_write = pidnsmod_write,
};

struct proc_dir_entry *pidnsmod_proc_create(const char *name, umode_t mode, void *shared)
{
	return proc_create_data(name, mode, NULL, &pidnsmod_proc_ops, shared);
}

/* Waits for handlers in flight and releases open files (proc_entry_rundown). */
void pidnsmod_proc_remove(struct proc_dir_entry *entry)
{
	proc_remove(entry);
}

/*
 * Whether path names a file on procfs, as the calling task sees it. Used to
 * refuse a second /proc/pidns before proc_create_data() would WARN about it.
 */
bool pidnsmod_path_on_procfs(const char *path)
{
	struct path found;
	bool on_procfs;

	if (kern_path(path, LOOKUP_FOLLOW, &found))
		return false;
	on_procfs = found.dentry->d_sb->s_magic == PROC_SUPER_MAGIC;
	path_put(&found);
	return on_procfs;
}
