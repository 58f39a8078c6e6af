// Package blackbox_test drives the real notes binary over HTTP, as an
// outside tester would, against shared/contract/notes-app.md. Nothing here
// imports the application: TestMain builds cmd/notes once, each test talks
// to a running process through net/http and a cookie jar.
//
// Most tests share one dev-mode instance (sharedApp). Tests that count
// failed logins (throttling), change global state or need another mode
// (production over TLS, behind a proxy, another session store) start their
// own instance and run in parallel, so that the per-network failure budget
// of one instance is never the reason a test fails.
//
// # Environment
//
//   - Under -race the binary is built with -race too (GORACE
//     atexit_sleep_ms=0), and a data race or handler panic printed by the
//     server fails the test that was running.
//   - RAMPART_TEST_POSTGRES and RAMPART_TEST_REDIS: the contract's session
//     flows also run with those stores (fresh schema / random non-zero
//     database); skipped when unset.
//   - TestBrowser drives /usr/bin/chromium (headless) through the forms. It
//     skips when chromium is absent, unless RAMPART_TEST_BROWSER is set
//     (as in CI), when a missing browser fails.
//
// Tests know the app only through its HTTP contract, with two documented
// exceptions: the log output (security events, secrets never logged) and
// the key derivation of packages keys and token (TestAPIMe mints a token
// with an expired exp from the SECRET_KEY it gave the process, and proves
// the derivation right with a control row).
package blackbox_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binPath is the notes binary built by TestMain; buildErr explains why it
// is missing.
var (
	binPath  string
	buildErr error
)

var shared struct {
	once sync.Once
	app  *app
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "notes-blackbox-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "blackbox:", err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "notes")
	root, err := moduleRoot()
	if err == nil {
		args := []string{"build", "-o", binPath}
		if raceBuild {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "./cmd/notes")...)
		cmd.Dir = root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err = cmd.Run(); err != nil {
			err = fmt.Errorf("go build ./cmd/notes: %v\n%s", err, out.Bytes())
		}
	}
	buildErr = err
	code := m.Run()
	if shared.app != nil {
		if err := shared.app.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "blackbox: shared instance: %v; output:\n%s\n", err, tail(shared.app.out.String(), 3000))
			if code == 0 {
				code = 1
			}
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// moduleRoot is the directory holding go.mod, found from this package's
// directory (go test runs tests in the package directory).
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("go.mod not found above " + wd)
		}
	}
}

// appOptions choose how an instance starts.
type appOptions struct {
	// production starts with -env production over TLS, with a self-signed
	// certificate generated for 127.0.0.1.
	production bool
	// args are extra flags.
	args []string
	// env replaces nothing; it is appended to the child's environment
	// (after SECRET_KEY, so it can override it).
	env []string
	// productionPlain starts with -env production over plain HTTP (for
	// -behind-proxy).
	productionPlain bool
	// noSecretKey leaves SECRET_KEY out of the environment.
	noSecretKey bool
	// dir, when set, is the working directory holding the database and
	// secrets, kept after the process stops (for restarts). Default: a
	// fresh temporary directory removed at stop.
	dir string
}

// app is one running notes process.
type app struct {
	base    string // scheme://127.0.0.1:port
	dir     string
	keepDir bool
	secret  string // SECRET_KEY given to the process (hex)
	tlsConf *tls.Config
	cmd     *exec.Cmd
	out     *logBuffer
	done    chan struct{}
	waitErr error
}

// logBuffer collects the child's stdout and stderr.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// childEnv is the test process's environment without anything that would
// change how notes reads its configuration or secrets.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SECRET_KEY") || strings.HasPrefix(k, "RAMPART_") || strings.HasPrefix(k, "NOTES_") || k == "GORACE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GORACE=atexit_sleep_ms=0")
}

