// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/pidns in C: the kernel has no Rust abstraction for procfs, and neither
 * proc_create_data() nor struct proc_ops is in the Rust bindings. This file
 * holds the proc_ops table and forwards every call to the Rust handlers in
 * proc_file.rs, with the entry's data and the file's private data unpacked;
 * the ioctl handler (ioctl.rs) needs neither and sits in the table itself. No
 * logic lives here.
 */

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <uapi/linux/pidns.h>

#include "shim.h"

/*
 * The ioctl's struct as this compiler lays it out agrees with the header's
 * sizes (rust/ioctl.rs checks the same of its bindgen copy, rust/uapi.rs).
 */
static_assert(sizeof(struct pidns_chain) == PIDNS_CHAIN_SIZE_LATEST);
static_assert(offsetof(struct pidns_chain, ns_id) == PIDNS_CHAIN_SIZE_VER0);
static_assert(PIDNS_MAX_LEVELS == MAX_PID_NS_LEVEL + 1);

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

#ifdef CONFIG_COMPAT
/*
 * A 32-bit caller: the struct has one layout for 32- and 64-bit callers, so
 * only arg needs converting. Not compat_ptr_ioctl(): it calls
 * f_op->unlocked_ioctl, which for procfs is proc_reg_unlocked_ioctl(), and
 * that takes the entry (use_pde()) a second time, when proc_reg_compat_ioctl()
 * already holds it for this call.
 */
static long pidnsmod_compat_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return pidnsmod_proc_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
}
#endif

static const struct proc_ops pidnsmod_proc_ops = {
	.proc_open = pidnsmod_open,
	.proc_release = pidnsmod_release,
	.proc_read = pidnsmod_read,
	.proc_write = pidnsmod_write,
	.proc_ioctl = pidnsmod_proc_ioctl,
#ifdef CONFIG_COMPAT
	.proc_compat_ioctl = pidnsmod_compat_ioctl,
#endif
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
 * Whether procfs has a top-level entry called name (1), not (0), or a negative
 * errno. Looked up in procfs itself, through an internal mount of its own made
 * for the question, not at the calling task's /proc: a loader in a mount
 * namespace with a private /proc (or one mounted with subset=pid, or none)
 * must not miss an entry that proc_create_data() would then WARN about. At load
 * only (the mount and its unmount, with an RCU grace period, are slow).
 */
int pidnsmod_procfs_has(const char *name)
{
	struct file_system_type *proc = get_fs_type("proc");
	struct vfsmount *mnt;
	struct path found;
	int err;

	if (!proc)
		return -ENOENT;
	mnt = kern_mount(proc);
	/* get_fs_type() took a reference on the owner, as put_filesystem() drops it. */
	module_put(proc->owner);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	err = vfs_path_lookup(mnt->mnt_root, mnt, name, 0, &found);
	if (!err)
		path_put(&found);
	kern_unmount(mnt);
	if (err == -ENOENT)
		return 0;
	return err ? err : 1;
}
