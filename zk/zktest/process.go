package zktest

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
const stopGrace = 10 * time.Second

// process is one run of a server's JVM.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // cmd.Wait's result; read only after done is closed
}

// startProcess starts java with args in dir, its standard output and error
// appended to logPath, and reaps it in the background.
func startProcess(java string, args []string, dir, logPath string) (*process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("zktest: open log: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("zktest: start %s: %w", java, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process: with SIGTERM first (then SIGKILL after stopGrace)
// when graceful, else with SIGKILL at once. It returns once the process has
// been reaped.
func (p *process) stop(graceful bool) {
	if graceful {
		_ = p.terminate()
		_ = p.resume() // a paused JVM must run to handle SIGTERM
		t := time.NewTimer(stopGrace)
		defer t.Stop()
		select {
		case <-p.done:
			return
		case <-t.C:
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}
