// Package config reads the notes application's command line and
// environment into a [Config] and checks it before anything starts.
//
// # Secure by default
//
// The zero configuration is dev mode on the loopback interface. Production
// mode (-env production or NOTES_ENV=production) refuses to start over
// plain HTTP: it needs TLS files (-tls-cert, -tls-key) or -behind-proxy,
// because session cookies are Secure and HSTS is sent outside dev mode
// (OWASP Transport Layer Security Cheat Sheet). Every problem is reported
// at once, one line each, so an operator fixes the configuration in one
// pass.
//
// # Secrets
//
// [LoadSecrets] resolves SECRET_KEY, the master secret every signing
// component derives its key from (package keys), through a chain:
// the environment (SECRET_KEY or SECRET_KEY_FILE), then the encrypted
// secrets file (package secrets). See its doc for the dev-mode fallback.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
)

// Mode is the deployment mode.
type Mode string

// The modes. Dev is the default.
const (
	Dev        Mode = "dev"
	Production Mode = "production"
)

// StoreKind says where sessions live.
type StoreKind string

// The session store kinds accepted by -store.
const (
	StoreSQLite   StoreKind = "sqlite"
	StorePostgres StoreKind = "postgres"
	StoreRedis    StoreKind = "redis"
	StoreMemory   StoreKind = "memory"
)

// DefaultRegisterLimit is the default of [Config.RegisterLimit].
const DefaultRegisterLimit = 200

// EnvMode is the environment variable that sets the mode when -env is not
// given on the command line.
const EnvMode = "NOTES_ENV"

// Config is the application's configuration. Parse fills it; its zero value
// is not meant to be used directly.
type Config struct {
	// Addr is the listen address. Default: "127.0.0.1:8080".
	Addr string

	// DB is the users-and-notes database: a SQLite file path, or a
	// postgres:// (postgresql://) URL. Default: "notes.db".
	DB string

	// Mode is dev or production. Default: $NOTES_ENV, else Dev.
	Mode Mode

	// TLSCert and TLSKey are the certificate and key files for serving
	// HTTPS directly. Both or neither. Default: none.
	TLSCert, TLSKey string

	// BehindProxy says a TLS-terminating reverse proxy sits in front, so
	// plain HTTP on Addr is acceptable in production. Default: false.
	BehindProxy bool

	// TrustedProxies lists the proxies whose X-Forwarded-* headers are
	// believed (used only with BehindProxy).
	// Default: loopback (127.0.0.0/8, ::1/128).
	TrustedProxies []netip.Prefix

	// Store is where sessions live. Default: the backend of DB (sqlite or
	// postgres).
	Store StoreKind

	// StoreURL locates the session store: a SQLite file, a postgres:// URL
	// or a redis:// URL (or host:port). Empty for memory. Default: DB for
	// sqlite and postgres, "127.0.0.1:6379" for redis.
	StoreURL string

	// SecretsFile is the encrypted secrets file. Default: the secrets
	// package default ($RAMPART_SECRETS_FILE, else config/secrets.age).
	SecretsFile string

	// MasterKeyFile is the master key of the secrets file. Default: the
	// secrets package default ($RAMPART_MASTER_KEY, $RAMPART_MASTER_KEY_FILE,
	// else master.key beside the secrets file).
	MasterKeyFile string

	// Host is the public host[:port] plain-HTTP requests are redirected to
	// (https://Host/...) in production. Without it such requests are
	// refused with 400 rather than redirected to whatever Host header the
	// client sent. Default: none.
	Host string

	// RegisterLimit is how many registration forms one client network (an
	// IPv4 address, an IPv6 /64) may post per hour; more get 429 with
	// Retry-After. Generous because a school or office behind one NAT
	// address registers together; what it stops is one client creating
	// accounts, and making the server hash passwords, by the thousand.
	// Default: DefaultRegisterLimit.
	RegisterLimit int

	// LogLevel is the minimum level logged. Request lines are logged at
	// debug level, so the default keeps the hot path free of log writes.
	// Default: slog.LevelInfo.
	LogLevel slog.Level
}

