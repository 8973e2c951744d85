package document_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
)

// details validates doc against an empty store and returns its problems, failing unless the
// document is refused as invalid.
func details(t *testing.T, doc string) []mineralmap.Detail {
	t.Helper()
	_, err := document.Validate(context.Background(), source(doc), nil)
	var e *mineralmap.Error
	if !errors.As(err, &e) || e.Kind != mineralmap.KindInvalid {
		t.Fatalf("want an invalid document, got %v", err)
	}
	return e.Details
}

func TestAMemberGivenTwiceIsAProblem(t *testing.T) {
	got := details(t, `{"minerals":[{"id":"a","name":"A","name":"B"}]}`)
	if len(got) != 1 || got[0].Path != "/minerals/0/name" || !strings.Contains(got[0].Message, "given more than once") {
		t.Fatalf("got %+v, want one problem at /minerals/0/name saying it is given more than once", got)
	}
	// A top-level key given twice is reported once, at the key, and its second array is not read.
	got = details(t, `{"countries":[{"id":"AU","name":"Australia"}],"countries":[{"id":"bad id"}]}`)
	if len(got) != 1 || got[0].Path != "/countries" || !strings.Contains(got[0].Message, `the key "countries" appears twice`) {
		t.Fatalf("got %+v", got)
	}
}

func TestMemberNamesMatchExactly(t *testing.T) {
	got := details(t, `{"minerals":[{"id":"a","Name":"A"}]}`)
	want := map[string]string{"/minerals/0/Name": `unknown field "Name"`, "/minerals/0/name": "is required"}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want problems at %v", got, want)
	}
	for _, d := range got {
		if w, ok := want[d.Path]; !ok || !strings.Contains(d.Message, w) {
			t.Fatalf("got %+v, want problems %v", got, want)
		}
	}
	// A member name with an escape is its unescaped name; one with a / is escaped in its pointer.
	if _, err := document.Validate(context.Background(), source(`{"minerals":[{"id":"a","n\u0061me":"A"}]}`), nil); err != nil {
		t.Fatalf("an escaped member name: %v", err)
	}
	got = details(t, `{"minerals":[{"id":"a","name":"A","a/b~c":1}]}`)
	if len(got) != 1 || got[0].Path != "/minerals/0/a~1b~0c" {
		t.Fatalf("got %+v, want one problem at /minerals/0/a~1b~0c", got)
	}
}

func TestEveryProblemOfOneEntryIsListed(t *testing.T) {
	doc := `{"facilities":[{"id":"bad id","name":7,"kind":"mill","country":"AU","lat":"north","aggregate":1,"year":2024.5,"extra":{"nested":[1,{"a":2}]}}],
"agreements":[{"id":"a1","name":"A","kind":"framework","signed":"2024-1-1","value_usd":-5,"parties":["AU","not valid"]}]}`
	got := details(t, doc)
	want := []string{
		"/facilities/0/id", "/facilities/0/name", "/facilities/0/kind", "/facilities/0/lat",
		"/facilities/0/aggregate", "/facilities/0/year", "/facilities/0/extra",
		"/agreements/0/signed", "/agreements/0/value_usd", "/agreements/0/parties/1",
	}
	var paths []string
	for _, d := range got {
		paths = append(paths, d.Path)
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("problems at\n %v\nwant\n %v\n(%+v)", paths, want, got)
	}
}

func TestTheProblemsListedAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"minerals":[`)
	for i := range 1500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"m%d"}`, i) // no name
	}
	b.WriteString(`]}`)
	_, err := document.Validate(context.Background(), source(b.String()), nil)
	var e *mineralmap.Error
	if !errors.As(err, &e) || len(e.Details) != 1000 ||
		e.Message != "the document has 1500 problem(s); nothing was stored (the first 1000 are listed)" {
		t.Fatalf("got %d details, %v", len(e.Details), err)
	}
}

