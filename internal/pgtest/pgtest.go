// Package pgtest runs a real PostgreSQL cluster for tests: Debian's
// postgresql package, initialised with initdb in a temporary folder and
// served by its own postgres process on a free 127.0.0.1 port. The
// binaries are found in $MANILITE_PG_BIN, or in the newest
// /usr/lib/postgresql/*/bin (.ci/run installs postgresql). Without them a
// test is skipped, unless CI=true: then it fails.
//
// PostgreSQL refuses to run as root, so when the tests do (as CI does)
// the cluster runs as the postgres user the Debian package creates, its
// folder handed to that user.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the role initdb creates; it logs in without a password
// (trust authentication, on 127.0.0.1 only).
const Superuser = "manilite"

// Cluster is a running PostgreSQL server.
type Cluster struct {
	t    tb
	bin  string
	dir  string // the data directory; also the Unix socket's
	port int
	cred *syscall.Credential // whom postgres runs as; nil: as the tests do

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
	log    bytes.Buffer
	dbs    int
}

// BinDir returns the folder of initdb and postgres, or skips (fails with
// CI=true).
func BinDir(t testing.TB) string {
	t.Helper()
	return binDir(t)
}

func binDir(t tb) string {
	if p := os.Getenv("MANILITE_PG_BIN"); p != "" {
		return p
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// The newest major version: they sort numerically.
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("PostgreSQL not found (apt-get install postgresql, or set MANILITE_PG_BIN)")
	}
	t.Skip("PostgreSQL not found: apt-get install postgresql (or set MANILITE_PG_BIN)")
	return ""
}

// Start initialises a cluster and runs it until the test ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	return start(t)
}

// tb is what the cluster needs of a test: testing.TB, or mainTB.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	TempDir() string
	Cleanup(func())
}

// StartMain starts one cluster for a whole test binary, from TestMain;
// stop ends it and removes its folder. A failure (or no PostgreSQL
// installed) panics.
func StartMain() (c *Cluster, stop func()) {
	m := &mainTB{}
	defer func() {
		if p := recover(); p != nil {
			m.cleanup()
			panic(p)
		}
	}()
	return start(m), m.cleanup
}

// Main is a test binary's TestMain for tests that run on SQLite or, with
// MANILITE_TEST_DB=postgres, on PostgreSQL: in that case it starts one
// cluster for the binary and hands it to use before the tests run, and
// stops it after. It exits with the tests' code.
func Main(m *testing.M, use func(*Cluster)) {
	if os.Getenv("MANILITE_TEST_DB") != "postgres" {
		os.Exit(m.Run())
	}
	c, stop := StartMain()
	use(c)
	code := m.Run()
	stop()
	os.Exit(code)
}

type mainTB struct {
	dirs  []string
	funcs []func()
}

func (m *mainTB) Helper()                           {}
func (m *mainTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (m *mainTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (m *mainTB) Skip(args ...any)                  { panic(fmt.Sprint(args...)) }
func (m *mainTB) Cleanup(f func())                  { m.funcs = append(m.funcs, f) }
func (m *mainTB) TempDir() string {
	d, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		panic(err)
	}
	m.dirs = append(m.dirs, d)
	return d
}

func (m *mainTB) cleanup() {
	for i := len(m.funcs) - 1; i >= 0; i-- {
		m.funcs[i]()
	}
	for _, d := range m.dirs {
		os.RemoveAll(d)
	}
}

func start(t tb) *Cluster {
	c := &Cluster{t: t, bin: binDir(t)}
	parent := t.TempDir()
	c.dir = filepath.Join(parent, "data")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// The postgres user must reach the folder: t.TempDir's parents
		// are root's, mode 0700.
		for d := parent; d != filepath.Dir(d); d = filepath.Dir(d) {
			if d == os.TempDir() {
				break
			}
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(parent, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	// --no-sync: the test's cluster need not survive a power loss.
	initdb := exec.Command(filepath.Join(c.bin, "initdb"), "-D", c.dir, "-U", Superuser,
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Restart()
	t.Cleanup(c.Stop)
	return c
}

// DSN is the URL of database db on the cluster, as pgx and manilite's
// --db take it.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, c.port, db)
}

// NewDatabase creates an empty database of its own for a test and
// returns its DSN.
func (c *Cluster) NewDatabase() string {
	t := c.t
	t.Helper()
	c.mu.Lock()
	c.dbs++
	name := fmt.Sprintf("test%d", c.dbs)
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return c.DSN(name)
}

// Restart starts postgres (again, after Kill or Stop) and waits until it
// answers a query.
func (c *Cluster) Restart() {
	t := c.t
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	// fsync off: the tests kill manilite, never the machine.
	c.cmd = exec.Command(filepath.Join(c.bin, "postgres"), "-D", c.dir, "-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+c.dir,
		"-c", "fsync=off", "-c", "max_connections=200")
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	c.cmd.Stdout, c.cmd.Stderr = &c.log, &c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	c.exited = exited
	cmd := c.cmd
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.DSN("postgres"))
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("postgres exited: %v\n%s", err, c.log.String())
		case <-time.After(20 * time.Millisecond): // poll interval of the connect
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres does not answer on port %d: %v\n%s", c.port, err, c.log.String())
		}
	}
}

// Kill SIGKILLs the postmaster, as a crash would, and waits for it.
func (c *Cluster) Kill() { c.signal(syscall.SIGKILL) }

// Stop shuts the server down (fast shutdown: open sessions are ended)
// and waits for it.
func (c *Cluster) Stop() { c.signal(syscall.SIGINT) }

func (c *Cluster) signal(sig syscall.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	c.cmd.Process.Signal(sig)
	<-c.exited
	c.cmd = nil
}

// Log is what the server has written so far.
func (c *Cluster) Log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
}
