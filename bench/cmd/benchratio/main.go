// Command benchratio reads go test -bench output of the bench module and
// prints, for each benchmark and metric, the median of each variant and the
// ratio of its median to the base variant's, with the range of the
// per-round ratios and the issues' targets.
//
//	go run ./cmd/benchratio results/latest.txt
//
// Sub-benchmarks are named Benchmark<Name>/client=<client> (clients on one
// server; the base is go-zookeeper, gozk) or Benchmark<Name>/server=<server>
// (servers under one client; the base is Apache ZooKeeper, zookeeper). The
// i-th result of a variant is paired with the i-th result of the base
// (run.sh runs one result per benchmark per round, so they come from the
// same round).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// bases maps each variant key to the variant the others are compared with.
var bases = map[string]string{"client": "gozk", "server": "zookeeper"}

// target is a bound from an issue on the ratio variant/base of a metric. It
// applies to the benchmark and to its sub-benchmarks other than the variant
// (e.g. LockUncontended/on=embedded).
type target struct {
	bench, unit string
	atLeast     bool // ratio >= bound, else ratio <= bound
	bound       float64
}

var targets = []target{
	{"Get64", "ops/s", true, 1.2},
	{"Get64", "cpu-ns/op", false, 0.6},
	{"ServerGet64", "ops/s", true, 2},
	{"ServerSet64", "ops/s", true, 1},
	{"LockUncontended", "ops/s", true, 1.6},
	{"Lock8", "ops/s", true, 1.3},
}

// units in the order they are printed; others follow in order of appearance.
var unitOrder = []string{"ops/s", "cpu-ns/op", "ns/op", "p50-ns", "p99-ns", "B/op", "allocs/op"}

// higherBetter units; for the rest lower is better.
var higherBetter = map[string]bool{"ops/s": true}

type key struct{ bench, client, unit string }

type results struct {
	benches []string            // in order of first appearance
	base    map[string]string   // per bench, the variant the others are compared with
	clients map[string][]string // variants per bench, in order of first appearance
	units   map[string][]string // per bench
	samples map[key][]float64
}

var procSuffix = regexp.MustCompile(`-\d+$`)

func parse(r io.Reader) (*results, error) {
	res := &results{base: map[string]string{}, clients: map[string][]string{}, units: map[string][]string{}, samples: map[key][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		var client, base string
		var parts []string
		for _, p := range strings.Split(name, "/") {
			if k, v, ok := strings.Cut(p, "="); ok && bases[k] != "" {
				client, base = v, bases[k]
				continue
			}
			parts = append(parts, p)
		}
		if client == "" {
			continue
		}
		bench := strings.Join(parts, "/")
		if !slices.Contains(res.benches, bench) {
			res.benches = append(res.benches, bench)
			res.base[bench] = base
		}
		if !slices.Contains(res.clients[bench], client) {
			res.clients[bench] = append(res.clients[bench], client)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", f[0], f[i], err)
			}
			unit := f[i+1]
			if !slices.Contains(res.units[bench], unit) {
				res.units[bench] = append(res.units[bench], unit)
			}
			k := key{bench, client, unit}
			res.samples[k] = append(res.samples[k], v)
		}
	}
	return res, sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// roundRatios pairs the i-th sample of a with the i-th of b.
func roundRatios(a, b []float64) []float64 {
	var r []float64
	for i := range min(len(a), len(b)) {
		if b[i] != 0 {
			r = append(r, a[i]/b[i])
		}
	}
	return r
}

func orderedUnits(us []string) []string {
	var out []string
	for _, u := range unitOrder {
		if slices.Contains(us, u) {
			out = append(out, u)
		}
	}
	for _, u := range us {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func verdict(bench, unit string, ratio float64) string {
	for _, t := range targets {
		if t.bench != bench && !strings.HasPrefix(bench, t.bench+"/") || t.unit != unit {
			continue
		}
		ok := ratio <= t.bound
		op := "<="
		if t.atLeast {
			ok, op = ratio >= t.bound, ">="
		}
		if ok {
			return fmt.Sprintf("ok (%s%.2f)", op, t.bound)
		}
		return fmt.Sprintf("MISS (%s%.2f)", op, t.bound)
	}
	return ""
}

func report(w io.Writer, res *results) {
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tunit\tvariant\tmedian\tn\tvs base\tround ratios\tbetter\ttarget")
	for _, bench := range res.benches {
		base := res.base[bench]
		for _, unit := range orderedUnits(res.units[bench]) {
			baseS := res.samples[key{bench, base, unit}]
			better := "lower"
			if higherBetter[unit] {
				better = "higher"
			}
			for _, client := range res.clients[bench] {
				s := res.samples[key{bench, client, unit}]
				if len(s) == 0 {
					continue
				}
				m := median(s)
				ratio, rng, tgt := "", "", ""
				if client == base {
					ratio = "(base)"
				} else if len(baseS) > 0 && median(baseS) != 0 {
					r := m / median(baseS)
					ratio = fmt.Sprintf("%.2fx", r)
					if rr := roundRatios(s, baseS); len(rr) > 0 {
						rng = fmt.Sprintf("%.2f..%.2f", slices.Min(rr), slices.Max(rr))
					}
					tgt = verdict(bench, unit, r)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n",
					bench, unit, client, format(m), len(s), ratio, rng, better, tgt)
			}
		}
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n")))
	}
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: benchratio [results.txt]")
		os.Exit(2)
	}
	if len(os.Args) == 2 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchratio:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	res, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if len(res.benches) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no client=... or server=... benchmarks in the input")
		os.Exit(1)
	}
	report(os.Stdout, res)
}
