// Refined output of one mineral by country for one year (default: the latest year present).
MATCH (m:Mineral {id: $mineral})
OPTIONAL MATCH (:Facility)-[e:REFINES]->(m)
WITH m, coalesce($year, max(e.year)) AS year
MATCH (f:Facility)-[r:REFINES]->(m)
WHERE year IS NULL OR r.year = year
RETURN year, f.country AS country, sum(r.volume_t) AS volume_t
ORDER BY volume_t DESC, country
