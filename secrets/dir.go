package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
)

// DirProvider reads secrets from a directory holding one file per secret,
// such as /run/secrets (Docker) or a mounted Kubernetes Secret. Build one
// with [Dir] or as a struct literal; do not change its fields after first
// use.
//
// For a name N it reads Path/N, or Path/n (N in lower case, the usual
// spelling of Docker secrets) when Path/N does not exist, with one trailing
// newline trimmed. Names are validated first ([ValidName]), so a name can
// never escape the directory. An empty file counts as absent.
type DirProvider struct {
	// Path is the directory. Required.
	Path string

	// Strict makes a secret file with group- or world-accessible
	// permissions an error wrapping ErrInsecurePermissions instead of a
	// logged warning. Default: false (warn), because Kubernetes mounts
	// Secrets 0644 unless told otherwise.
	Strict bool

	// Logger receives permission warnings. Default: slog.Default().
	Logger *slog.Logger

	perms permChecker
}

// Dir returns a provider reading one file per secret from the directory
// path.
func Dir(path string) *DirProvider {
	if path == "" {
		panic("rampart/secrets: Dir with empty path")
	}
	return &DirProvider{Path: path}
}

var _ Provider = (*DirProvider)(nil)

// Lookup implements [Provider]. A missing file is [ErrNotFound]; an
// unreadable one is an error.
func (d *DirProvider) Lookup(ctx context.Context, name string) (Secret, error) {
	if err := checkName(name); err != nil {
		return Secret{}, err
	}
	if err := ctx.Err(); err != nil {
		return Secret{}, err
	}
	if d.Path == "" {
		// Fail closed: an empty Path would read names relative to the
		// working directory.
		return Secret{}, errors.New("secrets: DirProvider.Path is empty")
	}
	candidates := []string{name}
	if lower := strings.ToLower(name); lower != name {
		candidates = append(candidates, lower)
	}
	for _, n := range candidates {
		path := filepath.Join(d.Path, n)
		v, err := d.perms.readSecretFile(path, d.Strict, d.Logger)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Secret{}, fmt.Errorf("secrets: %s from %s: %w", name, d, err)
		}
		if v == "" {
			break
		}
		return New(v), nil
	}
	return Secret{}, notFound(name, d)
}

// String returns "file:" and the directory, e.g. "file:/run/secrets".
func (d *DirProvider) String() string { return "file:" + d.Path }
