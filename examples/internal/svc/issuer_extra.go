package svc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"time"

	"github.com/ocmw/wstack/crypto"
)

// EnsureKey makes sure the key ref exists in e: it returns the key when it
// does, generates one of type typ when it does not and create is set, and
// fails with crypto.ErrKeyNotFound otherwise. Two replicas creating the same
// key at once both end up with the one that won.
func EnsureKey(ctx context.Context, e crypto.Engine, ref crypto.KeyRef, typ crypto.KeyType, create bool) (*crypto.Key, error) {
	k, err := e.GetKey(ctx, ref)
	if err == nil || !errors.Is(err, crypto.ErrKeyNotFound) || !create {
		if err != nil {
			return nil, fmt.Errorf("svc: key %s: %w", ref, err)
		}
		return k, nil
	}
	k, err = e.GenerateKey(ctx, ref, crypto.KeySpec{Type: typ})
	if errors.Is(err, crypto.ErrKeyExists) {
		return e.GetKey(ctx, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("svc: creating key %s: %w", ref, err)
	}
	return k, nil
}

// SelfSignedTLS returns a server TLS configuration with a fresh self-signed
// ECDSA P-256 certificate for hosts (IP addresses or DNS names), valid for
// validity (default 24 h), and the pool that trusts it. For the demo and
// tests: OpenID4VCI identifiers must be https URLs, also on loopback.
func SelfSignedTLS(validity time.Duration, hosts ...string) (*tls.Config, *x509.CertPool, error) {
	if validity <= 0 {
		validity = 24 * time.Hour
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "wstack example service"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(validity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool, nil
}

// ListenTLS is Listen with TLS: the returned Server serves https on addr
// with cfg. Its URL method still says http://; use "https://" + Addr().
func ListenTLS(addr string, cfg *tls.Config, log *slog.Logger) (*Server, error) {
	if cfg == nil {
		return nil, errors.New("svc: ListenTLS needs a TLS configuration")
	}
	s, err := Listen(addr, log)
	if err != nil {
		return nil, err
	}
	s.ln = tls.NewListener(s.ln, cfg)
	return s, nil
}

// RunTLS is Run over TLS (cfg from tls.LoadX509KeyPair or SelfSignedTLS).
func RunTLS(ctx context.Context, addr string, cfg *tls.Config, h http.Handler, log *slog.Logger) error {
	s, err := ListenTLS(addr, cfg, log)
	if err != nil {
		return err
	}
	s.Serve(h)
	log.Info("listening", "addr", s.Addr(), "tls", true)
	<-ctx.Done()
	log.Info("shutting down")
	return s.Shutdown(ctx)
}
