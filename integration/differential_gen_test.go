package integration

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/coordkit/coordkit/internal/wire"
	"github.com/coordkit/coordkit/zk"
)

// diffGen generates a seeded random sequence of ops over a small path
// space under root, so that ops collide: creates meet existing nodes,
// deletes meet children, versions go stale. It learns from the results
// the backends agreed on (sequential names, current versions), so a
// sequence depends only on the seed as long as the backends agree.
type diffGen struct {
	rng      *rand.Rand
	root     string
	fixed    [3][]string     // paths by depth 1..3
	learned  []string        // sequential nodes seen, newest last
	live     map[string]bool // nodes believed to exist
	version  map[string]int32
	aversion map[string]int32
}

// maxLearned bounds how many sequential paths the generator remembers.
const maxLearned = 12

func newDiffGen(seed uint64, root string) *diffGen {
	g := &diffGen{
		rng:      rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^seed)),
		root:     root,
		live:     map[string]bool{},
		version:  map[string]int32{},
		aversion: map[string]int32{},
	}
	for _, a := range []string{"a", "b", "c"} {
		p1 := root + "/" + a
		g.fixed[0] = append(g.fixed[0], p1)
		for _, b := range []string{"a", "b"} {
			p2 := p1 + "/" + b
			g.fixed[1] = append(g.fixed[1], p2)
			if b == "a" {
				g.fixed[2] = append(g.fixed[2], p2+"/a")
			}
		}
	}
	return g
}

// setup returns the ops that start every sequence: the root, and the
// watcher's standing persistent watches.
func (g *diffGen) setup() []diffOp {
	return []diffOp{
		{Kind: aCreate, Path: g.root, Data: []byte("root"), Mode: zk.ModePersistent, ACL: "open"},
		{Kind: bAddWatch, Path: g.root, Type: wire.AddWatchPersistentRecursive},
		{Kind: bAddWatch, Path: g.fixed[0][0], Type: wire.AddWatchPersistent},
	}
}

// finish returns the op that ends every sequence: a dump of the tree.
func (g *diffGen) finish() diffOp { return diffOp{Kind: aDump, Path: g.root} }

// weights of the random ops, in thousandths.
var diffWeights = []struct {
	kind   opKind
	weight int
}{
	{aCreate, 130}, {aCreate2, 50}, {aDelete, 90}, {aSet, 80}, {aExists, 30},
	{aGet, 40}, {aChildren, 40}, {aGetACL, 25}, {aSetACL, 25}, {aMulti, 80},
	{aMultiRead, 30}, {aAllChildren, 15}, {aEphemerals, 15}, {aSync, 5}, {aReopen, 8},
	{bGetData, 45}, {bExists, 45}, {bChildren, 35}, {bChildren2, 25}, {bAddWatch, 15},
	{bRemoveWatches, 12}, {bCheckWatches, 12}, {bCreate, 45}, {bDelete, 20}, {bSet, 20},
	{bGetACL, 10}, {bWhoAmI, 3}, {bMulti, 25}, {bReopen, 3}, {bReattach, 8},
	{aAddAuth, 3}, {bAuth, 3}, {bEphemerals, 8}, {bSync, 4}, {bAllChildren, 6},
}

func (g *diffGen) pickKind() opKind {
	total := 0
	for _, w := range diffWeights {
		total += w.weight
	}
	n := g.rng.IntN(total)
	for _, w := range diffWeights {
		if n < w.weight {
			return w.kind
		}
		n -= w.weight
	}
	panic("unreachable")
}

// chance reports true with probability pct/100.
func (g *diffGen) chance(pct int) bool { return g.rng.IntN(100) < pct }

func pick[T any](g *diffGen, s []T) T { return s[g.rng.IntN(len(s))] }

