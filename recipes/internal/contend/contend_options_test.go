package contend

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/coordkit/coordkit/zk"
)

// TestSettings checks that each Setting sets its field, or fails with an
// error wrapping the recipe's own and leaves the Config as it was.
func TestSettings(t *testing.T) {
	errBad := errors.New("recipe: invalid option")
	acl := zk.WorldACL(zk.PermAll)
	for _, tc := range []struct {
		name    string
		set     Setting
		want    Config
		wantErr string
	}{
		{"suspend grace", SuspendGrace(time.Second), Config{Grace: time.Second}, ""},
		{"zero suspend grace", SuspendGrace(0), Config{}, ""},
		{"negative suspend grace", SuspendGrace(-time.Second), Config{}, "recipe: invalid option: negative suspend grace -1s"},
		{"ignore suspension", IgnoreSuspension(), Config{IgnoreSuspension: true}, ""},
		{"ACL", ACL(acl), Config{ACL: acl}, ""},
		{"empty ACL", ACL(nil), Config{}, "recipe: invalid option: empty ACL"},
		{"data", Data([]byte("x")), Config{Data: []byte("x")}, ""},
		{"empty data", Data([]byte{}), Config{}, ""},
		{"cleanup timeout", CleanupTimeout(time.Minute), Config{Cleanup: time.Minute}, ""},
		{"zero cleanup timeout", CleanupTimeout(0), Config{}, "recipe: invalid option: cleanup timeout 0s is not positive"},
		{"negative cleanup timeout", CleanupTimeout(-time.Second), Config{}, "recipe: invalid option: cleanup timeout -1s is not positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			err := tc.set(&c, errBad)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, errBad)
				assert.EqualError(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, c)
		})
	}
}

// TestSettingsCopy checks that ACL and Data keep copies of their
// arguments, so that a caller changing its slice later changes nothing.
func TestSettingsCopy(t *testing.T) {
	acl := zk.WorldACL(zk.PermRead)
	data := []byte("abc")
	var c Config
	require.NoError(t, ACL(acl)(&c, nil))
	require.NoError(t, Data(data)(&c, nil))
	acl[0].Perms = zk.PermAll
	data[0] = 'z'
	assert.Equal(t, zk.WorldACL(zk.PermRead), c.ACL)
	assert.Equal(t, []byte("abc"), c.Data)
}

// TestConfigUses checks what a Config gives a recipe: its loss policy and
// its contests.
func TestConfigUses(t *testing.T) {
	acl := zk.WorldACL(zk.PermAll)
	c := Config{
		Grace:            time.Second,
		IgnoreSuspension: true,
		ACL:              acl,
		Data:             []byte("d"),
		Cleanup:          time.Minute,
	}
	assert.Equal(t, Policy{Grace: time.Second, IgnoreSuspension: true}, c.Policy())
	assert.Equal(t, Contest{
		Dir:     "/dir",
		Markers: LockMarkers,
		ACL:     acl,
		Data:    []byte("d"),
		Cleanup: time.Minute,
	}, c.Contest(nil, "/dir", LockMarkers))
	assert.Equal(t, Contest{Dir: "/dir", Markers: LockMarkers}, Config{}.Contest(nil, "/dir", LockMarkers))
}
