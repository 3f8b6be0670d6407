//go:build !linux

package main

import "syscall"

// commandProcAttr puts the command `lock` runs in a process group of its
// own, so that signals reach its children too. Only Linux can also have
// the kernel kill it when coordkit dies.
func commandProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
