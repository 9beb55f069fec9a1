package worker

import (
	"slices"
	"time"

	"github.com/manilite/manilite/backend"
)

// Observer is told how jobs and backups went; the metrics package
// implements it. Its methods must be cheap and safe for concurrent use.
type Observer interface {
	// ObserveJob: one attempt of a job of kind ran for d and ended with
	// outcome: "done", "retry", "failed", "interrupted" or "lease_lost".
	ObserveJob(kind, outcome string, d time.Duration)
	// ObserveBackup: one backup ("create") or restore ("restore") completed
	// in d, moving contentBytes of file content and archiveBytes of archive.
	ObserveBackup(operation string, contentBytes, archiveBytes int64, d time.Duration)
}

// Outcomes of a job attempt, as ObserveJob is told them.
const (
	outcomeDone        = "done"
	outcomeRetry       = "retry"
	outcomeFailed      = "failed"
	outcomeInterrupted = "interrupted"
	outcomeLeaseLost   = "lease_lost"
)

type noObserver struct{}

func (noObserver) ObserveJob(string, string, time.Duration)          {}
func (noObserver) ObserveBackup(string, int64, int64, time.Duration) {}

// SetObserver sets who is told how jobs and backups went (nil: nobody).
// Call it before Start.
func (p *Pool) SetObserver(o Observer) {
	if o == nil {
		o = noObserver{}
	}
	p.obs = o
}

// Kinds lists the job kinds registered, sorted.
func (p *Pool) Kinds() []string {
	kinds := make([]string, 0, len(p.kinds))
	for k := range p.kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

// backupStatter is the optional part of BackupData that describes a
// complete backup; the restore job asks it what the restore moved.
type backupStatter interface {
	StatBackup(id string) (backend.BackupInfo, error)
}

// observeRestore tells the observer about a completed restore of backupID
// that took d, with the sizes the backup's manifest gives.
func (p *Pool) observeRestore(data BackupData, backupID string, d time.Duration) {
	if _, none := p.obs.(noObserver); none {
		return
	}
	st, ok := data.(backupStatter)
	if !ok {
		return
	}
	info, err := st.StatBackup(backupID)
	if err != nil {
		p.log.Warn("could not read a restored backup's size for the metrics", "backup_id", backupID, "error", err)
		return
	}
	p.obs.ObserveBackup("restore", info.Bytes, info.ArchiveBytes, d)
}
