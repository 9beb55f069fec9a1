package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/manilite/manilite/policy"
)

// policyDebounce is how long the folder must stay quiet after a change
// before it is reloaded: editors save by writing a temporary file and
// renaming it, tools write several files, and one reload should see the
// end state.
const policyDebounce = 200 * time.Millisecond

// newPolicyEngine loads the policy set in force for o: the embedded
// defaults, with --policy-dir laid over them. A set from a folder must pass
// its own Rego tests to start, as it must to be reloaded.
func newPolicyEngine(ctx context.Context, o options, log *slog.Logger) (*policy.Engine, error) {
	var level slog.Level
	if o.PolicyDecisionLogLevel != "" {
		if err := level.UnmarshalText([]byte(o.PolicyDecisionLogLevel)); err != nil {
			return nil, fmt.Errorf("--policy-decision-log-level: %w", err)
		}
	} else {
		level = slog.LevelDebug
	}
	set, err := policy.Load(o.PolicyDir)
	if err != nil {
		return nil, fmt.Errorf("--policy-dir %s: %w", o.PolicyDir, err)
	}
	engine, err := policy.NewEngine(ctx, set, log)
	if err != nil {
		return nil, policyDirError(o.PolicyDir, err)
	}
	engine.SetDecisionLogLevel(level)
	attrs := []any{"policy_hash", set.Hash(), "files", len(set.Files()), "rules", len(engine.Rules())}
	if o.PolicyDir != "" {
		report, err := set.RunTests(ctx)
		if err == nil {
			err = report.Err()
		}
		if err != nil {
			return nil, policyDirError(o.PolicyDir, err)
		}
		attrs = append(attrs, "policy_dir", o.PolicyDir, "from_dir", ownFiles(set), "tests", len(report.Results))
	}
	log.Info("policy loaded", attrs...)
	return engine, nil
}

func policyDirError(dir string, err error) error {
	if dir == "" {
		return err
	}
	return fmt.Errorf("--policy-dir %s: %w", dir, err)
}

// ownFiles lists the files of set that come from the policy folder.
func ownFiles(set *policy.Set) string {
	var own []string
	for _, f := range set.Files() {
		if set.Origin(f) != policy.OriginEmbedded {
			own = append(own, f)
		}
	}
	return strings.Join(own, ",")
}

// policyReloader puts a new rule set from --policy-dir in force when the
// folder changes or on SIGHUP, and only if the new set compiles and passes
// its Rego tests; otherwise the set in force stays and the reasons are
// logged.
type policyReloader struct {
	dir      string
	engine   *policy.Engine
	log      *slog.Logger
	debounce time.Duration

	mu sync.Mutex // one reload at a time

	watcher  *fsnotify.Watcher
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

// reload loads, compiles and tests the folder's set and puts it in force
// if all is well. trigger names the cause in the log.
func (r *policyReloader) reload(ctx context.Context, trigger string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dir == "" {
		r.log.Info("policy reload: no --policy-dir, the embedded policy stays in force", "trigger", trigger, "policy_hash", r.engine.Hash())
		return nil
	}
	start := time.Now()
	previous := r.engine.Hash()
	set, err := policy.Load(r.dir)
	if err != nil {
		r.log.Error("policy reload refused: the policy in force stays", "trigger", trigger, "policy_dir", r.dir,
			"error", err, "policy_hash", previous)
		return err
	}
	if set.Hash() == previous {
		level := slog.LevelDebug
		if trigger == "SIGHUP" {
			level = slog.LevelInfo
		}
		r.log.Log(ctx, level, "policy reload: unchanged", "trigger", trigger, "policy_hash", previous)
		return nil
	}
	report, err := r.engine.ReplaceTested(ctx, set)
	if err != nil {
		r.log.Error("policy reload refused: the policy in force stays", "trigger", trigger, "policy_dir", r.dir,
			"error", err, "candidate_hash", set.Hash(), "policy_hash", previous)
		return err
	}
	r.log.Info("policy reloaded", "trigger", trigger, "policy_dir", r.dir, "policy_hash", set.Hash(),
		"previous_hash", previous, "files", len(set.Files()), "from_dir", ownFiles(set),
		"rules", len(r.engine.Rules()), "tests", len(report.Results),
		"duration_ms", time.Since(start).Milliseconds())
	return nil
}

// watch starts watching the folder. Any event in it (not only .rego
// files: a Kubernetes ConfigMap swaps a symlink named ..data) schedules a
// reload once the folder has been quiet for the debounce time; a reload
// that finds the same content changes nothing.
func (r *policyReloader) watch() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("--policy-dir: watch: %w", err)
	}
	if err := w.Add(r.dir); err != nil {
		_ = w.Close()
		return fmt.Errorf("--policy-dir %s: watch: %w", r.dir, err)
	}
	r.watcher = w
	r.quit, r.done = make(chan struct{}), make(chan struct{})
	go r.loop()
	r.log.Info("watching the policy folder", "policy_dir", r.dir)
	return nil
}

func (r *policyReloader) loop() {
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case ev, ok := <-r.watcher.Events:
			if !ok {
				return
			}
			r.log.Debug("policy folder changed", "event", ev.String())
			timer.Reset(r.debounce)
		case err, ok := <-r.watcher.Errors:
			if !ok {
				return
			}
			r.log.Warn("watching the policy folder", "policy_dir", r.dir, "error", err)
		case <-timer.C:
			_ = r.reload(context.Background(), "file change")
		case <-r.quit:
			timer.Stop()
			return
		}
	}
}

// stop ends the watch, if one runs, and waits for a reload in progress.
func (r *policyReloader) stop() {
	if r == nil || r.watcher == nil {
		return
	}
	r.stopOnce.Do(func() {
		close(r.quit)
		<-r.done
		_ = r.watcher.Close()
	})
}

// reloadPolicy reloads --policy-dir now (on SIGHUP).
func (a *app) reloadPolicy(ctx context.Context, trigger string) {
	_ = a.policy.reload(ctx, trigger)
}
