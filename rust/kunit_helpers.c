// SPDX-License-Identifier: GPL-2.0
/*
 * pidns_kunit.ko tests pidns's Rust code as pidns.ko runs it, so it needs the
 * same C helpers; Kbuild links one object into one module only.
 */
#include "helpers.c"
