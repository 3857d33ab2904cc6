/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pidns: a process's PID in every PID namespace it lives in, in one ioctl.
 *
 * The one definition of the interface. The kernel module (rust/uapi.rs) and
 * the user-space library (cli/) use Rust generated from this file with
 * bindgen; scripts/check regenerates it and fails when it differs.
 *
 *	int fd = open("/proc/pidns", O_RDONLY | O_CLOEXEC);
 *	struct pidns_chain c = { .size = sizeof(c), .pid = 84 };
 *	if (ioctl(fd, PIDNS_GET_CHAIN, &c) == 0)
 *		for (__u32 i = 0; i < c.count; i++)
 *			printf("level %u: pid %d\n", c.levels[i].level, c.levels[i].pid);
 *
 * Every field has a fixed width and every 64-bit field a 64-bit aligned
 * offset, so the layout is the same for 32- and 64-bit callers.
 */
#ifndef _UAPI_LINUX_PIDNS_H
#define _UAPI_LINUX_PIDNS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The most levels a PID has: the initial namespace and MAX_PID_NS_LEVEL (32) below it. */
#define PIDNS_MAX_LEVELS 33

/* Bits of pidns_chain.flags (input). Any other bit set: EINVAL. */
/* .pid is a pidfd, not a PID: race-free (ESRCH once that process has exited). */
#define PIDNS_CHAIN_PIDFD (1U << 0)
/*
 * .pid is looked up in the PID namespace of the process .ns_of (a PID in the
 * caller's namespace), not in the caller's namespace: "N@P".
 */
#define PIDNS_CHAIN_NS_OF (1U << 1)
/* With PIDNS_CHAIN_NS_OF: .ns_of is a pidfd, not a PID. */
#define PIDNS_CHAIN_NS_OF_PIDFD (1U << 2)

/* A process's numbers in one PID namespace. */
struct pidns_level {
	__s32 pid;	/* its PID (thread id) there */
	__s32 tgid;	/* its thread-group id there: pid, unless a non-leader thread */
	__u32 level;	/* the namespace's depth: 0 is the initial namespace */
	__u32 ns_inum;	/* the namespace's inode: readlink /proc/PID/ns/pid says pid:[ns_inum] */
};

/*
 * The argument of PIDNS_GET_CHAIN. Versioned by size, as clone3() and
 * PIDFD_GET_INFO are: the caller sets .size to sizeof(struct pidns_chain) as
 * it was compiled; fields are only ever appended.
 * - .size must be the end of a version: PIDNS_CHAIN_SIZE_VER0 (568) or
 *   PIDNS_CHAIN_SIZE_VER1 (832); any other size up to 832 is EINVAL.
 * - .size larger than the kernel's struct (a newer program): accepted if
 *   every byte past the kernel's struct is zero (E2BIG otherwise, and above
 *   4096 bytes); those bytes are read, never written.
 * - .reserved must be 0 (EINVAL otherwise), so that it can become an input.
 * - .count is output only: its value on input is ignored.
 * Of the caller's struct the kernel reads the first 24 bytes (.size to
 * .reserved) and any bytes past its own struct; nothing else is read. On
 * success it writes, within min(.size, the kernel's size), the fields up to
 * .levels[.count - 1] and .ns_id[0] to .ns_id[.count - 1]; the entries past
 * .count are not written (they keep what the caller put there), which saves
 * copying the unused three quarters of the struct on every call. On return
 * .size holds min(.size, the kernel's size): the version answered. An error
 * writes nothing, except EFAULT while writing (the answer is then partly
 * written). EFAULT only when one of the bytes read or written is not
 * accessible: the rest of the struct may be unmapped.
 *
 * The levels shown are those a reader of /proc/PID/status sees in NSpid:
 * from the caller's own PID namespace down to the process's, outermost
 * first; never a level above the caller's namespace.
 */
struct pidns_chain {
	__u32 size;	/* in: sizeof(struct pidns_chain); out: the version answered */
	__u32 flags;	/* in: PIDNS_CHAIN_* */
	__s32 pid;	/* in: a PID in the caller's namespace (or of .ns_of's), or a pidfd */
	__s32 ns_of;	/* in: with PIDNS_CHAIN_NS_OF, a PID (or pidfd) whose namespace .pid is in */
	__u32 count;	/* out: entries filled in .levels (and .ns_id); ignored on input */
	__u32 reserved;	/* in: 0 (EINVAL otherwise); out: 0 */
	char comm[16];	/* out: the command name, NUL-terminated (TASK_COMM_LEN) */
	struct pidns_level levels[PIDNS_MAX_LEVELS];	/* out: outermost visible level first */
	/* end of version 0: 568 bytes */
	__u64 ns_id[PIDNS_MAX_LEVELS];	/* out: each level's 64-bit namespace id, never reused
					 * (the nsfs ioctl NS_GET_ID gives the same), or 0 */
	/* end of version 1: 832 bytes */
};

#define PIDNS_CHAIN_SIZE_VER0 568	/* the first version: no ns_id */
#define PIDNS_CHAIN_SIZE_VER1 832	/* adds ns_id */
#define PIDNS_CHAIN_SIZE_LATEST PIDNS_CHAIN_SIZE_VER1

#define PIDNS_IOCTL_MAGIC 0xB9	/* free in Documentation/userspace-api/ioctl/ioctl-number.rst (7.3) */
#define PIDNS_IOCTL_GET_CHAIN_NR 1
/*
 * Fills a struct pidns_chain. One command number for every version of the
 * struct, as clone3() has one system call: its size bits are 0 and the
 * struct's .size says which version the caller has (so seccomp filters and
 * strace see the same number whatever header a program was built with). The
 * direction bits say read and write, which the kernel does. Any other number,
 * including _IOWR(PIDNS_IOCTL_MAGIC, 1, struct pidns_chain), is ENOTTY.
 * 0xc000b901 on x86, arm and riscv.
 */
#define PIDNS_GET_CHAIN _IOC(_IOC_READ | _IOC_WRITE, PIDNS_IOCTL_MAGIC, PIDNS_IOCTL_GET_CHAIN_NR, 0)

#endif /* _UAPI_LINUX_PIDNS_H */
