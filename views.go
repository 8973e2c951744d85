package mineralmap

// NodeView is one node with its properties and relationships (GET /v1/nodes/{id}).
type NodeView struct {
	ID            string         `json:"id"`
	Label         string         `json:"label"`
	Properties    map[string]any `json:"properties"`
	Relationships []RelView      `json:"relationships"`
	Truncated     bool           `json:"relationships_truncated"`
}

// RelView is one relationship seen from a node.
type RelView struct {
	Type       string         `json:"type"`
	Direction  string         `json:"direction"`
	Other      string         `json:"other"`
	OtherLabel string         `json:"other_label"`
	Properties map[string]any `json:"properties"`
}

// MaxListLimit bounds a list page.
const MaxListLimit = 1000

// ListFilter selects and pages a list of nodes.
type ListFilter struct {
	Country string // facilities in, agreements with this party
	Mineral string // facilities that produce, refine or supply it
	Kind    string // facility or agreement kind; mineral category
	Group   string // countries in this group
	Limit   int
	Cursor  string // from the previous page's next_cursor
}

// Page is one page of a list.
type Page struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

// LoadResult holds Neo4j's counters for one document.
type LoadResult struct {
	NodesCreated         int64 `json:"nodes_created"`
	RelationshipsCreated int64 `json:"relationships_created"`
	PropertiesSet        int64 `json:"properties_set"`
	Rows                 int64 `json:"rows"`
}

// Progress is told how many of a document's rows are written so far.
type Progress func(done, total int64)

// Version names the state of the database a read saw (Neo4j's bookmarks after it). Two reads
// with the same non-empty Version saw the same database: nothing was committed in between. The
// empty Version names no state.
type Version string