func TestValidatePlansTheLoad(t *testing.T) {
	var asked [][]string
	lookup := func(_ context.Context, ids []string) (map[string]string, error) {
		asked = append(asked, slices.Clone(ids))
		return map[string]string{"US": mineralmap.LabelCountry}, nil
	}
	doc := strings.Replace(fixtures.ChainDoc, `"targets":["JP"]`, `"targets":["JP","US","US"]`, 1)
	plan, err := document.Validate(context.Background(), source(doc), lookup)
	if err != nil {
		t.Fatal(err)
	}
	docIDs := []string{"AU", "CN", "JP", "MY", "jarex-2011", "kalgoorlie", "lynas-malaysia", "mt-weld", "rare-earths"}
	if !slices.Equal(plan.DocIDs, docIDs) || plan.Rows != 16 {
		t.Fatalf("plan: ids %v, rows %d", plan.DocIDs, plan.Rows)
	}
	if want := append(slices.Clone(docIDs[:4]), append([]string{"US"}, docIDs[4:]...)...); len(asked) != 1 || !slices.Equal(asked[0], want) {
		t.Fatalf("lookup asked %v, want one call with %v", asked, want)
	}
	if plan.Labels["US"] != mineralmap.LabelCountry || plan.Labels["mt-weld"] != mineralmap.LabelFacility ||
		plan.Labels["jarex-2011"] != mineralmap.LabelAgreement || len(plan.Labels) != 10 {
		t.Fatalf("labels %v", plan.Labels)
	}
	if !plan.InDoc("kalgoorlie") || plan.InDoc("US") || plan.InDoc("nowhere") {
		t.Fatal("InDoc is wrong")
	}
}

