//! A child that dies with the thread that started it, however the harness ends (SIGKILL,
//! Ctrl-C, a panic): the kernel's parent-death signal, armed between fork and exec.

use nix::sys::signal::Signal;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Arms `signal` as the child's parent-death signal. It fires when the thread that spawns the
/// child ends, so spawn from a thread that outlives the child.
pub(crate) fn die_with_parent(command: &mut Command, signal: Signal) {
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs in the child between fork and exec, and makes only two system
    // calls (prctl, getppid), which are async-signal-safe; it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(signal)?;
            // The parent may have died before the signal was armed (an errno, not a message:
            // nothing is allocated after fork).
            if nix::unistd::getppid() != parent {
                return Err(nix::errno::Errno::ESRCH.into());
            }
            Ok(())
        });
    }
}
