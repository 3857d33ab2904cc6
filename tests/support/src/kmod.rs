//! Loading and unloading pidns.ko with finit_module/delete_module, as insmod and rmmod do, without
//! running them (under TCG on the debug kernel every program started costs a second).

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

/// The module's name as the kernel knows it (what rmmod takes).
const NAME: &std::ffi::CStr = c"pidns";

/// Whether some pidns is loaded now.
pub fn loaded() -> bool {
    Path::new("/sys/module/pidns").exists() || Path::new("/proc/pidns").exists()
}

/// `finit_module(ko, params)`: the kernel's own error (`EEXIST` when loaded already, `ENOEXEC`
/// for another kernel's module, `EINVAL` for a bad parameter).
pub fn load(ko: &Path, params: &str) -> io::Result<()> {
    let file = File::open(ko)?;
    let params = CString::new(params).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: finit_module reads the open file and the NUL-terminated parameter string.
    let r = unsafe { libc::syscall(libc::SYS_finit_module, file.as_raw_fd(), params.as_ptr(), 0) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `delete_module("pidns", O_NONBLOCK)`, once, as `rmmod` does it: `EBUSY` while a descriptor is
/// open, `ENOENT` when not loaded.
pub fn unload() -> io::Result<()> {
    // SAFETY: delete_module reads the NUL-terminated module name.
    let r = unsafe { libc::syscall(libc::SYS_delete_module, NAME.as_ptr(), libc::O_NONBLOCK) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// [`unload`], retried for up to 2 s while the module is still in use (a descriptor closing on
/// another CPU).
pub fn unload_waiting() -> io::Result<()> {
    let mut last = io::Error::from_raw_os_error(libc::EBUSY);
    for _ in 0..100 {
        match unload() {
            Ok(()) => return Ok(()),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EBUSY | libc::EAGAIN)) => last = e,
            Err(e) => return Err(e),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(last)
}
