package backend

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"

	"github.com/manilite/manilite/backend/repo"
)

var (
	// ErrInvalidOption is wrapped by the error CreateBackup returns for a
	// backup option it knows with a value it does not.
	ErrInvalidOption = errors.New("invalid backup option")
	// ErrBackupNotFound is wrapped by the error RestoreBackup returns for a
	// backup that does not exist.
	ErrBackupNotFound = errors.New("backup not found")
	// ErrCorruptBackup is wrapped by the errors of a backup whose manifest
	// is missing or invalid, or whose archive does not match its manifest
	// (truncated, damaged, or with entries that would land outside the
	// restored tree).
	ErrCorruptBackup = errors.New("corrupt backup")
	// ErrShareNotFound is wrapped by the error of a backup or snapshot of a
	// share whose directory does not exist.
	ErrShareNotFound = errors.New("share not found")
	// ErrSnapshotNotFound is wrapped by the error of a share made from a
	// snapshot whose copy does not exist.
	ErrSnapshotNotFound = errors.New("snapshot not found")
)

// Backup options: the keys CreateBackup knows in its opts.
const (
	// OptCompression is "zstd" (the default) or "none".
	OptCompression = "compression"
	// OptCompressionLevel is "fastest", "default", "better" or "best",
	// github.com/klauspost/compress/zstd's levels, roughly the zstd
	// command's -1, -3, -7 and -11. It is ignored with compression none.
	OptCompressionLevel = "compression_level"
)

// DefaultCompressionLevel is the zstd level of a backup that names none.
// It is "fastest" because that gives the best throughput: on the benchmark
// tree (TestThroughputBackupRestore: a third of the bytes in small files,
// half of all content random), 1 GiB on 2 cores, "fastest" backed up at
// about 400 MB/s, "default" at about 275 MB/s for an archive only 2%
// smaller, "better" at about 150 MB/s for 3.5% smaller.
const DefaultCompressionLevel = "fastest"

// Names in a backup's folder.
const (
	manifestName   = "manifest.json"
	archiveZstd    = "data.tar.zst"
	archivePlain   = "data.tar"
	manifestFormat = "manilite-backup"
	manifestV1     = 1
)

// BackupInfo describes a complete backup.
type BackupInfo struct {
	// Files, Dirs (the share's root directory included) and Symlinks count
	// the backup's entries.
	Files, Dirs, Symlinks int
	// Bytes is the size of the files' content, ArchiveBytes the size of the
	// archive file.
	Bytes, ArchiveBytes int64
	// Skipped lists the share's entries (slash-separated paths relative to
	// its root) that are not in the backup because they are neither
	// directories, regular files nor symbolic links: fifos, sockets and
	// devices.
	Skipped []string
	// Unchanged counts the files a backup took from the share's previous
	// backup without reading them (same size, mtime, ctime and inode).
	Unchanged int
}

// BackupPath is the folder backup id has if it was made in the archive
// format of earlier releases (the archive and manifest.json); backups in
// the repository have none.
func (l *Local) BackupPath(id string) (string, error) {
	if err := checkID("backup", id); err != nil {
		return "", err
	}
	return filepath.Join(l.backups, id), nil
}

// BackupExists reports whether backup id exists and is complete: its
// manifest is in the repository, or (an archive backup) its manifest is
// valid and its archive has the size the manifest gives. The content is
// checked by RestoreBackup only.
func (l *Local) BackupExists(id string) bool {
	p, err := l.BackupPath(id)
	if err != nil {
		return false
	}
	if _, err = readManifest(p, id); err == nil {
		return true
	}
	_, err = l.repo.OpenBackup(context.Background(), id)
	return err == nil
}

