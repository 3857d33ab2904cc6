// SPDX-License-Identifier: GPL-2.0
/*
 * pidns_kunit.ko tests pidns's Rust code as pidns.ko runs it, so it needs the
 * same C helpers; Kbuild links one object into one module only.
 */
#include "helpers.c"

#include <linux/stddef.h>

/* The compiler's layout of what rust/shim.h's PIDNSMOD_LAYOUT lists, for rust/kunit.rs. */
void pidnsmod_layout(struct pidnsmod_layout *out)
{
#define FIELD(s, f) out->s##_##f = offsetof(struct s, f);
#define SIZE(s) out->s##_size = sizeof(struct s);
	PIDNSMOD_LAYOUT(FIELD, SIZE)
#undef FIELD
#undef SIZE
}
