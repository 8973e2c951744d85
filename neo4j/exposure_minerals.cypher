// The minerals a consumer receives: those of its incoming SUPPLIES edges. LABEL is the
// consumer's label, from code (Country or Facility), so that the match uses its id index.
MATCH (c:LABEL {id: $consumer})<-[s:SUPPLIES]-()
RETURN DISTINCT s.mineral AS mineral
ORDER BY mineral