// DeleteBackup removes backup id, and the folder of an unfinished attempt
// to create it. Like DeleteShare it renames the backup aside first.
func (l *Local) DeleteBackup(id string) error {
	if _, err := l.BackupPath(id); err != nil {
		return err
	}
	if err := removeTree(filepath.Join(l.backups, ".tmp-"+id)); err != nil {
		return fmt.Errorf("backend: delete backup %s: %w", id, err)
	}
	if err := removeAside(l.backups, id); err != nil {
		return fmt.Errorf("backend: delete backup %s: %w", id, err)
	}
	ctx := context.Background()
	if err := l.repo.Delete(ctx, id); err != nil && !errors.Is(err, repo.ErrNotFound) {
		return fmt.Errorf("backend: delete backup %s: %w", id, err)
	}
	// Free the chunks no other backup holds. A crash before this ends
	// leaves them to the next prune, which finds them the same way.
	if _, err := l.repo.Prune(ctx); err != nil {
		return fmt.Errorf("backend: delete backup %s: prune the repository: %w", id, err)
	}
	return nil
}

// backupOptions are CreateBackup's opts, parsed.
type backupOptions struct {
	compress  bool
	level     zstd.EncoderLevel
	levelName string
}

var zstdLevels = map[string]zstd.EncoderLevel{
	"fastest": zstd.SpeedFastest,
	"default": zstd.SpeedDefault,
	"better":  zstd.SpeedBetterCompression,
	"best":    zstd.SpeedBestCompression,
}

func parseBackupOptions(opts map[string]any) (backupOptions, error) {
	o := backupOptions{compress: true, levelName: DefaultCompressionLevel, level: zstdLevels[DefaultCompressionLevel]}
	if raw, ok := opts[OptCompression]; ok {
		switch v, _ := raw.(string); v {
		case "zstd":
		case "none":
			o.compress = false
		default:
			return o, fmt.Errorf("backend: %w: %s=%v (want zstd or none)", ErrInvalidOption, OptCompression, quoted(raw))
		}
	}
	if raw, ok := opts[OptCompressionLevel]; ok {
		v, _ := raw.(string)
		lvl, known := zstdLevels[v]
		if !known {
			return o, fmt.Errorf("backend: %w: %s=%v (want fastest, default, better or best)", ErrInvalidOption, OptCompressionLevel, quoted(raw))
		}
		o.level, o.levelName = lvl, v
	}
	// Other keys, and values of any JSON type, are ignored: Manila hands
	// the driver the user's backup_options as they are.
	return o, nil
}

