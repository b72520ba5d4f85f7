// main.go -- Porcupine's side of bench/bench_porcupine.sh: checks Jepsen
// register histories (EDN, as Knossos's data/cas-register and
// `bench_jepsen --corpus` write them) for linearizability with Porcupine
// (github.com/anishathalye/porcupine), one file after another, and prints
// per file the verdict and the time of Porcupine's check, then the totals.
//
//	porcupine-check [-timeout 60s] FILE...
//
// Output, one line per file, then a total:
//
//	valid|invalid|unknown|error <TAB> check ms <TAB> FILE [<TAB> why]
//	total <TAB> N files <TAB> check S s <TAB> parse S s
//
// The history is read with the rules splitbrain's `check --format jepsen`
// follows (Knossos's): an :ok op took effect between its invocation and
// its completion; a :fail op had no effect and is left out; an :info op
// (or one never completed) may have taken effect at any time after its
// invocation, or never: an invocation whose return is after everything
// (Porcupine then may place it last, which is the same as never); an
// :info read says nothing and is left out. Times are the ops' positions in
// the file. jepsen.independent tuples ([key value], cas [key [old new]])
// are Porcupine partitions, one per key. Register values are integers or
// nil. Only the EDN Jepsen writes is read: maps, vectors, lists, sets,
// keywords, symbols, strings, characters, numbers, ; comments, #_ discards
// and tagged values (#inst "..."), op maps one per line or in one vector.
//
// Porcupine is not a dependency of splitbrain: bench/bench_porcupine.sh
// builds this file against a local copy of Porcupine's source (go.mod's
// replace directive is set there), offline.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/anishathalye/porcupine"
)

// ====== EDN ======

type keyword string
type symbol string
type ednString string
type ednMap struct{ keys, vals []interface{} }

type reader struct {
	s   []byte
	pos int
}

func (r *reader) fail(format string, a ...interface{}) error {
	line := 1
	for _, c := range r.s[:r.pos] {
		if c == '\n' {
			line++
		}
	}
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, a...))
}

func isWS(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ','
}

func isDelim(c byte) bool {
	return isWS(c) || c == '[' || c == ']' || c == '(' || c == ')' || c == '{' || c == '}' ||
		c == '"' || c == ';'
}

// skip passes blanks, comments and #_ discards; false at the end.
func (r *reader) skip() (bool, error) {
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		switch {
		case isWS(c):
			r.pos++
		case c == ';':
			for r.pos < len(r.s) && r.s[r.pos] != '\n' {
				r.pos++
			}
		case c == '#' && r.pos+1 < len(r.s) && r.s[r.pos+1] == '_':
			r.pos += 2
			if _, err := r.form(); err != nil {
				return false, err
			}
		default:
			return true, nil
		}
	}
	return false, nil
}

func (r *reader) token() string {
	start := r.pos
	for r.pos < len(r.s) && !isDelim(r.s[r.pos]) {
		r.pos++
	}
	return string(r.s[start:r.pos])
}

