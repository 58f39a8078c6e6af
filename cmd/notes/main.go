// Command notes is rampart's reference application: a small multi-user
// notes app that uses every part of the toolkit. Its HTTP surface is fixed
// by the notes-app contract; run `notes -h` for flags and examples.
//
// The program lives in internal/notes/app so it can be tested in process;
// this file only hands it the process's arguments, environment and streams.
package main

import (
	"os"

	"github.com/rampartgo/rampart/internal/notes/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}
