package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

// mineralmap template prints a section's columns; mineralmap load takes .csv files, the section
// from --section or the file's name, and names a problem's line and column.
func TestLoadingCSVFilesFromTheCommandLine(t *testing.T) {
	out, err := exec.Command(binary, "template", "supplies").Output()
	if err != nil || strings.TrimSpace(string(out)) != "from,to,mineral,form,volume_t,basis,year,source,note" {
		t.Fatalf("template supplies: %v %q", err, out)
	}
	neo4jtest.MustStore(t) // an empty graph
	cfg := neo4jtest.Config(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	countries := write("countries.csv", "id,name\nQA,Country QA\nQB,Country QB\n")
	minerals := write("10-minerals.csv", "id,name,unit\nore,Ore,t ore\n")
	supplies := write("flows.csv", "from,to,mineral,volume_t,year\nQA,QB,ore,12,2024\n")
	bad := write("20-supplies.csv", "from,to,mineral,volume_t\nQA,QB,ore,-3\n")
	run := func(args ...string) (string, error) {
		cmd := exec.Command(binary, append([]string{"load"}, args...)...)
		cmd.Env = append(os.Environ(), "NEO4J_URI="+cfg.URI, "NEO4J_USER="+cfg.User, "NEO4J_PASSWORD="+cfg.Password)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("--section", "supplies", supplies); err == nil || !strings.Contains(out, "QA") {
		// the countries are not stored yet: the references do not resolve
		t.Fatalf("supplies before their countries: %v %s", err, out)
	}
	if out, err := run(countries, minerals); err != nil || !strings.Contains(out, "2 nodes created") {
		t.Fatalf("countries and minerals: %v %s", err, out)
	}
	if out, err := run("--section", "supplies", supplies); err != nil || !strings.Contains(out, "1 relationships created") {
		t.Fatalf("supplies: %v %s", err, out)
	}
	msg, err := run(bad)
	if err == nil || !strings.Contains(msg, "/supplies/0/volume_t") || !strings.Contains(msg, "line 2, column 4") {
		t.Fatalf("a negative volume: %v %s", err, msg)
	}
}
