// Supply paths of one mineral to $to, fewest hops first, avoiding nodes and blocked hops.
// The avoid and restriction predicates sit inside the quantified path pattern, so the search
// prunes as it goes. The GROUPS and MAX_HOPS placeholders are integers the code validated (Cypher
// takes no parameters there); FROM and TO are node patterns whose labels come from code.
// SHORTEST n GROUPS returns every walk of the n smallest lengths per (source, target) pair;
// walks that repeat a node are dropped by the caller, which asks for more groups when needed.
MATCH (m:Mineral {id: $mineral})
CALL (m) {
  OPTIONAL MATCH (x:Country)-[r:RESTRICTS]->(m)
  WHERE r.from <= $as_of AND (r.until IS NULL OR $as_of < r.until)
  RETURN [b IN collect({country: x.id, targets: r.targets, measure: r.measure}) WHERE b.country IS NOT NULL] AS active
}
WITH m, active, [x IN active WHERE x.measure IN $measures] AS blocking
MATCH p = SHORTEST {{GROUPS}} GROUPS {{FROM}}
  ((a)-[s:SUPPLIES]->(b)
    WHERE s.mineral = $mineral
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
