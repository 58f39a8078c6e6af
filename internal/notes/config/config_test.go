package config

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	c, err := Parse(nil, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DB != "notes.db" || c.Mode != Dev || c.Store != StoreSQLite || c.StoreURL != "notes.db" ||
		c.RegisterLimit != DefaultRegisterLimit {
		t.Fatalf("defaults = %+v", c)
	}
	if got := strings.Join(c.TrustedProxyStrings(), ","); got != "127.0.0.0/8,::1/128" {
		t.Fatalf("trusted proxies = %s", got)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string // substring of one problem; "" = valid
		check   func(Config) bool
	}{
		{name: "env var selects production", env: []string{"NOTES_ENV=production"}, args: []string{"-behind-proxy"},
			check: func(c Config) bool { return c.IsProduction() && c.BehindProxy }},
		{name: "flag beats env var", env: []string{"NOTES_ENV=production"}, args: []string{"-env", "dev"},
			check: func(c Config) bool { return c.Mode == Dev }},
		{name: "production with TLS", args: []string{"-env", "production", "-tls-cert", "c.pem", "-tls-key", "k.pem"},
			check: func(c Config) bool { return c.ServeTLS() }},
		{name: "postgres db selects postgres store", args: []string{"-db", "postgres://u@h/db"},
			check: func(c Config) bool {
				return c.DBIsPostgres() && c.Store == StorePostgres && c.StoreURL == "postgres://u@h/db"
			}},
		{name: "redis store default url", args: []string{"-store", "redis"},
			check: func(c Config) bool { return c.Store == StoreRedis && c.StoreURL == "127.0.0.1:6379" }},
		{name: "redis url", args: []string{"-store", "redis", "-store-url", "rediss://cache:6380/2"},
			check: func(c Config) bool { return c.StoreURL == "rediss://cache:6380/2" }},
		{name: "memory store", args: []string{"-store", "memory"},
			check: func(c Config) bool { return c.Store == StoreMemory }},
		{name: "single proxy address", args: []string{"-trusted-proxies", "10.0.0.1, 10.1.0.0/16"},
			check: func(c Config) bool { return strings.Join(c.TrustedProxyStrings(), ",") == "10.0.0.1/32,10.1.0.0/16" }},
		{name: "register limit", args: []string{"-register-limit", "3"},
			check: func(c Config) bool { return c.RegisterLimit == 3 }},

		{name: "zero register limit", args: []string{"-register-limit", "0"}, wantErr: "-register-limit 0: want at least 1"},
		{name: "negative register limit", args: []string{"-register-limit", "-5"}, wantErr: "-register-limit -5"},
		{name: "production over plain HTTP", args: []string{"-env", "production"}, wantErr: "production mode needs HTTPS"},
		{name: "production with only a cert", args: []string{"-env", "production", "-tls-cert", "c.pem"}, wantErr: "go together"},
		{name: "unknown mode", args: []string{"-env", "staging"}, wantErr: `-env "staging"`},
		{name: "unknown store", args: []string{"-store", "mongo"}, wantErr: `-store "mongo"`},
		{name: "memory with url", args: []string{"-store", "memory", "-store-url", "x"}, wantErr: "takes no -store-url"},
		{name: "postgres store without url", args: []string{"-store", "postgres"}, wantErr: "needs -store-url"},
		{name: "postgres store with a path", args: []string{"-store", "postgres", "-store-url", "s.db"}, wantErr: "must be a postgres:// URL"},
		{name: "redis with http url", args: []string{"-store", "redis", "-store-url", "http://cache"}, wantErr: "redis://"},
		{name: "sqlite store with url", args: []string{"-store", "sqlite", "-store-url", "redis://x"}, wantErr: "file path"},
		{name: "bad proxy CIDR", args: []string{"-trusted-proxies", "10.0.0.0/33"}, wantErr: "-trusted-proxies"},
		{name: "empty db", args: []string{"-db", ""}, wantErr: "-db is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.args, tt.env, io.Discard)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !tt.check(c) {
					t.Fatalf("config = %+v", c)
				}
				return
			}
			var p Problems
			if !errors.As(err, &p) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want a problem containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]string{"-env", "production", "-store", "mongo", "-tls-key", "k"}, nil, io.Discard)
	var p Problems
	if !errors.As(err, &p) || len(p) != 3 {
		t.Fatalf("problems = %q, want 3 (mode needs HTTPS, tls pair, store)", p)
	}
}

func TestParseFlagErrors(t *testing.T) {
	if _, err := Parse([]string{"-h"}, nil, io.Discard); !errors.Is(err, ErrHelp) {
		t.Fatalf("-h: err = %v", err)
	}
	if _, err := Parse([]string{"-nope"}, nil, io.Discard); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if _, err := Parse([]string{"extra"}, nil, io.Discard); err == nil {
		t.Fatal("positional argument accepted")
	}
}
