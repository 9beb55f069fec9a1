package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The NFS data plane end to end: the real server with --nfs ganesha, a
// real ganesha.nfsd (Debian's nfs-ganesha, nfs-ganesha-vfs) on a free port
// of 127.0.0.1, and libnfs's userspace client (libnfs-utils) as the NFS
// client.

// nfsTools skips the test unless it runs as root with ganesha.nfsd and
// libnfs's nfs-ls, nfs-cat and nfs-cp; with CI=true it fails instead.
func nfsTools(t *testing.T) {
	t.Helper()
	var missing []string
	for _, name := range []string{"ganesha.nfsd", "nfs-ls", "nfs-cat", "nfs-cp"} {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	reason := ""
	switch {
	case len(missing) > 0:
		reason = "not installed: " + strings.Join(missing, ", ") + " (apt-get install nfs-ganesha nfs-ganesha-vfs libnfs-utils)"
	case os.Geteuid() != 0:
		reason = "ganesha.nfsd must run as root"
	default:
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the NFS round trip cannot run, and CI=true: %s; .ci/run installs the packages and runs as root", reason)
	}
	t.Skipf("%s; with CI=true this test fails instead", reason)
}

// freePort is a TCP port of 127.0.0.1 free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// ganeshaFiles are a test's ganesha files and port, in its own folder.
type ganeshaFiles struct {
	dir, config, pidFile, log string
	port                      int
}

func newGaneshaFiles(t *testing.T) ganeshaFiles {
	dir := t.TempDir()
	return ganeshaFiles{dir: dir, config: filepath.Join(dir, "ganesha.conf"), pidFile: filepath.Join(dir, "ganesha.pid"),
		log: filepath.Join(dir, "ganesha.log"), port: freePort(t)}
}

// withGanesha sets the server's options for these files.
func (g ganeshaFiles) withGanesha(o *options) {
	o.NFS = "ganesha"
	o.Ganesha = ganeshaOptions{Config: g.config, PIDFile: g.pidFile, Port: g.port, Bind: "127.0.0.1",
		Graceless: true, RecoveryRoot: filepath.Join(g.dir, "recovery")}
}

// startGanesha runs ganesha.nfsd in the foreground on the configuration
// manilite wrote, until the test ends, and waits until it answers.
func startGanesha(t *testing.T, g ganeshaFiles) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(g.dir, "recovery"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ganesha.nfsd", "-F", "-L", g.log, "-f", g.config, "-p", g.pidFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("ganesha.nfsd did not stop on SIGTERM")
		}
		if t.Failed() {
			logTail(t, g)
		}
	})
	waitFor(t, 20*time.Second, "ganesha.nfsd to answer", func() bool {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("ganesha.nfsd exited: %v\n%s", err, out.String())
		default:
		}
		_, err := nfsRun(g.port, "nfs-ls", "/")
		return err == nil
	})
}

func logTail(t *testing.T, g ganeshaFiles) {
	b, _ := os.ReadFile(g.log)
	lines := strings.Split(string(b), "\n")
	t.Logf("ganesha log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
	conf, _ := os.ReadFile(g.config)
	t.Logf("ganesha configuration:\n%s", conf)
}

// nfsURL is libnfs's URL of path on the test's server, NFSv4 on port.
func nfsURL(port int, path string) string {
	return "nfs://127.0.0.1" + path + "?version=4&nfsport=" + strconv.Itoa(port)
}

// nfsRun runs a libnfs tool (nfs-ls, nfs-cat) on a path of the server,
// or nfs-cp with a local file first, and returns its output.
func nfsRun(port int, tool, path string, local ...string) (string, error) {
	args := append(slices.Clone(local), nfsURL(port, path))
	out, err := exec.Command(tool, args...).CombinedOutput()
	return string(out), err
}

// nfsNames is what nfs-ls lists in a directory: the last field of each
// line, sorted.
func nfsNames(port int, path string) ([]string, error) {
	out, err := nfsRun(port, "nfs-ls", path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, out)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			names = append(names, f[len(f)-1])
		}
	}
	slices.Sort(names)
	return names, nil
}

// expectRefused fails unless the tool fails with an NFSv4 error that
// contains want (NFS4ERR_NOENT: ganesha hides an export from a client it
// does not let in; NFS4ERR_ROFS: a write to a read-only export).
func expectRefused(t *testing.T, port int, want, tool, path string, local ...string) {
	t.Helper()
	out, err := nfsRun(port, tool, path, local...)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(out, want) {
		t.Fatalf("%s %s: %v, output %q; want it refused with %s", tool, path, err, out, want)
	}
}

