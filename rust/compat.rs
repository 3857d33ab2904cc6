// SPDX-License-Identifier: GPL-2.0

//! What differs between the kernels pidns supports, Linux 7.2 and 7.3, in the kernel crate's API.
//!
//! Kbuild decides from the target kernel's version and sets `--cfg pidns_7_2` on 7.2 (and stops
//! with one line on any other kernel). Everything the two kernels do differently goes through
//! this file, so that the rest of the module is written once, against 7.3.

use kernel::module_param::ModuleParamAccess;
use kernel::prelude::*;

/// The type of a module parameter that is on or off. 7.3's `module!` takes `bool` (`log=0`,
/// `log=1`, `log=n`, `log=y`, as any kernel's); 7.2's takes only integers, so there it is a
/// `u8`, 0 or 1 ([`flag`] refuses the rest).
#[cfg(not(pidns_7_2))]
pub(crate) type Flag = bool;
#[cfg(pidns_7_2)]
pub(crate) type Flag = u8;

/// A parameter's value as loaded (or its default). 7.3's `value()` returns a copy, 7.2's a
/// reference.
pub(crate) fn param<T: Copy>(param: &ModuleParamAccess<T>) -> T {
    #[cfg(not(pidns_7_2))]
    let value = param.value();
    #[cfg(pidns_7_2)]
    let value = *param.value();
    value
}

/// A [`Flag`] parameter as a `bool`; on 7.2, `EINVAL` for a number other than 0 and 1.
#[cfg(not(pidns_7_2))]
pub(crate) fn flag(value: Flag) -> Result<bool> {
    Ok(value)
}
#[cfg(pidns_7_2)]
pub(crate) fn flag(value: Flag) -> Result<bool> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(EINVAL),
    }
}
