package ganesha

import (
	"strings"
	"testing"
)

var testServer = Server{Port: 2049, Bind: "127.0.0.1"}

const preamble = `# nfs-ganesha configuration written by manilite, which rewrites all of it
# whenever an NFS share's access rules change: edit manilite's flags, not
# this file. ganesha reads NFS_CORE_PARAM and NFSv4 when it starts, and the
# EXPORT blocks again on SIGHUP.

NFS_CORE_PARAM {
	NFS_Port = 2049;
	Bind_addr = 127.0.0.1;
	Protocols = 4;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Enable_UDP = false;
}

NFSv4 {
}

LOG {
	Default_Log_Level = EVENT;
}
`

const exportA = `
# share-a
EXPORT {
	Export_Id = 1;
	Path = "/srv/manilite/shares/share-a";
	Pseudo = "/share-a";
	Protocols = 4;
	Transports = TCP;
	SecType = sys;
	Squash = No_Root_Squash;
	Access_Type = None;
	FSAL {
		Name = VFS;
	}
	CLIENT {
		Clients = 10.0.0.0/8, 192.168.1.7;
		Access_Type = RO;
		Protocols = 4;
	}
	CLIENT {
		Clients = 127.0.0.1, 172.16.0.0/12;
		Access_Type = RW;
		Protocols = 4;
	}
}
`

const exportC = `
# share-c
EXPORT {
	Export_Id = 7;
	Path = "/srv/manilite/shares/share c #1";
	Pseudo = "/share-c";
	Protocols = 4;
	Transports = TCP;
	SecType = sys;
	Squash = No_Root_Squash;
	Access_Type = None;
	FSAL {
		Name = VFS;
	}
	CLIENT {
		Clients = 0.0.0.0;
		Access_Type = RO;
		Protocols = 4;
	}
}
`

func shareA() Export {
	return Export{ID: 1, Name: "share-a", Path: "/srv/manilite/shares/share-a", Pseudo: "/share-a", Clients: []Client{
		{Addr: "127.0.0.1"}, {Addr: "10.0.0.0/8", ReadOnly: true}, {Addr: "172.16.0.0/12"}, {Addr: "192.168.1.7", ReadOnly: true},
	}}
}

// shareB has no client: it is not exported.
func shareB() Export {
	return Export{ID: 3, Name: "share-b", Path: "/srv/manilite/shares/share-b", Pseudo: "/share-b"}
}

func shareC() Export {
	return Export{ID: 7, Name: "share-c", Path: "/srv/manilite/shares/share c #1", Pseudo: "/share-c",
		Clients: []Client{{Addr: "0.0.0.0", ReadOnly: true}}}
}

