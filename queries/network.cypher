// The M-network of one mineral: every SUPPLIES edge with mineral = $mineral, its ends' countries,
// and whether an active restriction blocks it. $extra holds a scenario's added restrictions,
// which block whatever their measure; blocked_after counts them, blocked does not.
MATCH (m:Mineral {id: $mineral})
CALL (m) {
  OPTIONAL MATCH (x:Country)-[r:RESTRICTS]->(m)
  WHERE r.from <= $as_of AND (r.until IS NULL OR $as_of < r.until) AND r.measure IN $measures
  RETURN [b IN collect({country: x.id, targets: r.targets}) WHERE b.country IS NOT NULL] AS stored
}
MATCH (a)-[s:SUPPLIES]->(b)
WHERE s.mineral = $mineral
WITH m, stored, a, s, b, coalesce(a.country, a.id) AS ca, coalesce(b.country, b.id) AS cb
WITH m, a, s, b, ca, cb,
     ca <> cb AND any(x IN stored WHERE x.country = ca AND (size(x.targets) = 0 OR cb IN x.targets)) AS blocked,
     ca <> cb AND any(x IN $extra WHERE x.country = ca AND (size(x.targets) = 0 OR cb IN x.targets)) AS added
RETURN a.id AS from, b.id AS to, s.volume_t AS volume_t, ca AS from_country, cb AS to_country,
       a:Country AS from_is_country, b:Country AS to_is_country, a.name AS from_name, b.name AS to_name,
       blocked, blocked OR added AS blocked_after,
       EXISTS { (a)-[:PRODUCES]->(m) } AS from_produces
