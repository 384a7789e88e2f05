package signersvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/ocmw/wstack/crypto"
	"github.com/ocmw/wstack/crypto/did"
	"github.com/ocmw/wstack/crypto/local"
	"github.com/ocmw/wstack/examples/internal/svc"
)

// Name is the service name in logs and the health document.
const Name = "signer"

// MaxPattern bounds the key id pattern of a key listing.
const MaxPattern = 256

// PKCS11Config selects a PKCS#11 token (crypto/pkcs11.Config without its
// clock and logger). The PKCS#11 backend needs a cgo build; without cgo New
// fails with ErrNotSupported when Module is set.
type PKCS11Config struct {
	// Module is the path of the PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so. Empty: no PKCS#11 backend.
	Module string
	// TokenLabel, TokenSerial or Slot selects the token (exactly one).
	TokenLabel  string
	TokenSerial string
	Slot        *int
	// PIN is the user PIN; it is never logged.
	PIN string
	// MaxSessions bounds the token sessions (0: the engine's default).
	MaxSessions int
}

// Config configures a Service. Auth is required.
type Config struct {
	// Engine is the key engine to expose. When nil, New opens one: the
	// PKCS#11 token of PKCS11 when PKCS11.Module is set, otherwise a
	// crypto/local engine (persisted to KeyFile under KeyPassphrase when
	// KeyFile is set, in memory otherwise). An engine New opened is closed
	// by Close; an engine passed in is not.
	Engine crypto.Engine
	// PKCS11 selects a PKCS#11 token when Engine is nil.
	PKCS11 PKCS11Config
	// KeyFile and KeyPassphrase persist the local engine.
	KeyFile       string
	KeyPassphrase []byte
	// Auth authenticates every management route (all but the JWK, JWKS,
	// DID document and health routes). Required: nothing is anonymous.
	// A principal limited to tenants may only use those namespaces.
	Auth svc.Authenticator
	// Logger receives request failures (never key material, messages or
	// plaintexts). Nil discards.
	Logger *slog.Logger
}

// Service is the signer: a crypto.Engine behind an HTTP API.
type Service struct {
	engine crypto.Engine
	owned  bool
	auth   svc.Authenticator
	log    *slog.Logger
	mux    *http.ServeMux
}

// New builds the service and, when cfg.Engine is nil, opens its engine.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Auth == nil {
		return nil, errors.New("signersvc: Config.Auth is required (no anonymous management API)")
	}
	s := &Service{engine: cfg.Engine, auth: cfg.Auth, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.engine == nil {
		var err error
		switch {
		case cfg.PKCS11.Module != "":
			s.engine, err = openPKCS11(ctx, cfg.PKCS11, s.log)
		case cfg.KeyFile != "":
			if len(cfg.KeyPassphrase) == 0 {
				return nil, errors.New("signersvc: KeyFile needs KeyPassphrase")
			}
			s.engine, err = local.New(local.Options{Path: cfg.KeyFile, Passphrase: cfg.KeyPassphrase})
		default:
			s.engine, err = local.New(local.Options{})
		}
		if err != nil {
			return nil, fmt.Errorf("signersvc: open engine: %w", err)
		}
		s.owned = true
	}
	s.routes()
	return s, nil
}

// Engine returns the engine the service exposes (for in-process users).
func (s *Service) Engine() crypto.Engine { return s.engine }

// Handler returns the full mux: the API and GET /v1/metrics/health.
func (s *Service) Handler() http.Handler { return s.mux }

// Close closes the engine if New opened it.
func (s *Service) Close() error {
	if s.owned {
		if c, ok := s.engine.(interface{ Close() error }); ok {
			return c.Close()
		}
	}
	return nil
}

func (s *Service) routes() {
	m := http.NewServeMux()
	p := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		m.Handle(pattern, svc.Protect(s.auth, s.wrap(h)))
	}
	p("GET /v1/namespaces", s.namespaces)
	p("GET /v1/namespaces/{ns}/keys", s.listKeys)
	p("POST /v1/namespaces/{ns}/keys", s.createKey)
	p("GET /v1/namespaces/{ns}/keys/{key}", s.getKey)
	p("GET /v1/namespaces/{ns}/keys/{key}/versions", s.keyVersions)
	p("POST /v1/namespaces/{ns}/keys/{key}/rotate", s.rotateKey)
	p("DELETE /v1/namespaces/{ns}/keys/{key}", s.deleteKey)
	p("POST /v1/sign", s.sign)
	p("POST /v1/verify", s.verify)
	p("POST /v1/encrypt", s.encrypt)
	p("POST /v1/decrypt", s.decrypt)
	p("POST /v1/random", s.random)
	p("POST /v1/hash", s.hash)
	p("GET /v1/capabilities", s.capabilities)
	// Public key documents: no authentication.
	m.Handle("GET /v1/jwk/{ns}/{key}", s.wrap(s.jwk))
	m.Handle("GET /v1/jwks", s.wrap(s.jwks))
	m.Handle("GET /v1/did/document", s.wrap(s.didDocument))
	svc.HandleHealth(m, Name, nil)
	s.mux = m
}