func (r *reader) coll(close byte) ([]interface{}, error) {
	var out []interface{}
	for {
		more, err := r.skip()
		if err != nil {
			return nil, err
		}
		if !more {
			return nil, r.fail("unclosed collection, expected %q", close)
		}
		if r.s[r.pos] == close {
			r.pos++
			return out, nil
		}
		f, err := r.form()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

func (r *reader) form() (interface{}, error) {
	more, err := r.skip()
	if err != nil {
		return nil, err
	}
	if !more {
		return nil, r.fail("unexpected end of input")
	}
	c := r.s[r.pos]
	switch {
	case c == '[':
		r.pos++
		return r.coll(']')
	case c == '(':
		r.pos++
		return r.coll(')')
	case c == '{':
		r.pos++
		items, err := r.coll('}')
		if err != nil {
			return nil, err
		}
		if len(items)%2 != 0 {
			return nil, r.fail("a map with an odd number of forms")
		}
		m := &ednMap{}
		for i := 0; i < len(items); i += 2 {
			m.keys = append(m.keys, items[i])
			m.vals = append(m.vals, items[i+1])
		}
		return m, nil
	case c == '#' && r.pos+1 < len(r.s) && r.s[r.pos+1] == '{':
		r.pos += 2
		return r.coll('}')
	case c == '#':
		r.pos++
		r.token() // the tag: #inst "...", #uuid "..." -> the tagged form
		return r.form()
	case c == '"':
		r.pos++
		var b []byte
		for r.pos < len(r.s) && r.s[r.pos] != '"' {
			if r.s[r.pos] == '\\' && r.pos+1 < len(r.s) {
				r.pos++
			}
			b = append(b, r.s[r.pos])
			r.pos++
		}
		if r.pos >= len(r.s) {
			return nil, r.fail("unclosed string")
		}
		r.pos++
		return ednString(b), nil
	case c == ':':
		r.pos++
		return keyword(r.token()), nil
	case c == '\\':
		r.pos++
		t := r.token()
		if t == "" && r.pos < len(r.s) { // \( \[ ...
			t = string(r.s[r.pos])
			r.pos++
		}
		return ednString(t), nil
	case c == ']' || c == ')' || c == '}':
		return nil, r.fail("unexpected %q", c)
	}
	t := r.token()
	if t == "" {
		return nil, r.fail("unexpected %q", c)
	}
	if (t[0] >= '0' && t[0] <= '9') || (len(t) > 1 && (t[0] == '-' || t[0] == '+') &&
		t[1] >= '0' && t[1] <= '9') {
		n := t
		if n[len(n)-1] == 'N' {
			n = n[:len(n)-1]
		}
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, nil
		}
		if n[len(n)-1] == 'M' {
			n = n[:len(n)-1]
		}
		if f, err := strconv.ParseFloat(n, 64); err == nil {
			return f, nil
		}
		return nil, r.fail("bad number %q", t)
	}
	switch t {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return symbol(t), nil
}

func (m *ednMap) get(k string) (interface{}, bool) {
	for i, key := range m.keys {
		if kw, ok := key.(keyword); ok && string(kw) == k {
			return m.vals[i], true
		}
	}
	return nil, false
}

// readOps: the op maps of a file, in order: one vector or list of them, or
// maps one after another.
func readOps(text []byte) ([]*ednMap, error) {
	r := &reader{s: text}
	var ops []*ednMap
	for {
		more, err := r.skip()
		if err != nil {
			return nil, err
		}
		if !more {
			return ops, nil
		}
		f, err := r.form()
		if err != nil {
			return nil, err
		}
		switch v := f.(type) {
		case *ednMap:
			ops = append(ops, v)
		case []interface{}:
			for _, x := range v {
				m, ok := x.(*ednMap)
				if !ok {
					return nil, r.fail("a collection holding something other than op maps")
				}
				ops = append(ops, m)
			}
		default:
			return nil, r.fail("expected op maps")
		}
	}
}

// ====== The register model ======

const nilValue = math.MinInt64 // the register before any write

const (
	fRead = iota
	fWrite
	fCas
)

type regInput struct {
	key  string
	f    int
	a, b int64 // write: a; cas: a -> b
}

type regOutput struct {
	unknown bool  // :info, or never completed
	value   int64 // read: what it returned
}

var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		index := map[string]int{}
		var parts [][]porcupine.Operation
		for _, op := range history {
			k := op.Input.(regInput).key
			i, ok := index[k]
			if !ok {
				i = len(parts)
				index[k] = i
				parts = append(parts, nil)
			}
			parts[i] = append(parts[i], op)
		}
		return parts
	},
	Init: func() interface{} { return int64(nilValue) },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s := state.(int64)
		in := input.(regInput)
		out := output.(regOutput)
		switch in.f {
		case fRead:
			return out.unknown || out.value == s, s
		case fWrite:
			return true, in.a
		default:
			if s == in.a {
				return true, in.b
			}
			// An ok cas needs its compare to hold; an unknown one that
			// did not apply left the register as it was.
			return out.unknown, s
		}
	},
	Hash: func(state interface{}) uint64 { return uint64(state.(int64)) },
	DescribeOperation: func(input, output interface{}) string {
		return fmt.Sprintf("%v -> %v", input, output)
	},
}

// ====== Jepsen ops to Porcupine operations ======

func regValue(v interface{}) (int64, bool) {
	switch x := v.(type) {
	case nil:
		return nilValue, true
	case int64:
		return x, x != nilValue
	}
	return 0, false
}

func keyText(v interface{}) string {
	return fmt.Sprintf("%T:%v", v, v)
}

