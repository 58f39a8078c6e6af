package secrets

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// EnvProvider reads secrets from environment variables. Build one with
// [Env] or as a struct literal; do not change its fields after first use.
//
// For a name N it reads Prefix+N, or the file named by Prefix+N+"_FILE"
// (the Docker and Kubernetes convention, e.g. POSTGRES_PASSWORD_FILE), with
// one trailing newline trimmed. Setting both is an error rather than a
// silent choice. An empty variable counts as absent.
type EnvProvider struct {
	// Prefix is prepended to every name, e.g. "MYAPP_". Default: none.
	Prefix string

	// Strict makes a _FILE with group- or world-accessible permissions an
	// error wrapping ErrInsecurePermissions instead of a logged warning.
	// Default: false (warn).
	Strict bool

	// Logger receives permission warnings. Default: slog.Default().
	Logger *slog.Logger

	// LookupEnv reads one variable; programs that receive their
	// environment as a value (for testability) pass a lookup over it.
	// Default: os.LookupEnv.
	LookupEnv func(key string) (string, bool)

	perms permChecker
}

// Env returns a provider reading environment variables named prefix+name
// (and prefix+name+"_FILE").
func Env(prefix string) *EnvProvider { return &EnvProvider{Prefix: prefix} }

var _ Provider = (*EnvProvider)(nil)

// Lookup implements [Provider].
func (e *EnvProvider) Lookup(ctx context.Context, name string) (Secret, error) {
	if err := checkName(name); err != nil {
		return Secret{}, err
	}
	if err := ctx.Err(); err != nil {
		return Secret{}, err
	}
	lookup := e.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	key := e.Prefix + name
	value, _ := lookup(key)
	path, _ := lookup(key + "_FILE")
	switch {
	case value != "" && path != "":
		return Secret{}, fmt.Errorf("secrets: both %s and %s_FILE are set in the environment; set only one", key, key)
	case value != "":
		return New(value), nil
	case path != "":
		v, err := e.perms.readSecretFile(path, e.Strict, e.Logger)
		if err != nil {
			return Secret{}, fmt.Errorf("secrets: %s_FILE: %w", key, err)
		}
		if v == "" {
			return Secret{}, notFound(name, e)
		}
		return New(v), nil
	}
	return Secret{}, notFound(name, e)
}

// String returns "env", or "env:PREFIX" with a prefix.
func (e *EnvProvider) String() string {
	if e.Prefix == "" {
		return "env"
	}
	return "env:" + e.Prefix
}
