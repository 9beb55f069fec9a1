package impl

import (
	"fmt"
	"strconv"
	"strings"
)

// APIVersion is a Manila microversion, "major.minor".
type APIVersion struct {
	Major, Minor int
}

// ParseAPIVersion parses "X.Y" exactly as Manila's pattern
// ^([1-9]\d*)\.([1-9]\d*|0)$ does (manila/api/openstack/api_version_request.py):
// no leading zeros but "0" itself as the minor part, and no "latest". It is
// written out by hand because the views compare versions many times per
// request.
func ParseAPIVersion(s string) (APIVersion, bool) {
	majorText, minorText, ok := strings.Cut(s, ".")
	if !ok || !digitsNoLeadingZero(majorText) || majorText == "0" || !digitsNoLeadingZero(minorText) {
		return APIVersion{}, false
	}
	major, err1 := strconv.Atoi(majorText)
	minor, err2 := strconv.Atoi(minorText)
	if err1 != nil || err2 != nil {
		return APIVersion{}, false
	}
	return APIVersion{major, minor}, true
}

// digitsNoLeadingZero is [1-9]\d*|0.
func digitsNoLeadingZero(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MustParseAPIVersion is ParseAPIVersion for values known to be valid.
func MustParseAPIVersion(s string) APIVersion {
	v, ok := ParseAPIVersion(s)
	if !ok {
		panic(fmt.Sprintf("invalid API version %q", s))
	}
	return v
}

func (v APIVersion) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// Compare returns -1, 0 or 1.
func (v APIVersion) Compare(o APIVersion) int {
	switch {
	case v.Major != o.Major:
		return cmpInt(v.Major, o.Major)
	default:
		return cmpInt(v.Minor, o.Minor)
	}
}

// AtLeast reports v >= "X.Y".
func (v APIVersion) AtLeast(s string) bool { return v.Compare(MustParseAPIVersion(s)) >= 0 }

// Below reports v < "X.Y".
func (v APIVersion) Below(s string) bool { return v.Compare(MustParseAPIVersion(s)) < 0 }

// Between reports min <= v <= max (both "X.Y").
func (v APIVersion) Between(min, max string) bool { return v.AtLeast(min) && !v.After(max) }

// After reports v > "X.Y".
func (v APIVersion) After(s string) bool { return v.Compare(MustParseAPIVersion(s)) > 0 }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseBool is oslo_utils.strutils.bool_from_string in its non-strict form,
// which Manila uses for the experimental header.
func parseBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}
