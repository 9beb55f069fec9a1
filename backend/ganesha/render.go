// Package ganesha is manilite's NFS data plane on nfs-ganesha: it renders
// the exports of every share into the one configuration file manilite owns
// and has the running ganesha.nfsd load it (Applier), one whole render at a
// time.
//
// It knows nothing of the database or of Manila: its callers say which
// shares are exported, where, and to which clients.
package ganesha

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
)

// Server is the NFS server part of the configuration: ganesha reads it when
// it starts, not when it reloads.
type Server struct {
	// Port is NFS_Port; Bind is Bind_addr, an IP address.
	Port int
	Bind string
	// Graceless skips the NFSv4 grace period (90 s after every start, in
	// which clients reclaim their state and new opens wait).
	Graceless bool
	// RecoveryRoot is where ganesha keeps its NFSv4 clients' recovery
	// records ("" is ganesha's /var/lib/nfs/ganesha).
	RecoveryRoot string
}

// Export is one share's NFSv4 export.
type Export struct {
	// ID is Export_Id (1 to 65535): ganesha tells exports apart by it on a
	// reload, so a share keeps its id and no two live shares share one.
	ID int
	// Name is said in a comment above the block (the share's id).
	Name string
	// Path is the share's directory; Pseudo its path in the NFSv4 pseudo
	// file system, where clients find it.
	Path, Pseudo string
	// Clients are who may use the export, in order (ganesha applies the
	// first CLIENT block that matches).
	Clients []Client
}

// Client is one client address or network (as ClientAddr returns it) and
// its access level.
type Client struct {
	Addr     string
	ReadOnly bool
}

// ClientAddr is an ip access rule's access_to (an IPv4 address or network)
// as ganesha's Clients list takes it: the address for a single host, and
// 0.0.0.0 for every host (ganesha's lexer reads 0.0.0.0/0 as a file path
// and refuses it; Manila's ganesha helper makes the same change). It
// refuses what ganesha would misread:
//   - IPv6: the configuration lexer of ganesha 4.3 fails on some IPv6
//     networks (::/0, 2001:db8::1/128), and such a syntax error drops the
//     whole export, every client's access with it;
//   - the single address 0.0.0.0, which ganesha matches to every client.
func ClientAddr(accessTo string) (string, error) {
	var p netip.Prefix
	var err error
	if strings.Contains(accessTo, "/") {
		p, err = netip.ParsePrefix(accessTo)
	} else {
		var a netip.Addr
		if a, err = netip.ParseAddr(accessTo); err == nil {
			p = netip.PrefixFrom(a, a.BitLen())
		}
	}
	switch {
	case err != nil:
		return "", fmt.Errorf("ganesha: %q is not an IP address or network", accessTo)
	case !p.Addr().Is4():
		return "", fmt.Errorf("ganesha: %s: only IPv4 clients are exported (ganesha's configuration misreads IPv6 networks)", accessTo)
	case p != p.Masked():
		return "", fmt.Errorf("ganesha: %s has host bits set", accessTo)
	case p.Bits() == 0:
		return everyClient, nil
	case p.IsSingleIP() && p.Addr().IsUnspecified():
		return "", fmt.Errorf("ganesha: 0.0.0.0 would let every client in")
	case p.IsSingleIP():
		return p.Addr().String(), nil
	}
	return p.String(), nil
}

// everyClient is how ganesha's Clients list says every IPv4 client.
const everyClient = "0.0.0.0"

