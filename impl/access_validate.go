package impl

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// validateAccess is manila/api/common.py validate_access. It returns how
// the share API tells a rule for the same client (for ip rules, the same
// network; for the others, the same string).
func validateAccess(accessType, accessTo string, ceph, ipv6 bool) (func(string) bool, error) {
	exact := func(other string) bool { return other == accessTo }
	switch {
	case accessType == "ip":
		n, err := pyIPNetwork(accessTo, ipv6)
		if err != nil {
			return nil, badRequest("%s", err.Error())
		}
		return func(other string) bool {
			o, err := pyIPNetwork(other, true)
			return err == nil && o == n
		}, nil
	case accessType == "user":
		return exact, validateUsername(accessTo)
	case accessType == "cert":
		if l := len([]rune(strings.TrimSpace(accessTo))); l < 1 || l > 64 {
			return nil, badRequest("Invalid CN (common name). Must be 1-64 chars long.")
		}
		return exact, nil
	case accessType == "cephx" && ceph:
		return exact, validateCephxID(accessTo)
	case ceph:
		return nil, badRequest("Only 'ip', 'user', 'cert' or 'cephx' access types are supported.")
	}
	return nil, badRequest("Only 'ip', 'user' or 'cert' access types are supported.")
}

// knownAccessType reports whether Manila knows the access type (the ones
// validateAccess checks, cephx included).
func knownAccessType(t string) bool {
	switch t {
	case "ip", "user", "cert", "cephx":
		return true
	}
	return false
}

var (
	solePeriodsSpaces = regexp.MustCompile(`^[\s|.]+$`)
	validUsername     = regexp.MustCompile(`^.[^"/\\\[\]:;|=,+*?<>]{3,254}$`)
)

func validateUsername(u string) error {
	if solePeriodsSpaces.MatchString(u) {
		return badRequest("Invalid user or group name,cannot consist solely of periods or spaces.")
	}
	if !validUsername.MatchString(u) {
		return badRequest(`Invalid user or group name. Must be 4-255 characters and consist of alphanumeric characters and exclude special characters "/\[]:;|=,+*?<>`)
	}
	return nil
}

func validateCephxID(id string) error {
	if id == "" {
		return badRequest("Ceph IDs may not be empty.")
	}
	for _, r := range id {
		if r > 0x7e || (r < 0x20 && !strings.ContainsRune("\t\n\r\x0b\x0c", r)) {
			return badRequest("Ceph IDs must consist of ASCII printable characters.")
		}
	}
	if strings.Contains(id, ".") {
		return badRequest("Ceph IDs may not contain periods.")
	}
	return nil
}

// pyRepr is Python's repr of a str (single quotes unless it holds one).
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// pyIPNetwork is Python's ipaddress.ip_network (ipv6) or IPv4Network,
// strict, with their error messages.
func pyIPNetwork(s string, ipv6 bool) (netip.Prefix, error) {
	p, err := pyIPv4Network(s)
	if err == nil || !ipv6 {
		return p, err
	}
	if _, hostBits := err.(hostBitsError); hostBits {
		return p, err
	}
	if p, err = pyIPv6Network(s); err == nil {
		return p, nil
	}
	if _, hostBits := err.(hostBitsError); hostBits {
		return p, err
	}
	return netip.Prefix{}, fmt.Errorf("%s does not appear to be an IPv4 or IPv6 network", pyRepr(s))
}

type hostBitsError struct{ net string }

func (e hostBitsError) Error() string { return e.net + " has host bits set" }

func splitNetwork(s string) (addr, mask string, hasMask bool, err error) {
	parts := strings.Split(s, "/")
	if len(parts) > 2 {
		return "", "", false, fmt.Errorf("Only one '/' permitted in %s", pyRepr(s))
	}
	if len(parts) == 2 {
		return parts[0], parts[1], true, nil
	}
	return parts[0], "", false, nil
}

func isDecimal(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func pyIPv4Address(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, fmt.Errorf("Address cannot be empty")
	}
	octets := strings.Split(s, ".")
	if len(octets) != 4 {
		return netip.Addr{}, fmt.Errorf("Expected 4 octets in %s", pyRepr(s))
	}
	var b [4]byte
	for i, o := range octets {
		var msg string
		switch {
		case o == "":
			msg = "Empty octet not permitted"
		case !isDecimal(o):
			msg = "Only decimal digits permitted in " + pyRepr(o)
		case len(o) > 3:
			msg = "At most 3 characters permitted in " + pyRepr(o)
		case o != "0" && o[0] == '0':
			msg = "Leading zeros are not permitted in " + pyRepr(o)
		}
		n, _ := strconv.Atoi(o)
		if msg == "" && n > 255 {
			msg = fmt.Sprintf("Octet %d (> 255) not permitted", n)
		}
		if msg != "" {
			return netip.Addr{}, fmt.Errorf("%s in %s", msg, pyRepr(s))
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), nil
}

func pyIPv4Network(s string) (netip.Prefix, error) {
	addrStr, mask, hasMask, err := splitNetwork(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	addr, err := pyIPv4Address(addrStr)
	if err != nil {
		return netip.Prefix{}, err
	}
	bits := 32
	if hasMask {
		if bits, err = pyV4Prefix(mask); err != nil {
			return netip.Prefix{}, err
		}
	}
	return strictPrefix(addr, bits)
}

// pyV4Prefix is _make_netmask: a prefix length, or a netmask / hostmask.
func pyV4Prefix(mask string) (int, error) {
	invalid := fmt.Errorf("%s is not a valid netmask", pyRepr(mask))
	if isDecimal(mask) {
		if n, err := strconv.Atoi(mask); err == nil && n <= 32 {
			return n, nil
		}
		return 0, invalid
	}
	m, err := pyIPv4Address(mask)
	if err != nil {
		return 0, invalid
	}
	v := m.As4()
	n := uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
	for _, x := range []uint32{n, ^n} {
		ones := 0
		for ones < 32 && x&(1<<(31-ones)) != 0 {
			ones++
		}
		if x<<ones == 0 {
			return ones, nil
		}
	}
	return 0, invalid
}

func pyIPv6Network(s string) (netip.Prefix, error) {
	addrStr, mask, hasMask, err := splitNetwork(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	addr, err := netip.ParseAddr(addrStr)
	if err != nil || !addr.Is6() {
		return netip.Prefix{}, fmt.Errorf("invalid IPv6 address")
	}
	bits := 128
	if hasMask {
		n, err := strconv.Atoi(mask)
		if !isDecimal(mask) || err != nil || n > 128 {
			return netip.Prefix{}, fmt.Errorf("invalid netmask")
		}
		bits = n
	}
	return strictPrefix(addr, bits)
}

func strictPrefix(addr netip.Addr, bits int) (netip.Prefix, error) {
	p := netip.PrefixFrom(addr, bits)
	if p.Masked() != p {
		return p, hostBitsError{p.String()}
	}
	return p, nil
}
