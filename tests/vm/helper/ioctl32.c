// SPDX-License-Identifier: GPL-2.0
/*
 * PIDNS_GET_CHAIN from a 32-bit program: the module's compat_ioctl path.
 * Built by build.rs as a static i386 program without libc (-nostdlib: the
 * machine has no 32-bit libc, and none is needed), system calls through
 * int 0x80; embedded in vmh, whose `chain32 PID` runs it.
 *
 *	ioctl32 PID
 *
 * prints what `vmh chain PID` prints (ok, then the read-back's fields and
 * ns_id=), or the errno's name, so that the test compares the two answers.
 */
#include <stddef.h>
#include "include/uapi/linux/pidns.h"

/* The same struct as for 64-bit callers: nothing for compat_ioctl to convert. */
_Static_assert(sizeof(void *) == 4, "a 32-bit program");
_Static_assert(sizeof(struct pidns_chain) == PIDNS_CHAIN_SIZE_LATEST, "size");
_Static_assert(offsetof(struct pidns_chain, ns_id) == PIDNS_CHAIN_SIZE_VER0, "ns_id");

/* i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define NR_exit 1
#define NR_write 4
#define NR_open 5
#define NR_ioctl 54

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

/* The compiler may call these for the struct's initialization and copies. */
void *memset(void *d, int c, size_t n)
{
	void *ret = d;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

static char out[8192];
static size_t len;

static void put(const char *s)
{
	while (*s && len < sizeof(out))
		out[len++] = *s++;
}

/* n in decimal. 64-bit division needs libgcc's __udivdi3: divl divides edx:eax by 10 instead. */
static void put_u64(unsigned long long n)
{
	char buf[24];
	int i = sizeof(buf);

	buf[--i] = 0;
	do {
		unsigned int hi = n >> 32, lo = (unsigned int)n, qh = hi / 10, ql, r = hi % 10;

		__asm__("divl %4" : "=a"(ql), "=d"(r) : "a"(lo), "d"(r), "rm"(10u));
		n = ((unsigned long long)qh << 32) | ql;
		buf[--i] = (char)('0' + r);
	} while (n);
	put(buf + i);
}

static void put_s32(int n)
{
	if (n < 0) {
		put("-");
		put_u64(-(long long)n);
	} else {
		put_u64(n);
	}
}

static const char *errno_name(long e)
{
	switch (e) {
	case 2: return "ENOENT";
	case 3: return "ESRCH";
	case 9: return "EBADF";
	case 13: return "EACCES";
	case 14: return "EFAULT";
	case 22: return "EINVAL";
	case 25: return "ENOTTY";
	case 7: return "E2BIG";
	}
	return "E?";
}

static int run(int argc, char **argv)
{
	struct pidns_chain c;
	int pid = 0;
	long fd, r;
	const char *p;

	if (argc != 2) {
		put("usage: ioctl32 PID");
		return 2;
	}
	for (p = argv[1]; *p >= '0' && *p <= '9'; p++)
		pid = pid * 10 + (*p - '0');
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.pid = pid;
	fd = sys3(NR_open, (long)"/proc/pidns", 0 /* O_RDONLY */, 0);
	if (fd < 0) {
		put("open: ");
		put(errno_name(-fd));
		return 1;
	}
	r = sys3(NR_ioctl, fd, PIDNS_GET_CHAIN, (long)&c);
	if (r < 0) {
		put(errno_name(-r));
		return 1;
	}
	/* As vmh's `chain`: the read-back's fields, then ns_id=. */
	put("ok\nnspid=");
	for (__u32 i = 0; i < c.count; i++) {
		put(i ? "," : "");
		put_s32(c.levels[i].pid);
	}
	put(" nstgid=");
	for (__u32 i = 0; i < c.count; i++) {
		put(i ? "," : "");
		put_s32(c.levels[i].tgid);
	}
	put(" level=");
	for (__u32 i = 0; i < c.count; i++) {
		put(i ? "," : "");
		put_u64(c.levels[i].level);
	}
	put(" ns=");
	for (__u32 i = 0; i < c.count; i++) {
		put(i ? "," : "");
		put_u64(c.levels[i].ns_inum);
	}
	put(" comm=");
	for (int i = 0; i < 16 && c.comm[i]; i++) {
		unsigned char b = (unsigned char)c.comm[i];
		char hex[5] = { '\\', 'x', "0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 15], 0 };
		char plain[2] = { (char)b, 0 };

		/* escape_comm() of vmh: printable ASCII but backslash as is, the rest \xNN. */
		put(b >= 0x21 && b <= 0x7e && b != '\\' ? plain : hex);
	}
	put("\nns_id=");
	for (__u32 i = 0; i < c.count; i++) {
		put(i ? "," : "");
		put_u64(c.ns_id[i]);
	}
	return 0;
}

/* Called by _start with the initial stack: argc, then argv. */
__attribute__((used)) static void start(long *sp)
{
	int status = run((int)sp[0], (char **)(sp + 1));

	put("\n");
	sys3(NR_write, 1, (long)out, (long)len);
	sys3(NR_exit, status, 0, 0);
}

/* The entry point: the stack aligned to 16 bytes as the i386 ABI wants at a call. */
__asm__(".globl _start\n"
	"_start:\n"
	"	movl %esp, %eax\n"
	"	andl $-16, %esp\n"
	"	subl $12, %esp\n"
	"	pushl %eax\n"
	"	call start\n"
	"	hlt\n");