func (s *Service) wrap(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// allow checks that the authenticated principal may use namespace ns.
func allow(r *http.Request, ns string) error {
	if p, ok := svc.PrincipalFrom(r.Context()); ok && !p.Allows(ns) {
		return fmt.Errorf("%w: %q", ErrForbidden, ns)
	}
	return nil
}

// pathRef is the key named by {ns}, {key} and ?group=.
func pathRef(r *http.Request) (crypto.KeyRef, error) {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: r.PathValue("ns"), Group: r.URL.Query().Get("group")}, ID: r.PathValue("key")}
	if err := ref.Validate(); err != nil {
		return ref, err
	}
	return ref, allow(r, ref.Namespace)
}

func bodyRef(r *http.Request, k KeyRefJSON) (crypto.KeyRef, error) {
	ref := k.ref()
	if err := ref.Validate(); err != nil {
		return ref, err
	}
	return ref, allow(r, ref.Namespace)
}

func writeKey(w http.ResponseWriter, status int, k *crypto.Key) error {
	d, err := keyDoc(k)
	if err != nil {
		return err
	}
	svc.WriteJSON(w, status, d)
	return nil
}

func writeKeys(w http.ResponseWriter, ks []*crypto.Key) error {
	out := KeyList{Keys: make([]KeyDoc, 0, len(ks))}
	for _, k := range ks {
		d, err := keyDoc(k)
		if err != nil {
			return err
		}
		out.Keys = append(out.Keys, d)
	}
	svc.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) namespaces(w http.ResponseWriter, r *http.Request) error {
	nl, ok := s.engine.(crypto.NamespaceLister)
	if !ok {
		return fmt.Errorf("%w: the engine cannot list namespaces", ErrNotSupported)
	}
	all, err := nl.Namespaces(r.Context())
	if err != nil {
		return err
	}
	p, _ := svc.PrincipalFrom(r.Context())
	out := NamespaceList{Namespaces: []string{}}
	for _, ns := range all {
		if p.Allows(ns) {
			out.Namespaces = append(out.Namespaces, ns)
		}
	}
	svc.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) listKeys(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := crypto.Filter{Context: crypto.Context{Namespace: r.PathValue("ns"), Group: q.Get("group")}, Type: crypto.KeyType(q.Get("type"))}
	if err := f.Context.Validate(); err != nil {
		return err
	}
	if err := allow(r, f.Namespace); err != nil {
		return err
	}
	if pat := q.Get("pattern"); pat != "" {
		if len(pat) > MaxPattern {
			return fmt.Errorf("%w: pattern over %d bytes", svc.ErrBadRequest, MaxPattern)
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return fmt.Errorf("%w: pattern: %v", svc.ErrBadRequest, err)
		}
		f.IDPattern = re
	}
	ks, err := s.engine.ListKeys(r.Context(), f)
	if err != nil {
		return err
	}
	return writeKeys(w, ks)
}

func (s *Service) createKey(w http.ResponseWriter, r *http.Request) error {
	var req CreateKeyRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := bodyRef(r, KeyRefJSON{Namespace: r.PathValue("ns"), Group: req.Group, Key: req.Key})
	if err != nil {
		return err
	}
	k, err := s.engine.GenerateKey(r.Context(), ref, crypto.KeySpec{Type: req.Type, KID: req.KID})
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "key created", "key", ref.String(), "type", k.Type, "kid", k.KID)
	return writeKey(w, http.StatusCreated, k)
}

func (s *Service) getKey(w http.ResponseWriter, r *http.Request) error {
	ref, err := pathRef(r)
	if err != nil {
		return err
	}
	k, err := s.engine.GetKey(r.Context(), ref)
	if err != nil {
		return err
	}
	return writeKey(w, http.StatusOK, k)
}

