// Command bareserver is the baseline of issue 4's end-to-end benchmark: a
// bare net/http server that renders the page notes serves a logged-in user
// at GET /protected, with the same embedded templates (package
// internal/notes/web), and nothing else: no session, no CSRF token, no
// security headers, no user lookup. The nonce and token in the page are
// fixed strings of the real ones' length, so the response has the same size.
//
//	go run ./cmd/bareserver -addr 127.0.0.1:8091
//
// bench/e2e.sh runs it next to the real notes binary under wrk.
//
// With -security-headers it also sends, as fixed strings, the header set
// notes sends on that page (CSP with a nonce, Permissions-Policy, COOP,
// CORP, Referrer-Policy, Reporting-Endpoints, X-Content-Type-Options,
// X-Frame-Options, X-XSS-Protection, Vary, Cache-Control): a second
// baseline that shows what sending those ~790 bytes costs net/http (and
// wrk, which parses them on the same cores) without any rampart code.
//
//	BARE_ARGS=-security-headers ./e2e.sh
package main

import (
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/rampartgo/rampart/internal/notes/web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "listen address (loopback)")
	email := flag.String("email", "bench@example.com", "the email the page shows")
	cpuprofile := flag.String("cpuprofile", "", "profile the CPU until SIGINT or SIGTERM, then write the profile here")
	secHeaders := flag.Bool("security-headers", false, "also send notes' security header set, as fixed strings")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-sig
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(0)
		}()
	}

	tmpl, err := web.Parse()
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /protected", func(w http.ResponseWriter, r *http.Request) {
		if *secHeaders {
			h := w.Header()
			for _, kv := range securityHeaders {
				h[kv[0]] = []string{kv[1]}
			}
		}
		page := &web.Page{
			Nonce:     strings.Repeat("n", 22),
			CSRFToken: strings.Repeat("t", 86),
			User:      &web.User{Email: *email},
		}
		if err := tmpl.Render(w, http.StatusOK, "protected", page); err != nil {
			log.Print(err)
		}
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("bareserver listening on http://%s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// securityHeaders is the header set notes sends with its logged-in page
// in dev mode (no HSTS over plain HTTP), with a fixed nonce of the real
// one's length. Keys are in canonical form.
var securityHeaders = [][2]string{
	{"Cache-Control", "no-store"},
	{"Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-qJvdgY0ycpqrTmwzvooV6w'; style-src 'self' 'nonce-qJvdgY0ycpqrTmwzvooV6w'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; report-uri /csp-report; report-to csp-endpoint"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Permissions-Policy", "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=(), xr-spatial-tracking=()"},
	{"Referrer-Policy", "strict-origin-when-cross-origin"},
	{"Reporting-Endpoints", `csp-endpoint="/csp-report"`},
	{"Vary", "Cookie"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"X-Xss-Protection", "0"},
}
