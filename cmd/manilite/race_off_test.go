//go:build !race

package main

// raceSlowdown scales the deadlines of timing tests: 1 without the race
// detector.
const raceSlowdown = 1
