package integration

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
)

// outcome is one backend's answer to one differential op, normalized so
// that two servers that behave alike give equal outcomes: zxids and times
// are dropped, session ids become roles, unordered lists are sorted. Only
// the fields the op produces are set; lines renders exactly the set ones,
// and two outcomes differ if and only if their lines differ.
type outcome struct {
	Err      string    // the error code ("" for success), e.g. "node does not exist (-101)"
	Exists   *bool     // exists
	Path     string    // created path, sync echo
	Data     *nodeData // getData
	Stat     *normStat // any reply carrying a Stat
	Children []string  // child names, sorted (nil: none returned)
	ACL      []string  // "perms scheme:id", in server order (nil: none returned)
	Count    *int32    // getAllChildrenNumber
	Strings  []string  // getEphemerals paths or whoAmI identities, sorted
	Timeout  int32     // negotiated session timeout in ms (session opens)
	Subs     []outcome // per-op results of multi and multiRead, nodes of a dump
	Events   []string  // watch events the watcher saw, in arrival order
	Note     string    // a label for a sub-outcome (a dumped node's path)
	hasPath  bool      // Path was returned (it may be "")
	hasCount bool      // Count is meaningful
	children bool      // Children was returned (it may be empty)
	acl      bool      // ACL was returned
	strs     bool      // Strings was returned
	extra    []string  // more lines, for ops with an unusual reply
}

// nodeData is a node's data as returned; null and empty are different on
// the wire and both are compared.
type nodeData struct {
	Null  bool
	Bytes []byte
}

// normStat is a Stat without czxid, mzxid, pzxid, ctime and mtime, with
// the ephemeral owner as a role ("none", "A", "B", ...). With -diff.zxids,
// Zxids holds the three zxids relative to the sequence's first one.
type normStat struct {
	Version, Cversion, Aversion int32
	Owner                       string
	DataLength, NumChildren     int32
	Zxids                       string
}

// roles is how one backend's session ids and zxids are seen in outcomes:
// the operator's current session is "A", the watcher's "B", their earlier
// sessions "A(closed)" and "B(closed)"; zxids are shown relative to base
// (the czxid of the sequence's root), and only when base is set.
type roles struct {
	names map[int64]string
	base  int64
}

func newRoles(names map[int64]string) roles { return roles{names: names} }

func (r roles) owner(id int64) string {
	if id == 0 {
		return "none"
	}
	if name, ok := r.names[id]; ok {
		return name
	}
	return "unknown-session(" + strconv.FormatInt(id, 16) + ")"
}

// retire renames the current holder of role name to "name(closed)".
func (r roles) retire(name string) {
	for id, n := range r.names {
		if n == name {
			r.names[id] = name + "(closed)"
		}
	}
}

// zxid shows z relative to the base.
func (r roles) zxid(z int64) string {
	return fmt.Sprintf("%+d", z-r.base)
}

func statOfZK(s zk.Stat, r roles) *normStat {
	n := &normStat{
		Version: s.Version, Cversion: s.Cversion, Aversion: s.Aversion,
		Owner:      r.owner(s.EphemeralOwner),
		DataLength: s.DataLength, NumChildren: s.NumChildren,
	}
	if r.base != 0 {
		n.Zxids = fmt.Sprintf("czxid=%s mzxid=%s pzxid=%s", r.zxid(s.Czxid), r.zxid(s.Mzxid), r.zxid(s.Pzxid))
	}
	return n
}

func statOfWire(s wire.Stat, r roles) *normStat {
	return statOfZK(zk.Stat(s), r)
}

