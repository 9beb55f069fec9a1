//go:build race

package main

// raceSlowdown scales the deadlines of timing tests: the race detector
// makes the server several times slower (a reload runs some 400 Rego tests).
const raceSlowdown = 3
