package zktest

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// errPortInUse marks a server start that failed because a port it was given
// was taken between allocation and bind; the caller retries with new ports.
var errPortInUse = errors.New("zktest: port already in use")

// maxBindAttempts bounds the retries of a start that lost the port race.
const maxBindAttempts = 5

// allocPorts allocates ports for a start; tests replace it to lose the race
// on purpose.
var allocPorts = freePorts

// bindFailed reports whether a server's log shows that it could not bind one
// of its ports.
func bindFailed(log string) bool {
	return strings.Contains(log, "BindException") || strings.Contains(log, "Address already in use")
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1 a
// moment ago: it listens on 127.0.0.1:0 n times at once, reads the ports the
// kernel chose, and closes the listeners. Another process may take a port
// before the server binds it; starts detect that and retry.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("zktest: allocate a port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// retryOnPortInUse runs start until it succeeds, fails for another reason,
// or has lost the port race maxBindAttempts times.
func retryOnPortInUse[T any](start func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := start()
		if err == nil || !errors.Is(err, errPortInUse) || attempt == maxBindAttempts {
			return v, err
		}
	}
}
