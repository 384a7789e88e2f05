package jsonx

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"ok_object", `{"a":1,"b":[true,false,null,"x"],"c":{"d":-1.5e3}}`, nil},
		{"ok_many_members", `{` + members(40) + `}`, nil},
		{"row11_duplicate_alg", `{"alg":"ES256","alg":"none"}`, ErrDuplicateMember},
		{"row11_duplicate_escaped", `{"alg":"ES256","\u0061lg":"none"}`, ErrDuplicateMember},
		{"row11_duplicate_nested", `{"a":{"iss":"x","iss":"y"}}`, ErrDuplicateMember},
		{"row11_duplicate_many_members", `{` + members(40) + `,"k7":0}`, ErrDuplicateMember},
		{"row13_deep_array", deep, ErrTooDeep},
		{"row13_deep_object", strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50), ErrTooDeep},
		{"trailing", `{}x`, ErrSyntax},
		{"bad_utf8", "{\"a\":\"\xff\"}", ErrInvalidUTF8},
		{"control_char", "{\"a\":\"\x01\"}", ErrSyntax},
		{"leading_zero", `{"a":01}`, ErrSyntax},
		{"unterminated", `{"a":"x`, ErrSyntax},
		{"empty", ``, ErrSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate([]byte(c.in), Limits{})
			if c.want == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if err := Validate(make([]byte, 2<<20), Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("size limit: %v", err)
	}
}

func members(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + string(rune('0'+i/10)) + string(rune('0'+i%10)) + `":0`)
	}
	return strings.ReplaceAll(b.String(), `"k0`, `"k`)
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data, Limits{MaxDepth: 16})
		if err == nil {
			var v any
			if jerr := Unmarshal(data, &v, Limits{MaxDepth: 16}); jerr != nil {
				t.Fatalf("validated but not decodable: %v", jerr)
			}
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	doc := []byte(`{"iss":"https://issuer.example.com","iat":1683000000,"exp":1883000000,"vct":"https://credentials.example.com/identity_credential","_sd":["CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI","JzYjH4svliH0R3PyEMfeZu6Jt69u5qehZo7F7EPYlSE","PorFbpKuVu6xymJagvkFsFXAbRoc2JGlAUA2BA4o7cI"],"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc","y":"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for i := 0; i < b.N; i++ {
		if err := Validate(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
