//go:build race

package main

// raceDetector: the tests run with -race, and so do the server processes
// they build (see serverBinary).
const raceDetector = true
