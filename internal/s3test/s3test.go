// Package s3test runs a real S3 server for tests: versitygw (the Versity
// S3 gateway, Apache-2.0) over a temporary folder. The binary is found as
// $MANILITE_VERSITYGW, on $PATH, or in ~/go/bin (`go install
// github.com/versity/versitygw/cmd/versitygw@v1.8.0`; .ci/run installs
// it). Without it a test is skipped, unless CI=true: then it fails.
package s3test

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The credentials the server takes.
const (
	AccessKey = "manilite-test"
	SecretKey = "manilite-test-secret"
)

// Server is a running versitygw.
type Server struct {
	t   testing.TB
	bin string
	// Dir is the folder it serves: a bucket is a folder in it, an object
	// a file.
	Dir  string
	addr string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
	log    bytes.Buffer
}

// Binary returns versitygw's path, or skips (fails with CI=true).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("MANILITE_VERSITYGW"); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("versitygw not found (set MANILITE_VERSITYGW, or go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
	}
	t.Skip("versitygw not found: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
	return ""
}

// Start runs a server on a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), Dir: t.TempDir()}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	l.Close()
	s.Restart()
	t.Cleanup(s.Kill)
	return s
}

// Endpoint is the server's URL.
func (s *Server) Endpoint() string { return "http://" + s.addr }

// Restart starts the server (again, after Kill) on its address and waits
// until it accepts connections.
func (s *Server) Restart() {
	t := s.t
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cmd = exec.Command(s.bin, "--access", AccessKey, "--secret", SecretKey, "--port", s.addr, "posix", s.Dir)
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	s.exited = exited
	cmd := s.cmd
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("versitygw exited: %v\n%s", err, s.log.String())
		case <-time.After(20 * time.Millisecond): // poll interval of the connect
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw does not accept connections on %s\n%s", s.addr, s.log.String())
		}
	}
}

// Kill SIGKILLs the server and waits until its port refuses connections.
// It is safe to call from another goroutine than the test's.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond) // poll interval: waiting for the port to close
	}
	s.cmd = nil
}
