"""The outside reference for make bench: /v1/chokepoints computed with networkx.

It reads the M-network as stored (bench/graphdump network: every SUPPLIES edge of the mineral,
the producers, the restrictions), applies the contract (section 4) itself, and ranks the
chokepoints of one consumer the way the service does, with the same pruning so that both do the
same work: one max-flow for the whole network, then one max-flow per candidate in order of the
flow it carries, until the top `limit` are known. It prints one JSON object: the answer, the time
it took, and whether it agrees with the service's answer (when given).

    python networkx_chokepoints.py dump.json [api_answer.json] [--limit 20] [--budget 900]
"""

import argparse
import json
import math
import sys
import time
from datetime import date

import networkx as nx
from networkx.algorithms.flow import boykov_kolmogorov, preflow_push

SUPER = ("__super_source__",)  # a node id no document can use
# Capacities are tonnes × SCALE as integers: exact for volumes with up to three decimals (the
# synthetic networks have one). Flows are divided back.
SCALE = 1000


def round9(x):
    return math.floor(x * 1e9 + 0.5) / 1e9


def risk_of(total, without):
    if not total > 0:
        return 0.0
    return min(max(round9(1 - without / total), 0.0), 1.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("answer", nargs="?")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--budget", type=float, default=900, help="seconds; stop evaluating after")
    args = ap.parse_args()
    with open(args.dump) as f:
        d = json.load(f)
    consumer = d["consumer"]
    as_of = date.fromisoformat(d["as_of"])

    t0 = time.perf_counter()
    country = {n: v[0] for n, v in d["nodes"].items()}
    is_country = {n: v[1] for n, v in d["nodes"].items()}

    # Active bans at as_of (restrictions=bans, the default).
    bans = {}
    for r in d["restricts"]:
        if r["measure"] != "ban":
            continue
        start = date.fromisoformat(r["from"])
        until = date.fromisoformat(r["until"]) if r.get("until") else None
        if start <= as_of and (until is None or as_of < until):
            bans.setdefault(r["country"], []).append(set(r["targets"] or []))

    def blocked(a, b):
        ca, cb = country[a], country[b]
        return ca != cb and any(not t or cb in t for t in bans.get(ca, []))

    has_in = {b for _, b, _ in d["edges"]}
    sources = set(d["producers"]) | {a for a, _, _ in d["edges"] if a not in has_in}

    g = nx.DiGraph()
    for a, b, v in d["edges"]:
        if a != b and v > 0 and not blocked(a, b):
            # Parallel edges (two forms between the same pair, as in the world layer) add up.
            if g.has_edge(a, b):
                g[a][b]["capacity"] += round(v * SCALE)
            else:
                g.add_edge(a, b, capacity=round(v * SCALE))
    for s in sources:
        if s != consumer and s in g:
            g.add_edge(SUPER, s)  # no capacity attribute: infinite
    t_build = time.perf_counter() - t0

    flows_run = 0
    fallbacks = 0

    def max_flow(removed=()):
        # networkx's default, preflow-push, is its fastest here (boykov_kolmogorov is about 5×
        # slower, dinitz 50×). It wants integer capacities (on floats it fails with "min() arg
        # is an empty sequence"), hence SCALE; boykov_kolmogorov answers if it fails anyway.
        nonlocal flows_run, fallbacks
        flows_run += 1
        if consumer not in g or SUPER not in g:
            return 0.0, {}
        view = nx.restricted_view(g, removed, []) if removed else g
        try:
            return nx.maximum_flow(view, SUPER, consumer, flow_func=preflow_push)
        except ValueError:
            fallbacks += 1
            return nx.maximum_flow(view, SUPER, consumer, flow_func=boykov_kolmogorov)

    t1 = time.perf_counter()
    total, flow = max_flow()
    total /= SCALE

    # Nodes on some source→consumer walk: reachable from a source without passing the consumer,
    # and able to reach it.
    forward = set()
    if SUPER in g and consumer in g:
        stack = [s for s in g.successors(SUPER)]
        forward.update(stack)
        while stack:
            u = stack.pop()
            for v in g.successors(u):
                if v != consumer and v not in forward:
                    forward.add(v)
                    stack.append(v)
        on_path, stack = set(), [consumer]
        while stack:
            v = stack.pop()
            for u in g.predecessors(v):
                if u in forward and u not in on_path:
                    on_path.add(u)
                    stack.append(u)
    else:
        on_path = set()

    own = country.get(consumer, consumer)
    candidates = []
    countries = set()
    for n in on_path:
        if not is_country[n] and n != consumer:
            candidates.append((n, "facility", [n]))
        if country[n] != own:
            countries.add(country[n])
    for c in countries:
        members = [n for n in d["nodes"] if country[n] == c] + [c]
        candidates.append((c, "country", members))

    # Upper bounds: removing a candidate loses at most the flow its members send out.
    out = {u: sum(f for f in flow.get(u, {}).values() if f > 0) / SCALE for u in g}
    jobs = []
    for cid, ctype, members in candidates:
        sent = sum(out.get(m, 0.0) for m in set(members) if m != consumer and m in g)
        bound = min(sent / total, 1.0) if total > 0 else 0.0
        if bound > 1e-7:
            jobs.append((bound, cid, ctype, members))
    jobs.sort(key=lambda j: (-j[0], j[1]))

    found, risks, timed_out = [], [], False
    for bound, cid, ctype, members in jobs:
        if len(risks) >= args.limit and sorted(risks, reverse=True)[args.limit - 1] > bound + 1e-7:
            break
        if time.perf_counter() - t1 > args.budget:
            timed_out = True
            break
        without, _ = max_flow(set(members) & set(g.nodes))
        r = risk_of(total, without / SCALE)
        if r > 0:
            risks.append(r)
            found.append({"id": cid, "type": ctype, "supply_at_risk": r})
    found.sort(key=lambda c: (-c["supply_at_risk"], c["id"], c["type"]))
    found = found[: args.limit]
    t_flows = time.perf_counter() - t1

    result = {
        "networkx": nx.__version__,
        "edges": g.number_of_edges() - len(list(g.successors(SUPER))) if SUPER in g else g.number_of_edges(),
        "candidates": len(candidates),
        "flows_run": flows_run,
        "preflow_push_fallbacks": fallbacks,
        "seconds_build": round(t_build, 3),
        "seconds_flows": round(t_flows, 3),
        "seconds_total": round(t_build + t_flows, 3),
        "timed_out": timed_out,
        "supply_t": total,
        "chokepoints": found,
    }
    if args.answer:
        with open(args.answer) as f:
            api = json.load(f)
        result["agree"], result["disagreement"] = compare(api, total, found)
    json.dump(result, sys.stdout)
    print()


def compare(api, total, found):
    """Whether the service's answer is the same: supply, and the ranked chokepoints (order may
    differ only among equal risks)."""
    if not math.isclose(api["supply_t"], total, rel_tol=1e-9, abs_tol=1e-6):
        return False, f"supply_t {api['supply_t']} vs {total}"
    mine = api["chokepoints"]
    if len(mine) != len(found):
        return False, f"{len(mine)} chokepoints vs {len(found)}"
    for a, b in zip(mine, found):
        if abs(a["supply_at_risk"] - b["supply_at_risk"]) > 1e-6:
            return False, f"{a} vs {b}"
    key = lambda c: (round(c["supply_at_risk"], 6), c["id"], c["type"])
    if sorted(map(key, mine)) != sorted(map(key, found)):
        return False, "different chokepoints"
    return True, ""


if __name__ == "__main__":
    main()
