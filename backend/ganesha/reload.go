package ganesha

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// SIGHUP reloads a running ganesha.nfsd by signal, the way its systemd
// unit does (ExecReload: kill -HUP). ganesha 4.3 without DBus adds,
// removes and updates EXPORT blocks on SIGHUP and keeps serving the
// exports that did not change (measured; see the README).
type SIGHUP struct {
	// PIDFile is ganesha.nfsd's pid file (its -p, /run/ganesha/ganesha.pid
	// by default).
	PIDFile string
}

// daemonName is ganesha's process name (/proc/<pid>/comm).
const daemonName = "ganesha.nfsd"

// Reload signals the process the pid file names, once it has checked that
// the process is ganesha.nfsd: a stale pid file must not signal whatever
// process has the number now.
func (s SIGHUP) Reload() error {
	raw, err := os.ReadFile(s.PIDFile)
	if err != nil {
		return fmt.Errorf("ganesha: is ganesha.nfsd running? %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid < 1 {
		return fmt.Errorf("ganesha: pid file %s holds no pid: %q", s.PIDFile, bytes.TrimSpace(raw))
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return fmt.Errorf("ganesha: ganesha.nfsd (pid %d, from %s) is not running: %w", pid, s.PIDFile, err)
	}
	if name := string(bytes.TrimSpace(comm)); name != daemonName {
		return fmt.Errorf("ganesha: pid %d (from %s) is %s, not %s", pid, s.PIDFile, name, daemonName)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("ganesha: signal ganesha.nfsd (pid %d): %w", pid, err)
	}
	return nil
}
