// SPDX-License-Identifier: GPL-2.0
/*
 * A test module that creates /proc/pidns, empty, as a second copy of pidns
 * built under another name would: loading pidns.ko after it must fail with
 * EEXIST and a clear line in the kernel log, and no kernel warning.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>

static const struct proc_ops pidns_squatter_ops;
static struct proc_dir_entry *pidns_squatter_entry;

static int __init pidns_squatter_init(void)
{
	pidns_squatter_entry = proc_create("pidns", 0400, NULL, &pidns_squatter_ops);
	return pidns_squatter_entry ? 0 : -ENOMEM;
}

static void __exit pidns_squatter_exit(void)
{
	proc_remove(pidns_squatter_entry);
}

module_init(pidns_squatter_init);
module_exit(pidns_squatter_exit);
MODULE_DESCRIPTION("pidns tests: takes /proc/pidns first");
MODULE_LICENSE("GPL");
