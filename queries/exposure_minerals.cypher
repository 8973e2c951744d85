// The minerals a consumer receives: those of its incoming SUPPLIES edges.
MATCH (c {id: $consumer})<-[s:SUPPLIES]-()
RETURN DISTINCT s.mineral AS mineral
ORDER BY mineral