func (s *Service) keyVersions(w http.ResponseWriter, r *http.Request) error {
	ref, err := pathRef(r)
	if err != nil {
		return err
	}
	ks, err := s.engine.KeyVersions(r.Context(), ref)
	if err != nil {
		return err
	}
	return writeKeys(w, ks)
}

func (s *Service) rotateKey(w http.ResponseWriter, r *http.Request) error {
	ref, err := pathRef(r)
	if err != nil {
		return err
	}
	k, err := s.engine.RotateKey(r.Context(), ref)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "key rotated", "key", ref.String(), "version", k.Version, "kid", k.KID)
	return writeKey(w, http.StatusOK, k)
}

func (s *Service) deleteKey(w http.ResponseWriter, r *http.Request) error {
	ref, err := pathRef(r)
	if err != nil {
		return err
	}
	if err := s.engine.DeleteKey(r.Context(), ref); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "key deleted", "key", ref.String())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) sign(w http.ResponseWriter, r *http.Request) error {
	var req SignRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := bodyRef(r, req.KeyRefJSON)
	if err != nil {
		return err
	}
	var sig []byte
	switch {
	case req.Data != nil && req.Digest == nil:
		msg, err := dec("data", *req.Data)
		if err != nil {
			return err
		}
		sig, err = s.engine.Sign(r.Context(), ref, req.Alg, msg)
		if err != nil {
			return err
		}
	case req.Digest != nil && req.Data == nil:
		d, err := dec("digest", *req.Digest)
		if err != nil {
			return err
		}
		sig, err = s.engine.SignDigest(r.Context(), ref, req.Alg, d)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: exactly one of data and digest", svc.ErrBadRequest)
	}
	svc.WriteJSON(w, http.StatusOK, SignResponse{Signature: enc(sig), Alg: req.Alg})
	return nil
}

func (s *Service) verify(w http.ResponseWriter, r *http.Request) error {
	var req VerifyRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := bodyRef(r, req.KeyRefJSON)
	if err != nil {
		return err
	}
	msg, err := dec("data", req.Data)
	if err != nil {
		return err
	}
	sig, err := dec("signature", req.Signature)
	if err != nil {
		return err
	}
	err = s.engine.Verify(r.Context(), ref, req.Alg, msg, sig)
	if err != nil && !errors.Is(err, crypto.ErrInvalidSignature) {
		return err
	}
	svc.WriteJSON(w, http.StatusOK, VerifyResponse{Valid: err == nil})
	return nil
}

func (s *Service) encrypt(w http.ResponseWriter, r *http.Request) error {
	var req EncryptRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := bodyRef(r, req.KeyRefJSON)
	if err != nil {
		return err
	}
	pt, err := dec("plaintext", req.Plaintext)
	if err != nil {
		return err
	}
	aad, err := dec("aad", req.AAD)
	if err != nil {
		return err
	}
	ct, err := s.engine.Encrypt(r.Context(), ref, pt, aad)
	if err != nil {
		return err
	}
	svc.WriteJSON(w, http.StatusOK, EncryptResponse{Ciphertext: enc(ct)})
	return nil
}

func (s *Service) decrypt(w http.ResponseWriter, r *http.Request) error {
	var req DecryptRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := bodyRef(r, req.KeyRefJSON)
	if err != nil {
		return err
	}
	ct, err := dec("ciphertext", req.Ciphertext)
	if err != nil {
		return err
	}
	aad, err := dec("aad", req.AAD)
	if err != nil {
		return err
	}
	pt, err := s.engine.Decrypt(r.Context(), ref, ct, aad)
	if err != nil {
		return err
	}
	svc.WriteJSON(w, http.StatusOK, DecryptResponse{Plaintext: enc(pt)})
	return nil
}

func (s *Service) random(w http.ResponseWriter, r *http.Request) error {
	var req RandomRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Length < 1 || req.Length > MaxRandom {
		return fmt.Errorf("%w: length must be 1..%d", svc.ErrBadRequest, MaxRandom)
	}
	b, err := s.engine.Random(r.Context(), req.Length)
	if err != nil {
		return err
	}
	svc.WriteJSON(w, http.StatusOK, RandomResponse{Random: enc(b)})
	return nil
}

func (s *Service) hash(w http.ResponseWriter, r *http.Request) error {
	var req HashRequest
	if err := svc.DecodeJSON(r, &req); err != nil {
		return err
	}
	data, err := dec("data", req.Data)
	if err != nil {
		return err
	}
	d, err := s.engine.Hash(r.Context(), req.Alg, data)
	if err != nil {
		return err
	}
	svc.WriteJSON(w, http.StatusOK, HashResponse{Digest: enc(d)})
	return nil
}