// IsProduction reports whether the configuration is in production mode.
func (c Config) IsProduction() bool { return c.Mode == Production }

// DBIsPostgres reports whether DB names a PostgreSQL database.
func (c Config) DBIsPostgres() bool { return isPostgresURL(c.DB) }

// ServeTLS reports whether the server terminates TLS itself.
func (c Config) ServeTLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// ErrHelp is returned by Parse when -h or -help was given; the usage text
// has been written.
var ErrHelp = flag.ErrHelp

// Problems is the error Parse returns for an invalid configuration: every
// problem, one line each.
type Problems []string

// Error joins the problems with newlines.
func (p Problems) Error() string { return strings.Join(p, "\n") }

const usage = `Usage: notes [flags]

notes is rampart's reference application: a small multi-user notes app.

Examples:
  notes                                   # dev mode, http://127.0.0.1:8080, SQLite notes.db
  notes -db postgres://app@db/notes       # users and notes in PostgreSQL
  notes -env production -tls-cert c.pem -tls-key k.pem
  notes -env production -behind-proxy -trusted-proxies 10.0.0.0/8 -host notes.example
  notes -store redis -store-url redis://127.0.0.1:6379/0
  notes -store memory -log-level debug    # sessions in memory, a log line per request

Secrets: SECRET_KEY (or SECRET_KEY_FILE) in the environment, else the
encrypted secrets file (rampart secrets set SECRET_KEY). In dev mode a
missing SECRET_KEY is generated into the secrets file.

Flags:
`

