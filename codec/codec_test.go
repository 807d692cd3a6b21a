package codec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/jobflow/jobflow/codec"
)

func randKey(t testing.TB) string {
	t.Helper()
	b := make([]byte, codec.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

type customer struct {
	Name, Phone, Email, Address string
}

var anna = customer{"Anna Andersson", "+46701234567", "anna@example.se", "Storgatan 1, Uppsala"}

func mustKeys(t testing.TB, s string) *codec.Keyring {
	t.Helper()
	kr, err := codec.ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestRoundTrip_EncryptsAndRestores(t *testing.T) {
	c := codec.New(mustKeys(t, "k1:"+randKey(t)))
	dc := c.DataConverter(nil)
	p, err := dc.ToPayload(anna)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Metadata["encoding"]); got != "binary/encrypted" {
		t.Fatalf("encoding = %q", got)
	}
	if got := string(p.Metadata["encryption-key-id"]); got != "k1" {
		t.Fatalf("key id = %q", got)
	}
	for _, s := range []string{anna.Name, anna.Phone, anna.Email, anna.Address, "Anna", "json/plain"} {
		if bytes.Contains(p.Data, []byte(s)) {
			t.Fatalf("ciphertext contains %q in clear", s)
		}
	}
	var back customer
	if err := dc.FromPayload(p, &back); err != nil {
		t.Fatal(err)
	}
	if back != anna {
		t.Fatalf("round trip: %+v", back)
	}
}

func TestEncode_RandomNonce(t *testing.T) {
	c := codec.New(mustKeys(t, "k1:"+randKey(t)))
	in := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"same"`)}}
	a, _ := c.Encode(in)
	b, _ := c.Encode(in)
	if bytes.Equal(a[0].Data, b[0].Data) {
		t.Fatal("two encodings of the same payload are identical: nonce is not random")
	}
}

// Rotation: payloads written with k1 still decode after k2 becomes the
// active key, and new payloads use k2.
func TestRotation_OldPayloadsDecodeAfterNewKeyIsActive(t *testing.T) {
	k1, k2 := randKey(t), randKey(t)
	old := codec.New(mustKeys(t, "k1:"+k1)).DataConverter(nil)
	p1, err := old.ToPayload(anna)
	if err != nil {
		t.Fatal(err)
	}
	rotated := codec.New(mustKeys(t, "k2:"+k2+",k1:"+k1))
	if rotated.Keyring().ActiveID() != "k2" {
		t.Fatalf("active = %s", rotated.Keyring().ActiveID())
	}
	dc := rotated.DataConverter(nil)
	var back customer
	if err := dc.FromPayload(p1, &back); err != nil || back != anna {
		t.Fatalf("k1 payload after rotation: %v %+v", err, back)
	}
	p2, _ := dc.ToPayload(anna)
	if string(p2.Metadata["encryption-key-id"]) != "k2" {
		t.Fatalf("new payloads must use k2, got %s", p2.Metadata["encryption-key-id"])
	}
	// Once k1 is dropped, its payloads no longer decode (and say why).
	onlyK2 := codec.New(mustKeys(t, "k2:"+k2))
	if _, err := onlyK2.Decode([]*commonpb.Payload{p1}); !errors.Is(err, codec.ErrUnknownKey) {
		t.Fatalf("want ErrUnknownKey, got %v", err)
	}
}

func TestDecode_PlainPayloadsPassThrough(t *testing.T) {
	c := codec.New(mustKeys(t, "k1:"+randKey(t)))
	plain, _ := converter.GetDefaultDataConverter().ToPayload("written before encryption")
	out, err := c.Decode([]*commonpb.Payload{plain, nil})
	if err != nil || out[0] != plain || out[1] != nil {
		t.Fatalf("plain payload changed: %v", err)
	}
}

func TestDecode_TamperedOrRelabelled(t *testing.T) {
	k := randKey(t)
	c := codec.New(mustKeys(t, "k1:"+k+",k9:"+k)) // same secret, other id
	enc, _ := c.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	p := enc[0]

	flipped := &commonpb.Payload{Metadata: p.Metadata, Data: append([]byte(nil), p.Data...)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	if _, err := c.Decode([]*commonpb.Payload{flipped}); !errors.Is(err, codec.ErrDecrypt) {
		t.Fatalf("tampered: %v", err)
	}
	relabelled := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/encrypted"), "encryption-key-id": []byte("k9")}, Data: p.Data}
	if _, err := c.Decode([]*commonpb.Payload{relabelled}); !errors.Is(err, codec.ErrDecrypt) {
		t.Fatalf("relabelled key id must not decrypt (aad binds the id): %v", err)
	}
	short := &commonpb.Payload{Metadata: p.Metadata, Data: []byte{1, 2, 3}}
	if _, err := c.Decode([]*commonpb.Payload{short}); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("short: %v", err)
	}
}

func TestEncode_Idempotent(t *testing.T) {
	c := codec.New(mustKeys(t, "k1:"+randKey(t)))
	once, _ := c.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	twice, _ := c.Encode(once)
	if twice[0] != once[0] {
		t.Fatal("an encrypted payload was encrypted again")
	}
}

func TestParseKeys_Errors_NeverShowTheSecret(t *testing.T) {
	secret := randKey(t)
	short := base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key"))
	cases := map[string]string{
		"":                               "no encryption keys",
		"k1":                             "id:base64key",
		"bad id:" + secret:               "not valid",
		"k1:not_base64!!":                "not valid base64",
		"k1:" + short:                    "32 bytes",
		"k1:" + secret + ",k1:" + secret: "appears twice",
	}
	for in, want := range cases {
		_, err := codec.ParseKeys(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKeys(%q) = %v, want error containing %q", in, err, want)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), short) {
			t.Errorf("error shows key material: %v", err)
		}
	}
}

func TestKeyringAndKey_DoNotPrintSecrets(t *testing.T) {
	secret := randKey(t)
	kr := mustKeys(t, "k2:"+secret)
	raw, _ := base64.StdEncoding.DecodeString(secret)
	k, _ := codec.NewKey("k2", raw)
	for _, s := range []string{fmt.Sprint(kr), fmt.Sprintf("%v %+v %#v", k, k, k), fmt.Sprintf("%+v", *kr)} {
		if strings.Contains(s, secret) || bytes.Contains([]byte(s), raw) {
			t.Fatalf("secret printed: %s", s)
		}
	}
}

func TestLoadKeyring_FileFormAndSources(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "codec.keys")
	body := "# jobflow codec keys, active first\nk2:" + randKey(t) + "\n\nk1:" + randKey(t) + "\n"
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	kr, err := codec.LoadKeyring("", f)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(kr.IDs(), ","); got != "k2,k1" {
		t.Fatalf("ids = %s", got)
	}
	if _, err := codec.LoadKeyring("", ""); !errors.Is(err, codec.ErrNoKeys) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := codec.LoadKeyring("k1:"+randKey(t), f); err == nil {
		t.Fatal("both sources set must be refused")
	}
	if _, err := codec.LoadKeyring("", filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "CODEC_KEYS_FILE") {
		t.Fatalf("missing file: %v", err)
	}
}
