//! The pidns.ko the bench measures, loaded with `log=0` or `log=1` in turn (through the loader
//! vmh uses too, `support::kmod`, not insmod/rmmod).

use crate::sys::Res;
use std::path::{Path, PathBuf};
use support::kmod;

/// A pidns.ko the bench may load.
pub struct Module {
    ko: PathBuf,
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
        if kmod::loaded() {
            println!("pidns is loaded already: unloading it (the bench loads its own, with log=0 and log=1)");
            unload().map_err(|e| format!("unloading the pidns that was loaded: {e}"))?;
        }
        Ok(Some(Module {
            ko: ko.to_path_buf(),
        }))
    }

    /// Loads it with `log=0` or `log=1`. The returned guard unloads it.
    pub fn load(&self, log: bool) -> Res<Loaded> {
        let params = if log { "log=1" } else { "log=0" };
        kmod::load(&self.ko, params).map_err(|e| {
            format!(
                "finit_module({}, {params}): {e} (built for this kernel? loaded already?)",
                self.ko.display()
            )
        })?;
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

fn unload() -> Res<()> {
    kmod::unload_waiting().map_err(|e| format!("delete_module(pidns): {e}"))
}
