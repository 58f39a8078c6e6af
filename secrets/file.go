package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/rampartgo/rampart/internal/secretsfile"
)

// Environment variables and defaults for the encrypted secrets file. The
// rampart CLI and [OpenFile] resolve them the same way, so
// `rampart secrets set` writes what the application reads.
const (
	// SecretsFileEnv names the encrypted secrets file when FileConfig.Path
	// is empty.
	SecretsFileEnv = "RAMPART_SECRETS_FILE"
	// MasterKeyEnv holds the master key itself (an age X25519 identity,
	// "AGE-SECRET-KEY-1…"), for platforms that inject secrets as
	// environment variables.
	MasterKeyEnv = "RAMPART_MASTER_KEY"
	// MasterKeyFileEnv names the master key file when FileConfig.KeyPath
	// is empty.
	MasterKeyFileEnv = "RAMPART_MASTER_KEY_FILE"
	// DefaultFilePath is the encrypted secrets file used when neither
	// FileConfig.Path nor RAMPART_SECRETS_FILE is set.
	DefaultFilePath = "config/secrets.age"
	// DefaultKeyFileName is the master key file, beside the secrets file,
	// used when no other key source is configured.
	DefaultKeyFileName = "master.key"
)

// ErrWrongMasterKey is wrapped by the error returned when the secrets file
// was not encrypted to the master key that was found.
var ErrWrongMasterKey = errors.New("secrets: wrong master key")

// ErrNoMasterKey is wrapped by the error returned when no master key is
// configured: no FileConfig.MasterKey, no RAMPART_MASTER_KEY and no key file.
var ErrNoMasterKey = errors.New("secrets: no master key")

// FileConfig locates an encrypted secrets file and its master key. The zero
// value uses the defaults described on each field.
//
// The master key is taken from the first of: MasterKey; the file KeyPath;
// the RAMPART_MASTER_KEY variable; the file named by RAMPART_MASTER_KEY_FILE;
// master.key beside the secrets file. Explicit configuration wins over the
// environment, which wins over defaults.
type FileConfig struct {
	// Path is the encrypted secrets file.
	// Default: $RAMPART_SECRETS_FILE, else "config/secrets.age".
	Path string

	// KeyPath is the master key file (mode 0600, never committed).
	// Default: $RAMPART_MASTER_KEY (the key itself) if set, else
	// $RAMPART_MASTER_KEY_FILE, else "master.key" beside Path.
	KeyPath string

	// MasterKey, if set, is the master key itself and overrides every other
	// source. Default: unset.
	MasterKey Secret

	// Strict makes a master key file with group- or world-accessible
	// permissions an error wrapping ErrInsecurePermissions instead of a
	// logged warning. Set it in production. The encrypted file itself may
	// be public (it is meant to be committed). Default: false (warn).
	Strict bool

	// Logger receives permission warnings. Default: slog.Default().
	Logger *slog.Logger
}

// File is an opened encrypted secrets file (see the package doc for the
// format). It is a [Provider] serving the values decrypted at open, and an
// editor: [File.Set] and [File.Delete] change the values in memory and
// [File.Save] writes them back. Methods are safe for concurrent use. Get a
// File from [OpenFile] or [InitFile]; the zero File is not usable.
type File struct {
	path      string
	keyPath   string // the key file, or "" when the key came from elsewhere
	keySource string // where the key came from, for messages

	mu       sync.RWMutex
	identity *age.X25519Identity
	entries  map[string]string
}

var _ Provider = (*File)(nil)

func (cfg FileConfig) path() string {
	if cfg.Path != "" {
		return cfg.Path
	}
	if p := os.Getenv(SecretsFileEnv); p != "" {
		return p
	}
	return DefaultFilePath
}

// keySource is where a master key comes from: a value, or a file path.
type keySource struct {
	value Secret // set when the key is given directly
	path  string // set when the key lives in a file
	name  string // for messages
}

func (cfg FileConfig) keySource(secretsPath string) keySource {
	switch {
	case !cfg.MasterKey.IsZero():
		return keySource{value: cfg.MasterKey, name: "FileConfig.MasterKey"}
	case cfg.KeyPath != "":
		return keySource{path: cfg.KeyPath, name: cfg.KeyPath}
	}
	if v := os.Getenv(MasterKeyEnv); v != "" {
		return keySource{value: New(v), name: MasterKeyEnv}
	}
	if p := os.Getenv(MasterKeyFileEnv); p != "" {
		return keySource{path: p, name: p}
	}
	p := filepath.Join(filepath.Dir(secretsPath), DefaultKeyFileName)
	return keySource{path: p, name: p}
}