// launch starts an instance and waits until /healthz answers 200.
func launch(opts appOptions) (*app, error) {
	if buildErr != nil {
		return nil, buildErr
	}
	dir, keep := opts.dir, opts.dir != ""
	if !keep {
		var err error
		if dir, err = os.MkdirTemp("", "notes-blackbox-"); err != nil {
			return nil, err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	a := &app{dir: dir, keepDir: keep, secret: randHex(32), out: &logBuffer{}, done: make(chan struct{})}
	args := []string{
		"-addr", addr,
		"-db", filepath.Join(dir, "notes.db"),
		"-secrets-file", filepath.Join(dir, "secrets.age"),
		"-master-key", filepath.Join(dir, "master.key"),
	}
	scheme := "http"
	if opts.production {
		certFile, keyFile, pool, err := selfSignedCert(dir)
		if err != nil {
			return nil, err
		}
		args = append(args, "-env", "production", "-tls-cert", certFile, "-tls-key", keyFile)
		a.tlsConf = &tls.Config{RootCAs: pool}
		scheme = "https"
	} else if opts.productionPlain {
		args = append(args, "-env", "production")
	} else {
		args = append(args, "-env", "dev")
	}
	args = append(args, opts.args...)
	a.base = scheme + "://" + addr
	env := childEnv()
	if !opts.noSecretKey {
		env = append(env, "SECRET_KEY="+a.secret)
	}
	env = append(env, opts.env...)
	for _, kv := range opts.env {
		if v, ok := strings.CutPrefix(kv, "SECRET_KEY="); ok {
			a.secret = v // the last one wins, as in exec.Cmd
		}
	}

	a.cmd = exec.Command(binPath, args...)
	a.cmd.Dir = dir
	a.cmd.Env = env
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	if err := a.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		a.waitErr = a.cmd.Wait()
		close(a.done)
	}()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: a.tlsConf}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-a.done:
			return nil, fmt.Errorf("notes exited before /healthz answered (%v); output:\n%s", a.waitErr, a.out.String())
		default:
		}
		resp, err := hc.Get(a.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a, nil
			}
		}
		if time.Now().After(deadline) {
			a.stop()
			return nil, fmt.Errorf("notes did not answer 200 on /healthz within 20s (last: %v); output:\n%s", err, a.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the process to shut down gracefully, then kills it. It
// returns an error when the process did not exit 0 on SIGTERM within 10 s.
func (a *app) stop() error {
	var err error
	if a.cmd.Process != nil {
		a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
			if a.waitErr != nil {
				err = fmt.Errorf("notes exited with %v after SIGTERM", a.waitErr)
			}
		case <-time.After(10 * time.Second):
			a.cmd.Process.Kill()
			<-a.done
			err = errors.New("notes did not stop within 10 s of SIGTERM")
		}
	}
	if !a.keepDir {
		os.RemoveAll(a.dir)
	}
	return err
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// startApp starts a private instance for t, stopped when t ends.
func startApp(t *testing.T, opts appOptions) *app {
	t.Helper()
	a, err := launch(opts)
	if err != nil {
		t.Fatalf("starting notes: %v", err)
	}
	t.Cleanup(func() {
		if err := a.stop(); err != nil {
			t.Errorf("%v; output:\n%s", err, tail(a.out.String(), 3000))
		}
	})
	a.watch(t)
	return a
}

// sharedApp returns the dev-mode instance most tests share.
func sharedApp(t *testing.T) *app {
	t.Helper()
	shared.once.Do(func() { shared.app, shared.err = launch(appOptions{}) })
	if shared.err != nil {
		t.Fatalf("starting notes: %v", shared.err)
	}
	shared.app.watch(t)
	return shared.app
}

// watch prints the log lines the app wrote during t when t fails.
func (a *app) watch(t *testing.T) {
	start := a.out.Len()
	t.Cleanup(func() {
		s := a.out.String()
		if start > len(s) {
			start = 0
		}
		s = s[start:]
		// Whatever the answers looked like, a race or a recovered panic
		// in the server during the test is a failure of the test.
		for _, sign := range []string{"WARNING: DATA RACE", "handler panic", "panic:"} {
			if strings.Contains(s, sign) {
				t.Errorf("the server output shows %q during %s", sign, t.Name())
			}
		}
		if !t.Failed() {
			return
		}
		const max = 6000
		if len(s) > max {
			s = "..." + s[len(s)-max:]
		}
		t.Logf("notes output during %s:\n%s", t.Name(), s)
	})
}

// exited reports whether the process has ended.
func (a *app) exited() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// runNotes runs the binary to completion with args and env (added to the
// filtered environment), for start-up refusals. It returns the exit code
// and the combined output; a process still running after timeout is
// killed and reported as code -1.
func runNotes(t *testing.T, args, env []string, timeout time.Duration) (int, string) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building notes: %v", buildErr)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(childEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, out.String()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatalf("running notes: %v", err)
	}
	return 0, out.String()
}
