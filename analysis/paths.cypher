// The supply-path search of /v1/paths written in Cypher, for Neo4j Browser: it returns a walk
// to $to for every source when a path exists and nothing when none does. The service finds its
// paths in Go over the M-network instead (paths.go): on a large network this query returns
// every shortest walk of every source, which is too many to sort through.
// MAX_HOPS is an integer the code validated (Cypher takes no parameters there); FROM and TO are
// node patterns whose labels come from code. Planned edges count up to $planned_until, and
// facilities from their online date (contract section 5).
MATCH (m:Mineral {id: $mineral})
CALL (m) {
  OPTIONAL MATCH (x:Country)-[r:RESTRICTS]->(m)
  WHERE r.from <= $as_of AND (r.until IS NULL OR $as_of < r.until)
  RETURN [b IN collect({country: x.id, targets: r.targets, measure: r.measure}) WHERE b.country IS NOT NULL] AS active
}
WITH m, active, [x IN active WHERE x.measure IN $measures] AS blocking
MATCH p = SHORTEST 1 GROUPS {{FROM}}
  ((a)-[s:SUPPLIES]->(b)
    WHERE s.mineral = $mineral
      AND (coalesce(s.basis, '') <> 'planned' OR s.year <= $planned_until)
      AND (a.online IS NULL OR a.online <= $as_of) AND (b.online IS NULL OR b.online <= $as_of)
      AND NOT b.id IN $avoid AND NOT coalesce(b.country, b.id) IN $avoid
      AND NOT (coalesce(a.country, a.id) <> coalesce(b.country, b.id)
               AND any(x IN blocking WHERE x.country = coalesce(a.country, a.id)
                       AND (size(x.targets) = 0 OR coalesce(b.country, b.id) IN x.targets)))
  ){1,{{MAX_HOPS}}}
  {{TO}}
RETURN [n IN nodes(p) | {id: n.id, label: labels(n)[0], name: n.name, country: coalesce(n.country, n.id)}] AS nodes,
       [r IN relationships(p) | r.volume_t] AS volumes,
       COLLECT { UNWIND nodes(p) AS n MATCH (g:Agreement)-[:FINANCES]->(n) RETURN {agreement: g.id, facility: n.id} } AS financed_by,
       active