// quoted renders an option's value for an error: strings quoted, other
// JSON values as they are.
func quoted(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// CreateBackup backs share shareID up as backup backupID into the backup
// repository (backup_repo.go): only the chunks the repository does not
// hold yet are stored, and files unchanged since the share's previous
// backup are not read. It returns what the backup holds.
//
// opts are the backup options (OptCompression, OptCompressionLevel, for the
// chunks this backup stores); keys it does not know are ignored, a value it
// does not know is an error wrapping ErrInvalidOption. progress, if not nil, is called with the percentage of
// the share's file content copied so far: 0 first, then each time the whole
// percentage grows, then 100 once the backup is complete and durable (only
// 100 when the backup was complete already). It is called from
// CreateBackup's goroutine.
//
// The backup is as consistent as a live directory allows: a walk takes
// every entry's metadata (lstat) and the total size, running ahead of the
// copy (the percentages start once it has ended); every regular file is
// read for exactly the size the walk saw (a file that grew
// is cut there; a file that shrank fails the backup, as does an entry that
// vanished or changed type). Hard links become separate files; fifos,
// sockets and devices are skipped and listed in BackupInfo.Skipped. File
// names and link targets that are not valid UTF-8 are not supported.
//
// The backup's manifest is written last, once every pack it needs is
// durable, so it exists whole or not at all. When backup backupID already
// exists (in the repository, or as an archive folder of an earlier
// release), CreateBackup returns what it holds without doing anything (if
// it is a backup of shareID; otherwise it fails). When ctx ends, it
// returns ctx.Err().
func (l *Local) CreateBackup(ctx context.Context, shareID, backupID string, opts map[string]any, progress func(percent int)) (BackupInfo, error) {
	src, err := l.SharePath(shareID)
	if err != nil {
		return BackupInfo{}, err
	}
	final, err := l.BackupPath(backupID)
	if err != nil {
		return BackupInfo{}, err
	}
	o, err := parseBackupOptions(opts)
	if err != nil {
		return BackupInfo{}, err
	}

	// A replay of a backup made in the archive format, before an upgrade.
	switch m, err := readManifest(final, backupID); {
	case err == nil:
		if m.ShareID != shareID {
			return BackupInfo{}, fmt.Errorf("backend: backup %s exists and is of share %s, not %s", backupID, m.ShareID, shareID)
		}
		if progress != nil {
			progress(100)
		}
		return m.info(), nil
	case !errors.Is(err, ErrBackupNotFound):
		return BackupInfo{}, fmt.Errorf("backend: backup %s exists but is not usable (delete it first): %w", backupID, err)
	}

	// A replay after a crash that came after the commit.
	switch b, err := l.repo.OpenBackup(ctx, backupID); {
	case err == nil:
		if share := b.Labels[labelShare]; share != shareID {
			return BackupInfo{}, fmt.Errorf("backend: backup %s exists and is of share %s, not %s", backupID, share, shareID)
		}
		if progress != nil {
			progress(100)
		}
		return committedInfo(b), nil
	case errors.Is(err, repo.ErrCorrupt):
		return BackupInfo{}, fmt.Errorf("backend: backup %s exists but is not usable (delete it first): %w", backupID, repoError(backupID, err))
	case !errors.Is(err, repo.ErrNotFound):
		return BackupInfo{}, fmt.Errorf("backend: backup %s: %w", backupID, err)
	}
	info, err := l.writeRepoBackup(ctx, src, shareID, backupID, o, progress)
	if err != nil {
		if ctx.Err() != nil {
			return BackupInfo{}, ctx.Err()
		}
		return BackupInfo{}, err
	}
	if progress != nil {
		progress(100)
	}
	return info, nil
}

// tarBlock is the size of a tar block: headers take whole blocks, content
// is padded to them.
const tarBlock = 512

// tarName is an entry's name in the archive: as GNU tar's "-C dir ." names
// them ("./", "./a/", "./a/f").
func tarName(e *entry) string {
	switch {
	case e.path == ".":
		return "./"
	case e.typ == typeDir:
		return "./" + e.path + "/"
	}
	return "./" + e.path
}

func tarHeader(e *entry) *tar.Header {
	h := &tar.Header{
		Name:    tarName(e),
		Mode:    int64(e.mode),
		Uid:     int(e.uid),
		Gid:     int(e.gid),
		ModTime: e.mtime,
		// PAX keeps the nanoseconds of the modification time.
		Format: tar.FormatPAX,
	}
	switch e.typ {
	case typeDir:
		h.Typeflag = tar.TypeDir
	case typeFile:
		h.Typeflag = tar.TypeReg
		h.Size = e.size
	case typeSymlink:
		h.Typeflag = tar.TypeSymlink
		h.Linkname = e.target
	}
	return h
}

// hashCounter hashes and counts what goes through it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func (c *hashCounter) Write(p []byte) (int, error) {
	c.h.Write(p)
	c.n += int64(len(p))
	return len(p), nil
}

// progress turns bytes copied into the percentages a progress callback
// gets: 0 first, each whole percentage once as it is reached (99 at most
// while copying), and 100 from finish.
type progress struct {
	// mu makes it safe for a backup's file readers, which add at once.
	mu          sync.Mutex
	fn          func(int)
	total, done int64
	last        int
}

func newProgress(fn func(int), total int64) *progress {
	p := &progress{fn: fn, total: total, last: -1}
	p.report(0)
	return p
}

func (p *progress) add(n int64) {
	if p == nil || p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.total > 0 {
		p.report(int(min(p.done*100/p.total, 99)))
	}
}

// setTotal sets the total of a progress created with a total of -1
// (not known yet), and reports what is done of it.
func (p *progress) setTotal(total int64) {
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
	p.add(0)
}

