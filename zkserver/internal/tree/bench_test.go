package tree

import (
	"strconv"
	"testing"

	"github.com/coordkit/coordkit/internal/wire"
)

// benchTree holds /bench/n0 … /bench/n9999 with 128 bytes of data each.
func benchTree(b *testing.B, opts Options) (*Tree, []string) {
	tr := New(opts)
	c := Caller{Session: session, IDs: []wire.ID{ipCaller}}
	zxid := int64(1)
	write := func(op wire.OpCode, req wire.Record) {
		zxid++
		if res := tr.Write(op, req, Txn{Zxid: zxid, Time: t0, Caller: c}); res.Err != wire.ErrOK {
			b.Fatalf("%v: %v", op, res.Err)
		}
	}
	write(wire.OpCreate, createReq("/bench", nil, 0))
	paths := make([]string, 10000)
	data := make([]byte, 128)
	for i := range paths {
		paths[i] = "/bench/n" + strconv.Itoa(i)
		write(wire.OpCreate, createReq(paths[i], data, 0))
	}
	tr.Changes()
	return tr, paths
}

func BenchmarkGetData(b *testing.B) {
	tr, paths := benchTree(b, Options{})
	c := Caller{Session: session, IDs: []wire.ID{ipCaller, bobID}}
	reqs := make([]wire.PathWatchRequest, len(paths))
	for i, p := range paths {
		reqs[i] = wire.PathWatchRequest{Path: p}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := tr.Read(wire.OpGetData, &reqs[i%len(reqs)], c); res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
	}
}

func BenchmarkGetChildren(b *testing.B) {
	tr, paths := benchTree(b, Options{})
	for _, p := range paths[:100] {
		tr.Write(wire.OpCreate, createReq(p+"/child", nil, 0), Txn{Zxid: 1 << 40})
	}
	c := Caller{Session: session, IDs: []wire.ID{ipCaller}}
	req := &wire.PathWatchRequest{Path: paths[7]}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := tr.Read(wire.OpGetChildren2, req, c); res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
	}
}

func BenchmarkCreateDelete(b *testing.B) {
	for _, track := range []bool{false, true} {
		b.Run("track="+strconv.FormatBool(track), func(b *testing.B) {
			tr, _ := benchTree(b, Options{TrackChanges: track})
			c := Caller{Session: session, IDs: []wire.ID{ipCaller}}
			data := make([]byte, 128)
			zxid := int64(1 << 20)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				zxid++
				res := tr.Write(wire.OpCreate2, createReq("/bench/seq-", data, wire.FlagEphemeralSequential), Txn{Zxid: zxid, Time: t0, Caller: c})
				if res.Err != wire.ErrOK {
					b.Fatal(res.Err)
				}
				zxid++
				path := res.Resp.(*wire.Create2Response).Path
				if res := tr.Write(wire.OpDelete, &wire.DeleteRequest{Path: path, Version: -1}, Txn{Zxid: zxid, Time: t0, Caller: c}); res.Err != wire.ErrOK {
					b.Fatal(res.Err)
				}
				if track && i%64 == 0 {
					tr.Changes() // a server persists once per batch
				}
			}
		})
	}
}

func BenchmarkSetData(b *testing.B) {
	tr, paths := benchTree(b, Options{})
	c := Caller{Session: session, IDs: []wire.ID{ipCaller}}
	data := make([]byte, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := &wire.SetDataRequest{Path: paths[i%len(paths)], Data: data, Version: -1}
		if res := tr.Write(wire.OpSetData, req, Txn{Zxid: int64(i) + 1<<20, Time: t0, Caller: c}); res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
	}
}

func BenchmarkMulti(b *testing.B) {
	tr, _ := benchTree(b, Options{})
	c := Caller{Session: session, IDs: []wire.ID{ipCaller}}
	req := &wire.MultiRequest{Ops: []wire.MultiOp{
		mCheck("/bench", -1),
		mCreate(wire.OpCreate, "/bench/m", 0),
		mSetData("/bench/m", "x", 0),
		mDelete("/bench/m", 1),
	}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := tr.Write(wire.OpMulti, req, Txn{Zxid: int64(i) + 1<<20, Time: t0, Caller: c}); res.Err != wire.ErrOK {
			b.Fatal(res.Err)
		}
	}
}
