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