func TestValidateFindsTheStoredClash(t *testing.T) {
	doc := `{"facilities":[{"id":"kalgoorlie","name":"Kalgoorlie","kind":"processing","country":"AU"}]}`
	clash := storedLookup(map[string]string{"AU": "Country", "kalgoorlie": "Agreement"})
	_, err := document.Validate(context.Background(), source(doc), clash)
	var e *mineralmap.Error
	if !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Path != "/facilities/0/id" ||
		e.Details[0].Message != `id "kalgoorlie" is already used by a stored Agreement` {
		t.Fatalf("got %v (%+v)", err, e)
	}
	// A forward reference to a node of the wrong label, and a duplicate id with where it was first.
	got := details(t, `{"finances":[{"agreement":"AU","facility":"f"}],"countries":[{"id":"AU","name":"A"}],
"facilities":[{"id":"f","name":"F","kind":"mine","country":"AU"},{"id":"f","name":"F2","kind":"mine","country":"AU"}]}`)
	want := []mineralmap.Detail{
		{Path: "/facilities/1/id", Message: `duplicate id "f" (first at /facilities/0)`},
		{Path: "/finances/0/agreement", Message: `"AU" is a Country; expected Agreement`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestValidateStopsWhenItsContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := document.Validate(ctx, source(fixtures.ChainDoc), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// tooLarge is the error of a reader that stops at a size limit.
type tooLarge struct{}

func (tooLarge) Error() string  { return "over the limit" }
func (tooLarge) TooLarge() bool { return true }

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestAReadErrorOfTheSource(t *testing.T) {
	limit := mineralmap.Errorf(mineralmap.KindTooLarge, "the body is larger than the limit of 10 bytes")
	for _, cause := range []error{tooLarge{}, limit, fmt.Errorf("spooling: %w", limit)} {
		for _, prefix := range []string{`{"countries":[{"id":"AU"`, `{}`, ``} {
			err := document.Scan(&failingReader{data: []byte(prefix), err: cause}, nil, func(string, mineralmap.Entry) error { return nil })
			var e *mineralmap.Error
			if !errors.As(err, &e) || e.Kind != mineralmap.KindTooLarge || e.Message != "the document is larger than the limit" || !errors.Is(err, cause) {
				t.Fatalf("after %q, %v: got %v", prefix, cause, err)
			}
		}
	}
	err := document.Scan(&failingReader{data: []byte(`{"countries":[`), err: errors.New("connection reset")}, nil, func(string, mineralmap.Entry) error { return nil })
	if mineralmap.KindOf(err) != mineralmap.KindMalformed || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("got %v", err)
	}
	opened := errors.New("cannot open")
	if _, err := document.Validate(context.Background(), func() (io.ReadCloser, error) { return nil, opened }, nil); err != opened {
		t.Fatalf("got %v, want the source's error", err)
	}
}

func TestMalformedJSONGivesItsOffset(t *testing.T) {
	_, err := document.Validate(context.Background(), source(`{"countries":[{"id":"AU",}]}`), nil)
	if mineralmap.KindOf(err) != mineralmap.KindMalformed || !strings.HasPrefix(err.Error(), "malformed JSON near byte 24: ") {
		t.Fatalf("got %v", err)
	}
	// Not UTF-8: refused as malformed, not stored with replacement characters.
	_, err = document.Validate(context.Background(), source("{\"minerals\":[{\"id\":\"a\",\"name\":\"\xff\"}]}"), nil)
	if mineralmap.KindOf(err) != mineralmap.KindMalformed {
		t.Fatalf("got %v", err)
	}
}

func TestScanDecodesTypedEntries(t *testing.T) {
	var got []mineralmap.Entry
	var pointers []string
	err := document.Scan(strings.NewReader(fixtures.ChainDoc), nil, func(p string, e mineralmap.Entry) error {
		got, pointers = append(got, e), append(pointers, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 16 || pointers[0] != "/countries/0" || pointers[9] != "/supplies/0" || pointers[15] != "/finances/0" {
		t.Fatalf("visited %d entries: %v", len(got), pointers)
	}
	au := got[0].(*mineralmap.Country)
	if au.ID != "AU" || au.Name != "Australia" || !slices.Equal(au.Groups, []string{"G20"}) || au.Source != nil || au.Year != nil {
		t.Fatalf("AU: %+v", au)
	}
	if my := got[1].(*mineralmap.Country); my.Groups != nil {
		t.Fatalf("absent groups must be nil: %+v", my)
	}
	weld := got[5].(*mineralmap.Facility)
	if weld.ID != "mt-weld" || weld.Kind != "mine" || weld.Country != "AU" || *weld.Operator != "Lynas" || weld.Status != nil || weld.Lat != nil {
		t.Fatalf("mt-weld: %+v", weld)
	}
	jarex := got[8].(*mineralmap.Agreement)
	if !jarex.Signed.Equal(time.Date(2011, 3, 30, 0, 0, 0, 0, time.UTC)) || jarex.Signed.Location() != time.UTC || !slices.Equal(jarex.Parties, []string{"JP", "AU"}) {
		t.Fatalf("jarex: %+v", jarex)
	}
	if s := got[9].(*mineralmap.Supply); s.From != "mt-weld" || s.To != "kalgoorlie" || s.Mineral != "rare-earths" || s.VolumeT != 12000 || *s.Year != 2024 {
		t.Fatalf("supply: %+v", s)
	}
	if p, r := got[12].(*mineralmap.Output), got[13].(*mineralmap.Output); p.Refines || !r.Refines || mineralmap.Section(p) != "produces" || mineralmap.Section(r) != "refines" || r.VolumeT != 10500 {
		t.Fatalf("outputs: %+v %+v", p, r)
	}
	if r := got[14].(*mineralmap.Restriction); r.Country != "CN" || r.Measure != "ban" || !slices.Equal(r.Targets, []string{"JP"}) || r.Until != nil || !r.From.Equal(time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("restriction: %+v", r)
	}
	if f := got[15].(*mineralmap.Financing); f.Agreement != "jarex-2011" || *f.AmountUSD != 250e6 || *f.Instrument != "loan" || f.Date == nil {
		t.Fatalf("financing: %+v", f)
	}
}

func TestScanEmptyAndAbsentLists(t *testing.T) {
	doc := `{"countries":[{"id":"AU","name":"A","groups":[]},{"id":"JP","name":"J","groups":null}],
"restricts":[{"country":"AU","mineral":"m","measure":"ban","from":"2024-01-01"},{"country":"AU","mineral":"m","measure":"tax","from":"2024-01-01","targets":[]}]}`
	var got []mineralmap.Entry
	if err := document.Scan(strings.NewReader(doc), nil, func(_ string, e mineralmap.Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if g := got[0].(*mineralmap.Country).Groups; g == nil || len(g) != 0 {
		t.Fatalf("an empty list must be empty, not nil: %#v", g)
	}
	if g := got[1].(*mineralmap.Country).Groups; g != nil {
		t.Fatalf("a null list is absent: %#v", g)
	}
	for _, e := range got[2:] {
		if r := e.(*mineralmap.Restriction); r.Targets == nil || len(r.Targets) != 0 {
			t.Fatalf("targets must be an empty list: %#v", r.Targets)
		}
	}
}

func TestScanWantsSectionsAndReportsProblemsAfter(t *testing.T) {
	doc := `{"countries":[{"id":"AU","name":"A"},{"id":"bad"},{"id":"JP","name":"J"}],"minerals":[{"id":"x"}],"bogus":1}`
	var pointers []string
	err := document.Scan(strings.NewReader(doc), map[string]bool{"countries": true}, func(p string, e mineralmap.Entry) error {
		pointers = append(pointers, p)
		return nil
	})
	var e *mineralmap.Error
	if !errors.As(err, &e) || e.Kind != mineralmap.KindInvalid {
		t.Fatalf("got %v", err)
	}
	if !slices.Equal(pointers, []string{"/countries/0", "/countries/2"}) {
		t.Fatalf("visited %v", pointers)
	}
	var paths []string
	for _, d := range e.Details {
		paths = append(paths, d.Path)
	}
	// The minerals are not wanted, so not read; the unknown key is a problem all the same.
	if !slices.Equal(paths, []string{"/countries/1/name", "/countries/1/id", "/bogus"}) {
		t.Fatalf("problems at %v", paths)
	}
	// An unwanted section is still checked for syntax.
	err = document.Scan(strings.NewReader(`{"minerals":[{"id":}]}`), map[string]bool{"countries": true}, func(string, mineralmap.Entry) error { return nil })
	if mineralmap.KindOf(err) != mineralmap.KindMalformed {
		t.Fatalf("got %v", err)
	}
	// An error of visit stops the scan.
	stop := errors.New("stop")
	n := 0
	err = document.Scan(strings.NewReader(fixtures.ChainDoc), nil, func(string, mineralmap.Entry) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("got %v after %d entries", err, n)
	}
}

func TestSections(t *testing.T) {
	want := []string{"countries", "minerals", "facilities", "agreements", "supplies", "produces", "refines", "restricts", "finances", "demands"}
	if !slices.Equal(document.Sections, want) || !slices.Equal(document.NodeSections, want[:4]) || !slices.Equal(document.RelationshipSections, want[4:]) {
		t.Fatalf("%v %v %v", document.Sections, document.NodeSections, document.RelationshipSections)
	}
}

// TestScanDecodesTheFixtures reads every fixture: each entry decodes into its type, as many
// per section as encoding/json counts, and the fixtures validate in load order, each against
// the ones before as the store.
func TestScanDecodesTheFixtures(t *testing.T) {
	names, _ := filepath.Glob("../fixtures/*.json")
	if len(names) == 0 {
		t.Fatal("no fixtures")
	}
	slices.Sort(names)
	stored := map[string]string{}
	var facility *mineralmap.Facility
	var restriction *mineralmap.Restriction
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string][]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		err = document.Scan(bytes.NewReader(b), nil, func(p string, e mineralmap.Entry) error {
			sec := mineralmap.Section(e)
			if want := fmt.Sprintf("/%s/%d", sec, counts[sec]); p != want {
				t.Fatalf("%s: entry %s at %s", name, want, p)
			}
			counts[sec]++
			switch e := e.(type) {
			case *mineralmap.Facility:
				if e.ID == "bayan-obo" {
					facility = e
				}
			case *mineralmap.Restriction:
				if e.Mineral == "gallium" && e.Measure == "ban" {
					restriction = e
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for sec, entries := range raw {
			if counts[sec] != len(entries) {
				t.Errorf("%s: %d %s decoded, encoding/json counts %d", name, counts[sec], sec, len(entries))
			}
		}
		if len(counts) != len(raw) {
			t.Errorf("%s: sections %v, encoding/json %d", name, counts, len(raw))
		}
		plan, err := document.Validate(context.Background(), func() (io.ReadCloser, error) { return os.Open(name) }, storedLookup(stored))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, l := range plan.Labels {
			stored[id] = l
		}
	}
	if facility == nil || restriction == nil {
		t.Fatal("spot-check entries not found")
	}
	f := facility
	if f.Name != "Bayan Obo mine" || f.Kind != "mine" || f.Country != "CN" || *f.Operator != "China Northern Rare Earth (Baotou Steel)" ||
		*f.Status != "operating" || *f.Lat != 41.78 || *f.Lon != 109.97 || *f.Aggregate || *f.Year != 2024 ||
		!strings.HasPrefix(*f.Source, "MIIT/MNR 2024") || !strings.HasPrefix(*f.Note, "World's largest") {
		t.Fatalf("bayan-obo: %+v", f)
	}
	r := restriction
	if r.Country != "CN" || !slices.Equal(r.Targets, []string{"US"}) ||
		!r.From.Equal(time.Date(2024, 12, 3, 0, 0, 0, 0, time.UTC)) || r.Until != nil ||
		!slices.Equal(r.Suspended, []mineralmap.Interval{{From: time.Date(2025, 11, 9, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}}) ||
		r.Legal == nil || !strings.Contains(*r.Legal, "No. 46") {
		t.Fatalf("gallium ban: %+v (until %v)", r, r.Until)
	}
}

// syntheticDoc builds a document of countries, facilities and supplies: 676 countries, one
// mineral, f facilities and 2f supplies.
func syntheticDoc(f int) ([]byte, int) {
	var b bytes.Buffer
	b.WriteString(`{"countries":[`)
	n := 0
	for i := range 26 * 26 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%c%c","name":"Country %d","groups":["G%d"]}`, 'A'+i/26, 'A'+i%26, i, i%20)
		n++
	}
	b.WriteString(`],"minerals":[{"id":"lithium","name":"Lithium","category":"battery"}],"facilities":[`)
	n++
	kinds := mineralmap.FacilityKinds
	for i := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"fac-%d","name":"Facility %d","kind":"%s","country":"%c%c","operator":"Operator %d","status":"operating","lat":%.2f,"lon":%.2f,"year":2024,"source":"synthetic"}`,
			i, i, kinds[i%len(kinds)], 'A'+i%26, 'A'+(i/26)%26, i%100, float64(i%180)-90, float64(i%360)-180)
		n++
	}
	b.WriteString(`],"supplies":[`)
	for i := range 2 * f {
		if i > 0 {
			b.WriteByte(',')
		}
		from := i % f
		to := (from + 1 + i/f) % f
		fmt.Fprintf(&b, `{"from":"fac-%d","to":"fac-%d","mineral":"lithium","volume_t":%d.5,"year":2024}`, from, to, 1+i%5000)
		n++
	}
	b.WriteString(`]}`)
	return b.Bytes(), n
}

func BenchmarkValidate(b *testing.B) {
	doc, n := syntheticDoc(100_000)
	src := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(doc)), nil }
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		plan, err := document.Validate(context.Background(), src, nil)
		if err != nil {
			b.Fatal(err)
		}
		if plan.Rows != int64(n) {
			b.Fatalf("%d rows, want %d", plan.Rows, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkScan(b *testing.B) {
	doc, n := syntheticDoc(100_000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rows := 0
		if err := document.Scan(bytes.NewReader(doc), nil, func(string, mineralmap.Entry) error { rows++; return nil }); err != nil || rows != n {
			b.Fatal(rows, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
