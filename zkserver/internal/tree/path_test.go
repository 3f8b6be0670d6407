package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidPath(t *testing.T) {
	cases := []struct {
		path string
		ok   bool
	}{
		{"/", true},
		{"/a", true},
		{"/a/b/c", true},
		{"/é spaces ok", true},
		{"/a.b", true},
		{"/...", true},
		{"/.a", true},
		{"/a..", true},
		{"/\u00a0", true},
		{"/\uf900", true},
		{"/\uffef", true},
		{"", false},
		{"a", false},
		{"a/b", false},
		{"/a/", false},
		{"//", false},
		{"/a//b", false},
		{"/.", false},
		{"/..", false},
		{"/a/./b", false},
		{"/a/../b", false},
		{"/a/.", false},
		{"/a\x00", false},
		{"/a\x01", false},
		{"/a\x1f", false},
		{"/a\x7f", false},
		{"/a\u0080", false},
		{"/a\u009f", false},
		{"/a\ud7ff", true},
		{"/a\ue000", false}, // private use area
		{"/a\uf8ff", false},
		{"/a\ufff0", false},
		{"/a\ufffd", false},
		{"/a\uffff", false},
		{"/a\U0001F600", false}, // outside the BMP: surrogates in Java
		{"/a\xff", false},       // invalid UTF-8
		{"/a\xed\xa0\x80", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.ok, validPath(tc.path), "%q", tc.path)
	}
}

func TestSplit(t *testing.T) {
	cases := []struct{ path, parent, name, event string }{
		{"/a", "", "a", "/"},
		{"/a/b", "/a", "b", "/a"},
		{"/a/", "/a", "", "/a"},
		{"/", "", "", "/"},
	}
	for _, tc := range cases {
		parent, name := split(tc.path)
		assert.Equal(t, tc.parent, parent, tc.path)
		assert.Equal(t, tc.name, name, tc.path)
		assert.Equal(t, tc.event, eventParent(tc.path), tc.path)
	}
}

func TestSequentialName(t *testing.T) {
	cases := []struct {
		counter int32
		want    string
	}{
		{0, "/s-0000000000"},
		{7, "/s-0000000007"},
		{2147483647, "/s-2147483647"},
		{-2147483648, "/s--2147483648"},
		{-2147483647, "/s--2147483647"},
		{-1, "/s--000000001"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, sequentialName("/s-", tc.counter))
	}
}
