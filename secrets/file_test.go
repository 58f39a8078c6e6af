package secrets

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// testConfig returns a FileConfig in a fresh directory, with explicit paths
// so that RAMPART_* variables in the environment do not interfere.
func testConfig(t *testing.T) FileConfig {
	t.Helper()
	dir := t.TempDir()
	return FileConfig{Path: filepath.Join(dir, "config", "secrets.age"), KeyPath: filepath.Join(dir, "config", "master.key")}
}

func newTestFile(t *testing.T) *File {
	t.Helper()
	f, err := InitFile(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFileRoundTrip(t *testing.T) {
	cfg := testConfig(t)
	f, err := InitFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Names()) != 0 {
		t.Fatalf("new file has names %v", f.Names())
	}
	for _, path := range []string{cfg.Path, cfg.KeyPath} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", path, info.Mode())
		}
	}
	pem := "-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBg\n-----END PRIVATE KEY-----\n"
	must(t, f.Set("SECRET_KEY", New(canary)))
	must(t, f.Set("TLS_KEY", New(pem)))
	must(t, f.Set("UNICODE", New("pässwörd ✓ \t tab")))
	must(t, f.Save())

	raw, err := os.ReadFile(cfg.Path)
	must(t, err)
	if bytes.Contains(raw, []byte("hunter2")) || bytes.Contains(raw, []byte("SECRET_KEY")) {
		t.Fatal("ciphertext contains plaintext")
	}

	g, err := OpenFile(cfg)
	must(t, err)
	if got := strings.Join(g.Names(), ","); got != "SECRET_KEY,TLS_KEY,UNICODE" {
		t.Errorf("Names = %s", got)
	}
	for name, want := range map[string]string{"SECRET_KEY": canary, "TLS_KEY": pem, "UNICODE": "pässwörd ✓ \t tab"} {
		s, err := Get(context.Background(), g, name)
		if err != nil || s.Reveal() != want {
			t.Errorf("%s = %q, %v", name, s.Reveal(), err)
		}
	}
	if _, err := Get(context.Background(), g, "ABSENT"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "encrypted:"+cfg.Path) {
		t.Errorf("absent: %v", err)
	}
	if !g.Delete("UNICODE") || g.Delete("UNICODE") {
		t.Error("Delete reports presence wrongly")
	}
	must(t, g.Save())
	h, err := OpenFile(cfg)
	must(t, err)
	if strings.Join(h.Names(), ",") != "SECRET_KEY,TLS_KEY" {
		t.Errorf("after delete: %v", h.Names())
	}
	if h.String() != "encrypted:"+cfg.Path || h.Path() != cfg.Path || h.KeySource() != cfg.KeyPath {
		t.Errorf("String/Path/KeySource = %q %q %q", h.String(), h.Path(), h.KeySource())
	}
	// No temporary files are left behind by Save.
	entries, _ := os.ReadDir(filepath.Dir(cfg.Path))
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want 2", len(entries))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestInitFileRefusesToOverwrite(t *testing.T) {
	cfg := testConfig(t)
	_, err := InitFile(cfg)
	must(t, err)
	before, _ := os.ReadFile(cfg.KeyPath)

	_, err = InitFile(cfg)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second InitFile: %v, want fs.ErrExist", err)
	}
	// A key file alone also stops it.
	must(t, os.Remove(cfg.Path))
	_, err = InitFile(cfg)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("InitFile over key file: %v, want fs.ErrExist", err)
	}
	after, _ := os.ReadFile(cfg.KeyPath)
	if !bytes.Equal(before, after) {
		t.Fatal("master key was overwritten")
	}
}

