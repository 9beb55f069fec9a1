// Package benchreport collects the figures `make bench` prints at the end:
// each throughput test adds its lines here, and the Makefile shows the file
// once every package has run, so the ratios measured side by side in one
// run read as one table.
package benchreport

import (
	"fmt"
	"os"
	"sync"
)

// EnvFile names the file the figures are appended to; without it Add only
// prints.
const EnvFile = "MANILITE_BENCH_REPORT"

var mu sync.Mutex

// Add prints one figure and appends it to the report file, if one is set.
func Add(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	fmt.Println(line)
	name := os.Getenv(EnvFile)
	if name == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchreport: %v\n", err)
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}
