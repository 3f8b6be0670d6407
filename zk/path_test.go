package zk

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidatePath(t *testing.T) {
	for _, tc := range []struct {
		path       string
		sequential bool
		rule       string // "" when valid
	}{
		{"/", false, ""},
		{"/a", false, ""},
		{"/a/b.c/d..e/...", false, ""},
		{"/é and spaces", false, ""},
		{"/a/", true, ""},
		{"/", true, ""},
		{"/a/.", true, ""},
		{"", false, "empty"},
		{"a", false, "start with /"},
		{"/a/", false, "end with /"},
		{"/a//b", false, "empty component"},
		{"//", true, "empty component"},
		{"/a/./b", false, "relative"},
		{"/a/..", false, "relative"},
		{"/..", true, ""},
		{"/a/../b", true, "relative"},
		{"/a\x00b", false, "null"},
		{"/a\x1fb", false, "control"},
		{"/a\x7fb", false, "control"},
		{"/a\u0085b", false, "invalid character"},
		{"/a\ud7ffb", false, ""},
		{"/a\ue000b", false, "invalid character"},
		{"/a\U0001F600b", false, "invalid character"},
		{"/a\ufff0b", false, "invalid character"},
		{"/a\xffb", false, "invalid character"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			err := ValidatePath(tc.path, tc.sequential)
			if tc.rule == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidPath)
			assert.Contains(t, err.Error(), tc.rule)
			assert.Contains(t, err.Error(), "zk: invalid path")
		})
	}
}

func TestCheckPathDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = checkPath("/some/valid/path-é", false) })
	assert.Zero(t, allocs)
}

func TestChroot(t *testing.T) {
	r := chroot("/app")
	assert.Equal(t, "/app", r.add("/"))
	assert.Equal(t, "/app/x", r.add("/x"))
	assert.Equal(t, "/", r.strip("/app"))
	assert.Equal(t, "/x", r.strip("/app/x"))
	assert.Equal(t, "/apple", r.strip("/apple"))
	assert.Equal(t, "/x", chroot("").strip("/x"))
}

// TestRefusedBeforeSending checks the client-side guards: nothing reaches
// the fake server, which would fail the test by reading it.
func TestRefusedBeforeSending(t *testing.T) {
	s := newFakeServer(t)
	c, fc := dialFake(t, s, WithMaxRequestSize(1000))
	ctx := testCtx(t)
	big := make([]byte, 1000)
	for _, tc := range []struct {
		name string
		run  func() error
		want error
		msg  string
	}{
		{"invalid path", func() error { _, _, err := c.Get(ctx, "/a/"); return err }, ErrInvalidPath, `get /a/: zk: invalid path "/a/": path must not end with /`},
		{"invalid sequential path", func() error { _, err := c.Create(ctx, "/a//", nil, ModePersistentSequential); return err }, ErrInvalidPath, "empty component"},
		{"too large", func() error { _, err := c.Set(ctx, "/x", big, -1); return err }, ErrRequestTooLarge, "set /x: zk: request too large: 1022 bytes, limit 1000"},
		{"too large create", func() error { _, err := c.Create(ctx, "/x", big, ModePersistent); return err }, ErrRequestTooLarge, "create /x"},
		{"bad mode", func() error { _, err := c.Create(ctx, "/x", nil, CreateMode(7)); return err }, ErrInvalidArgument, "create mode 7"},
		{"TTL missing", func() error { _, err := c.Create(ctx, "/x", nil, ModePersistentTTL); return err }, ErrInvalidArgument, "TTL"},
		{"TTL too small", func() error {
			_, err := c.Create(ctx, "/x", nil, ModePersistentTTL, WithTTL(time.Microsecond))
			return err
		}, ErrInvalidArgument, "TTL"},
		{"TTL too large", func() error {
			_, err := c.Create(ctx, "/x", nil, ModePersistentSequentialTTL, WithTTL(time.Duration(1<<40)*time.Millisecond))
			return err
		}, ErrInvalidArgument, "TTL"},
		{"TTL on a non-TTL mode", func() error {
			_, err := c.Create(ctx, "/x", nil, ModeContainer, WithTTL(time.Second))
			return err
		}, ErrInvalidArgument, "TTL given"},
		{"empty ACL", func() error { _, err := c.Create(ctx, "/x", nil, ModePersistent, WithACL([]ACL{})); return err }, ErrInvalidArgument, "ACL"},
		{"empty setACL", func() error { _, err := c.SetACL(ctx, "/x", nil, -1); return err }, ErrInvalidArgument, "ACL"},
		{"bad watch mode", func() error { _, err := c.AddWatch(ctx, "/x", AddWatchMode(5)); return err }, ErrInvalidArgument, "mode"},
		{"bad watcher type", func() error { return c.RemoveWatches(ctx, "/x", WatcherType(9)) }, ErrInvalidArgument, "watcher type"},
		{"multi op", func() error { _, err := c.Multi(ctx, CheckOp("/x", 1), DeleteOp("x", 1)); return err }, ErrInvalidPath, "op 1 (delete x)"},
		{"multi read op", func() error { _, err := c.MultiRead(ctx, GetOp("/x/")); return err }, ErrInvalidPath, "read op 0"},
		{"nil multi op", func() error { _, err := c.Multi(ctx, nil); return err }, ErrInvalidArgument, "nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.msg)
			assert.False(t, IsRetryable(err))
			var zerr *Error
			assert.True(t, errors.As(err, &zerr))
		})
	}
	assert.Equal(t, 0, c.Stats().Queued)
	// The only thing the server ever reads is a request sent now.
	f := c.SyncAsync(ctx, "/")
	r := fc.next()
	assert.True(t, strings.HasPrefix(r.op.String(), "sync"))
	fc.reply(r.xid, 1, 0, nil)
	<-f.Done()
}

func TestErrorsAndCodes(t *testing.T) {
	err := &Error{Op: "create", Path: "/app/x", Err: ErrNodeExists}
	assert.Equal(t, "create /app/x: zk: node already exists", err.Error())
	assert.ErrorIs(t, err, ErrNodeExists)
	var code Code
	require.ErrorAs(t, err, &code)
	assert.Equal(t, Code(-110), code)
	assert.Equal(t, "node already exists", code.String())
	assert.ErrorIs(t, &Error{Op: "get", Err: Code(-4)}, ErrConnectionLoss)
	assert.True(t, IsRetryable(&Error{Op: "get", Err: &notSentError{}}))
	assert.False(t, IsRetryable(&Error{Op: "get", Err: &notSentError{reason: ErrClosed}}))
	assert.False(t, IsRetryable(&Error{Op: "get", Err: &lostError{}}))
	assert.Equal(t, "rwcda", PermAll.String())
	assert.Equal(t, "r---a", (PermRead | PermAdmin).String())
	assert.Equal(t, "ephemeral-sequential", ModeEphemeralSequential.String())
	assert.Equal(t, "NodeCreated", EventNodeCreated.String())
	assert.Equal(t, "StateDisconnected", StateDisconnected.String())
	assert.Equal(t, "EventReconnected", EventReconnected.String())
	assert.Equal(t, "not sent", NotSent.String())
	assert.Equal(t, "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=", DigestID("bob", "secret"))
}
