package backend_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestArchiveReadByGNUTar checks that a backup's archive is a plain tar
// stream: GNU tar (and the zstd command) extract it to the same tree as
// RestoreBackup, nanosecond times included.
func TestArchiveReadByGNUTar(t *testing.T) {
	for _, tool := range []string{"tar", "zstd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s command", tool)
		}
	}
	l, dir := newLocalOpts(t)
	_, want := richShare(t, l, "s1")
	for _, c := range []string{"zstd", "none"} {
		t.Run(c, func(t *testing.T) {
			_, err := l.CreateLegacyBackup(t.Context(), "s1", "b-"+c, map[string]any{"compression": c}, nil)
			must(t, err)
			bp, _ := l.BackupPath("b-" + c)
			out := filepath.Join(dir, "gnu-"+c)
			must(t, os.Mkdir(out, 0o755))
			cmd := fmt.Sprintf("zstd -dc '%s/data.tar.zst' | tar -C '%s' -xpf -", bp, out)
			if c == "none" {
				cmd = fmt.Sprintf("tar -C '%s' -xpf '%s/data.tar'", out, bp)
			}
			sh(t, cmd)
			assertTree(t, want, out)
		})
	}
}
