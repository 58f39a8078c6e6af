package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rampartgo/rampart/secrets"
)

// A Secret prints as [REDACTED] wherever it ends up: fmt, logs, JSON.
func ExampleSecret() {
	type Config struct {
		User     string
		Password secrets.Secret
	}
	cfg := Config{User: "app", Password: secrets.New("hunter2")}

	fmt.Printf("%v %+v %q\n", cfg, cfg, cfg.Password)
	b, _ := json.Marshal(cfg)
	fmt.Println(string(b))
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("connecting", "password", cfg.Password)
	fmt.Println(cfg.Password.EqualString("hunter2"), len(cfg.Password.Reveal()))
	// Output:
	// {app [REDACTED]} {User:app Password:[REDACTED]} [REDACTED]
	// {"User":"app","Password":"[REDACTED]"}
	// level=INFO msg=connecting password=[REDACTED]
	// true 7
}

// Require reports every missing or weak secret at once, naming the secret
// and where it came from, never the value.
func ExampleRequire() {
	os.Setenv("EXAMPLE_SECRET_KEY", "your_secret_key")
	os.Setenv("EXAMPLE_SESSION_KEY", "tooshort-8d2f")
	defer os.Unsetenv("EXAMPLE_SECRET_KEY")
	defer os.Unsetenv("EXAMPLE_SESSION_KEY")

	p := secrets.Env("EXAMPLE_")
	err := secrets.Require(context.Background(), p,
		secrets.Requirement{Name: "SECRET_KEY"},
		secrets.Requirement{Name: "SESSION_KEY"},
		secrets.Requirement{Name: "DATABASE_PASSWORD", MinLen: 16},
	)
	fmt.Println(err)
	// Output:
	// rampart: SECRET_KEY from env:EXAMPLE_ is a known placeholder; generate one with `rampart keys generate`
	// rampart: SESSION_KEY from env:EXAMPLE_ is too short (13 bytes, need at least 32); generate one with `rampart keys generate`
	// rampart: DATABASE_PASSWORD is missing or empty (looked in env:EXAMPLE_); set it in one of those, e.g. with `rampart secrets set DATABASE_PASSWORD`
}

// An encrypted secrets file is created once, edited with Set and Save, and
// read as a Provider, here behind the environment in a Chain.
func ExampleInitFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	cfg := secrets.FileConfig{
		Path:    filepath.Join(dir, "config", "secrets.age"),
		KeyPath: filepath.Join(dir, "config", "master.key"),
	}

	f, err := secrets.InitFile(cfg) // refuses to overwrite an existing file
	if err != nil {
		panic(err)
	}
	_ = f.Set("SECRET_KEY", secrets.GenerateKey())
	_ = f.Set("DATABASE_PASSWORD", secrets.New("correct-horse-battery-staple"))
	if err := f.Save(); err != nil {
		panic(err)
	}

	opened, err := secrets.OpenFile(cfg)
	if err != nil {
		panic(err)
	}
	p := secrets.Chain(secrets.Env("EXAMPLE_UNSET_"), opened)
	pw, _ := secrets.Get(context.Background(), p, "DATABASE_PASSWORD")
	fmt.Println(opened.Names(), pw)
	fmt.Println(secrets.Require(context.Background(), p, secrets.Requirement{Name: "SECRET_KEY"}))
	// Output:
	// [DATABASE_PASSWORD SECRET_KEY] [REDACTED]
	// <nil>
}

func ExampleGenerateKey() {
	k := secrets.GenerateKey()
	fmt.Println(k, k.Len())
	// Output: [REDACTED] 43
}

// The dev-mode start of an application: open the secrets file, create it on
// first run, and generate any missing key into it with a loud warning.
// Production code would call Require instead and refuse to start.
func ExampleOpenFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	cfg := secrets.FileConfig{
		Path:    filepath.Join(dir, "config", "secrets.age"),
		KeyPath: filepath.Join(dir, "config", "master.key"),
	}

	f, err := secrets.OpenFile(cfg)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = secrets.InitFile(cfg) // first run
	}
	if err != nil {
		fmt.Println(err) // wrong key, unreadable file, ...: never paper over
		return
	}
	ctx := context.Background()
	if _, found, _ := secrets.Lookup(ctx, f, "SECRET_KEY"); !found {
		fmt.Println("WARNING: generated a development SECRET_KEY into", filepath.Base(f.Path()))
		_ = f.Set("SECRET_KEY", secrets.GenerateKey())
		if err := f.Save(); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(secrets.Require(ctx, f, secrets.Requirement{Name: "SECRET_KEY"}))
	// Output:
	// WARNING: generated a development SECRET_KEY into secrets.age
	// <nil>
}
