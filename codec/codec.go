// Package codec encrypts every Temporal payload jobflow writes (workflow and
// activity inputs and results, updates, memos, failures' details) with
// AES-256-GCM before it leaves the process, so the Temporal server, its
// database and the Temporal UI only ever hold ciphertext of the customers'
// personal data (DOMAIN.md V-14).
//
// A payload is encoded as:
//
//	metadata: encoding = "binary/encrypted", encryption-key-id = "<key id>"
//	data:     nonce (12 random bytes) || AES-256-GCM(key, nonce, proto(original payload), aad)
//
// where aad = "jobflow-codec-v1:" + key id, so a payload cannot be re-labelled
// with another key id. The original payload (its metadata and data) is
// marshalled whole, so decoding restores it byte for byte.
//
// Keys live in a Keyring: the first key encrypts, every key decrypts, so a
// key rotates by putting the new key first and keeping the old one until the
// namespace's retention has removed every history written with it. Keys come
// from the environment or a file (see ParseKeys, LoadKeyring); never from the
// repository, and they are never logged: neither Key nor Keyring prints its
// secret.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata keys and values of an encrypted payload.
const (
	MetadataEncoding = converter.MetadataEncoding // "encoding"
	MetadataKeyID    = "encryption-key-id"
	EncodingName     = "binary/encrypted"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

const (
	nonceSize = 12
	aadPrefix = "jobflow-codec-v1:"
)

// Errors, stable for callers and tests. None of them carries key material
// or payload content.
var (
	ErrNoKeys      = errors.New("codec: no encryption keys configured (set CODEC_KEYS or CODEC_KEYS_FILE, or CODEC_DISABLED=true for a deliberately unencrypted setup)")
	ErrUnknownKey  = errors.New("codec: payload was encrypted with a key id that is not in the keyring")
	ErrDecrypt     = errors.New("codec: payload could not be decrypted (wrong key or tampered data)")
	ErrMalformed   = errors.New("codec: encrypted payload is malformed")
	errKeyIDFormat = "codec: key id %q is not valid: use 1-64 characters A-Z a-z 0-9 . _ -"
)

var keyIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Key is one AES-256 key with its id. Its String never shows the secret.
type Key struct {
	ID   string
	aead cipher.AEAD
}

// String implements fmt.Stringer without the secret.
func (k Key) String() string { return "codec.Key{" + k.ID + "}" }

// GoString keeps %#v from printing the secret too.
func (k Key) GoString() string { return k.String() }

// NewKey builds a key from 32 raw bytes.
func NewKey(id string, secret []byte) (Key, error) {
	if !keyIDRe.MatchString(id) {
		return Key{}, fmt.Errorf(errKeyIDFormat, id)
	}
	if len(secret) != KeySize {
		return Key{}, fmt.Errorf("codec: key %q must be %d bytes (base64 of 32 random bytes, e.g. `openssl rand -base64 32`), got %d bytes", id, KeySize, len(secret))
	}
	block, err := aes.NewCipher(secret)
	if err != nil {
		return Key{}, fmt.Errorf("codec: key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("codec: key %q: %w", id, err)
	}
	return Key{ID: id, aead: aead}, nil
}

// Keyring holds the active key (first) and every key still accepted for
// decoding.
type Keyring struct {
	keys []Key
	byID map[string]Key
}

// NewKeyring makes a keyring; keys[0] is the active key. Ids must be unique.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	kr := &Keyring{byID: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if k.aead == nil {
			return nil, fmt.Errorf("codec: key %q was not built with NewKey", k.ID)
		}
		if _, dup := kr.byID[k.ID]; dup {
			return nil, fmt.Errorf("codec: key id %q appears twice", k.ID)
		}
		kr.byID[k.ID] = k
		kr.keys = append(kr.keys, k)
	}
	return kr, nil
}

// ActiveID is the id of the key new payloads are encrypted with.
func (kr *Keyring) ActiveID() string { return kr.keys[0].ID }

// IDs lists every key id, the active one first.
func (kr *Keyring) IDs() []string {
	ids := make([]string, len(kr.keys))
	for i, k := range kr.keys {
		ids[i] = k.ID
	}
	return ids
}

// String never shows secrets.
func (kr *Keyring) String() string { return "codec.Keyring" + fmt.Sprint(kr.IDs()) }