func (s *Service) capabilities(w http.ResponseWriter, r *http.Request) error {
	svc.WriteJSON(w, http.StatusOK, Capabilities{KeyTypes: s.engine.SupportedKeyTypes(), HashAlgorithms: s.engine.SupportedHashAlgorithms()})
	return nil
}

// jwk serves the public JWK of a key's current version (404 for symmetric
// keys, which have none).
func (s *Service) jwk(w http.ResponseWriter, r *http.Request) error {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: r.PathValue("ns"), Group: r.URL.Query().Get("group")}, ID: r.PathValue("key")}
	k, err := s.engine.GetKey(r.Context(), ref)
	if err != nil {
		return err
	}
	if k.Type.Symmetric() {
		return fmt.Errorf("%w: %s has no public key", crypto.ErrKeyNotFound, ref)
	}
	m, err := k.JWK()
	if err != nil {
		return fmt.Errorf("%w: %v", crypto.ErrEngineMisbehaved, err)
	}
	return writePublic(w, "application/jwk+json", m)
}

// param reads a parameter of the public documents from the W-Stack's
// x-<name> header or, failing that, the query.
func param(r *http.Request, name string) string {
	if v := r.Header.Get("x-" + name); v != "" {
		return v
	}
	return r.URL.Query().Get(name)
}

// jwks serves every version of every asymmetric key of a namespace and
// group (all groups when none is given), so signatures made before a
// rotation keep verifying.
func (s *Service) jwks(w http.ResponseWriter, r *http.Request) error {
	f := crypto.Filter{Context: crypto.Context{Namespace: param(r, "namespace"), Group: param(r, "group")}}
	if err := f.Context.Validate(); err != nil {
		return err
	}
	ks, err := s.engine.ListKeys(r.Context(), f)
	if err != nil {
		return err
	}
	set := []map[string]any{}
	for _, k := range ks {
		if k.Type.Symmetric() {
			continue
		}
		vs, err := s.engine.KeyVersions(r.Context(), k.Ref)
		if errors.Is(err, crypto.ErrKeyNotFound) {
			continue // deleted since the listing
		}
		if err != nil {
			return err
		}
		for i := len(vs) - 1; i >= 0; i-- { // current first
			m, err := vs[i].JWK()
			if err != nil {
				return fmt.Errorf("%w: %v", crypto.ErrEngineMisbehaved, err)
			}
			set = append(set, m)
		}
	}
	return writePublic(w, "application/jwk-set+json", map[string]any{"keys": set})
}

// didDocument serves the DID document of a key's current version:
// did:jwk (method=jwk, the default) or did:key (method=key; Ed25519, P-256
// and P-384 keys).
func (s *Service) didDocument(w http.ResponseWriter, r *http.Request) error {
	ref := crypto.KeyRef{Context: crypto.Context{Namespace: param(r, "namespace"), Group: param(r, "group")}, ID: param(r, "key")}
	if err := ref.Validate(); err != nil {
		return err
	}
	var (
		id  string
		doc *did.Document
		err error
	)
	switch m := strings.TrimPrefix(param(r, "method"), "did:"); m {
	case "", "jwk":
		if id, _, err = did.NewJWKDIDFromEngine(r.Context(), s.engine, ref); err != nil {
			return didError(err)
		}
		doc, err = did.JWKMethod{}.Resolve(r.Context(), id)
	case "key":
		if id, _, err = did.NewKeyDIDFromEngine(r.Context(), s.engine, ref); err != nil {
			return didError(err)
		}
		doc, err = did.KeyMethod{}.Resolve(r.Context(), id)
	default:
		return fmt.Errorf("%w: DID method %q (jwk or key)", svc.ErrBadRequest, m)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", crypto.ErrEngineMisbehaved, err)
	}
	return writePublic(w, "application/did+json", doc)
}

// didError keeps the engine's sentinels and turns "this key cannot be a
// DID of that method" into unsupported_key_type.
func didError(err error) error {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return err
		}
	}
	return fmt.Errorf("%w: %v", crypto.ErrUnsupportedKeyType, err)
}

// writePublic writes a public key document, cacheable for a minute (a
// rotation shows within that time).
func writePublic(w http.ResponseWriter, contentType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(body)
	return nil
}
