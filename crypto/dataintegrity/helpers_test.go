package dataintegrity

import "github.com/ocmw/wstack/crypto/dataintegrity/rdfc"

func rdfcDefaults() rdfc.Options { return rdfc.Options{} }
