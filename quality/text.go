package quality

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteText writes reports as the text of mineralmap check and reports whether any has an
// error finding.
func WriteText(w io.Writer, reports []Report) bool {
	var errs, warns int
	for _, r := range reports {
		year := "no year"
		if r.Year != nil {
			year = fmt.Sprint(*r.Year)
		}
		fmt.Fprintf(w, "%s (%s, %s)\n", r.Mineral, orNone(r.Unit), year)
		for _, s := range r.Stages {
			var top []string
			for _, t := range s.Top {
				top = append(top, fmt.Sprintf("%s %.1f%%", t.Country, 100*t.Share))
			}
			sy := "-"
			if s.Year != nil {
				sy = fmt.Sprint(*s.Year)
			}
			fmt.Fprintf(w, "  %-9s %s  total %s, %d countries; %s\n", s.Stage, sy, tonnes(s.TotalT, r.Unit), s.Countries, orNone(strings.Join(top, ", ")))
		}
		var shares []string
		for _, b := range slices.Sorted(func(yield func(string) bool) {
			for k := range r.BasisShares {
				if !yield(k) {
					return
				}
			}
		}) {
			if v := r.BasisShares[b]; v > 0 {
				shares = append(shares, fmt.Sprintf("%s %.0f%%", b, 100*v))
			}
		}
		fmt.Fprintf(w, "  network by basis: %s\n", orNone(strings.Join(shares, ", ")))
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  %-7s %-18s %s\n", f.Severity, f.Kind, f.Message)
			switch f.Severity {
			case Error:
				errs++
			case Warning:
				warns++
			}
		}
	}
	fmt.Fprintf(w, "%d minerals: %d errors, %d warnings\n", len(reports), errs, warns)
	return errs > 0
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
