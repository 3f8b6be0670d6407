package contend

import (
	"fmt"
	"time"

	"github.com/coordkit/coordkit/zk"
)

// Config is what the options that the recipes share set: the loss policy
// of their holds and the shape of their contests. A recipe's own config
// embeds it, and each of its options applies one Setting to it.
type Config struct {
	Grace            time.Duration // Policy.Grace
	IgnoreSuspension bool          // Policy.IgnoreSuspension
	ACL              []zk.ACL      // Contest.ACL
	Data             []byte        // Contest.Data
	Cleanup          time.Duration // Contest.Cleanup
}

// Setting sets one field of a Config. It fails, with an error wrapping
// bad (the recipe's "invalid option" error), if its value is invalid, and
// then leaves c as it was.
type Setting func(c *Config, bad error) error

// Policy returns the loss policy that c sets.
func (c Config) Policy() Policy {
	return Policy{Grace: c.Grace, IgnoreSuspension: c.IgnoreSuspension}
}

// Contest returns the contest in dir, among the children that carry
// markers, whose nodes c shapes.
func (c Config) Contest(conn *zk.Conn, dir string, markers []string) Contest {
	return Contest{
		Conn:    conn,
		Dir:     dir,
		Markers: markers,
		ACL:     c.ACL,
		Data:    c.Data,
		Cleanup: c.Cleanup,
	}
}

// SuspendGrace sets Grace to d, which must not be negative.
func SuspendGrace(d time.Duration) Setting {
	return func(c *Config, bad error) error {
		if d < 0 {
			return fmt.Errorf("%w: negative suspend grace %v", bad, d)
		}
		c.Grace = d
		return nil
	}
}

// IgnoreSuspension sets IgnoreSuspension.
func IgnoreSuspension() Setting {
	return func(c *Config, _ error) error {
		c.IgnoreSuspension = true
		return nil
	}
}

// ACL sets ACL to a copy of acl, which must not be empty.
func ACL(acl []zk.ACL) Setting {
	return func(c *Config, bad error) error {
		if len(acl) == 0 {
			return fmt.Errorf("%w: empty ACL", bad)
		}
		c.ACL = append([]zk.ACL(nil), acl...)
		return nil
	}
}

// Data sets Data to a copy of data (nil if data is empty).
func Data(data []byte) Setting {
	return func(c *Config, _ error) error {
		c.Data = append([]byte(nil), data...)
		return nil
	}
}

// CleanupTimeout sets Cleanup to d, which must be positive.
func CleanupTimeout(d time.Duration) Setting {
	return func(c *Config, bad error) error {
		if d <= 0 {
			return fmt.Errorf("%w: cleanup timeout %v is not positive", bad, d)
		}
		c.Cleanup = d
		return nil
	}
}
