//go:build !linux

package integration

import (
	"os"
	"syscall"
)

// peerProcAttr has nothing to add where process groups and the
// parent-death signal are not used.
func peerProcAttr() *syscall.SysProcAttr { return nil }

// killPeer kills peer p.
func killPeer(p *os.Process) error { return p.Kill() }