func denyRule(t *testing.T, ts *testServer, share, id string) {
	t.Helper()
	ts.do(t, req{method: "POST", path: "/v2/shares/" + share + "/action", token: tokMember, version: "2.99",
		body: map[string]any{"deny_access": map[string]any{"access_id": id}}}).expectStatus(t, 202)
	waitFor(t, 10*time.Second, "rule "+id+" to be deleted", func() bool { return showRule(t, ts, id).status == 404 })
}

func accessRulesStatus(t *testing.T, ts *testServer, share string) any {
	return getShare(t, ts, tokMember, "2.99", share)["access_rules_status"]
}

func writeLocal(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNFSGaneshaRoundTrip(t *testing.T) {
	nfsTools(t)
	g := newGaneshaFiles(t)
	ts := startServer(t, g.withGanesha)
	// manilite wrote the file at start (no exports yet); ganesha starts on it.
	startGanesha(t, g)
	port := g.port
	a := availableShare(t, ts, tokMember, nil)
	b := availableShare(t, ts, tokMember, nil)
	writeLocal(t, filepath.Join(sharePath(ts, a), "hello.txt"), "hello from share a\n")
	writeLocal(t, filepath.Join(sharePath(ts, b), "b.txt"), "share b\n")
	local := filepath.Join(t.TempDir(), "upload.txt")
	writeLocal(t, local, "written over NFS\n")

	// Nothing is exported before a rule allows it, and a share of another
	// protocol never is: its rules are records.
	expectRefused(t, port, "NFS4ERR_NOENT", "nfs-ls", "/"+a)
	cifs := availableShare(t, ts, tokMember, map[string]any{"share_proto": "CIFS"})
	c := allowRule(t, ts, tokMember, "2.99", cifs, "ip", "127.0.0.1")
	waitRuleState(t, ts, c["id"].(string), "active")

	rw := allowRule(t, ts, tokMember, "2.99", a, "ip", "127.0.0.1")
	allowRule(t, ts, tokMember, "2.99", b, "ip", "127.0.0.0/8")
	waitRuleState(t, ts, rw["id"].(string), "active")
	if s := accessRulesStatus(t, ts, a); s != "active" {
		t.Fatalf("access_rules_status %v", s)
	}
	// active means written and ganesha told; it reloads on its own time.
	waitFor(t, 10*time.Second, "share a's export", func() bool { _, err := nfsNames(port, "/"+a); return err == nil })
	bServes := func(when string) {
		t.Helper()
		waitFor(t, 10*time.Second, "share b's export", func() bool { _, err := nfsNames(port, "/"+b); return err == nil })
		if out, err := nfsRun(port, "nfs-cat", "/"+b+"/b.txt"); err != nil || out != "share b\n" {
			t.Fatalf("%s: share b reads %q, %v", when, out, err)
		}
	}
	bServes("both allowed")
	if names, err := nfsNames(port, "/"+a); err != nil || !slices.Equal(names, []string{"hello.txt"}) {
		t.Fatalf("share a lists %v, %v", names, err)
	}
	if out, err := nfsRun(port, "nfs-cat", "/"+a+"/hello.txt"); err != nil || out != "hello from share a\n" {
		t.Fatalf("nfs-cat = %q, %v", out, err)
	}
	if out, err := nfsRun(port, "nfs-cp", "/"+a+"/upload.txt", local); err != nil {
		t.Fatalf("nfs-cp to a rw export: %v: %s", err, out)
	}
	if got, err := os.ReadFile(filepath.Join(sharePath(ts, a), "upload.txt")); err != nil || string(got) != "written over NFS\n" {
		t.Fatalf("the share's directory has %q, %v", got, err)
	}

	// Denied: the export goes, the other share's stays.
	denyRule(t, ts, a, rw["id"].(string))
	waitFor(t, 10*time.Second, "share a's export to go", func() bool { _, err := nfsNames(port, "/"+a); return err != nil })
	expectRefused(t, port, "NFS4ERR_NOENT", "nfs-ls", "/"+a)
	bServes("a denied")

	// Read-only (as 127.0.0.1/32): reads work, a write is refused and
	// leaves nothing. The export was gone, so the first listing that works
	// is of the read-only one.
	ro := ts.do(t, req{method: "POST", path: "/v2/shares/" + a + "/action", token: tokMember, version: "2.99",
		body: map[string]any{"allow_access": map[string]any{"access_type": "ip", "access_to": "127.0.0.1/32", "access_level": "ro"}}}).
		expectStatus(t, 200).json(t)["access"].(map[string]any)
	waitRuleState(t, ts, ro["id"].(string), "active")
	waitFor(t, 10*time.Second, "share a's read-only export", func() bool { _, err := nfsNames(port, "/"+a); return err == nil })
	if out, err := nfsRun(port, "nfs-cat", "/"+a+"/upload.txt"); err != nil || out != "written over NFS\n" {
		t.Fatalf("read-only read: %q, %v", out, err)
	}
	expectRefused(t, port, "NFS4ERR_ROFS", "nfs-cp", "/"+a+"/refused.txt", local)
	if _, err := os.Stat(filepath.Join(sharePath(ts, a), "refused.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused write left a file: %v", err)
	}
	bServes("a read-only")

	// Changed to rw in place (2.88's update_access): writes work again.
	ts.do(t, req{method: "PUT", path: "/v2/share-access-rules/" + ro["id"].(string), token: tokMember, version: "2.99",
		body: map[string]any{"update_access": map[string]any{"access_level": "rw"}}}).expectStatus(t, 200)
	if got := waitRuleState(t, ts, ro["id"].(string), "active"); got["access_level"] != "rw" {
		t.Fatalf("rule %v", got)
	}
	waitFor(t, 10*time.Second, "share a to take writes again", func() bool {
		_, err := nfsRun(port, "nfs-cp", "/"+a+"/again.txt", local)
		return err == nil
	})
	if got, err := os.ReadFile(filepath.Join(sharePath(ts, a), "again.txt")); err != nil || string(got) != "written over NFS\n" {
		t.Fatalf("the share's directory has %q, %v", got, err)
	}

	// Another address only: the export stays for 10.0.0.0/8, 127.0.0.1 is out.
	other := allowRule(t, ts, tokMember, "2.99", a, "ip", "10.0.0.0/8")
	waitRuleState(t, ts, other["id"].(string), "active")
	denyRule(t, ts, a, ro["id"].(string))
	waitFor(t, 10*time.Second, "127.0.0.1 to be out of share a", func() bool { _, err := nfsNames(port, "/"+a); return err != nil })
	expectRefused(t, port, "NFS4ERR_NOENT", "nfs-cat", "/"+a+"/hello.txt")
	if conf, err := os.ReadFile(g.config); err != nil || !strings.Contains(string(conf), "\tPseudo = \"/"+a+"\";") ||
		!strings.Contains(string(conf), "\t\tClients = 10.0.0.0/8;\n\t\tAccess_Type = RW;") {
		t.Fatalf("share a's export for 10.0.0.0/8 is not in the configuration (%v):\n%s", err, conf)
	}
	bServes("a for another address")

	// Ganesha takes ip rules only: another type is in error, with the
	// share's access_rules_status, until it is denied.
	user := allowRule(t, ts, tokMember, "2.99", a, "user", "alice")
	waitRuleState(t, ts, user["id"].(string), "error")
	waitFor(t, 10*time.Second, "access_rules_status error", func() bool { return accessRulesStatus(t, ts, a) == "error" })
	denyRule(t, ts, a, user["id"].(string))
	if s := accessRulesStatus(t, ts, a); s != "active" {
		t.Fatalf("access_rules_status after the error rule is denied: %v", s)
	}

	// A restart of manilite renders the same file again, from scratch.
	before, err := os.ReadFile(g.config)
	if err != nil {
		t.Fatal(err)
	}
	ts.stop()
	if err := os.Remove(g.config); err != nil {
		t.Fatal(err)
	}
	ts.start()
	if after, err := os.ReadFile(g.config); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("after a restart the configuration is (%v)\n%s\nwas\n%s", err, after, before)
	}
	bServes("manilite restarted")

	// Deleting a share removes its export before its directory.
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + b, token: tokMember}).expectStatus(t, 202)
	waitShareGone(t, ts, b)
	waitFor(t, 10*time.Second, "share b's export to go", func() bool { _, err := nfsNames(port, "/"+b); return err != nil })
	expectRefused(t, port, "NFS4ERR_NOENT", "nfs-ls", "/"+b)
	conf, err := os.ReadFile(g.config)
	if err != nil || strings.Contains(string(conf), b) || strings.Contains(string(conf), cifs) || !strings.Contains(string(conf), a) {
		t.Fatalf("the configuration should hold share a's export only (%v):\n%s", err, conf)
	}
	expectRefused(t, port, "NFS4ERR_NOENT", "nfs-ls", "/"+cifs)
}

