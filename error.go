package mineralmap

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers; the HTTP layer maps each kind to one status code.
type Kind int

const (
	KindInternal         Kind = iota // a bug or an unexpected failure
	KindMalformed                    // the input is not well-formed (bad JSON)
	KindInvalid                      // the input is well-formed but breaks a rule
	KindUnauthorized                 // no or wrong credentials
	KindForbidden                    // the operation is not allowed at all
	KindNotFound                     // an id that names nothing
	KindTooLarge                     // the input exceeds a size limit
	KindUnavailable                  // Neo4j cannot be reached
	KindTimeout                      // the work ran over its time budget
	KindMethodNotAllowed             // the path does not take the method
	KindUnsupportedMedia             // the body's Content-Type is not one the route takes
)

// Detail is one problem in an input, located by a JSON Pointer or a parameter name.
type Detail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	// Line and Column place a problem of a CSV document (from 1; 0: not a CSV's).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Error is the service's one error type.
type Error struct {
	Kind    Kind
	Message string
	Details []Detail
	Err     error // the cause, if any; never shown to clients for internal errors
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, KindInternal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Clip shortens a value quoted in an error message to 64 bytes and an ellipsis, so that a huge
// bad input does not make a huge answer.
func Clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