func TestRender(t *testing.T) {
	for _, c := range []struct {
		name    string
		srv     Server
		exports []Export
		want    string
	}{
		{"nothing exported", testServer, nil, preamble},
		{"rw, ro and CIDR clients; a share without rules left out; by Export_Id",
			testServer, []Export{shareC(), shareB(), shareA()}, preamble + exportA + exportC},
		// The same state after share-a's rules are all denied.
		{"an export removed", testServer, []Export{shareC(), shareB(), {ID: 1, Name: "share-a", Path: "/srv/manilite/shares/share-a", Pseudo: "/share-a"}},
			preamble + exportC},
		{"graceless, recovery root, another port and address",
			Server{Port: 12049, Bind: "192.0.2.10", Graceless: true, RecoveryRoot: "/var/lib/manilite/ganesha"}, nil,
			strings.NewReplacer("NFS_Port = 2049", "NFS_Port = 12049", "Bind_addr = 127.0.0.1", "Bind_addr = 192.0.2.10",
				"NFSv4 {\n}", "NFSv4 {\n\tGraceless = true;\n\tRecoveryRoot = \"/var/lib/manilite/ganesha\";\n}").Replace(preamble)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Render(c.srv, c.exports)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("rendered\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestRenderRefuses(t *testing.T) {
	a := shareA()
	withPath := func(p string) Export { e := shareA(); e.Path = p; return e }
	for _, c := range []struct {
		name    string
		srv     Server
		exports []Export
		want    string
	}{
		{"port 0", Server{Bind: "127.0.0.1"}, nil, "ganesha: NFS port 0 is not between 1 and 65535"},
		{"port too big", Server{Port: 70000, Bind: "127.0.0.1"}, nil, "ganesha: NFS port 70000 is not between 1 and 65535"},
		{"bind name", Server{Port: 2049, Bind: "localhost"}, nil, `ganesha: bind address "localhost" is not an IP address`},
		{"relative recovery root", Server{Port: 2049, Bind: "127.0.0.1", RecoveryRoot: "rec"}, nil,
			`ganesha: recovery root "rec" is not an absolute, clean path`},
		{"same id", testServer, []Export{a, {ID: 1, Name: "other", Path: "/x", Pseudo: "/other"}},
			"ganesha: exports share-a and other have the same Export_Id 1"},
		{"id 0", testServer, []Export{{ID: 0, Name: "zero", Path: "/x", Pseudo: "/x"}}, "ganesha: export zero: Export_Id 0 is not between 1 and 65535"},
		{"id too big", testServer, []Export{{ID: 65536, Name: "big", Path: "/x", Pseudo: "/x"}}, "ganesha: export big: Export_Id 65536 is not between 1 and 65535"},
		{"quote in path", testServer, []Export{withPath(`/srv/a"b`)}, `ganesha: export share-a path "/srv/a\"b" has a character ganesha's configuration cannot quote`},
		{"backslash in path", testServer, []Export{withPath(`/srv/a\b`)}, `ganesha: export share-a path "/srv/a\\b" has a character ganesha's configuration cannot quote`},
		{"newline in path", testServer, []Export{withPath("/srv/a\nb")}, `ganesha: export share-a path "/srv/a\nb" has a character ganesha's configuration cannot quote`},
		{"unclean path", testServer, []Export{withPath("/srv/../etc")}, `ganesha: export share-a path "/srv/../etc" is not an absolute, clean path`},
		{"relative path", testServer, []Export{withPath("srv/a")}, `ganesha: export share-a path "srv/a" is not an absolute, clean path`},
		{"pseudo root", testServer, []Export{{ID: 2, Name: "root", Path: "/x", Pseudo: "/", Clients: a.Clients}},
			"ganesha: export root: the pseudo path / is the pseudo file system's root"},
		{"client not normalized", testServer, []Export{{ID: 2, Name: "n", Path: "/x", Pseudo: "/n", Clients: []Client{{Addr: "10.0.0.1/32"}}}},
			`ganesha: export n: client "10.0.0.1/32" is not as ClientAddr writes it`},
		{"client not an address", testServer, []Export{{ID: 2, Name: "n", Path: "/x", Pseudo: "/n", Clients: []Client{{Addr: "*"}}}},
			`ganesha: export n: client "*" is not as ClientAddr writes it`},
		{"line break in name", testServer, []Export{{ID: 2, Name: "a\nEXPORT {", Path: "/x", Pseudo: "/n", Clients: a.Clients}},
			`ganesha: export name "a\nEXPORT {" has a line break`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Render(c.srv, c.exports)
			if err == nil {
				t.Fatalf("rendered, want error %q:\n%s", c.want, got)
			}
			if err.Error() != c.want {
				t.Errorf("error %q, want %q", err, c.want)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{in: "127.0.0.1", want: "127.0.0.1"},
		{in: "10.0.0.1/32", want: "10.0.0.1"},
		{in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{in: "192.168.0.0/31", want: "192.168.0.0/31"},
		{in: "0.0.0.0/0", want: "0.0.0.0"},
		{in: "0.0.0.0", err: "ganesha: 0.0.0.0 would let every client in"},
		{in: "0.0.0.0/32", err: "ganesha: 0.0.0.0 would let every client in"},
		{in: "10.0.0.1/8", err: "ganesha: 10.0.0.1/8 has host bits set"},
		{in: "::1", err: "ganesha: ::1: only IPv4 clients are exported (ganesha's configuration misreads IPv6 networks)"},
		{in: "2001:db8::/64", err: "ganesha: 2001:db8::/64: only IPv4 clients are exported (ganesha's configuration misreads IPv6 networks)"},
		{in: "::ffff:10.0.0.1", err: "ganesha: ::ffff:10.0.0.1: only IPv4 clients are exported (ganesha's configuration misreads IPv6 networks)"},
		{in: "alice", err: `ganesha: "alice" is not an IP address or network`},
		{in: "10.0.0.0/33", err: `ganesha: "10.0.0.0/33" is not an IP address or network`},
		{in: "", err: `ganesha: "" is not an IP address or network`},
	} {
		got, err := ClientAddr(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ClientAddr(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("ClientAddr(%q) = %q, %v; want error %q", c.in, got, err, c.err)
		}
	}
}