// splitKey: a jepsen.independent tuple's key and value, by the op's shape
// (a read or write whose value is a 2-vector, a cas whose value is
// [key [old new]]), or "" and the value itself.
func splitKey(f int, v interface{}) (string, interface{}) {
	t, ok := v.([]interface{})
	if !ok || len(t) != 2 {
		return "", v
	}
	if f == fCas {
		if inner, ok := t[1].([]interface{}); ok && len(inner) == 2 {
			return keyText(t[0]), t[1]
		}
		return "", v
	}
	return keyText(t[0]), t[1]
}

func operations(maps []*ednMap) ([]porcupine.Operation, error) {
	type pending struct {
		in   regInput
		call int64
	}
	open := map[int64]*pending{}
	var ops []porcupine.Operation
	end := int64(len(maps) + 1)
	for i, m := range maps {
		pv, _ := m.get("process")
		process, ok := pv.(int64)
		if !ok {
			continue // :nemesis and the like
		}
		tv, _ := m.get("type")
		fv, _ := m.get("f")
		typ, _ := tv.(keyword)
		fk, _ := fv.(keyword)
		f := map[keyword]int{"read": fRead, "write": fWrite, "cas": fCas}
		fn, known := f[fk]
		if !known {
			continue
		}
		value, _ := m.get("value")
		if typ == "invoke" {
			key, v := splitKey(fn, value)
			in := regInput{key: key, f: fn}
			bad := false
			switch fn {
			case fWrite:
				in.a, ok = regValue(v)
				bad = !ok || in.a == nilValue
			case fCas:
				pair, isPair := v.([]interface{})
				var okA, okB bool
				if isPair && len(pair) == 2 {
					in.a, okA = regValue(pair[0])
					in.b, okB = regValue(pair[1])
				}
				bad = !okA || !okB
			}
			if bad {
				return nil, fmt.Errorf("op %d: a register %s needs integer values", i, fk)
			}
			open[process] = &pending{in: in, call: int64(i)}
			continue
		}
		p := open[process]
		if p == nil || p.in.f != fn {
			continue // a completion without an invocation
		}
		delete(open, process)
		switch typ {
		case "ok":
			out := regOutput{}
			if fn == fRead {
				_, v := splitKey(fn, value)
				var ok bool
				if out.value, ok = regValue(v); !ok {
					return nil, fmt.Errorf("op %d: a read must return an integer or nil", i)
				}
			}
			ops = append(ops, porcupine.Operation{ClientId: int(process), Input: p.in,
				Call: p.call, Output: out, Return: int64(i)})
		case "info":
			if fn != fRead {
				ops = append(ops, porcupine.Operation{ClientId: int(process), Input: p.in,
					Call: p.call, Output: regOutput{unknown: true}, Return: end})
			}
		}
		// :fail: no effect, left out
	}
	for process, p := range open {
		if p.in.f != fRead {
			ops = append(ops, porcupine.Operation{ClientId: int(process), Input: p.in,
				Call: p.call, Output: regOutput{unknown: true}, Return: end})
		}
	}
	return ops, nil
}

func main() {
	timeout := flag.Duration("timeout", 60*time.Second, "per history; then the verdict is unknown")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: porcupine-check [-timeout 60s] FILE...")
		os.Exit(2)
	}
	var checkTotal, parseTotal time.Duration
	status := 0
	for _, path := range flag.Args() {
		t0 := time.Now()
		text, err := os.ReadFile(path)
		var ops []porcupine.Operation
		if err == nil {
			var maps []*ednMap
			if maps, err = readOps(text); err == nil {
				ops, err = operations(maps)
			}
		}
		t1 := time.Now()
		parseTotal += t1.Sub(t0)
		if err != nil {
			fmt.Printf("error\t0\t%s\t%v\n", path, err)
			status = 2
			continue
		}
		res := porcupine.CheckOperationsTimeout(registerModel, ops, *timeout)
		d := time.Since(t1)
		checkTotal += d
		verdict := map[porcupine.CheckResult]string{porcupine.Ok: "valid",
			porcupine.Illegal: "invalid", porcupine.Unknown: "unknown"}[res]
		fmt.Printf("%s\t%.3f\t%s\n", verdict, float64(d.Microseconds())/1000, path)
	}
	fmt.Printf("total\t%d files\tcheck %.3f s\tparse %.3f s\n", flag.NArg(), checkTotal.Seconds(),
		parseTotal.Seconds())
	os.Exit(status)
}
