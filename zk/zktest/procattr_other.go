//go:build !linux

package zktest

import "syscall"

// sysProcAttr has nothing to add where the parent-death signal does not exist.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// waitStopped cannot observe a process's state here; Pause returns once the
// signal is sent.
func waitStopped(int) {}
