// Command notesprof runs the notes application in process with the CPU
// profiler on, so that the end-to-end gap to the bare server (e2e.sh) can
// be attributed: it takes notes' own flags, serves until SIGINT or SIGTERM,
// then writes the profile.
//
//	go run ./cmd/notesprof -cpuprofile /tmp/notes.pprof -- -addr 127.0.0.1:18080 -db /tmp/n.db
//	# log in, run wrk against /protected, then kill -INT the process
//	go tool pprof -top /tmp/notes.pprof
//
// PROFILE=1 ./e2e.sh does all of that.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/rampartgo/rampart/internal/notes/app"
)

func main() {
	out := flag.String("cpuprofile", "notes.pprof", "where to write the CPU profile")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "notesprof:", err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "notesprof:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, flag.Args(), os.Environ(), os.Stdout, os.Stderr, nil)
	stop()
	pprof.StopCPUProfile()
	f.Close()
	os.Exit(code)
}