// Render is the whole configuration: the server's blocks, then one EXPORT
// block per export, by Export_Id. An export no client may use is left out
// (Manila's ganesha helper removes the export of a share without rules),
// so ganesha refuses every client. Render refuses what would not read back
// as written: duplicate or out-of-range ids, relative or unclean paths,
// and characters a quoted ganesha string cannot hold.
func Render(srv Server, exports []Export) ([]byte, error) {
	if srv.Port < 1 || srv.Port > 65535 {
		return nil, fmt.Errorf("ganesha: NFS port %d is not between 1 and 65535", srv.Port)
	}
	bind, err := netip.ParseAddr(srv.Bind)
	if err != nil {
		return nil, fmt.Errorf("ganesha: bind address %q is not an IP address", srv.Bind)
	}
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "NFS_CORE_PARAM {\n\tNFS_Port = %d;\n\tBind_addr = %s;\n", srv.Port, bind)
	// NFSv4 only: no MOUNT, NLM or RQUOTA service, and no UDP.
	b.WriteString("\tProtocols = 4;\n\tEnable_NLM = false;\n\tEnable_RQUOTA = false;\n\tEnable_UDP = false;\n}\n\n")
	b.WriteString("NFSv4 {\n")
	if srv.Graceless {
		b.WriteString("\tGraceless = true;\n")
	}
	if srv.RecoveryRoot != "" {
		if err := checkPath("recovery root", srv.RecoveryRoot); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\tRecoveryRoot = %s;\n", quote(srv.RecoveryRoot))
	}
	b.WriteString("}\n\n")
	b.WriteString("LOG {\n\tDefault_Log_Level = EVENT;\n}\n")

	sorted := slices.SortedFunc(slices.Values(exports), func(a, b Export) int { return cmp.Compare(a.ID, b.ID) })
	for i, e := range sorted {
		if e.ID < 1 || e.ID > 65535 {
			return nil, fmt.Errorf("ganesha: export %s: Export_Id %d is not between 1 and 65535", e.Name, e.ID)
		}
		if i > 0 && sorted[i-1].ID == e.ID {
			return nil, fmt.Errorf("ganesha: exports %s and %s have the same Export_Id %d", sorted[i-1].Name, e.Name, e.ID)
		}
		if err := renderExport(&b, e); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

const header = `# nfs-ganesha configuration written by manilite, which rewrites all of it
# whenever an NFS share's access rules change: edit manilite's flags, not
# this file. ganesha reads NFS_CORE_PARAM and NFSv4 when it starts, and the
# EXPORT blocks again on SIGHUP.

`

func renderExport(b *bytes.Buffer, e Export) error {
	if err := checkPath("export "+e.Name+" path", e.Path); err != nil {
		return err
	}
	if err := checkPath("export "+e.Name+" pseudo path", e.Pseudo); err != nil {
		return err
	}
	if e.Pseudo == "/" {
		return fmt.Errorf("ganesha: export %s: the pseudo path / is the pseudo file system's root", e.Name)
	}
	var rw, ro []string
	for _, c := range e.Clients {
		if a, err := ClientAddr(c.Addr); c.Addr != everyClient && (err != nil || a != c.Addr) {
			return fmt.Errorf("ganesha: export %s: client %q is not as ClientAddr writes it", e.Name, c.Addr)
		}
		if c.ReadOnly {
			ro = append(ro, c.Addr)
		} else {
			rw = append(rw, c.Addr)
		}
	}
	if len(rw)+len(ro) == 0 {
		return nil
	}
	if strings.ContainsAny(e.Name, "\n\r") {
		return fmt.Errorf("ganesha: export name %q has a line break", e.Name)
	}
	fmt.Fprintf(b, "\n# %s\nEXPORT {\n\tExport_Id = %d;\n\tPath = %s;\n\tPseudo = %s;\n", e.Name, e.ID, quote(e.Path), quote(e.Pseudo))
	// Manila's export template: AUTH_SYS, root not squashed (the share's
	// owner decides on its files), and nobody but the CLIENT blocks.
	b.WriteString("\tProtocols = 4;\n\tTransports = TCP;\n\tSecType = sys;\n\tSquash = No_Root_Squash;\n\tAccess_Type = None;\n")
	b.WriteString("\tFSAL {\n\t\tName = VFS;\n\t}\n")
	// Read-only first, as Manila's ganesha helper orders them: a client
	// that two rules match gets the narrower access.
	for _, c := range []struct {
		addrs []string
		level string
	}{{ro, "RO"}, {rw, "RW"}} {
		if len(c.addrs) > 0 {
			// Protocols again: a CLIENT block does not take the export's, and
			// ganesha warns on every reload that it fixes up the default.
			fmt.Fprintf(b, "\tCLIENT {\n\t\tClients = %s;\n\t\tAccess_Type = %s;\n\t\tProtocols = 4;\n\t}\n", strings.Join(c.addrs, ", "), c.level)
		}
	}
	b.WriteString("}\n")
	return nil
}

// checkPath refuses a path that is not absolute and clean, or that a
// double-quoted ganesha string cannot hold as is (a quote, a backslash, a
// control character). A syntax error in the file would make ganesha drop
// every export on its next reload.
func checkPath(what, p string) error {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return fmt.Errorf("ganesha: %s %q is not an absolute, clean path", what, p)
	}
	for _, r := range p {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f {
			return fmt.Errorf("ganesha: %s %q has a character ganesha's configuration cannot quote", what, p)
		}
	}
	return nil
}

// quote is a path checkPath accepted as a ganesha string: between double
// quotes, byte for byte (Go's %q would escape what ganesha takes as is).
func quote(p string) string { return `"` + p + `"` }