// livePaths returns the nodes believed to exist, sorted (so that picks
// from it depend only on the seed).
func (g *diffGen) livePaths() []string {
	ps := make([]string, 0, len(g.live))
	for p := range g.live {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// path picks an existing-or-not node path: a node believed to exist, the
// root, a fixed path (mostly shallow), or a sequential node seen earlier.
func (g *diffGen) path() string {
	if len(g.live) > 0 && g.chance(50) {
		return pick(g, g.livePaths())
	}
	switch x := g.rng.IntN(100); {
	case x < 7:
		return g.root
	case x < 80 || len(g.learned) == 0:
		switch y := g.rng.IntN(10); {
		case y < 4:
			return pick(g, g.fixed[0])
		case y < 8:
			return pick(g, g.fixed[1])
		default:
			return pick(g, g.fixed[2])
		}
	default:
		return pick(g, g.learned)
	}
}

// nonRoot picks a path other than the root (for ops that would make the
// rest of the sequence uninteresting if they hit the root).
func (g *diffGen) nonRoot() string {
	for {
		if p := g.path(); p != g.root {
			return p
		}
	}
}

// createPath picks a path for a create in mode seq (sequential or not):
// a sequential create names a prefix under some parent.
func (g *diffGen) createPath(seq bool) string {
	parent := g.path()
	if g.chance(70) {
		parent = g.root
		if live := g.livePaths(); len(live) > 0 {
			parent = pick(g, live)
		}
	}
	if !seq {
		if strings.Count(parent, "/") > 3 || g.chance(20) {
			return g.nonRoot()
		}
		return parent + "/" + pick(g, []string{"a", "b", "c"})
	}
	if g.chance(20) {
		return parent + "/" // the suffix alone names the node
	}
	return parent + "/s-"
}

func (g *diffGen) data() []byte {
	switch x := g.rng.IntN(20); {
	case x == 0:
		return nil
	case x == 1:
		return []byte{}
	case x == 2:
		b := make([]byte, 100+g.rng.IntN(1500))
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
		}
		return b
	default:
		b := make([]byte, 1+g.rng.IntN(10))
		for i := range b {
			b[i] = 'a' + byte(g.rng.IntN(26))
		}
		return b
	}
}

// versionFor picks −1, the version last seen (or 0), or a wrong one.
func (g *diffGen) versionFor(known map[string]int32, path string) int32 {
	v := known[path]
	switch x := g.rng.IntN(10); {
	case x < 4:
		return -1
	case x < 8:
		return v
	default:
		return v + 1 + int32(g.rng.IntN(2))
	}
}

var (
	goodACLs = []string{"read", "creator", "alice-all-bob-read", "world-read-create",
		"world-no-read", "carol", "ip", "ip-cidr", "ip-other", "duplicate"}
	badACLs = []string{"bad-scheme", "bad-ip", "bad-digest", "bad-world"}
)

// acl picks an ACL name: mostly open, sometimes restrictive, rarely
// invalid.
func (g *diffGen) acl() string {
	switch x := g.rng.IntN(100); {
	case x < 72:
		return "open"
	case x < 96:
		return pick(g, goodACLs)
	default:
		return pick(g, badACLs)
	}
}

var allModes = []zk.CreateMode{
	zk.ModePersistent, zk.ModeEphemeral, zk.ModePersistentSequential, zk.ModeEphemeralSequential,
	zk.ModeContainer, zk.ModePersistentTTL, zk.ModePersistentSequentialTTL,
}

func (g *diffGen) mode() zk.CreateMode {
	if g.chance(35) {
		return zk.ModePersistent
	}
	return pick(g, allModes)
}

func (g *diffGen) create(kind opKind) diffOp {
	m := g.mode()
	op := diffOp{Kind: kind, Mode: m, Path: g.createPath(m.IsSequential()), Data: g.data(), ACL: g.acl()}
	if m.IsTTL() {
		op.TTL = ttlLong
	}
	return op
}

// observe learns from the agreed result of op: sequential names created
// or listed, and the versions of nodes whose Stat came back.
func (g *diffGen) observe(op diffOp, o outcome) {
	learnStat := func(path string, s *normStat) {
		if s != nil && path != "" {
			g.version[path], g.aversion[path] = s.Version, s.Aversion
		}
	}
	learnPath := func(p string) {
		if p == "" || !strings.HasPrefix(p, g.root+"/") {
			return
		}
		for _, q := range g.learned {
			if q == p {
				return
			}
		}
		g.learned = append(g.learned, p)
		if len(g.learned) > maxLearned {
			g.learned = g.learned[1:]
		}
	}
	g.track(op, o)
	isSeqName := func(name string) bool {
		return strings.HasPrefix(name, "s-") || (len(name) >= 10 && strings.Trim(name, "0123456789-") == "")
	}
	switch op.Kind {
	case aCreate, aCreate2, bCreate:
		if o.Err == "" && o.hasPath {
			if strings.HasSuffix(op.Path, "/") || strings.HasSuffix(op.Path, "/s-") {
				learnPath(o.Path)
			}
			learnStat(o.Path, o.Stat)
		}
	case aMulti, bMulti:
		for i := range o.Subs {
			if i >= len(op.Subs) {
				break
			}
			s := &o.Subs[i]
			if s.Err == "" && s.hasPath && s.Path != op.Subs[i].Path {
				learnPath(s.Path)
			}
			learnStat(op.Subs[i].Path, s.Stat)
		}
	case aChildren, bChildren, bChildren2:
		for _, c := range o.Children {
			if isSeqName(c) {
				learnPath(strings.TrimSuffix(op.Path, "/") + "/" + c)
			}
		}
		learnStat(op.Path, o.Stat)
	default:
		learnStat(op.Path, o.Stat)
	}
}

// track updates the set of nodes believed to exist from the events of the
// recursive watch on the root and from the results of op.
func (g *diffGen) track(op diffOp, o outcome) {
	mark := func(p string, live bool) {
		if p != g.root && !strings.HasPrefix(p, g.root+"/") || strings.HasSuffix(p, "/") {
			return
		}
		if live {
			g.live[p] = true
		} else {
			delete(g.live, p)
		}
	}
	for _, ev := range o.Events {
		f := strings.Fields(ev)
		if len(f) >= 2 {
			switch f[0] {
			case "NodeCreated":
				mark(f[1], true)
			case "NodeDeleted":
				mark(f[1], false)
			}
		}
	}
	switch {
	case o.Err == "" && o.hasPath && (op.Kind == aCreate || op.Kind == aCreate2 || op.Kind == bCreate):
		mark(o.Path, true)
	case o.Err == "" && (op.Kind == aDelete || op.Kind == bDelete):
		mark(op.Path, false)
	case strings.HasPrefix(o.Err, "node does not exist") && op.Kind != aCreate && op.Kind != aCreate2 && op.Kind != bCreate && op.Kind != aMulti && op.Kind != bMulti:
		mark(op.Path, false)
	case o.Stat != nil:
		mark(op.Path, true)
	}
	if o.Err == "" && (op.Kind == aMulti || op.Kind == bMulti) {
		for i := range o.Subs {
			if i >= len(op.Subs) {
				break
			}
			switch op.Subs[i].Kind {
			case aCreate, bCreate:
				mark(o.Subs[i].Path, true)
			case aDelete, bDelete:
				mark(op.Subs[i].Path, false)
			}
		}
	}
	if o.children {
		for _, c := range o.Children {
			mark(strings.TrimSuffix(op.Path, "/")+"/"+c, true)
		}
	}
}
