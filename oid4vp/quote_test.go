package oid4vp

import (
	"encoding/json"
	"testing"
)

// The fast paths of parameter quoting and decoding agree with
// encoding/json on every kind of string.
func TestQuoteJSONMatchesEncoding(t *testing.T) {
	for _, s := range []string{"", "abc", "eyJ.a-b_c.d", "https://x.example/cb?a=1&b=<2>", "ünïcødé", "quote\"in", `back\slash`,
		"tab\there", "nl\n", "\x7f", "bad\xffutf8", "mixed ü \"", "ü\x01"} {
		q, err := quoteJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(q, &back); err != nil {
			t.Fatalf("%q: quoted form %s does not decode: %v", s, q, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: round trip %q, encoding/json %q", s, back, wantBack)
		}
		d := &paramDecoder{m: map[string]json.RawMessage{"k": q}}
		var got string
		d.str("k", &got)
		if d.err != nil || got != wantBack {
			t.Errorf("%q: str decoded %q (%v), want %q", s, got, d.err, wantBack)
		}
	}
	// Raw JSON with escapes still goes through the decoder.
	d := &paramDecoder{m: map[string]json.RawMessage{"k": json.RawMessage(`"a\u0041\"b"`)}}
	var got string
	d.str("k", &got)
	if got != `aA"b` || d.err != nil {
		t.Errorf("escaped: %q %v", got, d.err)
	}
	d = &paramDecoder{m: map[string]json.RawMessage{"k": json.RawMessage(`"a"b"`)}}
	d.str("k", &got)
	if d.err == nil {
		t.Error("malformed string accepted")
	}
}
