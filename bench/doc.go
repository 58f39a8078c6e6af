// Package bench compares rampart with the libraries people combine today, in
// one binary and one run, so that benchstat can put them side by side.
//
// Every benchmark is named Benchmark<Area>/impl=<implementation>[/...] so
// that `go tool benchstat -col /impl` gives one column per implementation.
// See README.md for the commands and the recorded results.
package bench
