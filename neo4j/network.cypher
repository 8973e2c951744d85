// The M-network of one mineral: five statements run in one read transaction. Neo4j spends
// several microseconds on every record it sends, so the network comes as a few dozen records of
// parallel lists rather than a record per edge, and each node is sent once, named inside the
// transaction by its internal id. Which hops a restriction blocks at a date is decided from
// statement 3 by the service (contract section 4), so one read serves every as_of. Which nodes
// produce the mineral and which agreements finance them are asked once each (4, 5): asked per
// node in statement 1, they cost 570k db hits on the 1M-edge bench graph (PROFILE,
// bench/RESULTS.md).
//
// 1. The nodes: both ends of every SUPPLIES edge with mineral = $mineral, with the country of
//    each (its own id for a Country) and the dates a facility takes part ([online, closed], 0
//    for a node with neither: an integer costs Bolt less than a list of two nulls), and whether
//    a facility is pending (status planned or construction: the outlook's delay_years).
MATCH (a)-[s:SUPPLIES]->(b)
WHERE s.mineral = $mineral
UNWIND [a, b] AS n
WITH DISTINCT n
WITH id(n) % $chunks AS chunk, n
WITH chunk,
     collect(id(n)) AS ref, collect(n.id) AS id, collect(n.name) AS name,
     collect(coalesce(n.country, n.id)) AS country, collect(n:Country) AS is_country,
     collect(CASE WHEN n.online IS NULL AND n.closed IS NULL THEN 0 ELSE [n.online, n.closed] END) AS dates,
     collect(coalesce(n.status IN ['planned', 'construction'], false)) AS pending
RETURN ref, id, name, country, is_country, dates, pending;

// 2. The edges of every year, basis and form (the service picks the network at a year,
//    contract section 5): their ends (internal ids, as in 1), volume_t, and one integer per
//    edge, year × 16 + form × 4 + basis, the form and basis as their positions in
//    mineralmap.Forms and mineralmap.Bases (the contract's defaults for records stored before
//    they existed; a value the service does not know reads as the default). One list of
//    integers costs Bolt less than three lists, two of them strings.
MATCH (a)-[s:SUPPLIES]->(b)
WHERE s.mineral = $mineral
WITH id(s) % $chunks AS chunk, id(a) AS a, id(b) AS b, s.volume_t AS v,
     coalesce(s.year, 0) * 16
     + CASE CASE WHEN s.form IS NOT NULL THEN s.form WHEN a:Country THEN 'refined' WHEN a.kind = 'mine' THEN 'ore' WHEN a.kind = 'magnet' THEN 'product' ELSE 'refined' END
         WHEN 'ore' THEN 0 WHEN 'intermediate' THEN 4 WHEN 'product' THEN 12 ELSE 8 END
     + CASE s.basis WHEN 'reported' THEN 0 WHEN 'trade' THEN 1 WHEN 'planned' THEN 3 ELSE 2 END AS code
WITH chunk, collect(a) AS from, collect(b) AS to, collect(v) AS volume_t, collect(code) AS code
RETURN from, to, volume_t, code;

// 3. Every restriction on the mineral, with the forms it covers and its suspensions.
MATCH (x:Country)-[r:RESTRICTS]->(:Mineral {id: $mineral})
RETURN x.id AS country, r.measure AS measure, r.targets AS targets, r.from AS from, r.until AS until,
       coalesce(r.forms, []) AS forms, coalesce(r.suspended_from, []) AS suspended_from,
       coalesce(r.suspended_until, []) AS suspended_until;

// 4. The producers of the mineral (internal ids, as in 1), one per PRODUCES record, with the
//    year a planned record counts from (-1: not planned; 0: planned without a year).
MATCH (p)-[r:PRODUCES]->(:Mineral {id: $mineral})
RETURN collect(id(p)) AS ref, collect(CASE WHEN r.basis = 'planned' THEN coalesce(r.year, 0) ELSE -1 END) AS planned_from;

// 5. The agreements financing a facility that supplies or receives the mineral.
MATCH (g:Agreement)-[:FINANCES]->(f:Facility)
WHERE EXISTS { (f)-[s:SUPPLIES]-() WHERE s.mineral = $mineral }
RETURN collect(id(f)) AS ref, collect(g.id) AS agreement
