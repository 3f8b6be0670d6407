package integration

import (
	"os"
	"syscall"
)

// peerProcAttr puts a peer in a process group of its own (zkCli.sh runs
// java as its child; killPeer kills both) and has the kernel kill it if
// the test binary dies first.
func peerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killPeer kills the process group that peer p leads: p and the processes
// it started.
func killPeer(p *os.Process) error {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		return p.Kill()
	}
	return nil
}
