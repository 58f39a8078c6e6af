package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
)

// Secret names the application requires or accepts.
const (
	// SecretKey is the master secret fed to keys.NewRing. Required.
	SecretKey = "SECRET_KEY"
	// SecretKeyPrevious is the master secret before the last rotation.
	// Optional: values signed under it keep verifying until it is removed.
	SecretKeyPrevious = "SECRET_KEY_PREVIOUS"
)

// LoadSecrets resolves the application's secrets and returns the key ring
// derived from SECRET_KEY (and SECRET_KEY_PREVIOUS when set).
//
// Providers are asked in order: the environment (SECRET_KEY, or a file
// named by SECRET_KEY_FILE), then the encrypted secrets file
// (cfg.SecretsFile, unlocked by cfg.MasterKeyFile), when it exists.
//
// In production every problem fails the start: a missing, short,
// low-entropy or placeholder secret, an unreadable secrets file or a master
// key readable by group or others. The returned error is a
// *secrets.RequireError (one line per problem) or a plain one-line error.
//
// In dev mode a missing SECRET_KEY is generated into the secrets file
// (created, with its 0600 master key, if absent) and a loud warning says
// so: convenient on a laptop, never silent. A weak dev secret only warns.
func LoadSecrets(ctx context.Context, cfg Config, log *slog.Logger) (*keys.Ring, error) {
	prod := cfg.IsProduction()
	env := &secrets.EnvProvider{Strict: prod, Logger: log}
	fcfg := secrets.FileConfig{Path: cfg.SecretsFile, KeyPath: cfg.MasterKeyFile, Strict: prod, Logger: log}

	providers := []secrets.Provider{env}
	file, err := secrets.OpenFile(fcfg)
	switch {
	case err == nil:
		providers = append(providers, file)
	case errors.Is(err, fs.ErrNotExist) && !exists(secretsFilePath(cfg)):
		// No secrets file: the environment alone must provide the secrets.
	default:
		return nil, fmt.Errorf("secrets file: %w", err)
	}
	chain := secrets.Chain(providers...)

	if !prod {
		_, found, err := secrets.Lookup(ctx, chain, SecretKey)
		if err != nil {
			return nil, err
		}
		if !found {
			if file, err = generateDevSecret(fcfg, file); err != nil {
				return nil, fmt.Errorf("dev mode: generating %s: %w", SecretKey, err)
			}
			log.Warn("!!! DEV MODE: GENERATED A NEW RANDOM SECRET_KEY !!! It is stored in the encrypted secrets file and its master key (mode 0600). Never use this in production: set SECRET_KEY from a secrets manager and run with -env production.",
				slog.String("secrets_file", file.Path()), slog.String("master_key", file.KeySource()))
			chain = secrets.Chain(env, file)
		}
	}

	reqs := []secrets.Requirement{{Name: SecretKey}}
	prev, hasPrev, err := secrets.Lookup(ctx, chain, SecretKeyPrevious)
	if err != nil {
		return nil, err
	}
	if hasPrev {
		reqs = append(reqs, secrets.Requirement{Name: SecretKeyPrevious})
	}
	if err := secrets.Require(ctx, chain, reqs...); err != nil {
		var re *secrets.RequireError
		if prod || !errors.As(err, &re) {
			return nil, err
		}
		for _, p := range re.Problems {
			log.Warn("!!! DEV MODE: WEAK SECRET, production mode would refuse to start: " + p.String())
		}
	}
	master, err := secrets.Get(ctx, chain, SecretKey)
	if err != nil {
		return nil, err
	}
	var previous []secrets.Secret
	if hasPrev {
		previous = append(previous, prev)
	}
	return keys.NewRing(master, previous...)
}

// generateDevSecret stores a fresh SECRET_KEY in file, creating the file
// (and its master key) when file is nil.
func generateDevSecret(fcfg secrets.FileConfig, file *secrets.File) (*secrets.File, error) {
	if file == nil {
		var err error
		if file, err = secrets.InitFile(fcfg); err != nil {
			return nil, err
		}
	}
	if err := file.Set(SecretKey, secrets.GenerateKey()); err != nil {
		return nil, err
	}
	return file, file.Save()
}

// secretsFilePath mirrors the secrets package's default resolution, to tell
// "there is no secrets file" (fine) from "the master key is missing" (not).
func secretsFilePath(cfg Config) string {
	if cfg.SecretsFile != "" {
		return cfg.SecretsFile
	}
	if p := os.Getenv(secrets.SecretsFileEnv); p != "" {
		return p
	}
	return secrets.DefaultFilePath
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
