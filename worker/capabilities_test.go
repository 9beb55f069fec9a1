package worker

import "testing"

func TestCapabilitiesSatisfied(t *testing.T) {
	caps := map[string]any{"driver_handles_share_servers": false, "snapshot_support": true, "vendor_name": "manilite",
		"storage_protocol": "NFS_CIFS", "total_capacity_gb": 100.0, "pool_name": "pool"}
	for _, tc := range []struct {
		specs map[string]string
		want  bool
	}{
		{map[string]string{"driver_handles_share_servers": "False", "snapshot_support": "True"}, true},
		{map[string]string{"vendor_name": "foobar"}, false},
		{map[string]string{"vendor_name": "Manilite"}, true},
		{map[string]string{"capabilities:vendor_name": "manilite"}, true},
		{map[string]string{"replication_type": "dr"}, false},
		{map[string]string{"provisioning:max_share_size": "10", "availability_zones": "nova"}, true},
		{map[string]string{"snapshot_support": "<is> True"}, true},
		{map[string]string{"snapshot_support": "<is> False"}, false},
		{map[string]string{"storage_protocol": "<in> NFS"}, true},
		{map[string]string{"total_capacity_gb": ">= 50"}, true},
		{map[string]string{"total_capacity_gb": "<= 50"}, false},
		{map[string]string{"pool_name": "<or> a <or> pool"}, true},
		{map[string]string{"driver_handles_share_servers": "True"}, false},
	} {
		if got := CapabilitiesSatisfied(caps, tc.specs); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.specs, got, tc.want)
		}
	}
}
