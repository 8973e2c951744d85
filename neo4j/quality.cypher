// The records of one mineral for the quality report (contract section 6), six statements in
// one read transaction.
//
// 1. The mineral.
MATCH (m:Mineral {id: $mineral})
RETURN m.unit AS unit, m.source IS NOT NULL AS has_source;

// 2. The nodes of its SUPPLIES, PRODUCES and REFINES records.
CALL () {
  MATCH (a)-[s:SUPPLIES]->(b) WHERE s.mineral = $mineral
  UNWIND [a, b] AS n
  RETURN n
  UNION
  MATCH (n)-[:PRODUCES|REFINES]->(:Mineral {id: $mineral})
  RETURN n
}
RETURN n.id AS id, coalesce(n.name, n.id) AS name, coalesce(n.country, n.id) AS country, n:Country AS is_country,
       [n.online, n.closed] AS dates, n.source IS NOT NULL AS has_source;

// 3. Its SUPPLIES records.
MATCH (a)-[s:SUPPLIES]->(b) WHERE s.mineral = $mineral
RETURN a.id AS from, b.id AS to,
       coalesce(s.form, CASE WHEN a:Country THEN 'refined' WHEN a.kind = 'mine' THEN 'ore' WHEN a.kind = 'magnet' THEN 'product' ELSE 'refined' END) AS form,
       coalesce(s.basis, 'estimated') AS basis, coalesce(s.year, 0) AS year, s.volume_t AS volume_t,
       s.source IS NOT NULL AS has_source;

// 4. Its PRODUCES and REFINES records.
MATCH (n)-[r:PRODUCES|REFINES]->(:Mineral {id: $mineral})
RETURN n.id AS node, type(r) = 'REFINES' AS refines, coalesce(r.basis, 'estimated') AS basis,
       coalesce(r.year, 0) AS year, r.volume_t AS volume_t, r.source IS NOT NULL AS has_source,
       [r.replaced_volume_t, r.replaced_basis, r.replaced_source] AS replaced;

// 5. The restrictions on it.
MATCH (x:Country)-[r:RESTRICTS]->(:Mineral {id: $mineral})
RETURN x.id AS country, r.measure AS measure, r.from AS from, r.source IS NOT NULL AS has_source;

// 6. Its DEMANDS records (contract section 7).
MATCH (c:Country)-[d:DEMANDS]->(:Mineral {id: $mineral})
RETURN c.id AS country, coalesce(d.year, 0) AS year, d.volume_t AS volume_t,
       coalesce(d.basis, 'estimated') AS basis, d.source IS NOT NULL AS has_source
