package document_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
)

func source(doc string) document.Source {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(doc)), nil }
}

// storedLookup pretends the store holds these ids.
func storedLookup(stored map[string]string) document.LabelLookup {
	return func(_ context.Context, ids []string) (map[string]string, error) {
		out := map[string]string{}
		for _, id := range ids {
			if l, ok := stored[id]; ok {
				out[id] = l
			}
		}
		return out, nil
	}
}

const base = `"countries":[{"id":"AU","name":"Australia"},{"id":"JP","name":"Japan"}],
"minerals":[{"id":"rare-earths","name":"Rare earths"}],
"facilities":[{"id":"mt-weld","name":"Mt Weld","kind":"mine","country":"AU"}]`

func TestValidateReportsEveryProblemWithItsPointer(t *testing.T) {
	cases := []struct {
		name   string
		doc    string
		kind   mineralmap.Kind
		path   string
		substr string
	}{
		{"malformed JSON", `{"countries":[{"id":"AU",}]}`, mineralmap.KindMalformed, "", "malformed JSON"},
		{"not an object", `[1,2]`, mineralmap.KindMalformed, "", "must be a JSON object"},
		{"truncated", `{"countries":[`, mineralmap.KindMalformed, "", "ends too early"},
		{"trailing data", `{} {}`, mineralmap.KindMalformed, "", "after the document"},
		{"unknown top-level key", `{"contries":[]}`, mineralmap.KindInvalid, "/contries", "unknown key"},
		{"section not an array", `{"countries":{}}`, mineralmap.KindInvalid, "/countries", "must be an array"},
		{"entry not an object", `{"countries":[3]}`, mineralmap.KindInvalid, "/countries/0", "must be an object"},
		{"unknown field", `{"countries":[{"id":"AU","name":"Australia","capital":"Canberra"}]}`, mineralmap.KindInvalid, "/countries/0/capital", "unknown field"},
		{"missing required field", `{"minerals":[{"id":"lithium"}]}`, mineralmap.KindInvalid, "/minerals/0/name", "is required"},
		{"wrong type string", `{"minerals":[{"id":"lithium","name":7}]}`, mineralmap.KindInvalid, "/minerals/0/name", "must be a string"},
		{"wrong type number", `{` + base + `,"produces":[{"facility":"mt-weld","mineral":"rare-earths","volume_t":"lots"}]}`, mineralmap.KindInvalid, "/produces/0/volume_t", "must be a number"},
		{"wrong type list", `{"countries":[{"id":"AU","name":"Australia","groups":"G20"}]}`, mineralmap.KindInvalid, "/countries/0/groups", "array of strings"},
		{"wrong type bool", `{"countries":[{"id":"AU","name":"Australia"}],"facilities":[{"id":"x","name":"X","kind":"mine","country":"AU","aggregate":"yes"}]}`, mineralmap.KindInvalid, "/facilities/0/aggregate", "true or false"},
		{"bad id", `{"minerals":[{"id":"rare earths","name":"RE"}]}`, mineralmap.KindInvalid, "/minerals/0/id", "not a valid id"},
		{"bad country id", `{"countries":[{"id":"aus","name":"Australia"}]}`, mineralmap.KindInvalid, "/countries/0/id", "ISO 3166-1"},
		{"dangling reference", `{` + base + `,"supplies":[{"from":"mt-weld","to":"lynas-malaysia","mineral":"rare-earths","volume_t":5}]}`, mineralmap.KindInvalid, "/supplies/0/to", "neither in the document nor stored"},
		{"reference to the wrong label", `{` + base + `,"produces":[{"facility":"AU","mineral":"rare-earths","volume_t":5}]}`, mineralmap.KindInvalid, "/produces/0/facility", "is a Country"},
		{"duplicate id", `{"countries":[{"id":"AU","name":"Australia"},{"id":"AU","name":"Oz"}]}`, mineralmap.KindInvalid, "/countries/1/id", "duplicate id"},
		{"duplicate id across labels", `{"countries":[{"id":"AU","name":"Australia"}],"minerals":[{"id":"AU","name":"Gold?"}]}`, mineralmap.KindInvalid, "/minerals/0/id", "duplicate id"},
		{"duplicate relationship", `{` + base + `,"supplies":[{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":1},{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":2}]}`, mineralmap.KindInvalid, "/supplies/1", "same from, to, mineral"},
		{"duplicate relationship by its default form", `{` + base + `,"supplies":[{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":1,"year":2024},{"from":"mt-weld","to":"JP","mineral":"rare-earths","form":"ore","volume_t":2,"year":2024}]}`, mineralmap.KindInvalid, "/supplies/1", "same from, to, mineral, form, year"},
		{"duplicate national total", `{` + base + `,"produces":[{"country":"AU","mineral":"rare-earths","volume_t":1,"year":2024},{"country":"AU","mineral":"rare-earths","volume_t":2,"year":2024}]}`, mineralmap.KindInvalid, "/produces/1", "same facility or country, mineral, year"},
		{"facility and country", `{` + base + `,"produces":[{"facility":"mt-weld","country":"AU","mineral":"rare-earths","volume_t":1}]}`, mineralmap.KindInvalid, "/produces/0/country", "not both"},
		{"neither facility nor country", `{` + base + `,"refines":[{"mineral":"rare-earths","volume_t":1}]}`, mineralmap.KindInvalid, "/refines/0/facility", "is required (or country)"},
		{"unknown form", `{` + base + `,"supplies":[{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":1,"form":"dust"}]}`, mineralmap.KindInvalid, "/supplies/0/form", "must be one of"},
		{"statistics is not a basis of a flow", `{` + base + `,"supplies":[{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":1,"basis":"statistics"}]}`, mineralmap.KindInvalid, "/supplies/0/basis", "must be one of"},
		{"suspension ends before it starts", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"ban","from":"2024-01-01","suspended":[{"from":"2025-01-01","until":"2024-06-01"}]}]}`, mineralmap.KindInvalid, "/restricts/0/suspended/0", "until must be after from"},
		{"suspension without until", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"ban","from":"2024-01-01","suspended":[{"from":"2025-01-01"}]}]}`, mineralmap.KindInvalid, "/restricts/0/suspended/0", "needs both from and until"},
		{"unknown restricted form", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"ban","from":"2024-01-01","forms":["ore","gas"]}]}`, mineralmap.KindInvalid, "/restricts/0/forms/1", "must be one of"},
		{"closed before online", `{"countries":[{"id":"AU","name":"Australia"}],"facilities":[{"id":"x","name":"X","kind":"mine","country":"AU","online":"2025-01-01","closed":"2024-01-01"}]}`, mineralmap.KindInvalid, "/facilities/0/closed", "after online"},
		{"negative volume", `{` + base + `,"produces":[{"facility":"mt-weld","mineral":"rare-earths","volume_t":-1}]}`, mineralmap.KindInvalid, "/produces/0/volume_t", "must not be negative"},
		{"zero supply volume", `{` + base + `,"supplies":[{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":0}]}`, mineralmap.KindInvalid, "/supplies/0/volume_t", "greater than 0"},
		{"self supply", `{` + base + `,"supplies":[{"from":"JP","to":"JP","mineral":"rare-earths","volume_t":1}]}`, mineralmap.KindInvalid, "/supplies/0/to", "supply itself"},
		{"bad date", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"ban","from":"2023-13-01"}]}`, mineralmap.KindInvalid, "/restricts/0/from", "YYYY-MM-DD"},
		{"until before from", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"ban","from":"2024-01-01","until":"2023-01-01"}]}`, mineralmap.KindInvalid, "/restricts/0/until", "after from"},
		{"unknown enum value", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"embargo","from":"2024-01-01"}]}`, mineralmap.KindInvalid, "/restricts/0/measure", "must be one of"},
		{"unknown facility kind", `{"countries":[{"id":"AU","name":"Australia"}],"facilities":[{"id":"x","name":"X","kind":"mill","country":"AU"}]}`, mineralmap.KindInvalid, "/facilities/0/kind", "must be one of"},
		{"absurd volume", `{` + base + `,"produces":[{"facility":"mt-weld","mineral":"rare-earths","volume_t":1e308}]}`, mineralmap.KindInvalid, "/produces/0/volume_t", "at most"},
		{"bad year", `{` + base + `,"produces":[{"facility":"mt-weld","mineral":"rare-earths","volume_t":1,"year":2024.5}]}`, mineralmap.KindInvalid, "/produces/0/year", "year"},
		{"bad target id", `{` + base + `,"restricts":[{"country":"AU","mineral":"rare-earths","measure":"ban","from":"2024-01-01","targets":["US"]}]}`, mineralmap.KindInvalid, "/restricts/0/targets/0", "neither in the document nor stored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := document.Validate(context.Background(), source(tc.doc), nil)
			if err == nil {
				t.Fatal("want an error, got none")
			}
			if got := mineralmap.KindOf(err); got != tc.kind {
				t.Fatalf("kind = %v, want %v (%v)", got, tc.kind, err)
			}
			var e *mineralmap.Error
			errors.As(err, &e)
			if tc.kind == mineralmap.KindMalformed {
				if !strings.Contains(e.Message, tc.substr) {
					t.Fatalf("message %q does not mention %q", e.Message, tc.substr)
				}
				return
			}
			for _, d := range e.Details {
				if strings.HasPrefix(d.Path, tc.path) && strings.Contains(d.Message, tc.substr) {
					return
				}
			}
			t.Fatalf("no detail at %s mentioning %q; got %+v", tc.path, tc.substr, e.Details)
		})
	}
}

func TestValidateListsAllProblemsAtOnce(t *testing.T) {
	doc := `{"minerals":[{"id":"bad id","name":"x"},{"id":"ok","name":3}],"countries":[{"id":"AU"}]}`
	_, err := document.Validate(context.Background(), source(doc), nil)
	var e *mineralmap.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *mineralmap.Error, got %v", err)
	}
	want := []string{"/minerals/0/id", "/minerals/1/name", "/countries/0/name"}
	if len(e.Details) != len(want) {
		t.Fatalf("got %d problems %+v, want %d", len(e.Details), e.Details, len(want))
	}
	for i, w := range want {
		if e.Details[i].Path != w {
			t.Errorf("problem %d at %s, want %s", i, e.Details[i].Path, w)
		}
	}
}

func TestValidateResolvesReferencesAgainstTheStore(t *testing.T) {
	doc := `{"facilities":[{"id":"kalgoorlie","name":"Kalgoorlie","kind":"processing","country":"AU"}],
"supplies":[{"from":"mt-weld","to":"kalgoorlie","mineral":"rare-earths","volume_t":10}]}`
	stored := storedLookup(map[string]string{"AU": "Country", "mt-weld": "Facility", "rare-earths": "Mineral"})
	if _, err := document.Validate(context.Background(), source(doc), stored); err != nil {
		t.Fatalf("references to stored nodes should resolve: %v", err)
	}
	clash := storedLookup(map[string]string{"AU": "Country", "mt-weld": "Facility", "rare-earths": "Mineral", "kalgoorlie": "Agreement"})
	_, err := document.Validate(context.Background(), source(doc), clash)
	if mineralmap.KindOf(err) != mineralmap.KindInvalid || !strings.Contains(err.Error(), "problem") {
		t.Fatalf("an id stored under another label must be refused, got %v", err)
	}
}

func TestValidateAcceptsAForwardReference(t *testing.T) {
	doc := `{"supplies":[{"from":"mt-weld","to":"JP","mineral":"rare-earths","volume_t":1}],` + base + `}`
	if _, err := document.Validate(context.Background(), source(doc), nil); err != nil {
		t.Fatalf("relationships may come before the nodes they name: %v", err)
	}
}
