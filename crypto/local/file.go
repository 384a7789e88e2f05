package local

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/scrypt"
)

// ErrBadPassphrase is returned when the key file cannot be decrypted.
var ErrBadPassphrase = errors.New("local: wrong passphrase or corrupt key file")

const (
	fileFormat = "wstack-local-keys/v1"
	scryptN    = 1 << 15
	scryptR    = 8
	scryptP    = 1
)

type envelope struct {
	Format     string `json:"format"`
	KDF        string `json:"kdf"`
	N          int    `json:"n"`
	R          int    `json:"r"`
	P          int    `json:"p"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

type fileStore struct {
	path string
	salt []byte
	aead cipher.AEAD
}

func deriveAEAD(pass, salt []byte, n, r, p int) (cipher.AEAD, error) {
	k, err := scrypt.Key(pass, salt, n, r, p, 32)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func openFileStore(path string, pass []byte) (*fileStore, []record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return nil, nil, err
		}
		aead, err := deriveAEAD(pass, salt, scryptN, scryptR, scryptP)
		if err != nil {
			return nil, nil, err
		}
		return &fileStore{path: path, salt: salt, aead: aead}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil || env.Format != fileFormat || env.KDF != "scrypt" {
		return nil, nil, fmt.Errorf("%w: unrecognised file", ErrBadPassphrase)
	}
	if env.N < 1<<14 || env.N > 1<<20 || env.R < 1 || env.R > 32 || env.P < 1 || env.P > 16 || len(env.Salt) < 16 {
		return nil, nil, fmt.Errorf("%w: KDF parameters out of range", ErrBadPassphrase)
	}
	aead, err := deriveAEAD(pass, env.Salt, env.N, env.R, env.P)
	if err != nil {
		return nil, nil, err
	}
	if len(env.Nonce) != aead.NonceSize() {
		return nil, nil, ErrBadPassphrase
	}
	pt, err := aead.Open(nil, env.Nonce, env.Ciphertext, []byte(fileFormat))
	if err != nil {
		return nil, nil, ErrBadPassphrase
	}
	var recs []record
	if err := json.Unmarshal(pt, &recs); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadPassphrase, err)
	}
	return &fileStore{path: path, salt: env.Salt, aead: aead}, recs, nil
}

// save writes the records atomically: temp file in the same directory,
// fsync, rename over the old file, fsync the directory.
func (f *fileStore) save(recs []record) error {
	pt, err := json.Marshal(recs)
	if err != nil {
		return err
	}
	nonce := make([]byte, f.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	env := envelope{Format: fileFormat, KDF: "scrypt", N: scryptN, R: scryptR, P: scryptP, Salt: f.salt,
		Nonce: nonce, Ciphertext: f.aead.Seal(nil, nonce, pt, []byte(fileFormat))}
	data, err := json.Marshal(env)
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, ".wstack-keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
