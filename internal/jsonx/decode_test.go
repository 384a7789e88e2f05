package jsonx

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var jsonSeeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1e300`, `1E-7`, `-12.5e+3`, `123456789012345678901234567890`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u4e2d\ud83d\ude00"`, `"\ud800"`, `"\udc00x"`, `"\ud800\u0041"`,
	`"\ud800\ud800\udc00"`, `"Möbius 港区"`, `{"a":[1,{"b":null}],"c":{}}`, ` [ 1 , 2 ] `, `["s","n",{"_sd":["x"]}]`,
	`{"\u0061b":1}`, `1e400`,
}

func TestDecodeValidatedMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		checkDecode(t, []byte(s))
	}
}

func checkDecode(t *testing.T, b []byte) {
	t.Helper()
	if Validate(b, Limits{}) != nil {
		return
	}
	var want any
	errWant := json.Unmarshal(b, &want)
	got, errGot := DecodeValidated(b)
	if (errWant == nil) != (errGot == nil) {
		t.Fatalf("%q: encoding/json err %v, ours %v", b, errWant, errGot)
	}
	if errWant == nil && !cmp.Equal(want, got) {
		t.Fatalf("%q: %s", b, cmp.Diff(want, got))
	}
}

// FuzzDecodeValidated: on every input the strict gate accepts, the fast
// decoder agrees with encoding/json.
func FuzzDecodeValidated(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b) })
}
