package readme

import (
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		md      string
		want    []snippet // file is "x.md"
		wantErr bool
	}{
		{name: "go block", md: "# t\n\n```go\na := 1\n```\n",
			want: []snippet{{line: 4, code: "a := 1\n"}}},
		{name: "other languages ignored", md: "```sh\ngo test ./...\n```\n```json\n{}\n```\n```\nplain\n```\n"},
		{name: "tilde fence", md: "~~~go\nb := 2\n~~~\n", want: []snippet{{line: 2, code: "b := 2\n"}}},
		{name: "indented in a list", md: "- item\n\n  ```go\n  c := 3\n  ```\n",
			want: []snippet{{line: 4, code: "c := 3\n"}}},
		{name: "longer fence holds a shorter one", md: "````go\ns := `\n```\n`\n````\n",
			want: []snippet{{line: 2, code: "s := `\n```\n`\n"}}},
		{name: "two blocks", md: "```go\nx := 1\n```\ntext\n```go\ny := 2\n```\n",
			want: []snippet{{line: 2, code: "x := 1\n"}, {line: 6, code: "y := 2\n"}}},
		{name: "unclosed fence", md: "```go\nx := 1\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract("x.md", []byte(tt.md))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d snippets %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if got[i].file != "x.md" || got[i].line != w.line || got[i].code != w.code {
					t.Errorf("snippet %d = %+v, want line %d code %q", i, got[i], w.line, w.code)
				}
			}
		})
	}
}

func TestFragment(t *testing.T) {
	tests := []struct {
		name string
		code string
		want bool
	}{
		{"marker", "// fragment\nx.Y()\n", true},
		{"marker with reason", "// fragment: needs a server\nx.Y()\n", true},
		{"marker after blank line", "\n  // fragment\n", true},
		{"other comment", "// a fragment of the flow\nx := 1\n", false},
		{"longer word", "// fragmentary\n", false},
		{"marker not first", "x := 1\n// fragment\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (snippet{code: tt.code}).fragment(); got != tt.want {
				t.Errorf("fragment() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHasPackageClause(t *testing.T) {
	if !hasPackageClause("// Command x.\npackage main\n\nfunc main() {}\n") {
		t.Error("complete file not recognised")
	}
	if hasPackageClause("x := 1\n") {
		t.Error("body taken for a file")
	}
}

func TestWrap(t *testing.T) {
	pkgs := map[string]string{"issuer": "example.com/m/oid4vci/issuer", "did": "example.com/m/crypto/did"}
	tests := []struct {
		name    string
		code    string
		has     []string // substrings of the wrapped file
		hasNot  []string
		wantErr bool
	}{
		{name: "module and std imports", code: "d, _ := did.Parse(\"x\")\nfmt.Println(d)\n",
			has: []string{`did "example.com/m/crypto/did"`, `fmt "fmt"`, `context "context"`, "\t_ = d\n"}},
		{name: "declared name shadows a package", code: "issuer := struct{ Name string }{}\nfmt.Println(issuer.Name)\n",
			has: []string{`fmt "fmt"`}, hasNot: []string{`oid4vci/issuer`}},
		{name: "closure parameter shadows a package", code: "f := func(did string) int { return len(did) }\n_ = f\n",
			hasNot: []string{`crypto/did`}},
		{name: "unknown selector left to the compiler", code: "x := nosuch.Thing\n",
			has: []string{"nosuch.Thing"}, hasNot: []string{`"nosuch"`}},
		{name: "line directive points into the README", code: "a := 1\n",
			has: []string{"//line x.md:7\n"}},
		{name: "not a function body", code: "func f() {}\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := wrap(snippet{file: "x.md", line: 7, code: tt.code}, pkgs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			for _, h := range tt.has {
				if !strings.Contains(src, h) {
					t.Errorf("wrapped file lacks %q:\n%s", h, src)
				}
			}
			for _, h := range tt.hasNot {
				if strings.Contains(src, h) {
					t.Errorf("wrapped file has %q:\n%s", h, src)
				}
			}
		})
	}
}
