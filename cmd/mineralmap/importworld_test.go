package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap/world/worldtest"
)

// mineralmap import world writes a document the check command reads (no Neo4j), names what it
// refuses, and --keep-curated-totals leaves the curated national totals standing.
func TestImportWorldWritesADocumentAndRefusesBadFlags(t *testing.T) {
	dir := worldtest.Small(t)
	out := filepath.Join(t.TempDir(), "world.json")
	report := filepath.Join(t.TempDir(), "report.json")
	if err := importWorld(context.Background(), config{}, []string{"world", "--dir", dir, "--years", "2023-2024", "--minerals", "lithium,rare-earths,aluminium", "--out", out, "--report", report}); err != nil {
		t.Fatal(err)
	}
	var rep bytes.Buffer
	failed, err := check(context.Background(), config{}, []string{"--mineral", "lithium", out}, &rep)
	if err != nil || failed || !strings.Contains(rep.String(), "lithium (t Li, ") {
		t.Fatalf("the imported document's quality report: failed %v, err %v\n%s", failed, err, rep.String())
	}
	b, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(b), `"hs": 283691`) {
		t.Errorf("the JSON report names the codes: %v %.200s", err, b)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"world", "--dir", dir, "--minerals", "kryptonite"}, `"kryptonite" is not a mineral`},
		{[]string{"world", "--dir", dir, "--years", "2024-2020"}, "--years"},
		{[]string{"world", "--dir", dir, "--last", "3", "--years", "2024"}, "not both"},
		{[]string{"world", "--dir", dir, "--out", out, "--load"}, "choose one"},
		{[]string{"world", "--dir", t.TempDir(), "--out", out}, "world.sh fetch"},
		{[]string{"planet"}, "usage"},
	} {
		if err := importWorld(context.Background(), config{}, bad.args); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: %v; want an error with %q", bad.args, err, bad.want)
		}
	}
}
