//! What the figures were measured on. Absolute numbers mean little without it: under TCG every
//! syscall costs 10-50 times what it does on hardware, and the ratios are what carry over.

use crate::procfs;
use crate::sys;

pub struct Env {
    pub release: String,
    pub cpus: usize,
    pub cpu_model: String,
    pub virt: String,
    pub mem_mib: u64,
    /// /proc/sys/kernel/printk: its first field decides whether log=1 lines also go to a
    /// (slow, serial) console.
    pub printk: String,
}

pub fn detect() -> Env {
    // SAFETY: utsname is plain data; uname() fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid utsname to fill.
    let release = if unsafe { libc::uname(&mut u) } == 0 {
        // SAFETY: uname() NUL-terminates the field.
        unsafe { std::ffi::CStr::from_ptr(u.release.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    } else {
        "unknown".into()
    };
    // SAFETY: sysconf has no memory preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize;
    let cpuinfo = sys::read_text("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split_once(':').map(|x| x.1))
        .unwrap_or("unknown")
        .trim()
        .to_string();
    let hypervisor_flag = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .is_some_and(|l| l.split_whitespace().any(|f| f == "hypervisor"));
    Env {
        release,
        cpus,
        virt: virtualization(&cpu_model, hypervisor_flag),
        cpu_model,
        mem_mib: procfs::meminfo_bytes("MemTotal").unwrap_or(0) >> 20,
        printk: sys::read_text("/proc/sys/kernel/printk")
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// QEMU's TCG names its `max` CPU "QEMU TCG CPU ..."; otherwise the CPUID hypervisor leaf says
/// which hypervisor runs us ("KVMKVMKVM", "TCGTCGTCGTCG", ...).
fn virtualization(cpu_model: &str, hypervisor_flag: bool) -> String {
    if cpu_model.contains("TCG") {
        return "QEMU TCG (software emulation)".into();
    }
    let sig = hypervisor_signature();
    match sig.as_str() {
        "KVMKVMKVM" => "KVM".into(),
        "TCGTCGTCGTCG" => "QEMU TCG (software emulation)".into(),
        "" if hypervisor_flag => "a hypervisor (unknown)".into(),
        "" => "no hypervisor detected".into(),
        other => format!("hypervisor {other:?}"),
    }
}

#[cfg(target_arch = "x86_64")]
fn hypervisor_signature() -> String {
    use std::arch::x86_64::__cpuid;
    // Leaf 1 ECX bit 31: running under a hypervisor; leaf 0x40000000: its 12-byte signature.
    #[allow(unused_unsafe)]
    // SAFETY: CPUID exists on every x86_64 CPU.
    let (leaf1, leaf_hv) = unsafe { (__cpuid(1), __cpuid(0x4000_0000)) };
    if leaf1.ecx & (1 << 31) == 0 {
        return String::new();
    }
    let mut b = Vec::with_capacity(12);
    for r in [leaf_hv.ebx, leaf_hv.ecx, leaf_hv.edx] {
        b.extend_from_slice(&r.to_le_bytes());
    }
    String::from_utf8_lossy(&b)
        .trim_end_matches('\0')
        .to_string()
}

#[cfg(not(target_arch = "x86_64"))]
fn hypervisor_signature() -> String {
    String::new()
}

impl Env {
    /// The plot's default title.
    pub fn label(&self) -> String {
        format!(
            "Linux {}, {} CPU{}, {}",
            self.release,
            self.cpus,
            if self.cpus == 1 { "" } else { "s" },
            self.virt
        )
    }

    pub fn print(&self) {
        println!("\nEnvironment");
        println!("  kernel:  Linux {}", self.release);
        println!("  CPUs:    {} x {}", self.cpus, self.cpu_model);
        println!("  running: {}", self.virt);
        println!("  memory:  {} MiB", self.mem_mib);
        println!(
            "  printk:  {} (console loglevel first: above 6, log=1 lines also go to the console)",
            self.printk
        );
    }
}