func dataOf(b []byte) *nodeData {
	return &nodeData{Null: b == nil, Bytes: b}
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

func (o *outcome) setChildren(names []string) {
	o.Children, o.children = sortedCopy(names), true
}

func (o *outcome) setStrings(s []string) {
	o.Strings, o.strs = sortedCopy(s), true
}

func (o *outcome) setPath(p string) {
	o.Path, o.hasPath = p, true
}

func (o *outcome) setCount(n int32) {
	o.Count, o.hasCount = &n, true
}

func (o *outcome) setACLZK(acl []zk.ACL) {
	o.ACL, o.acl = []string{}, true
	for _, a := range acl {
		o.ACL = append(o.ACL, fmt.Sprintf("%d %s:%s", a.Perms, a.Scheme, a.ID))
	}
}

func (o *outcome) setACLWire(acl []wire.ACL) {
	o.ACL, o.acl = []string{}, true
	for _, a := range acl {
		o.ACL = append(o.ACL, fmt.Sprintf("%d %s:%s", a.Perms, a.ID.Scheme, a.ID.ID))
	}
}

func codeText(c wire.ErrCode) string {
	if c == wire.ErrOK {
		return ""
	}
	return fmt.Sprintf("%s (%d)", c, int32(c))
}

func eventText(ev wire.WatcherEvent) string {
	return fmt.Sprintf("%s %s state=%d", zk.EventType(ev.Type), ev.Path, ev.State)
}

// codeOf returns the ZooKeeper code an answered request failed with, ""
// for success, and false if err is not a server's answer.
func codeOf(err error) (string, bool) {
	if err == nil {
		return "", true
	}
	var c zk.Code
	if !errors.As(err, &c) {
		return "", false
	}
	return codeText(wire.ErrCode(c)), true
}

func (d *nodeData) String() string {
	if d.Null {
		return "null"
	}
	if len(d.Bytes) <= 48 {
		return strconv.Quote(string(d.Bytes))
	}
	return fmt.Sprintf("%d bytes sha256:%x", len(d.Bytes), sha256.Sum256(d.Bytes))
}

func (s *normStat) String() string {
	t := fmt.Sprintf("version=%d cversion=%d aversion=%d owner=%s dataLength=%d numChildren=%d",
		s.Version, s.Cversion, s.Aversion, s.Owner, s.DataLength, s.NumChildren)
	if s.Zxids != "" {
		t += " " + s.Zxids
	}
	return t
}

// lines renders every field that is set, one line each, sub-outcomes
// indented under a numbered header.
func (o *outcome) lines() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if o.Note != "" {
		add("node: %s", o.Note)
	}
	if o.Err != "" {
		add("err: %s", o.Err)
	} else {
		add("ok")
	}
	if o.Exists != nil {
		add("exists: %t", *o.Exists)
	}
	if o.hasPath {
		add("path: %q", o.Path)
	}
	if o.Data != nil {
		add("data: %s", o.Data)
	}
	if o.Stat != nil {
		add("stat: %s", o.Stat)
	}
	if o.children {
		add("children: %q", o.Children)
	}
	if o.acl {
		add("acl: %q", o.ACL)
	}
	if o.hasCount {
		add("count: %d", *o.Count)
	}
	if o.strs {
		add("strings: %q", o.Strings)
	}
	if o.Timeout != 0 {
		add("session timeout: %dms", o.Timeout)
	}
	out = append(out, o.extra...)
	for i := range o.Subs {
		add("[%d]", i)
		for _, l := range o.Subs[i].lines() {
			out = append(out, "    "+l)
		}
	}
	for _, ev := range o.Events {
		add("event: %s", ev)
	}
	return out
}

// diffOutcomes compares two outcomes and, if they differ, describes the
// first differing line and both outcomes in full.
func diffOutcomes(names [2]string, a, b outcome) (string, bool) {
	la, lb := a.lines(), b.lines()
	if slices.Equal(la, lb) {
		return "", false
	}
	i := 0
	for i < len(la) && i < len(lb) && la[i] == lb[i] {
		i++
	}
	first := func(l []string) string {
		if i < len(l) {
			return strings.TrimSpace(l[i])
		}
		return "(nothing)"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "first difference at line %d:\n  %-10s %s\n  %-10s %s\n", i+1, names[0]+":", first(la), names[1]+":", first(lb))
	if !slices.Equal(a.Events, b.Events) && slices.Equal(sortedCopy(a.Events), sortedCopy(b.Events)) {
		sb.WriteString("(both saw the same events, in a different order)\n")
	}
	for k, l := range [2][]string{la, lb} {
		fmt.Fprintf(&sb, "%s's full result:\n", names[k])
		for _, s := range l {
			fmt.Fprintf(&sb, "    %s\n", s)
		}
	}
	return sb.String(), true
}
