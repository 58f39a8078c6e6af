package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rampartgo/rampart/internal/notes/config"
	"github.com/rampartgo/rampart/internal/notes/store"
	"github.com/rampartgo/rampart/internal/notes/web"
	"github.com/rampartgo/rampart/secrets"
)

// Server limits. ReadHeaderTimeout is what stops slowloris; the others
// bound how long one client can hold a connection.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 15 * time.Second
	openStoreTimeout  = 30 * time.Second
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // configuration, secrets, startup or serving failure
	exitUsage = 2 // bad flags
)

// Main is the notes program: it runs until SIGINT or SIGTERM and returns
// the process exit code. cmd/notes calls it with os.Args[1:] and
// os.Environ(); secrets are read from the process environment.
func Main(args, environ []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, environ, stdout, stderr, nil)
}

// Run is Main with the lifetime given by ctx: cancelling ctx shuts the
// server down gracefully. ready, if not nil, is called with the listening
// address once the server accepts connections. -h usage goes to stdout;
// errors go to stderr as "notes: error: ..." lines, one per problem.
// environ supplies NOTES_ENV; secrets are read by the secrets package's
// providers, which consult the process environment.
func Run(ctx context.Context, args, environ []string, stdout, stderr io.Writer, ready func(net.Addr)) int {
	var flagOut bytes.Buffer
	cfg, err := config.Parse(args, environ, &flagOut)
	var problems config.Problems
	switch {
	case errors.Is(err, config.ErrHelp):
		stdout.Write(flagOut.Bytes())
		return exitOK
	case errors.As(err, &problems):
		// Report the secrets' problems too, so a production operator
		// fixes everything in one pass. LoadSecrets writes nothing in
		// production; in dev mode it is skipped until the flags are right.
		if !cfg.IsProduction() {
			return fail(stderr, err)
		}
	case err != nil:
		stderr.Write(flagOut.Bytes())
		return exitUsage
	}

	log := newLogger(cfg, stderr)
	ring, serr := config.LoadSecrets(ctx, cfg, log)
	if err != nil || serr != nil {
		return fail(stderr, err, serr)
	}
	var tlsCert tls.Certificate
	if cfg.ServeTLS() {
		if tlsCert, err = tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
			return fail(stderr, fmt.Errorf("TLS: %w", err))
		}
	}

	openCtx, cancel := context.WithTimeout(ctx, openStoreTimeout)
	st, err := store.Open(openCtx, cfg.DB)
	cancel()
	if err != nil {
		return fail(stderr, fmt.Errorf("database: %w", err))
	}
	defer st.Close()
	openCtx, cancel = context.WithTimeout(ctx, openStoreTimeout)
	b, err := OpenBackends(openCtx, cfg, st, log)
	cancel()
	if err != nil {
		return fail(stderr, err)
	}
	defer b.Close()
	tmpl, err := web.Parse()
	if err != nil {
		return fail(stderr, err)
	}
	a := New(Deps{Config: cfg, Logger: log, Store: st, Templates: tmpl, Keys: ring,
		SessionStore: b.Sessions, ThrottleStore: b.Throttle, TokenStore: b.Tokens, RememberStore: b.Remember})

	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(stderr, fmt.Errorf("listen: %w", err))
	}
	scheme := "http"
	if cfg.ServeTLS() {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{tlsCert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	if !cfg.IsProduction() && !cfg.ServeTLS() {
		log.Warn("dev mode: serving plain HTTP; production mode requires TLS or -behind-proxy")
	}
	log.Info("notes listening", slog.String("url", scheme+"://"+ln.Addr().String()),
		slog.String("mode", string(cfg.Mode)), slog.String("session_store", string(cfg.Store)))

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-serveErr:
		return fail(stderr, fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("graceful shutdown incomplete", slog.Any("err", err))
		return exitError
	}
	return exitOK
}

// newLogger logs text in dev mode and JSON in production, from
// cfg.LogLevel up.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.IsProduction() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// fail writes one "notes: error:" line per problem in errs and returns the
// error exit code.
func fail(stderr io.Writer, errs ...error) int {
	for _, err := range errs {
		for _, line := range errorLines(err) {
			fmt.Fprintf(stderr, "notes: error: %s\n", line)
		}
	}
	return exitError
}

func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	var re *secrets.RequireError
	if errors.As(err, &re) {
		lines := make([]string, len(re.Problems))
		for i, p := range re.Problems {
			lines[i] = strings.TrimPrefix(p.String(), "rampart: ")
		}
		return lines
	}
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
