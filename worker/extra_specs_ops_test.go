package worker

import "testing"

// Cases of Manila's manila/tests/scheduler/filters/test_extra_specs_ops.py
// and capabilities_satisfied.
func TestSpecMatch(t *testing.T) {
	for _, c := range []struct {
		value any
		req   string
		want  bool
	}{
		{"NFS_CIFS", "nfs_cifs", true}, {"x", "y", false}, {true, "True", true}, {false, "False", true},
		{true, "False", false}, {true, "<is> True", true}, {false, "<is> True", false}, {"true", "<is> True", true},
		{"12311321", "<in> 11", true}, {"12311321", "<in> 99", false}, {float64(123), "= 123", true},
		{float64(124), "= 123", true}, {float64(122), "= 123", false}, {float64(123), "<= 10", false},
		{float64(1), "!= 2", true}, {"abc", "s== abc", true}, {"abc", "s!= abc", false}, {"abd", "s>= abc", true},
		{"12", "<or> 11 <or> 12", true}, {"13", "<or> 11 <or> 12", false}, {nil, "<is> True", false},
		{float64(0), "0", false}, {"a", "= x", false},
	} {
		if got := specMatch(c.value, c.req); got != c.want {
			t.Errorf("match(%v, %q) = %v, want %v", c.value, c.req, got, c.want)
		}
	}
}

func TestCapabilitiesSatisfiedManilaCases(t *testing.T) {
	caps := map[string]any{"driver_handles_share_servers": false, "snapshot_support": true, "share_backend_name": "local",
		"replication_type": nil, "nested": map[string]any{"k": "v"}, "thin_provisioning": []any{true, false}}
	for specs, want := range map[*map[string]string]bool{
		{"driver_handles_share_servers": "False", "snapshot_support": "<is> True"}: true,
		{"capabilities:share_backend_name": "local"}:                               true,
		{"share_backend_name": "other"}:                                            false,
		{"replication_type": "dr"}:                                                 false,
		{"vendor:anything": "x", "availability_zones": "az2"}:                      true,
		{"missing": "x"}:                    false,
		{"capabilities:nested:k": "v"}:      true,
		{"thin_provisioning": "<is> False"}: true,
	} {
		if got := CapabilitiesSatisfied(caps, *specs); got != want {
			t.Errorf("CapabilitiesSatisfied(%v) = %v, want %v", *specs, got, want)
		}
	}
}
