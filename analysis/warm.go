package analysis

import (
	"context"

	"github.com/mineralmap/mineralmap"
)

// Warm reads the network of every stored mineral and builds its default view (no year, as of
// today, every basis and form), in the background of a start or after a commit, so that the
// first request does not pay for the read (make bench measures it). A request that comes while
// a network is being read joins that read. It returns the version it warmed and the minerals.
// last is the version warmed before: when nothing was committed since, Warm reads nothing.
func (a *Analyses) Warm(ctx context.Context, last mineralmap.Version) (mineralmap.Version, int, error) {
	ids, err := a.store.MineralIDs(ctx)
	if err != nil {
		return last, 0, err
	}
	if len(ids) == 0 {
		return last, 0, nil
	}
	_, version, err := a.store.Labels(ctx, ids)
	if err != nil || version == last {
		return last, 0, err
	}
	for _, m := range ids {
		if _, err := a.network(ctx, version, m, mineralmap.Conditions{}.Normalized()); err != nil {
			return last, 0, err
		}
	}
	return version, len(ids), nil
}
