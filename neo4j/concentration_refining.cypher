// Refined output of one mineral by country for one year (default: the latest year of
// its records other than planned ones, or of the planned ones when it has no other),
// contract section 5: a country's volume is its national total (a Country record) where one
// exists for the year, else the sum of its facilities' records; facilities never add to a
// national total. $bases (null: every basis) selects the records.
MATCH (m:Mineral {id: $mineral})
OPTIONAL MATCH (:Facility|Country)-[e:REFINES]->(m)
WITH m, coalesce($year, max(CASE WHEN e.basis = 'planned' THEN null ELSE e.year END), max(e.year)) AS year
MATCH (n:Facility|Country)-[r:REFINES]->(m)
WHERE (year IS NULL OR r.year = year) AND ($bases IS NULL OR coalesce(r.basis, 'estimated') IN $bases)
WITH m, year, coalesce(n.country, n.id) AS country, n:Country AS national, r.volume_t AS v, coalesce(r.basis, 'estimated') AS basis
WITH m, year, country, national, sum(v) AS volume_t, collect(DISTINCT basis) AS bases
ORDER BY national DESC
WITH m, year, country, collect({national: national, volume_t: volume_t, bases: bases})[0] AS used
RETURN year, m.unit AS unit, country, used.volume_t AS volume_t, used.national AS national, used.bases AS bases
ORDER BY volume_t DESC, country