func (p *progress) report(pct int) {
	if p.fn != nil && pct > p.last {
		p.last = pct
		p.fn(pct)
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.report(100)
}

// manifest is manifest.json: what a backup holds. entries is Entries
// parsed.
type manifest struct {
	Format           string          `json:"format"`
	Version          int             `json:"version"`
	BackupID         string          `json:"backup_id"`
	ShareID          string          `json:"share_id"`
	CreatedAt        time.Time       `json:"created_at"`
	Compression      string          `json:"compression"`
	CompressionLevel string          `json:"compression_level,omitempty"`
	Archive          string          `json:"archive"`
	ArchiveBytes     int64           `json:"archive_bytes"`
	ArchiveSHA256    string          `json:"archive_sha256"`
	TotalBytes       int64           `json:"total_bytes"`
	EntryCount       int             `json:"entry_count"`
	Skipped          []string        `json:"skipped"`
	Entries          []manifestEntry `json:"entries"`

	entries []entry
}

type manifestEntry struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Mode   string `json:"mode"` // octal with a leading 0: "0755", "02775"
	UID    uint32 `json:"uid"`
	GID    uint32 `json:"gid"`
	MTime  string `json:"mtime"` // RFC 3339 with nanoseconds, UTC
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	Target string `json:"target,omitempty"`
}

func (m *manifest) info() BackupInfo {
	in := BackupInfo{Bytes: m.TotalBytes, ArchiveBytes: m.ArchiveBytes, Skipped: m.Skipped}
	for i := range m.entries {
		switch m.entries[i].typ {
		case typeDir:
			in.Dirs++
		case typeFile:
			in.Files++
		case typeSymlink:
			in.Symlinks++
		}
	}
	return in
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("backend: %w: %s", ErrCorruptBackup, fmt.Sprintf(format, args...))
}

// readManifest reads and checks the manifest of the backup in dir, and
// that its archive is there with the size the manifest gives. A missing dir
// is ErrBackupNotFound, anything else wrong ErrCorruptBackup.
func readManifest(dir, id string) (*manifest, error) {
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("backend: backup %s: %w", id, ErrBackupNotFound)
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, corruptf("backup %s: %s is not a directory", id, dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, corruptf("backup %s: no %s", id, manifestName)
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, corruptf("backup %s: %s: %v", id, manifestName, err)
	}
	if err := m.check(id); err != nil {
		return nil, corruptf("backup %s: %s: %v", id, manifestName, err)
	}
	switch st, err := os.Lstat(filepath.Join(dir, m.Archive)); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, corruptf("backup %s: no %s", id, m.Archive)
	case err != nil:
		return nil, err
	case !st.Mode().IsRegular() || st.Size() != m.ArchiveBytes:
		return nil, corruptf("backup %s: %s is not a file of %d bytes", id, m.Archive, m.ArchiveBytes)
	}
	return &m, nil
}

