// Command notesprof runs the notes application in process with the CPU
// profiler on, so that the end-to-end gap to the bare server (e2e.sh) can
// be attributed: it takes notes' own flags, serves until SIGINT or SIGTERM,
// then writes the profile.
//
//	go run ./cmd/notesprof -cpuprofile /tmp/notes.pprof -- -addr 127.0.0.1:18080 -db /tmp/n.db
//	# log in, run wrk against /protected, then kill -INT the process
//	go tool pprof -top /tmp/notes.pprof
//
// PROFILE=1 ./e2e.sh does all of that. -heapprofile also writes the live
// heap at exit (what each GC cycle marks).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/rampartgo/rampart/internal/notes/app"
)

func main() {
	out := flag.String("cpuprofile", "notes.pprof", "where to write the CPU profile")
	heap := flag.String("heapprofile", "", "also write a heap profile (live objects after a GC) here on exit")
	flag.Parse()
	if *heap != "" {
		// Record every allocation, so that the profile accounts for the
		// whole live heap (this slows the program down).
		runtime.MemProfileRate = 1
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "notesprof:", err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "notesprof:", err)
		os.Exit(1)
	}
	// The heap profile is taken at the signal, while the app still holds
	// what it holds under load, and only then is the app stopped.
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		if *heap != "" {
			if err := writeHeap(*heap); err != nil {
				fmt.Fprintln(os.Stderr, "notesprof:", err)
			}
		}
		cancel()
	}()
	code := app.Run(ctx, flag.Args(), os.Environ(), os.Stdout, os.Stderr, nil)
	pprof.StopCPUProfile()
	f.Close()
	os.Exit(code)
}

// writeHeap writes the heap profile after a GC, so that its in-use
// numbers are the live heap every GC cycle must mark.
func writeHeap(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
