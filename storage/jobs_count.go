package storage

import (
	"context"
	"fmt"
)

// JobCount is how many jobs of one kind are in one state.
type JobCount struct {
	Kind, State string
	Jobs        int
}

// CountJobs counts the jobs table by kind and state (pending, running,
// failed), for the queue-depth metric: one query on the reader pool, read
// at each scrape.
func (db *DB) CountJobs(ctx context.Context) ([]JobCount, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("storage: count jobs: %w", err)
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Jobs); err != nil {
			return nil, fmt.Errorf("storage: count jobs: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
