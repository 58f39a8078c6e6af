// Command targets reads `go test -bench` output of the bench module and
// checks the speed targets of issues 3–7 on the medians of each benchmark's
// samples, printing one line per target: met, NOT met, or not measured.
//
//	go run ./cmd/targets results/bench.txt
//
// benchstat shows the distributions; this shows the arithmetic the issues
// ask for (ratios and differences of medians).
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
)

// metric is one benchmark's samples per unit.
type metric map[string][]float64

var procSuffix = regexp.MustCompile(`-\d+$`)

func parse(r io.Reader) (map[string]metric, error) {
	res := map[string]metric{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		m := res[name]
		if m == nil {
			m = metric{}
			res[name] = m
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			m[f[i+1]] = append(m[f[i+1]], v)
		}
	}
	return res, sc.Err()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

type checker struct {
	res    map[string]metric
	met    int
	failed int
	absent int
}

// get returns the median of unit for benchmark name.
func (c *checker) get(name, unit string) (float64, bool) {
	m, ok := c.res[name]
	if !ok || len(m[unit]) == 0 {
		return 0, false
	}
	return median(m[unit]), true
}

func (c *checker) report(ok bool, format string, args ...any) {
	verdict := "NOT met"
	if ok {
		verdict = "met"
		c.met++
	} else {
		c.failed++
	}
	fmt.Printf("  %-8s "+format+"\n", append([]any{verdict}, args...)...)
}

func (c *checker) missing(what string, names ...string) {
	c.absent++
	var gone []string
	for _, n := range names {
		if _, ok := c.res[n]; !ok {
			gone = append(gone, n)
		}
	}
	fmt.Printf("  %-8s %s (no samples for %s)\n", "n/a", what, strings.Join(gone, ", "))
}

// ratio checks median(a)/median(b) <= limit for unit.
func (c *checker) ratio(what, a, b, unit string, limit float64) {
	va, okA := c.get(a, unit)
	vb, okB := c.get(b, unit)
	if !okA || !okB {
		c.missing(what, a, b)
		return
	}
	r := va / vb
	c.report(r <= limit, "%s: %s / %s = %s / %s = %.2f (target <= %.2f)", what, short(a), short(b), fmtv(va, unit), fmtv(vb, unit), r, limit)
}

// less checks median(a) < median(b) for unit (strictly: "fewer").
func (c *checker) less(what, a, b, unit string) {
	va, okA := c.get(a, unit)
	vb, okB := c.get(b, unit)
	if !okA || !okB {
		c.missing(what, a, b)
		return
	}
	c.report(va < vb, "%s: %s vs %s (target: fewer)", what, fmtv(va, unit), fmtv(vb, unit))
}

// diff checks median(a) − median(b) <= limit for unit.
func (c *checker) diff(what, a, b, unit string, limit float64) {
	va, okA := c.get(a, unit)
	vb, okB := c.get(b, unit)
	if !okA || !okB {
		c.missing(what, a, b)
		return
	}
	d := va - vb
	c.report(d <= limit, "%s: %s − %s = %s (target <= %s)", what, fmtv(va, unit), fmtv(vb, unit), fmtv(d, unit), fmtv(limit, unit))
}

func short(name string) string {
	if i := strings.LastIndex(name, "impl="); i >= 0 {
		return name[i+len("impl="):]
	}
	return name
}

func fmtv(v float64, unit string) string {
	switch unit {
	case "ns/op":
		switch {
		case v >= 1e6 || v <= -1e6:
			return fmt.Sprintf("%.2f ms", v/1e6)
		case v >= 1e3 || v <= -1e3:
			return fmt.Sprintf("%.2f µs", v/1e3)
		}
		return fmt.Sprintf("%.0f ns", v)
	case "allocs/op":
		return fmt.Sprintf("%.0f allocs", v)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: targets bench.txt")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	res, err := parse(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c := &checker{res: res}

	fmt.Println("Issue 3 — browser defences (medians):")
	for _, m := range []string{"GET", "POST"} {
		b := "Defence" + m + "/impl="
		c.ratio(m+" rampart (headers+CSRF) ≥ 2× faster than secure+gorilla", b+"rampart", b+"secure+gorilla", "ns/op", 0.5)
		c.ratio(m+" rampart (headers+CSRF) ≤ ½ the allocations of secure+gorilla", b+"rampart", b+"secure+gorilla", "allocs/op", 0.5)
		c.ratio(m+" rampart CSRF alone no slower than nosurf", b+"rampart-csrf", b+"nosurf", "ns/op", 1)
		c.less(m+" rampart CSRF alone fewer allocations than nosurf", b+"rampart-csrf", b+"nosurf", "allocs/op")
	}

	fmt.Println("Issue 4 — sessions (medians):")
	base := "Session/store=memory/op=read/impl="
	c.diff("memory store, read: rampart − bare handler ≤ 1 µs", base+"rampart", base+"bare", "ns/op", 1000)
	c.diff("memory store, read: rampart − bare handler ≤ 5 allocations", base+"rampart", base+"bare", "allocs/op", 5)
	for _, store := range []string{"memory", "sqlite", "postgres", "redis"} {
		for _, op := range []string{"read", "write"} {
			b := "Session/store=" + store + "/op=" + op + "/impl="
			c.ratio(store+" "+op+": rampart at least as fast as scs", b+"rampart", b+"scs", "ns/op", 1)
		}
	}

	fmt.Println("Issue 5 — login manager (medians):")
	c.diff("RequireLogin over the session load ≤ 1 µs", "RequireLogin/impl=rampart", "RequireLogin/impl=session-only", "ns/op", 1000)

	fmt.Println("Issue 6 — forms (medians):")
	c.ratio("urlencoded form: rampart no slower than gorilla/schema + validator", "BindForm/impl=rampart", "BindForm/impl=hand-assembly", "ns/op", 1)
	c.less("urlencoded form: rampart fewer allocations", "BindForm/impl=rampart", "BindForm/impl=hand-assembly", "allocs/op")
	c.ratio("JSON: rampart no slower than encoding/json + validator", "BindJSON/impl=rampart", "BindJSON/impl=hand-assembly", "ns/op", 1)
	c.less("JSON: rampart fewer allocations", "BindJSON/impl=rampart", "BindJSON/impl=hand-assembly", "allocs/op")

	fmt.Println("Issue 7 — tokens (medians):")
	c.ratio("issue+verify within 1.2× of golang-jwt", "Token/op=issue+verify/impl=rampart", "Token/op=issue+verify/impl=golang-jwt", "ns/op", 1.2)
	c.ratio("issue within 1.2× of golang-jwt", "Token/op=issue/impl=rampart", "Token/op=issue/impl=golang-jwt", "ns/op", 1.2)
	c.ratio("verify within 1.2× of golang-jwt", "Token/op=verify/impl=rampart", "Token/op=verify/impl=golang-jwt", "ns/op", 1.2)
	c.diff("Bearer middleware beyond the verification ≤ 1 µs (HS256)", "Bearer/alg=HS256/impl=rampart", "Bearer/alg=HS256/impl=verify-only", "ns/op", 1000)
	c.diff("Bearer middleware beyond the verification ≤ 1 µs (EdDSA, noisier)", "Bearer/alg=EdDSA/impl=rampart", "Bearer/alg=EdDSA/impl=verify-only", "ns/op", 1000)

	fmt.Printf("\n%d met, %d not met, %d not measured\n", c.met, c.failed, c.absent)
}
