package graph_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mineralmap/mineralmap/graph"
)

// FuzzValidate feeds arbitrary bytes to the document decoder and validator: they must never
// panic, every refusal must be a malformed or invalid document with its problems listed, and
// nothing that is not JSON may pass.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(chainDoc))
	f.Add([]byte(`{"countries":[{"id":"AU","name":"Australia"}]}`))
	f.Add([]byte(`{"supplies":[{"from":"a","to":"b","mineral":"m","volume_t":1e308}]}`))
	f.Add([]byte(`{"restricts":[{"country":"CN","mineral":"m","measure":"ban","from":"2024-02-30"}]}`))
	f.Add([]byte(`[`))
	fixtures, _ := filepath.Glob("../fixtures/*.json")
	for _, name := range fixtures {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := graph.Validate(context.Background(), source(string(doc)), nil)
		if err == nil {
			// The document reader is hand-written (document.go): whatever it accepts must be JSON.
			if !json.Valid(doc) {
				t.Fatalf("accepted a document that is not JSON: %q", doc)
			}
			return
		}
		switch graph.KindOf(err) {
		case graph.KindMalformed:
		case graph.KindInvalid:
			if e := err.(*graph.Error); len(e.Details) == 0 {
				t.Fatalf("invalid without details: %v", err)
			}
		default:
			t.Fatalf("unexpected error kind %v: %v", graph.KindOf(err), err)
		}
	})
}
