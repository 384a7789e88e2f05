package vpcache_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goBlocks returns the fenced ```go blocks of a Markdown document.
func goBlocks(md string) []string {
	var blocks []string
	var cur *strings.Builder
	for line := range strings.SplitSeq(md, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &strings.Builder{}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	return blocks
}

// funcBody prints the body of the named top-level function of a Go file,
// without comments and blank lines.
func funcBody(t *testing.T, filename, src, name string) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, 0)
	require.NoError(t, err)
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			var buf bytes.Buffer
			require.NoError(t, printer.Fprint(&buf, fset, fd.Body))
			// Blank lines follow the comments left out; drop them.
			var lines []string
			for l := range strings.SplitSeq(buf.String(), "\n") {
				if strings.TrimSpace(l) != "" {
					lines = append(lines, l)
				}
			}
			return strings.Join(lines, "\n")
		}
	}
	return ""
}

// vetSnippets writes each snippet as its own package under a temporary
// directory inside this module (so that module imports resolve; the leading
// underscore keeps it out of ./... patterns) and runs go vet on them, which
// type-checks them against the module's current code.
func vetSnippets(t *testing.T, snippets []string) (string, error) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		// Not on PATH: the go command of the toolchain running the test.
		root := os.Getenv("GOROOT")
		if root == "" {
			t.Fatalf("no go command on PATH and GOROOT unset: %v", err)
		}
		goBin = filepath.Join(root, "bin", "go")
	}
	dir, err := os.MkdirTemp(".", "_readme-snippets-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	args := []string{"vet"}
	for i, s := range snippets {
		sub := filepath.Join(dir, fmt.Sprintf("s%d", i))
		require.NoError(t, os.Mkdir(sub, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(sub, "main.go"), []byte(s), 0o644))
		args = append(args, "./"+filepath.ToSlash(sub))
	}
	cmd := exec.Command(goBin, args...)
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestReadmeSnippets compiles every Go block of README.md (each must be a
// whole file) and checks that the README's program is the package Example,
// which runs with its output checked.
func TestReadmeSnippets(t *testing.T) {
	md, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := goBlocks(string(md))
	require.NotEmpty(t, blocks, "README.md has Go blocks")
	for i, b := range blocks {
		_, err := parser.ParseFile(token.NewFileSet(), fmt.Sprintf("README.md block %d", i), b, parser.AllErrors)
		require.NoError(t, err, "README.md Go block %d must be a whole Go file", i)
	}

	t.Run("readme_main_is_the_package_example", func(t *testing.T) {
		ex, err := os.ReadFile("example_test.go")
		require.NoError(t, err)
		want := funcBody(t, "example_test.go", string(ex), "Example")
		require.NotEmpty(t, want)
		found := false
		for i, b := range blocks {
			if got := funcBody(t, fmt.Sprintf("block%d.go", i), b, "main"); got != "" {
				require.Equal(t, want, got, "README.md block %d: main differs from Example in example_test.go", i)
				found = true
			}
		}
		require.True(t, found, "README.md holds the package Example as a main program")
	})

	t.Run("readme_blocks_compile", func(t *testing.T) {
		out, err := vetSnippets(t, blocks)
		require.NoError(t, err, "go vet of the README snippets:\n%s", out)
	})

	t.Run("broken_snippet_is_caught", func(t *testing.T) {
		// The check can fail: a snippet using an API that does not exist.
		broken := "package main\n\nimport \"github.com/ocmw/wstack/vpcache\"\n\nfunc main() { vpcache.NoSuchFunction() }\n"
		out, err := vetSnippets(t, []string{broken})
		require.Error(t, err)
		require.Contains(t, out, "NoSuchFunction")
	})
}
