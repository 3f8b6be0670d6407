package tree

import (
	"strings"
	"unicode/utf8"
)

// split returns the parent path and the name of path, cutting at the last
// '/': "/a/b" → "/a", "b"; "/a" → "", "a" (the root's alias). path must
// contain a '/'.
func split(path string) (parent, name string) {
	i := strings.LastIndexByte(path, '/')
	return path[:i], path[i+1:]
}

// eventParent is the path ZooKeeper names in NodeChildrenChanged for the
// parent of a node: "/" for top-level nodes.
func eventParent(path string) string {
	parent, _ := split(path)
	return canon(parent)
}

// createParent is ZooKeeper's validatePathForCreate: the path must hold a
// '/' and no NUL; it returns the parent path.
func createParent(path string) (string, bool) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 || strings.IndexByte(path, 0) >= 0 {
		return "", false
	}
	return path[:i], true
}

// deleteParent is ZooKeeper's getParentPathAndValidate: like createParent,
// and the special nodes may not be deleted.
func deleteParent(path string) (string, bool) {
	if isSpecial(path) {
		return "", false
	}
	return createParent(path)
}

// isSpecial reports the nodes ZooKeeper owns: /, /zookeeper,
// /zookeeper/quota and /zookeeper/config.
func isSpecial(path string) bool {
	switch path {
	case rootPath, procPath, quotaPath, configPath:
		return true
	}
	return false
}

// validPath is ZooKeeper's PathUtils.validatePath, applied by the server to
// writes: non-empty, starting with '/', "/" alone or not ending in '/', no
// empty, "." or ".." component, and no character that ZooKeeper refuses
// (U+0000–U+001F, U+007F–U+009F, U+D800–U+F8FF, U+FFF0–U+FFFF, and so every
// character outside the BMP, which Java holds as surrogates; invalid UTF-8
// decodes to U+FFFD, which is refused too).
func validPath(path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	if len(path) == 1 {
		return true
	}
	if path[len(path)-1] == '/' {
		return false
	}
	start := 1 // of the current component
	for i := 1; i < len(path); {
		c := path[i]
		if c == '/' {
			if !validComponent(path[start:i]) {
				return false
			}
			start = i + 1
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if c <= 0x1f || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(path[i:])
		if badRune(r) {
			return false
		}
		i += size
	}
	return validComponent(path[start:])
}

func validComponent(c string) bool {
	return c != "" && c != "." && c != ".."
}

// badRune reports a non-ASCII character ZooKeeper refuses in paths.
func badRune(r rune) bool {
	return r >= 0x7f && r <= 0x9f ||
		r >= 0xd800 && r <= 0xf8ff ||
		r >= 0xfff0 // U+FFF0–U+FFFF, RuneError, and beyond the BMP
}
