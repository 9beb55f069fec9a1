package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// defaultGCPercent is serve's garbage collection target. manilite's live
// heap is small (a few MB: the spec, the policy, the connection pools), so
// with Go's default of 100 the collector runs every few hundred requests
// and takes a fifth of a show's CPU (measured: 36 µs a show at 100, 29 µs
// at 400, BenchmarkShowShareInProcess). At 400 the heap stays within five
// times a small live heap.
const defaultGCPercent = 400

// applyGCPercent sets the GC target unless GOGC is set, which an operator
// chose and which wins; 0 leaves the runtime's setting alone.
func applyGCPercent(percent int, log *slog.Logger) {
	if percent == 0 {
		return
	}
	if v, ok := os.LookupEnv("GOGC"); ok {
		log.Info("GOGC is set: --gc-percent ignored", "GOGC", v)
		return
	}
	debug.SetGCPercent(percent)
}