// Without a ganesha to reload, the data plane fails for good: as Manila's
// share manager does, the rules being applied and the share's
// access_rules_status go to error; the file is written all the same, for
// ganesha to read when it starts. This needs no ganesha installed.
func TestNFSGaneshaReloadFails(t *testing.T) {
	g := newGaneshaFiles(t)
	ts := startServer(t, g.withGanesha)
	conf, err := os.ReadFile(g.config)
	if err != nil {
		t.Fatalf("no configuration written at start: %v", err)
	}
	if strings.Contains(string(conf), "EXPORT {") || !strings.Contains(string(conf), fmt.Sprintf("\tNFS_Port = %d;\n\tBind_addr = 127.0.0.1;\n", g.port)) {
		t.Fatalf("configuration at start:\n%s", conf)
	}
	sh := availableShare(t, ts, tokMember, nil)
	r := allowRule(t, ts, tokMember, "2.99", sh, "ip", "10.0.0.1")
	waitRuleState(t, ts, r["id"].(string), "error")
	if s := accessRulesStatus(t, ts, sh); s != "error" {
		t.Fatalf("access_rules_status %v, want error", s)
	}
	conf, _ = os.ReadFile(g.config)
	if !strings.Contains(string(conf), "\tPseudo = \"/"+sh+"\";") || !strings.Contains(string(conf), "\t\tClients = 10.0.0.1;\n\t\tAccess_Type = RW;") {
		t.Fatalf("the export was not written:\n%s", conf)
	}
	// A rule in error grants nothing: the next render leaves it out.
	allowRule(t, ts, tokMember, "2.99", sh, "ip", "10.0.0.2")
	waitFor(t, 10*time.Second, "the next render", func() bool {
		conf, _ = os.ReadFile(g.config)
		return strings.Contains(string(conf), "\t\tClients = 10.0.0.2;\n")
	})
	if strings.Contains(string(conf), "10.0.0.1") {
		t.Fatalf("a rule in error is exported:\n%s", conf)
	}

	for _, bad := range []func(*options){
		func(o *options) { o.NFS = "kernel" },
		func(o *options) { o.Ganesha.Config = "" },
		func(o *options) { o.Ganesha.Port = 0 },
		func(o *options) { o.Ganesha.Config = filepath.Join(g.dir, "missing", "ganesha.conf") },
	} {
		o := testOptions(t.TempDir())
		g.withGanesha(&o)
		bad(&o)
		if a, err := newApp(t.Context(), o, quietLogger()); err == nil {
			_ = a.Close(t.Context())
			t.Errorf("started with NFS %q, ganesha options %+v", o.NFS, o.Ganesha)
		}
	}
}

