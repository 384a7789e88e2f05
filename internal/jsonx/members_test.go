package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// membersOf collects what ValidateMembers reports.
func membersOf(data []byte, lim Limits) (map[string]string, []string, error) {
	m := map[string]string{}
	var order []string
	err := ValidateMembers(data, lim, func(name, value []byte) error {
		m[string(name)] = string(value)
		order = append(order, string(name))
		return nil
	})
	return m, order, err
}

func TestValidateMembers(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		` {"iss":"https://issuer.example","vct":"urn:x","n":1.5e3,"o":{"iss":"inner"},"a":[1,{"b":null}],"t":true} `,
		`{"\u0069ss":"escaped name","e":"a\"b\\c\u00e9\ud83d\ude00"}`,
		`{"":""}`,
	} {
		got, order, err := membersOf([]byte(doc), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(order) != len(want) {
			t.Fatalf("%s: %v, want %v", doc, got, want)
		}
		for k, v := range want {
			if got[k] != string(v) {
				t.Fatalf("%s: member %q = %s, want %s", doc, k, got[k], v)
			}
		}
	}
	for _, c := range []struct {
		doc  string
		lim  Limits
		want error
	}{
		{`[1,2]`, Limits{}, ErrSyntax},
		{`"iss"`, Limits{}, ErrSyntax},
		{``, Limits{}, ErrSyntax},
		{`null`, Limits{}, ErrSyntax},
		{`{"iss":"a","iss":"b"}`, Limits{}, ErrDuplicateMember},
		{`{"iss":"a"} {}`, Limits{}, ErrSyntax},
		{`{"iss":"a"`, Limits{}, ErrSyntax},
		{"{\"iss\":\"\xff\"}", Limits{}, ErrInvalidUTF8},
		{`{"a":[[[[1]]]]}`, Limits{MaxDepth: 3}, ErrTooDeep},
		{`{"a":"0123456789"}`, Limits{MaxBytes: 8}, ErrTooLarge},
		{`{"a":[1,2,3,4]}`, Limits{MaxValues: 3}, ErrTooManyValues},
	} {
		if _, _, err := membersOf([]byte(c.doc), c.lim); !errors.Is(err, c.want) {
			t.Errorf("%q: %v, want %v", c.doc, err, c.want)
		}
	}
	// An error from fn stops the scan.
	stop := fmt.Errorf("stop")
	calls := 0
	err := ValidateMembers([]byte(`{"a":1,"b":2,"c":3}`), Limits{}, func(name, _ []byte) error {
		calls++
		if string(name) == "b" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 2 {
		t.Fatalf("%v after %d calls", err, calls)
	}
}

func TestStringValue(t *testing.T) {
	for _, v := range []string{`"plain"`, `""`, `"a\"b\\c\/d\n\u00e9\ud83d\ude00"`} {
		var want string
		if err := json.Unmarshal([]byte(v), &want); err != nil {
			t.Fatal(err)
		}
		if got, ok := StringValue([]byte(v)); !ok || got != want {
			t.Fatalf("%s: %q %v, want %q", v, got, ok, want)
		}
	}
	for _, v := range []string{`1`, `null`, `{"a":"b"}`, `["x"]`, `"`, ``, `true`} {
		if _, ok := StringValue([]byte(v)); ok {
			t.Fatalf("%s read as a string", v)
		}
	}
}

// FuzzValidateMembers: ValidateMembers accepts exactly the objects
// Validate accepts and reports the members encoding/json finds.
func FuzzValidateMembers(f *testing.F) {
	f.Add([]byte(`{"iss":"x","a":[1,{"b":"\u0041"}]}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Add([]byte(`[{"a":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := membersOf(data, Limits{})
		verr := Validate(data, Limits{})
		isObject := bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
		if (err == nil) != (verr == nil && isObject) {
			t.Fatalf("ValidateMembers %v, Validate %v, object %v", err, verr, isObject)
		}
		if err != nil {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("encoding/json refuses what ValidateMembers accepts: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d members, encoding/json %d", len(got), len(want))
		}
		for k, v := range want {
			if got[k] != string(v) {
				t.Fatalf("member %q = %s, want %s", k, got[k], v)
			}
			if s, ok := StringValue([]byte(got[k])); ok {
				var ws string
				if json.Unmarshal(v, &ws) != nil || ws != s {
					t.Fatalf("StringValue(%s) = %q, encoding/json %q", v, s, ws)
				}
			}
		}
	})
}

func TestStringMembers(t *testing.T) {
	var iss, vct string
	names, dst := []string{"iss", "vct"}, []*string{&iss, &vct}
	doc := []byte(`{"vct":"urn:x","ISS":"no","o":{"iss":"inner"},"iss":"https:\/\/issuer.example"}`)
	if err := StringMembers(doc, DocumentLimits(doc), names, dst); err != nil || iss != "https://issuer.example" || vct != "urn:x" {
		t.Fatalf("%q %q %v", iss, vct, err)
	}
	iss, vct = "kept", ""
	if err := StringMembers([]byte(`{"iss":null}`), Limits{}, names, dst); err != nil || iss != "kept" || vct != "" {
		t.Fatalf("null: %q %v", iss, err)
	}
	for _, bad := range []string{`{"iss":5}`, `{"vct":["x"]}`, `["iss"]`, `{"iss":"a","iss":"b"}`, `{"iss":"a"`} {
		if err := StringMembers([]byte(bad), Limits{}, names, dst); !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrDuplicateMember) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	deep := []byte(`{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`)
	if err := StringMembers(deep, DocumentLimits(deep), names, dst); err != nil {
		t.Fatalf("document limits refused nesting encoding/json accepts: %v", err)
	}
}