func TestFileMasterKeySources(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	must(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets.age")

	// Given directly: no key file is written.
	f, err := InitFile(FileConfig{Path: path, MasterKey: New(id.String())})
	must(t, err)
	must(t, f.Set("A", New("a")))
	must(t, f.Save())
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("InitFile wrote a key file although a key was given")
	}

	// From RAMPART_MASTER_KEY, with the comment lines age-keygen writes.
	t.Setenv(MasterKeyEnv, "# created: today\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n")
	t.Setenv(SecretsFileEnv, path)
	g, err := OpenFile(FileConfig{})
	must(t, err)
	if g.KeySource() != MasterKeyEnv || g.Path() != path {
		t.Errorf("KeySource/Path = %q %q", g.KeySource(), g.Path())
	}
	if _, err := g.RotateMaster(); err == nil || !strings.Contains(err.Error(), MasterKeyEnv) {
		t.Errorf("RotateMaster with env key: %v", err)
	}

	// From RAMPART_MASTER_KEY_FILE.
	t.Setenv(MasterKeyEnv, "")
	keyFile := filepath.Join(dir, "other.key")
	must(t, os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600))
	t.Setenv(MasterKeyFileEnv, keyFile)
	g, err = OpenFile(FileConfig{})
	must(t, err)
	if g.KeySource() != keyFile {
		t.Errorf("KeySource = %q", g.KeySource())
	}

	// Default: master.key beside the file (absent here).
	t.Setenv(MasterKeyFileEnv, "")
	_, err = OpenFile(FileConfig{})
	if !errors.Is(err, ErrNoMasterKey) || !strings.Contains(err.Error(), filepath.Join(dir, "master.key")) {
		t.Errorf("no key: %v", err)
	}

	// Explicit KeyPath wins over the environment.
	t.Setenv(MasterKeyEnv, "AGE-SECRET-KEY-1BOGUS")
	g, err = OpenFile(FileConfig{Path: path, KeyPath: keyFile})
	must(t, err)
	if s, _ := Get(context.Background(), g, "A"); s.Reveal() != "a" {
		t.Error("explicit key file not used")
	}
}

