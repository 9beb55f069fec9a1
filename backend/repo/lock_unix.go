//go:build unix

package repo

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// processNamespace identifies where this process's pid means something:
// the kernel's boot id and the pid namespace. Empty if unknown (not
// Linux), and then locks are only ever stale by their age.
func processNamespace() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(boot)) + "/" + ns
}

// processGone reports whether no process pid exists (here).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
