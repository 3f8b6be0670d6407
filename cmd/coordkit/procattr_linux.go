package main

import "syscall"

// commandProcAttr puts the command `lock` runs in a process group of its
// own (so that signals reach its children too) and has the kernel kill it
// if coordkit dies without stopping it (kill -9): a command must never run
// on without the lock that coordkit held for it.
func commandProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
