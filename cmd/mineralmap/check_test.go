package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mineralmap check FILE… reads the documents together, without Neo4j: the fixtures pass; a
// document whose mine ships more than it produces fails, and the report says why.
func TestCheckPassesTheFixturesAndFailsABrokenDocument(t *testing.T) {
	var out bytes.Buffer
	failed, err := check(context.Background(), config{}, []string{"../../fixtures"}, &out)
	if err != nil || failed {
		t.Fatalf("check fixtures: failed %v, err %v\n%s", failed, err, out.String())
	}
	if !strings.Contains(out.String(), "rare-earths (t REO, ") || !strings.Contains(out.String(), "0 errors") {
		t.Fatalf("report:\n%s", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	doc := `{"countries":[{"id":"AU","name":"Australia","source":"s"},{"id":"JP","name":"Japan","source":"s"}],
"minerals":[{"id":"m","name":"M","unit":"t M","source":"s"}],
"facilities":[{"id":"au-mine","name":"Mine","kind":"mine","country":"AU","source":"s"}],
"produces":[{"facility":"au-mine","mineral":"m","volume_t":10,"year":2024,"source":"s"}],
"supplies":[{"from":"au-mine","to":"JP","mineral":"m","volume_t":50,"year":2024,"source":"s"}]}`
	if err := os.WriteFile(bad, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	failed, err = check(context.Background(), config{}, []string{"--mineral", "m", bad}, &out)
	if err != nil || !failed || !strings.Contains(out.String(), "mass_balance") || !strings.Contains(out.String(), "au-mine sends out 50 t M") {
		t.Fatalf("check bad.json: failed %v, err %v\n%s", failed, err, out.String())
	}
}