// check validates a manifest read from disk and fills m.entries. Entries
// must come depth first with each directory's children sorted by name and
// their parent listed before them as a directory (not a symbolic link), the
// root (".") first. So no entry can name a path outside the tree or reach
// through a link.
func (m *manifest) check(id string) error {
	if m.Format != manifestFormat || m.Version != manifestV1 {
		return fmt.Errorf("format %q version %d, want %q version %d", m.Format, m.Version, manifestFormat, manifestV1)
	}
	if m.BackupID != id {
		return fmt.Errorf("backup_id %q, want %q", m.BackupID, id)
	}
	if checkID("share", m.ShareID) != nil {
		return fmt.Errorf("invalid share_id %q", m.ShareID)
	}
	switch {
	case m.Compression == "zstd" && m.Archive == archiveZstd:
	case m.Compression == "none" && m.Archive == archivePlain:
	default:
		return fmt.Errorf("compression %q with archive %q", m.Compression, m.Archive)
	}
	if !isSHA256(m.ArchiveSHA256) {
		return fmt.Errorf("invalid archive_sha256 %q", m.ArchiveSHA256)
	}
	if m.ArchiveBytes < 0 || m.EntryCount != len(m.Entries) || len(m.Entries) == 0 {
		return fmt.Errorf("archive_bytes %d, entry_count %d with %d entries", m.ArchiveBytes, m.EntryCount, len(m.Entries))
	}
	m.entries = make([]entry, len(m.Entries))
	var stack []openDir // only e.path and last are used
	var total int64
	for i, me := range m.Entries {
		e, err := me.parse()
		if err != nil {
			return fmt.Errorf("entry %d (%q): %v", i, me.Path, err)
		}
		if i == 0 {
			if e.path != "." || e.typ != typeDir {
				return fmt.Errorf("entry 0 is %s %q, want the root directory \".\"", e.typ, e.path)
			}
		} else {
			if e.path == "." || !fs.ValidPath(e.path) || strings.ContainsRune(e.path, 0) {
				return fmt.Errorf("entry %d: invalid path %q", i, e.path)
			}
			parent, name := path.Dir(e.path), path.Base(e.path)
			for len(stack) > 0 && stack[len(stack)-1].e.path != parent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 {
				return fmt.Errorf("entry %d: %q does not follow its parent directory", i, e.path)
			}
			top := &stack[len(stack)-1]
			if name <= top.last {
				return fmt.Errorf("entry %d: %q is out of order or listed twice", i, e.path)
			}
			top.last = name
		}
		if e.typ == typeDir {
			stack = append(stack, openDir{e: e})
		}
		total += e.size
		m.entries[i] = e
	}
	if total != m.TotalBytes {
		return fmt.Errorf("total_bytes %d, the files add up to %d", m.TotalBytes, total)
	}
	return nil
}

