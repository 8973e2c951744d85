package document_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
)

// FuzzValidate feeds arbitrary bytes to the document decoder and validator: they must never
// panic, every refusal must be a malformed or invalid document with its problems listed, and
// nothing that is not JSON may pass.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(fixtures.ChainDoc))
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
		plan, err := document.Validate(context.Background(), source(string(doc)), nil)
		if err == nil {
			// Whatever the reader accepts must be JSON to encoding/json too, and a writer's
			// scan of it must visit every entry validation counted, without a problem.
			if !json.Valid(doc) {
				t.Fatalf("accepted a document that is not JSON: %q", doc)
			}
			var n int64
			if err := document.Scan(bytes.NewReader(doc), nil, func(string, mineralmap.Entry) error { n++; return nil }); err != nil || n != plan.Rows {
				t.Fatalf("Scan of a valid document: %d entries, %v; Validate counted %d", n, err, plan.Rows)
			}
			return
		}
		switch mineralmap.KindOf(err) {
		case mineralmap.KindMalformed:
		case mineralmap.KindInvalid:
			if e := err.(*mineralmap.Error); len(e.Details) == 0 {
				t.Fatalf("invalid without details: %v", err)
			}
		default:
			t.Fatalf("unexpected error kind %v: %v", mineralmap.KindOf(err), err)
		}
	})
}