// The NFS flags: off by default, and each settable from its MANILITE_
// variable.
func TestNFSFlags(t *testing.T) {
	parse := func(env map[string]string, args ...string) options {
		t.Helper()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var o options
		serveFlags(fs, &o)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := applyEnv(fs, func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := parse(nil)
	if want := (ganeshaOptions{PIDFile: "/run/ganesha/ganesha.pid", Port: 2049, Bind: "127.0.0.1"}); o.NFS != "none" || o.Ganesha != want {
		t.Errorf("defaults: --nfs %q, %+v; want none, %+v", o.NFS, o.Ganesha, want)
	}
	o = parse(map[string]string{
		"MANILITE_NFS":                       "ganesha",
		"MANILITE_NFS_GANESHA_CONFIG":        "/etc/manilite/ganesha.conf",
		"MANILITE_NFS_GANESHA_PIDFILE":       "/run/g.pid",
		"MANILITE_NFS_GANESHA_PORT":          "12049",
		"MANILITE_NFS_GANESHA_BIND":          "0.0.0.0",
		"MANILITE_NFS_GANESHA_GRACELESS":     "true",
		"MANILITE_NFS_GANESHA_RECOVERY_ROOT": "/var/lib/manilite/ganesha",
	}, "--nfs-ganesha-port", "2050")
	want := ganeshaOptions{Config: "/etc/manilite/ganesha.conf", PIDFile: "/run/g.pid", Port: 2050, Bind: "0.0.0.0",
		Graceless: true, RecoveryRoot: "/var/lib/manilite/ganesha"}
	if o.NFS != "ganesha" || o.Ganesha != want {
		t.Errorf("from the environment: --nfs %q, %+v; want ganesha, %+v", o.NFS, o.Ganesha, want)
	}
}
