package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coordkit/coordkit/zk"
	"github.com/stretchr/testify/assert"
)

// multi has the method of go-multierror's Error that dialText relies on.
type multi []error

func (m multi) Error() string          { return fmt.Sprintf("%d errors occurred:\n\t* ...\n\n", len(m)) }
func (m multi) WrappedErrors() []error { return m }

func TestDescribe(t *testing.T) {
	notSent := fmt.Errorf("%w: %w", zk.ErrNotSent, context.DeadlineExceeded)
	refused := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	tests := []struct {
		name string
		err  error
		want string // for verb "v"
	}{
		{"code", &zk.Error{Op: "get", Path: "/x", Err: zk.ErrNoNode}, "v /x: node does not exist"},
		{"wrapped code", fmt.Errorf("rm: %w", &zk.Error{Op: "delete", Path: "/a/b", Err: zk.ErrNotEmpty}), "v /a/b: node has children"},
		{"no path", &zk.Error{Op: "sync", Err: zk.ErrClosed}, "v: connection closed"},
		{"not sent before the timeout", &zk.Error{Op: "set", Path: "/x", Err: notSent}, "v /x: timed out after 2s (request not sent)"},
		{"sent, no reply before the timeout", &zk.Error{Op: "set", Path: "/x", Err: context.DeadlineExceeded},
			"v /x: timed out after 2s; it may or may not have been applied"},
		{"read timed out", &zk.Error{Op: "get", Path: "/x", Err: context.DeadlineExceeded}, "v /x: timed out after 2s"},
		{"write lost", &zk.Error{Op: "create", Path: "/x", Err: zk.ErrConnectionLoss},
			"v /x: connection loss; it may or may not have been applied"},
		{"interrupted", &zk.Error{Op: "get", Path: "/x", Err: context.Canceled}, "v /x: interrupted"},
		{"connect timed out", &connectError{servers: "h:1,h:2/app", err: context.DeadlineExceeded,
			last: fmt.Errorf("zk: dial: %w", multi{fmt.Errorf("h:1: %w", refused), errors.New("h:2: i/o timeout")})},
			"connect to h:1,h:2/app: timed out after 2s; last error: h:1: dial tcp 127.0.0.1:1: connect: connection refused; h:2: i/o timeout"},
		{"connect interrupted", &connectError{servers: "h:1", err: context.Canceled}, "connect to h:1: interrupted"},
		{"connect refused auth", &connectError{servers: "h:1", err: fmt.Errorf("zk: auth: %w", zk.ErrAuthFailed)}, "connect to h:1: auth: authentication failed"},
		{"other", errors.New("read standard input: broken"), "read standard input: broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, describe(tt.err, "v", 2*time.Second))
		})
	}
}