func TestFileOpenErrors(t *testing.T) {
	cfg := testConfig(t)
	f, err := InitFile(cfg)
	must(t, err)
	must(t, f.Set("SECRET_KEY", New(canary)))
	must(t, f.Save())
	goodKey, _ := os.ReadFile(cfg.KeyPath)
	other, _ := age.GenerateX25519Identity()
	ciphertext, _ := os.ReadFile(cfg.Path)

	tests := []struct {
		name    string
		key     string // master key file contents
		file    []byte // secrets file contents; nil: leave as is
		wantErr error
		wantMsg string
	}{
		{name: "wrong master key", key: other.String(), wantErr: ErrWrongMasterKey, wantMsg: "not encrypted to the master key from"},
		{name: "malformed key", key: "AGE-SECRET-KEY-1" + canary, wantMsg: "not an age X25519 identity"},
		{name: "key of another kind", key: "-----BEGIN OPENSSH PRIVATE KEY-----\n" + canary, wantMsg: "more than one key line"},
		{name: "empty key file", key: "# only a comment\n", wantErr: ErrNoMasterKey},
		{name: "truncated file", key: string(goodKey), file: ciphertext[:len(ciphertext)-20], wantMsg: "corrupted or truncated"},
		{name: "flipped byte", key: string(goodKey), file: flip(ciphertext, len(ciphertext)-5), wantMsg: "corrupted or truncated"},
		{name: "not an age file", key: string(goodKey), file: []byte("SECRET_KEY=" + canary + "\n"), wantMsg: "corrupted or truncated"},
		{name: "missing file", key: string(goodKey), file: []byte{}, wantErr: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			must(t, os.WriteFile(cfg.KeyPath, []byte(tt.key), 0o600))
			switch {
			case tt.file == nil:
				must(t, os.WriteFile(cfg.Path, ciphertext, 0o600))
			case len(tt.file) == 0:
				os.Remove(cfg.Path)
			default:
				must(t, os.WriteFile(cfg.Path, tt.file, 0o600))
			}
			_, err := OpenFile(cfg)
			if err == nil {
				t.Fatal("OpenFile succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantMsg)
			}
			if leaks(err.Error()) || strings.Contains(err.Error(), other.String()[16:40]) {
				t.Errorf("error leaks: %v", err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func TestFileKeyPermissions(t *testing.T) {
	cfg := testConfig(t)
	_, err := InitFile(cfg)
	must(t, err)
	must(t, os.Chmod(cfg.KeyPath, 0o644))
	var buf bytes.Buffer
	cfg.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	if _, err := OpenFile(cfg); err != nil {
		t.Fatalf("lenient open: %v", err)
	}
	if !strings.Contains(buf.String(), `"level":"WARN"`) || !strings.Contains(buf.String(), cfg.KeyPath) || strings.Contains(buf.String(), "AGE-SECRET-KEY") {
		t.Errorf("warning = %s", buf.String())
	}
	cfg.Strict = true
	if _, err := OpenFile(cfg); !errors.Is(err, ErrInsecurePermissions) {
		t.Errorf("strict open: %v, want ErrInsecurePermissions", err)
	}
	// The encrypted file may be public: it is meant to be committed.
	must(t, os.Chmod(cfg.KeyPath, 0o600))
	must(t, os.Chmod(cfg.Path, 0o644))
	if _, err := OpenFile(cfg); err != nil {
		t.Errorf("strict open with public ciphertext: %v", err)
	}
}

func TestFileSetValidation(t *testing.T) {
	f := newTestFile(t)
	tests := []struct {
		name, key, value string
	}{
		{"empty value", "A", ""},
		{"NUL byte", "A", "a\x00b"},
		{"escape sequence", "A", "\x1b[31m"},
		{"invalid UTF-8", "A", "\xff\xfe"},
		{"invalid name", "A-B", "v"},
		{"path traversal name", "../x", "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.Set(tt.key, New(tt.value)); err == nil {
				t.Fatal("Set accepted it")
			}
		})
	}
	if len(f.Names()) != 0 {
		t.Errorf("rejected values were stored: %v", f.Names())
	}
}

func TestFileReplaceJSON(t *testing.T) {
	f := newTestFile(t)
	must(t, f.Set("OLD", New("x")))
	must(t, f.ReplaceJSON([]byte(`{"NEW": "`+canary+`", "B": "b"}`)))
	if strings.Join(f.Names(), ",") != "B,NEW" {
		t.Errorf("Names = %v", f.Names())
	}
	exported := f.ExportJSON()
	if exported.Reveal() != "{\n  \"B\": \"b\",\n  \"NEW\": \""+canary+"\"\n}\n" {
		t.Errorf("ExportJSON = %q", exported.Reveal())
	}
	if exported.String() != Redacted {
		t.Error("ExportJSON is not redacted")
	}
	err := f.ReplaceJSON([]byte("{\n  \"A\": \"" + canary + "\",\n  \"A\": \"x\"\n}"))
	if err == nil || !strings.Contains(err.Error(), "line 3") || leaks(err.Error()) {
		t.Errorf("duplicate: %v", err)
	}
	if strings.Join(f.Names(), ",") != "B,NEW" {
		t.Error("a failed ReplaceJSON changed the secrets")
	}
}

func TestRotateMaster(t *testing.T) {
	cfg := testConfig(t)
	f, err := InitFile(cfg)
	must(t, err)
	must(t, f.Set("SECRET_KEY", New(canary)))
	must(t, f.Save())
	oldKey, _ := os.ReadFile(cfg.KeyPath)
	oldCiphertext, _ := os.ReadFile(cfg.Path)

	backup, err := f.RotateMaster()
	must(t, err)
	if b, _ := os.ReadFile(backup); !bytes.Equal(b, oldKey) {
		t.Fatal("backup does not hold the old key")
	}
	if info, _ := os.Stat(backup); info.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", info.Mode())
	}
	newKey, _ := os.ReadFile(cfg.KeyPath)
	if bytes.Equal(newKey, oldKey) {
		t.Fatal("key unchanged")
	}
	g, err := OpenFile(cfg)
	must(t, err)
	if s, _ := Get(context.Background(), g, "SECRET_KEY"); s.Reveal() != canary {
		t.Fatal("value lost in rotation")
	}
	// The new file is encrypted to the new key only.
	oldID, _ := parseMasterKey(New(string(oldKey)), "old")
	newCiphertext, _ := os.ReadFile(cfg.Path)
	if _, err := age.Decrypt(bytes.NewReader(newCiphertext), oldID); err == nil {
		t.Error("old key still decrypts the rotated file")
	}
	// The backup still opens older copies of the file.
	if _, err := age.Decrypt(bytes.NewReader(oldCiphertext), oldID); err != nil {
		t.Error("backup cannot decrypt the old file")
	}
	// The opened File keeps working with the new key.
	must(t, f.Set("MORE", New("m")))
	must(t, f.Save())
	if _, err := OpenFile(cfg); err != nil {
		t.Fatal(err)
	}
	// A key file replaced behind the File's back stops rotation.
	other, _ := age.GenerateX25519Identity()
	must(t, os.WriteFile(cfg.KeyPath, []byte(other.String()), 0o600))
	if _, err := f.RotateMaster(); err == nil {
		t.Error("rotation with a changed key file succeeded")
	}
}

func BenchmarkFileLookup(b *testing.B) {
	dir := b.TempDir()
	f, err := InitFile(FileConfig{Path: filepath.Join(dir, "s.age"), KeyPath: filepath.Join(dir, "k")})
	if err != nil {
		b.Fatal(err)
	}
	_ = f.Set("SECRET_KEY", GenerateKey())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = f.Lookup(ctx, "SECRET_KEY")
	}
}
