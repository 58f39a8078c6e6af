//go:build race

package blackbox_test

// raceBuild is true when the tests run under the race detector: the notes
// binary is then built with -race too, so the black-box load doubles as a
// race test of the whole application (and reuses the race build cache).
const raceBuild = true
