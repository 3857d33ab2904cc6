//! Builds ioctl32.c, the 32-bit caller of `PIDNS_GET_CHAIN` that `vmh chain32` runs, with
//! clang-19 and lld (both installed by scripts/bootstrap for the kernel): a static i386 program
//! without libc, which this machine does not have for 32 bits.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let repo = dir.join("../../..");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("ioctl32");
    let src = dir.join("ioctl32.c");
    println!("cargo:rerun-if-changed={}", src.display());
    println!(
        "cargo:rerun-if-changed={}",
        repo.join("include/uapi/linux/pidns.h").display()
    );
    let status = Command::new("clang-19")
        .args(["-m32", "-static", "-nostdlib", "-ffreestanding", "-fno-pic"])
        .args(["-fno-stack-protector", "-O2", "-Wall", "-Wextra", "-Werror"])
        .arg("-fuse-ld=lld")
        .arg("-I")
        .arg(&repo)
        // linux/ioctl.h's asm/ headers: the same for i386 (asm-generic) as for x86-64.
        .args(["-isystem", "/usr/include/x86_64-linux-gnu", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("run clang-19 (scripts/bootstrap installs it)");
    assert!(status.success(), "clang-19 failed on {}", src.display());
}