// parseMasterKey parses an age X25519 identity. Blank lines and lines
// starting with # are ignored (age-keygen writes such comments). The
// error never includes any part of the input.
func parseMasterKey(s Secret, source string) (*age.X25519Identity, error) {
	var key string
	for line := range strings.SplitSeq(s.Reveal(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if key != "" {
			return nil, fmt.Errorf("secrets: master key from %s holds more than one key line", source)
		}
		key = line
	}
	if key == "" {
		return nil, fmt.Errorf("%w: master key from %s is empty", ErrNoMasterKey, source)
	}
	id, err := age.ParseX25519Identity(key)
	if err != nil {
		// age's message can quote part of the input: drop it.
		return nil, fmt.Errorf("secrets: master key from %s is not an age X25519 identity (AGE-SECRET-KEY-1…)", source)
	}
	return id, nil
}

func (ks keySource) load(cfg FileConfig) (*age.X25519Identity, error) {
	if ks.path == "" {
		return parseMasterKey(ks.value, ks.name)
	}
	var pc permChecker
	v, err := pc.readSecretFile(ks.path, cfg.Strict, cfg.Logger)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist and %s is not set", ErrNoMasterKey, ks.path, MasterKeyEnv)
	}
	if errors.Is(err, ErrInsecurePermissions) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: reading master key: %w", err)
	}
	return parseMasterKey(New(v), ks.name)
}

// OpenFile decrypts the secrets file described by cfg. The error wraps
// [fs.ErrNotExist] when the file does not exist, [ErrNoMasterKey] when no
// key is configured, and [ErrWrongMasterKey] when the key does not fit.
func OpenFile(cfg FileConfig) (*File, error) {
	path := cfg.path()
	ks := cfg.keySource(path)
	ciphertext, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: opening secrets file: %w", err)
	}
	id, err := ks.load(cfg)
	if err != nil {
		return nil, err
	}
	entries, err := secretsfile.Open(ciphertext, id)
	if err != nil {
		return nil, openError(path, ks.name, err)
	}
	return &File{path: path, keyPath: ks.path, keySource: ks.name, identity: id, entries: entries}, nil
}

func openError(path, source string, err error) error {
	switch {
	case errors.Is(err, secretsfile.ErrWrongKey):
		return fmt.Errorf("%w: %s was not encrypted to the master key from %s", ErrWrongMasterKey, path, source)
	case errors.Is(err, secretsfile.ErrCorrupt):
		return fmt.Errorf("secrets: %s: %w", path, err)
	default:
		return fmt.Errorf("secrets: %s: malformed contents: %w", path, err)
	}
}

// InitFile creates a new, empty encrypted secrets file and, unless a master
// key is already configured through FileConfig.MasterKey or
// RAMPART_MASTER_KEY, a new master key file (mode 0600). Parent directories
// are created as needed. It never overwrites: if the secrets file or the key
// file to be created exists, it returns an error wrapping [fs.ErrExist].
func InitFile(cfg FileConfig) (*File, error) {
	path := cfg.path()
	ks := cfg.keySource(path)
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("secrets: %s: %w; refusing to overwrite", path, fs.ErrExist)
	}
	var id *age.X25519Identity
	var err error
	if ks.path == "" {
		if id, err = ks.load(cfg); err != nil {
			return nil, err
		}
	} else {
		if _, err := os.Lstat(ks.path); err == nil {
			return nil, fmt.Errorf("secrets: master key %s: %w; refusing to overwrite", ks.path, fs.ErrExist)
		}
		if id, err = age.GenerateX25519Identity(); err != nil {
			return nil, err
		}
	}
	f := &File{path: path, keyPath: ks.path, keySource: ks.name, identity: id, entries: map[string]string{}}
	ciphertext, err := secretsfile.Seal(f.entries, id.Recipient())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if ks.path != "" {
		if err := os.MkdirAll(filepath.Dir(ks.path), 0o700); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		if err := writeNewFile(ks.path, masterKeyFile(id, path)); err != nil {
			return nil, fmt.Errorf("secrets: writing master key: %w", err)
		}
	}
	if err := writeNewFile(path, ciphertext); err != nil {
		if ks.path != "" {
			os.Remove(ks.path) // nothing is encrypted to it yet
		}
		return nil, fmt.Errorf("secrets: writing secrets file: %w", err)
	}
	return f, nil
}

func masterKeyFile(id *age.X25519Identity, secretsPath string) []byte {
	return fmt.Appendf(nil, "# rampart master key for %s: keep it secret, never commit it.\n# public key: %s\n%s\n",
		secretsPath, id.Recipient(), id)
}

// writeNewFile creates path with mode 0600, failing if it exists.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// writeFileAtomic replaces path with data (mode 0600) through a temporary
// file in the same directory and a rename, so readers see the old or the
// new contents, never a mix.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Lookup implements [Provider].
func (f *File) Lookup(ctx context.Context, name string) (Secret, error) {
	if err := checkName(name); err != nil {
		return Secret{}, err
	}
	if err := ctx.Err(); err != nil {
		return Secret{}, err
	}
	f.mu.RLock()
	v, ok := f.entries[name]
	f.mu.RUnlock()
	if !ok {
		return Secret{}, notFound(name, f)
	}
	return New(v), nil
}

