// Package deps pins the module dependencies chosen in DESIGN.md while the
// packages that use them are being written. It is removed once every
// dependency has a real importer.
package deps

import (
	_ "github.com/PaesslerAG/jsonpath"
	_ "github.com/ThalesGroup/crypto11"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/lestrrat-go/jwx/v2/jws"
	_ "github.com/miekg/pkcs11"
	_ "github.com/piprate/json-gold/ld"
	_ "github.com/santhosh-tekuri/jsonschema/v5"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/crypto/scrypt"
	_ "golang.org/x/sync/singleflight"
	_ "modernc.org/sqlite"
)
