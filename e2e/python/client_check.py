"""The API through a client generated from its own /openapi.json by openapi-python-client, as a
Python analyst would use it (scripts/pyclient.sh runs this against a live API over the fixtures).

Usage: client_check.py BASE_URL API_TOKEN README.md
Prints what it asked and what came back; any failed expectation raises, and the exit code is 1.
"""

import datetime
import re
import sys

from mineralmap_client import AuthenticatedClient, Client
from mineralmap_client.api.analyses import chokepoints, concentration, exposure, paths, scenario
from mineralmap_client.api.graph import list_countries, load_graph, node
from mineralmap_client.models import (
    ChokepointsAnswer,
    ConcentrationAnswer,
    CountryPage,
    LoadDocument,
    LoadResult,
    NodeResponse404,
    PathsAnswer,
    PathsResponse422,
    ScenarioAnswer,
    ScenarioRequest,
)
from mineralmap_client.models.concentration_stage import ConcentrationStage

base, token, readme = sys.argv[1], sys.argv[2], sys.argv[3]
AS_OF = datetime.date(2026, 6, 1)  # fixed, so that restrictions lapsing later do not change the answers


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def show(label, value):
    print(f"{label}: {value}")


# Reads are open: a plain Client, no token.
client = Client(base_url=base, raise_on_unexpected_status=True)

# Paths to Japan avoiding two countries, the list as Python sends it (avoid=CN&avoid=US).
ans = paths.sync(client=client, mineral="rare-earths", to="JP", avoid=["CN", "US"], as_of=AS_OF)
check(isinstance(ans, PathsAnswer), f"paths: {ans!r}")
check(ans.avoid == ["CN", "US"], f"paths echo avoid {ans.avoid}")
check(len(ans.paths) == 3, f"paths avoiding CN and US: {len(ans.paths)}, want 3")
for p in ans.paths:
    check(all(n.country not in ("CN", "US") for n in p.nodes), f"a path crosses an avoided country: {p}")
    check(p.nodes[-1].id == "JP" and p.bottleneck_t == min(e.volume_t for e in p.edges), f"path {p}")
show("paths to JP avoiding CN, US", [" → ".join(n.name for n in p.nodes) + f" ({p.bottleneck_t:g} t)" for p in ans.paths])
none = paths.sync(client=client, mineral="rare-earths", to="JP", avoid=["CN", "MY"], as_of=AS_OF)
check(isinstance(none, PathsAnswer) and none.paths == [], f"avoiding CN and MY leaves no path: {none}")
show("paths to JP avoiding CN, MY", none.paths)

# Chokepoints of Japan's rare earths.
ch = chokepoints.sync(client=client, mineral="rare-earths", consumer="JP", limit=5, as_of=AS_OF)
check(isinstance(ch, ChokepointsAnswer) and ch.supply_t > 0, f"chokepoints: {ch!r}")
risks = [c.supply_at_risk for c in ch.chokepoints]
check(risks == sorted(risks, reverse=True) and 0 < len(risks) <= 5, f"chokepoints ranked: {risks}")
check(all(c.single_point_of_failure == (c.supply_at_risk == 1) for c in ch.chokepoints), "single points of failure")
show("chokepoints of JP's rare earths", [(c.id, c.type_.value, round(c.supply_at_risk, 3)) for c in ch.chokepoints])

# Concentration of rare-earth refining.
co = concentration.sync("rare-earths", client=client, stage=ConcentrationStage.REFINING)
check(isinstance(co, ConcentrationAnswer) and co.shares[0].country == "CN", f"concentration: {co!r}")
check(abs(sum(s.share for s in co.shares) - 1) < 1e-9 and co.top1 == co.shares[0].share, "shares add up to 1")
show("rare-earth refining", f"year {co.year}, top1 {co.shares[0].country} {co.top1:.3f}, HHI {co.hhi}")

# Exposure of Japan to China, one mineral (a oneOf: the one-mineral shape).
ex = exposure.sync(client=client, consumer="JP", supplier="CN", mineral="rare-earths", as_of=AS_OF)
check(getattr(ex, "mineral", None) == "rare-earths" and 0 <= ex.supply_at_risk <= 1, f"exposure: {ex!r}")
show("JP's rare-earth exposure to CN", f"{ex.supply_at_risk:.3f} of {ex.supply_t:g} t")

# A scenario: China stops shipping rare earths to everyone.
sc = scenario.sync(client=client, body=ScenarioRequest.from_dict(
    {"mineral": "rare-earths", "consumers": ["JP", "US"],
     "restrictions": [{"country": "CN", "targets": [], "measure": "ban"}], "as_of": AS_OF.isoformat()}))
check(isinstance(sc, ScenarioAnswer) and [r.consumer for r in sc.results] == ["JP", "US"], f"scenario: {sc!r}")
check(all(r.after_t <= r.before_t and 0 <= r.lost_share <= 1 for r in sc.results), "a ban never adds supply")
show("China bans rare earths", [(r.consumer, r.before_t, r.after_t, round(r.lost_share, 3)) for r in sc.results])

# A list followed over two pages.
first = list_countries.sync(client=client, limit=5)
check(isinstance(first, CountryPage) and len(first.items) == 5 and isinstance(first.next_cursor, str), f"page 1: {first!r}")
second = list_countries.sync(client=client, limit=5, cursor=first.next_cursor)
check(isinstance(second, CountryPage) and len(second.items) == 5, f"page 2: {second!r}")
ids = [c.id for c in first.items] + [c.id for c in second.items]
check(ids == sorted(ids) and len(set(ids)) == 10, f"two pages in id order, no repeat: {ids}")
show("countries, two pages of 5", ids)

# An authenticated load.
writer = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
res = load_graph.sync(client=writer, body=LoadDocument.from_dict(
    {"countries": [{"id": "NZ", "name": "New Zealand", "source": "ISO 3166-1 alpha-2"}]}))
check(isinstance(res, LoadResult) and res.rows == 1, f"load: {res!r}")
show("load of one country", f"{res.nodes_created} node(s) created, {res.properties_set} properties set")

# One error of each kind the client is typed for: 404 and 422, in the contract's shape.
missing = node.sync_detailed("no-such-node", client=client)
check(missing.status_code == 404 and isinstance(missing.parsed, NodeResponse404), f"404: {missing}")
check(missing.parsed.error.code.value == "not_found", f"404 code {missing.parsed.error.code}")
show("GET /v1/nodes/no-such-node", f"{missing.status_code} {missing.parsed.error.code.value}: {missing.parsed.error.message}")
bad = paths.sync_detailed(client=client, mineral="rare-earths", to="JP", k=99)
check(bad.status_code == 422 and isinstance(bad.parsed, PathsResponse422), f"422: {bad}")
check(bad.parsed.error.code.value == "invalid" and bad.parsed.error.details[0].path == "k", f"422 details {bad.parsed.error.details}")
show("paths with k=99", f"{bad.status_code} {bad.parsed.error.code.value}: {bad.parsed.error.details[0].path} {bad.parsed.error.details[0].message}")

# The README's first lines of Python, as written there but for the address.
block = re.search(r"<!-- python:start -->\s*```python\n(.*?)```\s*<!-- python:end -->", open(readme).read(), re.S)
check(block is not None, "README has no python block between the markers")
code = block.group(1).replace("http://127.0.0.1:8080", base)
print("README's Python:")
scope = {}
exec(compile(code, "README.md", "exec"), scope)
check(len(scope["answer"]["paths"]) == 3, f"the README's request: {scope['answer']}")
print("all checks passed")