// Parse reads args (without the program name) and the environment (in
// os.Environ form) into a Config. Usage and flag errors go to output. It
// returns ErrHelp for -h, a flag error for bad syntax, or Problems listing
// every invalid setting.
func Parse(args, environ []string, output io.Writer) (Config, error) {
	var c Config
	var mode, store, proxies, level string
	fs := flag.NewFlagSet("notes", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen `address`")
	fs.StringVar(&c.DB, "db", "notes.db", "SQLite file `path`, or a postgres:// URL")
	fs.StringVar(&mode, "env", "", "`mode`: dev or production (default $"+EnvMode+", else dev)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate `file` (PEM)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key `file` (PEM)")
	fs.BoolVar(&c.BehindProxy, "behind-proxy", false, "a TLS-terminating reverse proxy sits in front (plain HTTP allowed in production)")
	fs.StringVar(&proxies, "trusted-proxies", "127.0.0.0/8,::1/128", "comma-separated `CIDRs` of proxies whose X-Forwarded-* headers are believed")
	fs.StringVar(&store, "store", "", "session store: sqlite, postgres, redis or memory (default: the -db backend)")
	fs.StringVar(&c.StoreURL, "store-url", "", "session store `location` (default: -db for sqlite/postgres, 127.0.0.1:6379 for redis)")
	fs.StringVar(&c.SecretsFile, "secrets-file", "", "encrypted secrets `file` (default $RAMPART_SECRETS_FILE, else config/secrets.age)")
	fs.StringVar(&c.MasterKeyFile, "master-key", "", "master key `file` of the secrets file (default $RAMPART_MASTER_KEY, $RAMPART_MASTER_KEY_FILE, else master.key beside it)")
	fs.StringVar(&c.Host, "host", "", "public `host[:port]` that plain-HTTP requests are redirected to in production (default: refuse them with 400)")
	fs.IntVar(&c.RegisterLimit, "register-limit", DefaultRegisterLimit, "registration forms one client network (IPv4 address, IPv6 /64) may post per `hour`")
	fs.StringVar(&level, "log-level", "info", "minimum log `level`: debug (adds a line per request), info, warn or error")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(output, err)
		return Config{}, err
	}
	if mode == "" {
		mode = lookup(environ, EnvMode)
	}
	var probs Problems
	switch Mode(strings.ToLower(strings.TrimSpace(mode))) {
	case "", Dev, "development":
		c.Mode = Dev
	case Production, "prod":
		c.Mode = Production
	default:
		probs = append(probs, fmt.Sprintf("-env %q: want dev or production", mode))
		c.Mode = Production // judge the rest by the stricter rules
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		probs = append(probs, fmt.Sprintf("-log-level %q: want debug, info, warn or error", level))
	}
	if c.Host != "" && (strings.ContainsAny(c.Host, "/?#@ \t") || strings.Contains(c.Host, "://")) {
		probs = append(probs, fmt.Sprintf("-host %q: want a host name with an optional port, like notes.example", c.Host))
	}
	if c.RegisterLimit < 1 {
		probs = append(probs, fmt.Sprintf("-register-limit %d: want at least 1 registration per hour", c.RegisterLimit))
	}
	if c.Addr == "" {
		probs = append(probs, "-addr is empty")
	}
	if c.DB == "" {
		probs = append(probs, "-db is empty: give a SQLite file path or a postgres:// URL")
	} else if c.DBIsPostgres() {
		if _, err := url.Parse(c.DB); err != nil {
			probs = append(probs, "-db: not a valid postgres:// URL")
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		probs = append(probs, "-tls-cert and -tls-key go together: give both or neither")
	}
	prefixes, err := parsePrefixes(proxies)
	if err != nil {
		probs = append(probs, "-trusted-proxies: "+err.Error())
	}
	c.TrustedProxies = prefixes
	probs = append(probs, c.resolveStore(store)...)
	if c.IsProduction() && !c.ServeTLS() && !c.BehindProxy {
		probs = append(probs, "production mode needs HTTPS: give -tls-cert and -tls-key, or -behind-proxy when a TLS-terminating proxy sits in front")
	}
	if len(probs) > 0 {
		return c, probs
	}
	return c, nil
}

func (c *Config) resolveStore(store string) []string {
	kind := StoreKind(strings.ToLower(strings.TrimSpace(store)))
	if kind == "" {
		kind = StoreSQLite
		if c.DBIsPostgres() {
			kind = StorePostgres
		}
	}
	c.Store = kind
	switch kind {
	case StoreSQLite:
		if c.StoreURL == "" {
			if c.DBIsPostgres() {
				return []string{"-store sqlite needs -store-url (a SQLite file path) when -db is PostgreSQL"}
			}
			c.StoreURL = c.DB
		}
		if isPostgresURL(c.StoreURL) || strings.Contains(c.StoreURL, "://") {
			return []string{"-store-url for -store sqlite must be a file path, not a URL"}
		}
	case StorePostgres:
		if c.StoreURL == "" {
			if !c.DBIsPostgres() {
				return []string{"-store postgres needs -store-url postgres://... (or -db postgres://...)"}
			}
			c.StoreURL = c.DB
		}
		if !isPostgresURL(c.StoreURL) {
			return []string{"-store-url for -store postgres must be a postgres:// URL"}
		}
		if _, err := url.Parse(c.StoreURL); err != nil {
			return []string{"-store-url: not a valid postgres:// URL"}
		}
	case StoreRedis:
		if c.StoreURL == "" {
			c.StoreURL = "127.0.0.1:6379"
		}
		if strings.Contains(c.StoreURL, "://") {
			u, err := url.Parse(c.StoreURL)
			if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
				return []string{"-store-url for -store redis must be redis://host:port[/db], rediss://... or host:port"}
			}
		} else if _, err := netip.ParseAddrPort(c.StoreURL); err != nil && !strings.Contains(c.StoreURL, ":") {
			return []string{"-store-url for -store redis must be redis://host:port[/db], rediss://... or host:port"}
		}
	case StoreMemory:
		if c.StoreURL != "" {
			return []string{"-store memory takes no -store-url"}
		}
	default:
		return []string{fmt.Sprintf("-store %q: want sqlite, postgres, redis or memory", store)}
	}
	return nil
}

func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		errs = append(errs, fmt.Errorf("%q is not an address or CIDR prefix", s))
	}
	return out, errors.Join(errs...)
}

// TrustedProxyStrings returns TrustedProxies in the text form the proxy
// package's Config expects.
func (c Config) TrustedProxyStrings() []string {
	out := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		out[i] = p.String()
	}
	return out
}

// lookup returns the last value of name in environ (os.Environ form).
func lookup(environ []string, name string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}
