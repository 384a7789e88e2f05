package contexts_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocmw/wstack/crypto/dataintegrity/contexts"
)

// Example shows that only bundled, pinned or allow-listed contexts load.
func Example() {
	l, err := contexts.NewLoader(contexts.Options{
		Pinned: map[string][]byte{"https://issuer.example/ctx/v1": []byte(`{"@context":{"degree":"https://issuer.example/vocab#degree"}}`)},
	})
	if err != nil {
		panic(err)
	}
	_, err = l.Load(context.Background(), contexts.CredentialsV2)
	fmt.Println(err)
	_, err = l.Load(context.Background(), "https://issuer.example/ctx/v1")
	fmt.Println(err)
	_, err = l.Load(context.Background(), "https://attacker.example/ctx")
	fmt.Println(errors.Is(err, contexts.ErrNotAllowed))
	// Output:
	// <nil>
	// <nil>
	// true
}