func (me *manifestEntry) parse() (entry, error) {
	e := entry{path: me.Path, uid: me.UID, gid: me.GID, size: me.Size, sha256: me.SHA256, target: me.Target}
	switch me.Type {
	case "dir":
		e.typ = typeDir
	case "file":
		e.typ = typeFile
	case "symlink":
		e.typ = typeSymlink
	default:
		return e, fmt.Errorf("unknown type %q", me.Type)
	}
	mode, err := strconv.ParseUint(me.Mode, 8, 32)
	if err != nil || mode&^modeBits != 0 {
		return e, fmt.Errorf("invalid mode %q", me.Mode)
	}
	e.mode = uint32(mode)
	if e.mtime, err = time.Parse(time.RFC3339Nano, me.MTime); err != nil {
		return e, fmt.Errorf("invalid mtime %q", me.MTime)
	}
	switch e.typ {
	case typeFile:
		if e.size < 0 || !isSHA256(e.sha256) || e.target != "" {
			return e, errors.New("a file needs a size and a sha256, and no target")
		}
	case typeSymlink:
		if e.target == "" || strings.ContainsRune(e.target, 0) || e.size != 0 || e.sha256 != "" {
			return e, errors.New("a symlink needs a target, and no size or sha256")
		}
	case typeDir:
		if e.size != 0 || e.sha256 != "" || e.target != "" {
			return e, errors.New("a directory has no size, sha256 or target")
		}
	}
	return e, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// RestoreBackup makes share shareID hold exactly backup backupID's tree:
// the same paths, content, link targets, modes and modification times (and
// owners when running as root); whatever else the share held is gone. The
// share need not be the one backed up, nor exist.
//
// It extracts the backup into shares/.restore-<shareID>, checking every
// chunk's and file's SHA-256 (and, for an archive backup, the archive's)
// as it goes, and only when all of them match does it swap the result with the share's
// directory in one atomic rename (renameat2 RENAME_EXCHANGE), then removes
// the old tree. The share is never half restored: on any error it keeps
// its content. Damaged data (a chunk, a pack, an archive) and an invalid
// manifest are errors wrapping ErrCorruptBackup, a missing backup
// ErrBackupNotFound. It removes the .restore folder a crashed run left.
// progress is as for CreateBackup, on the file content extracted. When ctx
// ends, it returns ctx.Err().
func (l *Local) RestoreBackup(ctx context.Context, backupID, shareID string, progress func(percent int)) error {
	dir, err := l.BackupPath(backupID)
	if err != nil {
		return err
	}
	share, err := l.SharePath(shareID)
	if err != nil {
		return err
	}
	// A backup made before the repository is an archive folder.
	m, err := readManifest(dir, backupID)
	var b *repo.Backup
	if errors.Is(err, ErrBackupNotFound) {
		if b, err = l.repo.OpenBackup(ctx, backupID); err != nil {
			return repoError(backupID, err)
		}
	} else if err != nil {
		return err
	}
	work := ".restore-" + shareID
	workPath := filepath.Join(l.root, work)
	if err := removeTree(workPath); err != nil {
		return fmt.Errorf("backend: restore into share %s: remove leftover: %w", shareID, err)
	}
	total := int64(0)
	if b != nil {
		total = b.Totals.Bytes
	} else {
		total = m.TotalBytes
	}
	prog := newProgress(progress, total)
	if b != nil {
		err = l.extractRepo(ctx, b, work, prog)
	} else {
		err = l.extract(ctx, dir, m, work, prog)
	}
	if err != nil {
		_ = removeTree(workPath)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}

	err = unix.Renameat2(unix.AT_FDCWD, workPath, unix.AT_FDCWD, share, unix.RENAME_EXCHANGE)
	exchanged := err == nil
	if errors.Is(err, unix.ENOENT) {
		// No share directory to exchange with: move the new tree in.
		if _, serr := os.Lstat(share); errors.Is(serr, fs.ErrNotExist) {
			err = os.Rename(workPath, share)
		}
	}
	if err != nil {
		_ = removeTree(workPath)
		return fmt.Errorf("backend: restore into share %s: swap in: %w", shareID, err)
	}
	if err := syncDir(l.root); err != nil {
		return err
	}
	if exchanged {
		// The old tree is at workPath now. Should this crash, a run
		// again removes it as a leftover, or RemoveLeftovers once it is
		// renamed to .deleting-.
		if err := removeAside(l.root, work); err != nil {
			return fmt.Errorf("backend: restore into share %s: remove the old tree: %w", shareID, err)
		}
	}
	prog.finish()
	return nil
}

// extract writes backup m (in dir) as a new tree named work in the shares
// folder, checking it against the manifest in the same pass, and syncs it.
// This goroutine reads and checks the archive while another (an
// extractWriter) creates the entries, in order.
func (l *Local) extract(ctx context.Context, dir string, m *manifest, work string, prog *progress) error {
	af, err := openArchiveReadAhead(filepath.Join(dir, m.Archive))
	if errors.Is(err, fs.ErrNotExist) {
		return corruptf("backup %s: no %s", m.BackupID, m.Archive)
	}
	if err != nil {
		return err
	}
	defer af.Close()
	raw := &archiveReader{ctx: ctx, f: af, limit: l.limit, sum: hashCounter{h: sha256.New()}}
	var payload io.Reader = raw
	var dec *zstd.Decoder
	if m.Compression == "zstd" {
		// Backups use windows of 8 MiB at most; refuse to allocate more
		// for whatever a damaged frame header asks.
		dec, err = zstd.NewReader(raw, zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return err
		}
		defer dec.Close()
		payload = dec
	}

	tw, err := newTreeWriter(l.root, work, m.entries[0])
	if err != nil {
		return err
	}
	defer tw.close()
	x := startExtractWriter(tw, max(l.limit.chunk(1<<20), 2*smallBuf))
	err = x.feed(ctx, m, raw, payload, prog)
	close(x.ops)
	<-x.done
	if errors.Is(err, errWriterFailed) || err == nil && x.err != nil {
		return x.err
	}
	if err != nil {
		return err
	}
	// Read the rest (the end of the zstd frame with its checksum, padding),
	// so that all of the file is hashed.
	bad := x.bad(ctx, m, raw)
	if _, err := io.Copy(io.Discard, payload); err != nil {
		return bad("reading the end of the archive", err)
	}
	if dec != nil {
		dec.Close()
	}
	if _, err := io.Copy(io.Discard, raw); err != nil {
		return bad("reading the end of the archive", err)
	}
	if got := hex.EncodeToString(raw.sum.h.Sum(nil)); raw.sum.n != m.ArchiveBytes || got != m.ArchiveSHA256 {
		return corruptf("backup %s: archive of %d bytes with SHA-256 %s, the manifest has %d bytes with %s",
			m.BackupID, raw.sum.n, got, m.ArchiveBytes, m.ArchiveSHA256)
	}
	return tw.finish()
}

// errWriterFailed tells extractWriter.feed's caller to look at the
// writer's error.
var errWriterFailed = errors.New("backend: extract writer failed")

// extractWriter creates a restored tree's entries from the operations it
// is sent, in order, in its own goroutine.
type extractWriter struct {
	w       *treeWriter
	ops     chan writeOp
	big     chan []byte // content buffers of bigSize, recycled
	small   chan []byte // content buffers of smallBuf, for small files
	bigSize int
	failed  chan struct{} // closed once err is set
	done    chan struct{} // closed when run returns
	err     error
	// The file being written, if it is large: its rolling writeback.
	wb *writeback
}

// writeOp is one operation of an extractWriter: create entry e (a file
// empty), or write data to the file created last, or (end) complete it.
type writeOp struct {
	e    *entry
	data []byte
	end  bool
}

const smallBuf = 64 << 10

// writebackMin is the size from which a restored file is written with a
// rolling writeback (see archiveFile), its pages dropped from the cache
// once on disk. A restored tree must be on disk before it replaces the
// share (finish syncs it), so for large files the page cache was pure cost:
// perf of a restore of the bench tree showed copy_folio_from_iter_atomic,
// the copy into fresh page-cache pages that on this VM each fault to the
// host, at 38% of all cycles, 3.4 s for its 1 GB; and all of the data was
// left to write at the final syncfs. Small files stay in the cache: two
// more system calls for each would cost more than their pages. The large
// files' content is mostly not in the cache after the restore, for a first
// read to find there.
const writebackMin = 1 << 20

func startExtractWriter(w *treeWriter, bigSize int) *extractWriter {
	x := &extractWriter{
		w:       w,
		bigSize: bigSize,
		ops:     make(chan writeOp, 256),
		big:     make(chan []byte, 4),
		small:   make(chan []byte, 64),
		failed:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	for range cap(x.big) {
		x.big <- make([]byte, bigSize)
	}
	for range cap(x.small) {
		x.small <- make([]byte, smallBuf)
	}
	go x.run()
	return x
}

func (x *extractWriter) recycle(b []byte) {
	if b == nil {
		return
	}
	if b = b[:cap(b)]; len(b) == x.bigSize {
		x.big <- b
	} else {
		x.small <- b
	}
}

func (x *extractWriter) run() {
	defer close(x.done)
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for o := range x.ops {
		if x.err != nil {
			x.recycle(o.data)
			continue // drain
		}
		var err error
		switch {
		case o.data != nil:
			err = writeAll(f, o.data)
			if err == nil && x.wb != nil {
				err = x.wb.wrote(f, len(o.data))
			}
			x.recycle(o.data)
		case o.end:
			if x.wb != nil {
				err = x.wb.start(f)
				x.wb = nil
			}
			if err == nil {
				err = x.w.commit(f, o.e)
			}
			f.Close()
			f = nil
		case o.e.typ == typeDir:
			err = x.w.mkdir(o.e)
		case o.e.typ == typeSymlink:
			err = x.w.symlink(o.e)
		case o.e.typ == typeFile:
			f, err = x.w.create(o.e)
			if o.e.size >= writebackMin {
				x.wb = &writeback{}
			}
		}
		if err != nil {
			x.err = err
			close(x.failed)
		}
	}
}

func (x *extractWriter) send(o writeOp) error {
	select {
	case x.ops <- o:
		return nil
	case <-x.failed:
		x.recycle(o.data)
		return errWriterFailed
	}
}

// bad classifies a failure to read the archive: ctx's end, an I/O error
// reading the archive file, or else a damaged archive.
func (x *extractWriter) bad(ctx context.Context, m *manifest, raw *archiveReader) func(what string, err error) error {
	return func(what string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if rerr := raw.failure(); rerr != nil {
			return fmt.Errorf("backend: read backup %s: %w", m.BackupID, rerr)
		}
		return corruptf("backup %s: %s: %v", m.BackupID, what, err)
	}
}

// feed reads the archive's entries from payload, checks them against the
// manifest and sends them to the writer.
func (x *extractWriter) feed(ctx context.Context, m *manifest, raw *archiveReader, payload io.Reader, prog *progress) error {
	bad := x.bad(ctx, m, raw)
	tr := tar.NewReader(payload)
	fh := sha256.New()
	for i := range m.entries {
		e := &m.entries[i]
		hdr, err := tr.Next()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return bad(fmt.Sprintf("reading the entry for %s", e.path), err)
		}
		if err := matchHeader(hdr, e); err != nil {
			return corruptf("backup %s: archive does not match the manifest: %v", m.BackupID, err)
		}
		if i == 0 {
			continue // the root: newTreeWriter made it
		}
		if err := x.send(writeOp{e: e}); err != nil {
			return err
		}
		if e.typ != typeFile {
			continue
		}
		fh.Reset()
		for left := e.size; left > 0; {
			if err := ctx.Err(); err != nil {
				return err
			}
			pool := x.big
			if left <= smallBuf {
				pool = x.small
			}
			var buf []byte
			select {
			case buf = <-pool:
			case <-x.failed:
				return errWriterFailed
			}
			n, rerr := io.ReadFull(tr, buf[:min(int64(len(buf)), left)])
			if n > 0 {
				fh.Write(buf[:n])
				left -= int64(n)
				prog.add(int64(n))
				if err := x.send(writeOp{data: buf[:n]}); err != nil {
					return err
				}
			} else {
				x.recycle(buf)
			}
			if rerr != nil {
				return bad("reading "+e.path, rerr)
			}
		}
		if got := hex.EncodeToString(fh.Sum(nil)); got != e.sha256 {
			return corruptf("backup %s: %s: SHA-256 %s, the manifest has %s", m.BackupID, e.path, got, e.sha256)
		}
		if err := x.send(writeOp{e: e, end: true}); err != nil {
			return err
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		if err == nil {
			return corruptf("backup %s: the archive holds more entries than the manifest", m.BackupID)
		}
		return bad("reading the end of the archive", err)
	}
	return nil
}

// matchHeader checks that an archive entry is the one the manifest lists.
func matchHeader(h *tar.Header, e *entry) error {
	want := tarHeader(e)
	switch {
	case h.Name != want.Name:
		return fmt.Errorf("entry %q where the manifest has %q", h.Name, want.Name)
	case h.Typeflag != want.Typeflag, h.Size != want.Size, h.Linkname != want.Linkname,
		h.Mode != want.Mode, h.Uid != want.Uid, h.Gid != want.Gid, !h.ModTime.Equal(want.ModTime):
		return fmt.Errorf("entry %q: type, size, target, mode, owner or time differ from the manifest's", h.Name)
	}
	return nil
}

// archiveReader reads a backup's archive file, hashing and counting it and
// keeping to the rate limit. It may be read by the zstd decoder's
// goroutine; failure tells whether reading the file itself failed.
type archiveReader struct {
	ctx   context.Context
	f     *archiveReadAhead
	limit *rateLimiter
	sum   hashCounter

	mu  sync.Mutex
	err error
}

func (r *archiveReader) Read(p []byte) (int, error) {
	if c := r.limit.chunk(1 << 20); len(p) > c {
		p = p[:c] // so that the limit's sleeps come often enough
	}
	n, err := r.f.Read(p)
	r.sum.Write(p[:n])
	if err != nil && err != io.EOF {
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
	}
	if lerr := r.limit.take(r.ctx, n); lerr != nil {
		return n, lerr
	}
	return n, err
}

func (r *archiveReader) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
