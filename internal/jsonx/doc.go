// Package jsonx validates untrusted JSON before it is decoded: well-formed
// (RFC 8259), valid UTF-8, bounded size and nesting depth, and no duplicate
// member names in any object (RFC 7515 §5.2 and RFC 7519 §4 require JOSE
// parsers to reject them; encoding/json silently keeps the last one).
package jsonx
