package zk

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// pathError describes which rule of ZooKeeper's path syntax a path breaks.
type pathError struct {
	path string
	rule string
}

func (e *pathError) Error() string {
	return ErrInvalidPath.Error() + " " + strconv.Quote(e.path) + ": " + e.rule
}

func (e *pathError) Unwrap() error { return ErrInvalidPath }

// ValidatePath reports whether path is a valid znode path, as ZooKeeper's
// PathUtils checks it: non-empty, absolute, no trailing '/' (except the
// root), no empty, "." or ".." component, and none of the characters
// U+0000–U+001F, U+007F–U+009F, U+D800–U+F8FF, U+FFF0–U+FFFF, nor any
// character outside the BMP (which Java sees as surrogates); invalid UTF-8
// counts as U+FFFD. If sequential is true the path is checked as the
// server will see it with a suffix, so a trailing '/' is allowed. The error
// wraps ErrInvalidPath and names the path and the rule.
func ValidatePath(path string, sequential bool) error {
	if rule := checkPath(path, sequential); rule != "" {
		return &pathError{path: path, rule: rule}
	}
	return nil
}

// checkPath returns the broken rule, or "" for a valid path. It does not
// allocate.
func checkPath(path string, sequential bool) string {
	if path == "" {
		return "path must not be empty"
	}
	if path[0] != '/' {
		return "path must start with /"
	}
	if len(path) == 1 {
		if sequential {
			return "" // "/" + "1"
		}
		return ""
	}
	if path[len(path)-1] == '/' && !sequential {
		return "path must not end with /"
	}
	for i := 1; i < len(path); {
		c := path[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0:
				return "null character at byte " + strconv.Itoa(i)
			case c < 0x20 || c == 0x7f:
				return "control character at byte " + strconv.Itoa(i)
			case c == '/' && path[i-1] == '/':
				return "empty component at byte " + strconv.Itoa(i)
			case c == '.' && path[i-1] == '/':
				// "." or ".." as a whole component (the sequential suffix
				// would make the last one "…1", which is fine).
				rest := path[i:]
				end := strings.IndexByte(rest, '/')
				comp := rest
				if end >= 0 {
					comp = rest[:end]
				}
				if (comp == "." || comp == "..") && !(end < 0 && sequential) {
					return "relative component " + strconv.Quote(comp)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(path[i:])
		switch {
		case r >= 0x7f && r <= 0x9f,
			r >= 0xd800 && r <= 0xf8ff,
			r >= 0xfff0: // non-BMP characters are surrogate pairs in Java

			return "invalid character " + strconv.QuoteRune(r) + " at byte " + strconv.Itoa(i)
		}
		i += size
	}
	return ""
}

// chroot prefixes and strips the client-side chroot.
type chroot string

// add returns the server path of the client path p (already validated).
func (c chroot) add(p string) string {
	if c == "" {
		return p
	}
	if p == "/" {
		return string(c)
	}
	return string(c) + p
}

// strip returns the client path of the server path p. A path outside the
// chroot is returned unchanged.
func (c chroot) strip(p string) string {
	if c == "" {
		return p
	}
	s := string(c)
	if p == s {
		return "/"
	}
	if len(p) > len(s) && p[len(s)] == '/' && p[:len(s)] == s {
		return p[len(s):]
	}
	return p
}
