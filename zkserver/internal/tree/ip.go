package tree

import "strings"

// This file is ZooKeeper 3.8's IPAuthenticationProvider: IPv4 only (IPv6 is
// a TODO there), an ACL id is "a.b.c.d" or "a.b.c.d/bits".

// parseIPACL parses an ip ACL id into its address and prefix length.
func parseIPACL(id string) (addr [4]byte, bits int, ok bool) {
	host, suffix, hasBits := strings.Cut(id, "/")
	addr, ok = parseIPv4(host)
	if !ok {
		return addr, 0, false
	}
	bits = 32
	if hasBits {
		n, ok := parseJavaInt(suffix)
		if !ok || n < 0 || n > 32 {
			return addr, 0, false
		}
		bits = int(n)
	}
	return addr, bits, true
}

// ipMatches reports whether the caller's address matches an ip ACL id.
func ipMatches(callerAddr, aclID string) bool {
	want, bits, ok := parseIPACL(aclID)
	if !ok {
		return false
	}
	got, ok := parseIPv4(callerAddr)
	if !ok {
		return false
	}
	mask(&want, bits)
	mask(&got, bits)
	return want == got
}

// mask clears every bit of b after the first bits.
func mask(b *[4]byte, bits int) {
	for i := range b {
		switch {
		case bits >= 8:
			bits -= 8
		case bits <= 0:
			b[i] = 0
		default:
			b[i] &= ^byte(0xff >> bits)
			bits = 0
		}
	}
}

// parseIPv4 is v4addr2Bytes: exactly four '.'-separated parts, each a Java
// int in 0…255 (so "+1" and "001" are accepted).
func parseIPv4(s string) (b [4]byte, ok bool) {
	for i := 0; i < 4; i++ {
		part := s
		if i < 3 {
			var found bool
			part, s, found = strings.Cut(s, ".")
			if !found {
				return b, false
			}
		} else if strings.IndexByte(s, '.') >= 0 {
			return b, false
		}
		v, ok := parseJavaInt(part)
		if !ok || v < 0 || v > 255 {
			return b, false
		}
		b[i] = byte(v)
	}
	return b, true
}

// parseJavaInt is Integer.parseInt for ASCII digits: an optional sign, at
// least one digit, and a value that fits in 32 bits.
func parseJavaInt(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
		if v > 1<<31 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 {
		return 0, false
	}
	return v, true
}