// ParseKeys parses "id:base64key,id:base64key,...": the first key is the
// active one. Entries may also be separated by newlines (the file form), and
// blank lines and lines starting with # are ignored. Keys are standard or
// URL-safe base64, padded or not, of exactly 32 bytes.
func ParseKeys(s string) (*Keyring, error) {
	var keys []Key
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			id, b64, ok := strings.Cut(entry, ":")
			id = strings.TrimSpace(id)
			if !ok {
				return nil, errors.New("codec: each key must be written id:base64key (e.g. k2:<openssl rand -base64 32>)")
			}
			if !keyIDRe.MatchString(id) {
				return nil, fmt.Errorf(errKeyIDFormat, id)
			}
			secret, err := decodeBase64(strings.TrimSpace(b64))
			if err != nil {
				return nil, fmt.Errorf("codec: key %q is not valid base64", id)
			}
			k, err := NewKey(id, secret)
			clear(secret)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	}
	return NewKeyring(keys...)
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// LoadKeyring reads the keys from inline (CODEC_KEYS) or, when that is
// empty, from file (CODEC_KEYS_FILE, same format, one key per line allowed).
// Both empty gives ErrNoKeys. Setting both is refused: one source of truth.
func LoadKeyring(inline, file string) (*Keyring, error) {
	switch {
	case strings.TrimSpace(inline) != "" && strings.TrimSpace(file) != "":
		return nil, errors.New("codec: set CODEC_KEYS or CODEC_KEYS_FILE, not both")
	case strings.TrimSpace(inline) != "":
		kr, err := ParseKeys(inline)
		if err != nil {
			return nil, fmt.Errorf("CODEC_KEYS: %w", err)
		}
		return kr, nil
	case strings.TrimSpace(file) != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("CODEC_KEYS_FILE: %w", err)
		}
		defer clear(b)
		kr, err := ParseKeys(string(b))
		if err != nil {
			return nil, fmt.Errorf("CODEC_KEYS_FILE=%s: %w", file, err)
		}
		return kr, nil
	}
	return nil, ErrNoKeys
}

// Codec is the AES-256-GCM converter.PayloadCodec.
type Codec struct {
	keys *Keyring
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec over kr.
func New(kr *Keyring) *Codec { return &Codec{keys: kr} }

// Keyring returns the codec's keys (ids only are printable).
func (c *Codec) Keyring() *Keyring { return c.keys }

// DataConverter wraps parent (nil: the SDK default) so every payload goes
// through the codec.
func (c *Codec) DataConverter(parent converter.DataConverter) converter.DataConverter {
	if parent == nil {
		parent = converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(parent, c)
}

// IsEncrypted reports whether p carries this codec's encoding.
func IsEncrypted(p *commonpb.Payload) bool {
	return p != nil && string(p.GetMetadata()[MetadataEncoding]) == EncodingName
}

// Encode encrypts each payload with the active key. Payloads already
// encrypted are left as they are (encoding twice would gain nothing).
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	key := c.keys.keys[0]
	for i, p := range payloads {
		if p == nil || IsEncrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("codec: marshalling payload: %w", err)
		}
		buf := make([]byte, nonceSize, nonceSize+len(plain)+key.aead.Overhead())
		if _, err := rand.Read(buf); err != nil {
			return payloads, fmt.Errorf("codec: reading random nonce: %w", err)
		}
		sealed := key.aead.Seal(buf, buf[:nonceSize], plain, aad(key.ID))
		clear(plain)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingName),
				MetadataKeyID:    []byte(key.ID),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode decrypts each encrypted payload with the key its metadata names.
// Payloads in another encoding (written before encryption was switched on,
// or by the SDK around us) pass through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !IsEncrypted(p) {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		key, ok := c.keys.byID[id]
		if !ok {
			return payloads, ErrUnknownKey
		}
		data := p.GetData()
		if len(data) < nonceSize+key.aead.Overhead() {
			return payloads, ErrMalformed
		}
		plain, err := key.aead.Open(nil, data[:nonceSize], data[nonceSize:], aad(id))
		if err != nil {
			return payloads, ErrDecrypt
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return payloads, ErrMalformed
		}
		out[i] = &orig
	}
	return out, nil
}

func aad(id string) []byte { return []byte(aadPrefix + id) }
