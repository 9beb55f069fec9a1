package storage

import (
	"errors"
	"fmt"
)

// ErrNotFound means no live (not soft-deleted) row has the given id.
var ErrNotFound = errors.New("storage: not found")

// ErrConflict means a uniqueness rule would be broken (for example a second
// live share type with the same name).
var ErrConflict = errors.New("storage: conflict")

// StateError reports that a conditional update did not apply because the row
// is no longer in one of the states the caller required. Current is the state
// the row is in now, so the caller can word its own message.
type StateError struct {
	// Of names the resource whose state did not match ("share",
	// "share_backup", ...), for operations that change several.
	Of      string
	Current string
}

// CurrentSoftDeleted is StateError.Current for a share already in the
// recycle bin (is_soft_deleted; not a status of its own in Manila).
const CurrentSoftDeleted = "soft_deleted"

func (e *StateError) Error() string {
	return fmt.Sprintf("storage: %s is in state %q", e.Of, e.Current)
}

// QuotaError reports that a request would take a project (or a user or a
// share type in it) over quota, as Manila's OverQuota does.
type QuotaError struct {
	// Overs are the resources that would go over, sorted.
	Overs []string
	// Quotas are the limits, Consumed what is used (in use and reserved)
	// and Deltas what was asked for, of the resources asked for.
	Quotas   map[string]int
	Consumed map[string]int
	Deltas   map[string]int
}

// Over reports whether resource would go over.
func (e *QuotaError) Over(resource string) bool {
	for _, r := range e.Overs {
		if r == resource {
			return true
		}
	}
	return false
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("storage: quota exceeded for %v (quotas %v, consumed %v, requested %v)", e.Overs, e.Quotas, e.Consumed, e.Deltas)
}

// InUseError reports that a row cannot be removed while others depend on it.
type InUseError struct {
	What  string // what depends on it, e.g. "shares"
	Count int
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("storage: still used by %d %s", e.Count, e.What)
}

// BusyError reports that a share is part of a consistency group snapshot
// being taken, so nothing may change it until that is done.
type BusyError struct{ ShareID string }

func (e *BusyError) Error() string {
	return "storage: share " + e.ShareID + " is busy with a consistency group snapshot"
}
