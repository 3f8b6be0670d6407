//go:build !unix

package zktest

import "errors"

var errNoSignals = errors.New("zktest: pausing a process needs a unix system")

func (p *process) terminate() error { return p.cmd.Process.Kill() }
func (p *process) pause() error     { return errNoSignals }
func (p *process) resume() error    { return errNoSignals }
