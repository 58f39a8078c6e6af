package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rampart": main,
	})
}

// TestScripts runs the end-to-end flows in testdata/script against the
// real binary: init, set, get, list, edit (with EDITOR set to scripts),
// rotate-master, wrong keys, refusals and permission warnings.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Isolate the scripts from the developer's environment.
			for _, k := range []string{"RAMPART_MASTER_KEY", "RAMPART_MASTER_KEY_FILE", "RAMPART_SECRETS_FILE", "EDITOR", "VISUAL"} {
				env.Setenv(k, "")
			}
			// Under -race every exec of the binary would otherwise sleep
			// 1 s at exit (the race runtime's atexit_sleep_ms default).
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// emptydir DIR: DIR exists and holds no entries.
			"emptydir": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: emptydir DIR")
				}
				entries, err := os.ReadDir(ts.MkAbs(args[0]))
				ts.Check(err)
				if empty := len(entries) == 0; empty == neg {
					ts.Fatalf("%s has %d entries", args[0], len(entries))
				}
			},
			// mode PERM FILE: FILE has permissions PERM (octal).
			"mode": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: mode PERM FILE")
				}
				info, err := os.Stat(ts.MkAbs(args[1]))
				ts.Check(err)
				if got := fmt.Sprintf("%04o", info.Mode().Perm()); (got == args[0]) == neg {
					ts.Fatalf("%s has mode %s, want %s", args[1], got, args[0])
				}
			},
			// glob PATTERN: exactly one file matches PATTERN.
			"glob": func(ts *testscript.TestScript, neg bool, args []string) {
				matches, err := filepath.Glob(ts.MkAbs(args[0]))
				ts.Check(err)
				if (len(matches) == 1) == neg {
					ts.Fatalf("%s matches %v", args[0], matches)
				}
			},
		},
	})
}

// TestExitCodes checks the codes scripts rely on: 0 ok, 1 failure, 2 usage.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.age")
	key := filepath.Join(dir, "k")
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"no command", nil, "", exitUsage},
		{"unknown command", []string{"frobnicate"}, "", exitUsage},
		{"help", []string{"-h"}, "", exitOK},
		{"secrets help", []string{"secrets", "-h"}, "", exitOK},
		{"unknown flag", []string{"secrets", "list", "-nope"}, "", exitUsage},
		{"missing subcommand", []string{"secrets"}, "", exitUsage},
		{"set without name", []string{"secrets", "set", "-file", file}, "", exitUsage},
		{"set with value in argv", []string{"secrets", "set", "A", "hunter2"}, "", exitUsage},
		{"get with bad name", []string{"secrets", "get", "../x"}, "", exitUsage},
		{"keys without subcommand", []string{"keys"}, "", exitUsage},
		{"keys generate extra arg", []string{"keys", "generate", "x"}, "", exitUsage},
		{"list before init", []string{"secrets", "list", "-file", file, "-key", key}, "", exitFailure},
		{"init", []string{"secrets", "init", "-file", file, "-key", key}, "", exitOK},
		{"init again", []string{"secrets", "init", "-file", file, "-key", key}, "", exitFailure},
		{"set", []string{"secrets", "set", "-file", file, "-key", key, "A"}, "value\n", exitOK},
		{"flags after name", []string{"secrets", "get", "A", "-file", file, "-key", key}, "", exitOK},
		{"get missing", []string{"secrets", "get", "-file", file, "-key", key, "B"}, "", exitFailure},
		{"empty value", []string{"secrets", "set", "-file", file, "-key", key, "B"}, "\n", exitFailure},
		{"keys generate", []string{"keys", "generate"}, "", exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if got != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", got, tt.want, stderr.String())
			}
			if strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("stderr echoes an argument that may be a value: %s", stderr.String())
			}
			if got == exitUsage && !strings.Contains(stderr.String(), "rampart: hint: ") {
				t.Errorf("usage error without hint: %s", stderr.String())
			}
			if got == exitFailure && !strings.HasPrefix(stderr.String(), "rampart: error: ") {
				t.Errorf("failure without error line: %s", stderr.String())
			}
		})
	}
}
