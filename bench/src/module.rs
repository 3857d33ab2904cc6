//! Loading and unloading pidns.ko with finit_module/delete_module, so that the bench can measure
//! the same module with `log=0` and with `log=1` without shelling out to insmod/rmmod.

use crate::sys::{self, Res};
use std::path::{Path, PathBuf};

/// The module's name as the kernel knows it (what rmmod takes).
const NAME: &std::ffi::CStr = c"pidns";

/// A pidns.ko the bench may load.
pub struct Module {
    ko: PathBuf,
}

/// Whether some pidns is loaded now.
fn loaded() -> bool {
    Path::new("/sys/module/pidns").exists() || Path::new("/proc/pidns").exists()
}

impl Module {
    /// Decides whether the pidns methods can run: they need `--ko` naming a file. A module that
    /// is already loaded is unloaded first, because its `log=` setting is unknown.
    /// Returns None (and says why) when the pidns methods are to be skipped.
    pub fn prepare(ko: Option<&Path>) -> Res<Option<Module>> {
        let Some(ko) = ko else {
            println!("pidns methods skipped: no --ko PATH/pidns.ko given");
            return Ok(None);
        };
        if !ko.is_file() {
            println!("pidns methods skipped: --ko {} is not a file", ko.display());
            return Ok(None);
        }
        if loaded() {
            println!("pidns is loaded already: unloading it (the bench loads its own, with log=0 and log=1)");
            unload().map_err(|e| format!("unloading the pidns that was loaded: {e}"))?;
        }
        Ok(Some(Module {
            ko: ko.to_path_buf(),
        }))
    }

    /// finit_module(ko, "log=0" or "log=1"). The returned guard unloads it.
    pub fn load(&self, log: bool) -> Res<Loaded> {
        let path = sys::cstring(&self.ko.to_string_lossy())?;
        let fd = sys::open(&path, libc::O_RDONLY)?;
        let params = if log { c"log=1" } else { c"log=0" };
        // SAFETY: finit_module reads the NUL-terminated parameter string and the open file.
        let r = unsafe {
            libc::syscall(
                libc::SYS_finit_module,
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                params.as_ptr(),
                0,
            )
        };
        if r < 0 {
            return Err(sys::os_err(&format!(
                "finit_module({}, {}) (built for this kernel? loaded already?)",
                self.ko.display(),
                params.to_string_lossy()
            )));
        }
        if !Path::new("/proc/pidns").exists() {
            let _ = unload();
            return Err(format!(
                "{} loaded but there is no /proc/pidns: is it pidns.ko?",
                self.ko.display()
            ));
        }
        Ok(Loaded { active: true })
    }
}

/// A loaded pidns; dropping it unloads it (explicit `unload()` reports errors).
pub struct Loaded {
    active: bool,
}

impl Loaded {
    /// Unloads now, reporting failure. Every /proc/pidns descriptor must be closed before.
    pub fn unload(mut self) -> Res<()> {
        self.active = false;
        unload()
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        if self.active {
            if let Err(e) = unload() {
                eprintln!("warning: {e}");
            }
        }
    }
}

/// delete_module("pidns", O_NONBLOCK), retried for a while if the module is still in use (a
/// descriptor closing on another CPU).
fn unload() -> Res<()> {
    for _ in 0..100 {
        // SAFETY: delete_module reads the NUL-terminated module name.
        let r = unsafe { libc::syscall(libc::SYS_delete_module, NAME.as_ptr(), libc::O_NONBLOCK) };
        if r == 0 {
            return Ok(());
        }
        let e = sys::errno();
        if e != libc::EWOULDBLOCK && e != libc::EAGAIN && e != libc::EBUSY {
            return Err(sys::os_err("delete_module(pidns)"));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(sys::os_err("delete_module(pidns): still in use after 2 s"))
}