// String returns "encrypted:" and the file's path.
func (f *File) String() string { return "encrypted:" + f.path }

// Path returns the encrypted file's path.
func (f *File) Path() string { return f.path }

// KeySource returns where the master key came from: a file path,
// "RAMPART_MASTER_KEY" or "FileConfig.MasterKey".
func (f *File) KeySource() string { return f.keySource }

// Names returns the names of the stored secrets, sorted.
func (f *File) Names() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	names := make([]string, 0, len(f.entries))
	for n := range f.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Set stores value under name in memory; call [File.Save] to write it.
// The value must be non-empty UTF-8 without control characters other than
// tab, CR and LF.
func (f *File) Set(name string, value Secret) error {
	if err := checkName(name); err != nil {
		return err
	}
	if !secretsfile.ValidValue(value.Reveal()) {
		return fmt.Errorf("secrets: value for %s is empty, not UTF-8, or contains control characters", name)
	}
	f.mu.Lock()
	f.entries[name] = value.Reveal()
	f.mu.Unlock()
	return nil
}

// Delete removes name in memory and reports whether it was present; call
// [File.Save] to write the change.
func (f *File) Delete(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.entries[name]
	delete(f.entries, name)
	return ok
}

// ExportJSON returns every secret as the JSON object of the file format
// (names sorted, one per line), for an editor. It is wrapped in a Secret
// because it holds every value.
func (f *File) ExportJSON() Secret {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return New(string(secretsfile.EncodeJSON(f.entries)))
}

// ReplaceJSON parses a JSON object in the format [File.ExportJSON] writes
// and, if it is valid, replaces every secret with its contents (in memory;
// call [File.Save]). The parser is strict: see the package doc. Errors
// give line numbers, never values.
func (f *File) ReplaceJSON(data []byte) error {
	m, err := secretsfile.ParseJSON(data)
	if err != nil {
		return fmt.Errorf("secrets: invalid secrets JSON: %w", err)
	}
	f.mu.Lock()
	f.entries = m
	f.mu.Unlock()
	return nil
}

// Save encrypts the secrets to the master key and atomically replaces the
// file (temporary file and rename, mode 0600).
func (f *File) Save() error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.save(f.identity.Recipient())
}

func (f *File) save(recipients ...age.Recipient) error {
	ciphertext, err := secretsfile.Seal(f.entries, recipients...)
	if err != nil {
		return fmt.Errorf("secrets: encrypting: %w", err)
	}
	if err := writeFileAtomic(f.path, ciphertext); err != nil {
		return fmt.Errorf("secrets: writing %s: %w", f.path, err)
	}
	return nil
}

// RotateMaster replaces the master key with a new one and re-encrypts the
// file to it. It works only when the key came from a key file, which it
// rewrites; a key given through RAMPART_MASTER_KEY or FileConfig.MasterKey
// must be rotated where it is stored.
//
// The old key is kept beside the key file as
// master.key.old-YYYYMMDDTHHMMSSZ (mode 0600) and its path returned: earlier
// revisions of the secrets file in version control are still encrypted to
// it. Delete it once they no longer matter.
//
// Every step leaves a state some key can decrypt: the file is first
// encrypted to both keys, then the key file is replaced, then the file is
// encrypted to the new key alone.
func (f *File) RotateMaster() (backup string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keyPath == "" {
		return "", fmt.Errorf("secrets: the master key comes from %s, not a key file; rotate it there", f.keySource)
	}
	old := f.identity
	next, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	oldKey, err := os.ReadFile(f.keyPath)
	if err != nil {
		return "", fmt.Errorf("secrets: reading master key: %w", err)
	}
	if id, err := parseMasterKey(New(string(oldKey)), f.keyPath); err != nil || !New(id.String()).EqualString(old.String()) {
		return "", fmt.Errorf("secrets: %s changed since the secrets file was opened", f.keyPath)
	}
	backup = f.keyPath + ".old-" + time.Now().UTC().Format("20060102T150405Z")
	if err := writeNewFile(backup, oldKey); err != nil {
		return "", fmt.Errorf("secrets: backing up master key: %w", err)
	}
	if err := f.save(old.Recipient(), next.Recipient()); err != nil {
		return backup, err
	}
	if err := writeFileAtomic(f.keyPath, masterKeyFile(next, f.path)); err != nil {
		return backup, fmt.Errorf("secrets: writing new master key: %w", err)
	}
	f.identity = next
	if err := f.save(next.Recipient()); err != nil {
		return backup, err
	}
	return backup, nil
}
