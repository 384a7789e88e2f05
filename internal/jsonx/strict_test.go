package jsonx

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var strictSeeds = append([]string{
	``, ` `, `{`, `[`, `"`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"\ud800":1,"\udfff":2}`, `[1,]`, `{"a":1,}`,
	`01`, `-`, `1.`, `1e`, `1e+`, `.5`, `+1`, `tru`, `nul`, `falsey`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x01\"",
	"\"\xff\"", "\"a\\n\xc3\"", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, `{"a":{"b":{}}} `,
	`1 2`, `"abc`, `{"a" 1}`, `{1:2}`, `[1 2]`, "\t\n\r 1 \t", `{"k":"v","k2":[true,false,null]}`,
	`1111111111111111111111111111111111111111111111111111111111111111111`, `1e-400`, `-1e400`,
}, jsonSeeds...)

func checkStrict(t *testing.T, b []byte, lim Limits) {
	t.Helper()
	errV := Validate(b, lim)
	for _, alias := range []bool{false, true} {
		got, err := decodeStrict(b, lim, alias)
		if (errV == nil) != (err == nil) {
			t.Fatalf("%q (alias %v): Validate err %v, Decode err %v", b, alias, errV, err)
		}
		if errV != nil {
			if err.Error() != errV.Error() {
				t.Fatalf("%q: Validate err %q, Decode err %q", b, errV, err)
			}
			for _, e := range []error{ErrSyntax, ErrTooDeep, ErrTooLarge, ErrDuplicateMember, ErrInvalidUTF8, ErrTooManyValues} {
				if errors.Is(errV, e) != errors.Is(err, e) {
					t.Fatalf("%q: errors.Is(%v) differs", b, e)
				}
			}
			continue
		}
		var want any
		if errD := json.Unmarshal(b, &want); errD != nil {
			t.Fatalf("%q: encoding/json after Validate: %v", b, errD)
		}
		if !reflect.DeepEqual(want, got) { // linear (cmp.Equal is exponential on deep nesting)
			t.Fatalf("%q (alias %v): %s", b, alias, cmp.Diff(want, got))
		}
	}
}

var strictLimits = []Limits{{}, {MaxDepth: 2}, {MaxValues: 3}, {MaxBytes: 8}, {MaxDepth: 1, MaxValues: 1}}

// TestDecodeMatchesTwoPass: the fused decoder accepts exactly what Validate
// accepts, decodes to what encoding/json produces and rejects with
// Validate's error.
func TestDecodeMatchesTwoPass(t *testing.T) {
	for _, s := range strictSeeds {
		for _, lim := range strictLimits {
			checkStrict(t, []byte(s), lim)
		}
	}
	deep := strings.Repeat("[", 33) + strings.Repeat("]", 33)
	checkStrict(t, []byte(deep), Limits{})
	many := "[" + strings.Repeat("1,", DefaultMaxValues) + "1]"
	checkStrict(t, []byte(many), Limits{})
	big := `"` + strings.Repeat("a", 1<<20) + `"`
	checkStrict(t, []byte(big), Limits{})
	obj := "{"
	for i := 0; i < 40; i++ {
		obj += `"k` + strings.Repeat("x", i) + `":1,`
	}
	checkStrict(t, []byte(obj+`"kxxx":2}`), Limits{})
	checkStrict(t, []byte(obj+`"new":2}`), Limits{})
}

// FuzzDecode is the differential fuzz target of the fused decoder against
// Validate + encoding/json, under several limits.
func FuzzDecode(f *testing.F) {
	for _, s := range strictSeeds {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, l uint8) {
		checkStrict(t, b, strictLimits[int(l)%len(strictLimits)])
	})
}

func checkMembers(t *testing.T, b []byte) {
	t.Helper()
	if Validate(b, Limits{}) != nil {
		return
	}
	var want map[string]json.RawMessage
	errWant := json.Unmarshal(b, &want)
	got, err := ValidatedMembers(b)
	if (errWant == nil) != (err == nil) {
		t.Fatalf("%q: encoding/json err %v, ours %v", b, errWant, err)
	}
	if errWant == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("%q: %s", b, cmp.Diff(want, got))
	}
}

var memberSeeds = []string{`{}`, ` { } `, `{"a":1}`, `{"a" : "x\"}" , "b":[1,{"c":"]"}], "\u00e9":{"d":null}}`, `{"a":-1.5e3,"b":true}`,
	`[1]`, `"s"`, `{"a":{}} `, `{"\ud800":"\\"}`, `{"vp_token":{"pid":["e~x~"]},"state":"s"}`}

func TestValidatedMembersMatchesEncodingJSON(t *testing.T) {
	for _, s := range append(memberSeeds, strictSeeds...) {
		checkMembers(t, []byte(s))
	}
}

// FuzzValidatedMembers: on every input the strict gate accepts, the member
// splitter agrees with encoding/json's map[string]json.RawMessage.
func FuzzValidatedMembers(f *testing.F) {
	for _, s := range memberSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkMembers(t, b) })
}

var jsonSeeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1e300`, `1E-7`, `-12.5e+3`, `123456789012345678901234567890`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u4e2d\ud83d\ude00"`, `"\ud800"`, `"\udc00x"`, `"\ud800\u0041"`,
	`"\ud800\ud800\udc00"`, `"Möbius 港区"`, `{"a":[1,{"b":null}],"c":{}}`, ` [ 1 , 2 ] `, `["s","n",{"_sd":["x"]}]`,
	`{"\u0061b":1}`, `1e400`,
}

// TestPlain8: Plain8 agrees with a byte-by-byte check for every byte value
// at every position, also next to other special bytes.
func TestPlain8(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	for _, fill := range []byte{'a', 0x20, 0x7f, 0x21, 0x5b, 0x5d} {
		for pos := range 8 {
			for b := range 256 {
				for _, other := range []int{-1, (pos + 3) % 8} {
					var w [8]byte
					for i := range w {
						w[i] = fill
					}
					w[pos] = byte(b)
					if other >= 0 && other != pos {
						w[other] = 0x80
					}
					want := true
					for _, c := range w {
						want = want && plain(c)
					}
					if got := Plain8(binary.LittleEndian.Uint64(w[:])); got != want {
						t.Fatalf("%x: Plain8 %v", w, got)
					}
				}
			}
		}
	}
}
