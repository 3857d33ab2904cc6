// SPDX-License-Identifier: GPL-2.0

//! The functions of `shim.h`, made from it by bindgen (`scripts/shim-bindings`).

#![allow(improper_ctypes, non_camel_case_types, unreachable_pub)]

use kernel::bindings::{file, pid, pid_namespace, task_struct};

pub type umode_t = kernel::ffi::c_ushort;
#[repr(C)]
#[derive(Debug)]
pub struct proc_dir_entry {
    _unused: [u8; 0],
}
unsafe extern "C" {
    pub fn pidnsmod_proc_open(private_data: *mut *mut kernel::ffi::c_void) -> kernel::ffi::c_int;
}
unsafe extern "C" {
    pub fn pidnsmod_proc_release(private_data: *mut kernel::ffi::c_void);
}
unsafe extern "C" {
    pub fn pidnsmod_proc_read(
        shared: *mut kernel::ffi::c_void,
        private_data: *mut kernel::ffi::c_void,
        buf: *mut kernel::ffi::c_char,
        count: usize,
    ) -> isize;
}
unsafe extern "C" {
    pub fn pidnsmod_proc_write(
        shared: *mut kernel::ffi::c_void,
        private_data: *mut kernel::ffi::c_void,
        buf: *const kernel::ffi::c_char,
        count: usize,
    ) -> isize;
}
unsafe extern "C" {
    pub fn pidnsmod_proc_ioctl(
        file: *mut file,
        cmd: kernel::ffi::c_uint,
        arg: kernel::ffi::c_ulong,
    ) -> kernel::ffi::c_long;
}
unsafe extern "C" {
    pub fn pidnsmod_proc_create(
        name: *const kernel::ffi::c_char,
        mode: umode_t,
        shared: *mut kernel::ffi::c_void,
    ) -> *mut proc_dir_entry;
}
unsafe extern "C" {
    pub fn pidnsmod_procfs_has(name: *const kernel::ffi::c_char) -> kernel::ffi::c_int;
}
unsafe extern "C" {
    pub fn pidnsmod_proc_remove(entry: *mut proc_dir_entry);
}
unsafe extern "C" {
    pub fn pidnsmod_warn_ratelimit() -> bool;
}
unsafe extern "C" {
    pub fn pidnsmod_task_comm(task: *mut task_struct, buf: *mut kernel::ffi::c_char);
}
unsafe extern "C" {
    pub fn pidnsmod_task_tgid(task: *mut task_struct) -> *mut pid;
}
unsafe extern "C" {
    pub fn pidnsmod_should_stop() -> bool;
}
unsafe extern "C" {
    pub static pidnsmod_pid_ns_id_offset: usize;
}
unsafe extern "C" {
    pub fn pidnsmod_pid_ns_is_alive(ns: *mut pid_namespace) -> bool;
}
unsafe extern "C" {
    pub fn pidnsmod_pidfd_pid(file: *mut file) -> *mut pid;
}
unsafe extern "C" {
    pub fn pidnsmod_copy_to_user2(
        to: *mut kernel::ffi::c_void,
        head: *const kernel::ffi::c_void,
        head_len: usize,
        tail_at: usize,
        tail: *const kernel::ffi::c_void,
        tail_len: usize,
    ) -> kernel::ffi::c_int;
}
unsafe extern "C" {
    pub fn pidnsmod_get_pid(pid: *mut pid);
}
#[repr(C)]
#[derive(Copy, Clone)]
pub struct pidnsmod_layout {
    pub pid_level: usize,
    pub pid_numbers: usize,
    pub upid_size: usize,
    pub upid_nr: usize,
    pub upid_ns: usize,
    pub pid_namespace_level: usize,
    pub pid_namespace_ns: usize,
    pub ns_common_inum: usize,
    pub task_struct_pid: usize,
}
unsafe extern "C" {
    pub fn pidnsmod_layout(out: *mut pidnsmod_layout);
}
