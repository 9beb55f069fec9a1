package backend

// The writer of the backups made before the backup repository (one folder
// each: a tar stream, data.tar.zst or data.tar, and manifest.json), kept
// for the tests only: they make such backups to check that RestoreBackup,
// StatBackup and DeleteBackup still take them, damaged ones included.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// createLegacyBackup is CreateBackup as it was before the repository:
// <data-dir>/backups/<backupID>/ gets the share's tree as a tar stream,
// data.tar.zst (or data.tar with compression none), and manifest.json. It
// returns what the backup holds.
//
// opts are the backup options (OptCompression, OptCompressionLevel); keys it
// does not know are ignored, a value it does not know is an error wrapping
// ErrInvalidOption. progress, if not nil, is called with the percentage of
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
// The backup is written to backups/.tmp-<backupID> and renamed into place
// once it and its folder are synced, so it exists whole or not at all. When
// backups/<backupID> already exists, CreateBackup returns what it holds
// without doing anything (if it is a valid backup of shareID; otherwise it
// fails). When ctx ends, it returns ctx.Err().
func (l *Local) createLegacyBackup(ctx context.Context, shareID, backupID string, opts map[string]any, progress func(percent int)) (BackupInfo, error) {
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

	// A replay after a crash that came after the rename.
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

	tmp := filepath.Join(l.backups, ".tmp-"+backupID)
	if err := removeTree(tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backend: backup %s: remove leftover: %w", backupID, err)
	}
	m, err := l.writeBackup(ctx, src, tmp, shareID, backupID, o, progress)
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = syncDir(l.backups)
	}
	if err != nil {
		_ = removeTree(tmp)
		if ctx.Err() != nil {
			return BackupInfo{}, ctx.Err()
		}
		return BackupInfo{}, err
	}
	if progress != nil {
		progress(100)
	}
	return m.info(), nil
}

// writeBackup writes the whole backup into folder tmp and syncs it.
func (l *Local) writeBackup(ctx context.Context, src, tmp, shareID, backupID string, o backupOptions, progressFn func(int)) (*manifest, error) {
	scan, err := startScan(ctx, src)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("backend: backup of share %s: %w", shareID, ErrShareNotFound)
		}
		return nil, err
	}
	defer scan.stop()
	// The percentages wait for the walk's total.
	prog := newProgress(progressFn, -1)

	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, err
	}
	m := &manifest{
		Format:      manifestFormat,
		Version:     manifestV1,
		BackupID:    backupID,
		ShareID:     shareID,
		CreatedAt:   time.Now().UTC(),
		Compression: "none",
		Archive:     archivePlain,
	}
	if o.compress {
		m.Compression, m.CompressionLevel, m.Archive = "zstd", o.levelName, archiveZstd
	}

	af, err := createArchiveFile(filepath.Join(tmp, m.Archive))
	if err != nil {
		return nil, err
	}
	defer af.Close()
	sum := &hashCounter{h: sha256.New()}
	var enc *zstd.Encoder
	size := chunkSize[zstd.SpeedFastest]
	if o.compress {
		// No frame checksums: the manifest has the archive's SHA-256 and
		// every file's, which RestoreBackup checks; the checksum (xxhash of
		// all the content) was 5% of the compression's time.
		enc, err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(o.level),
			zstd.WithEncoderConcurrency(zstdThreads()),
			zstd.WithEncoderCRC(false))
		if err != nil {
			return nil, err
		}
		defer enc.Close()
		size = chunkSize[o.level]
	}
	stream := newArchiveStream(io.MultiWriter(af, sum), enc, zstdThreads(), size)
	defer stream.close()

	r, err := openTreeReader(src, scan.root)
	if err != nil {
		return nil, err
	}
	defer r.close()
	most := l.limit.chunk(1 << 20) // the most one read takes
	fh := sha256.New()
	var js entriesJSON
	// backupEntry adds e to the archive, and to the manifest.
	backupEntry := func(e *entry) error {
		if !utf8.ValidString(e.path) || !utf8.ValidString(e.target) {
			return fmt.Errorf("backend: backup of share %s: %q: names and link targets that are not UTF-8 are not supported", shareID, e.path)
		}
		switch e.typ {
		case typeDir:
			if e.path != "." {
				if err := r.enterDir(e); err != nil {
					return err
				}
			}
		case typeFile:
			f, err := r.openFile(e)
			if err != nil {
				return err
			}
			err = tar.NewWriter(stream).WriteHeader(tarHeader(e))
			if err == nil {
				fh.Reset()
				err = copyContent(stream, fh, &copyReader{ctx: ctx, f: f, path: e.path, left: e.size, limit: l.limit, progress: prog}, most)
			}
			f.Close()
			if err != nil {
				return err
			}
			e.sha256 = hex.EncodeToString(fh.Sum(nil))
			return js.add(e)
		}
		if err := tar.NewWriter(stream).WriteHeader(tarHeader(e)); err != nil {
			return err
		}
		return js.add(e)
	}
	entries := []entry{scan.root}
	if err := backupEntry(&entries[0]); err != nil {
		return nil, err
	}
	walked := false
	for batch := range scan.batches {
		for i := range batch {
			if !walked {
				select {
				case <-scan.done:
					walked = true
					prog.setTotal(scan.total)
				default:
				}
			}
			if err := backupEntry(&batch[i]); err != nil {
				return nil, err
			}
		}
		entries = append(entries, batch...)
	}
	if scan.err != nil {
		return nil, scan.err
	}
	if !walked {
		prog.setTotal(scan.total)
	}
	m.TotalBytes, m.Skipped = scan.total, scan.skipped
	if m.Skipped == nil {
		m.Skipped = []string{}
	}
	// The end of the tar stream: two zero blocks.
	if err := tar.NewWriter(stream).Close(); err != nil {
		return nil, err
	}
	if err := stream.close(); err != nil {
		return nil, err
	}
	if err := af.Sync(); err != nil {
		return nil, err
	}
	if err := af.Close(); err != nil {
		return nil, err
	}
	m.ArchiveBytes = sum.n
	m.ArchiveSHA256 = hex.EncodeToString(sum.h.Sum(nil))
	m.EntryCount = len(entries)
	m.entries = entries

	b, err := js.manifest(m)
	if err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(tmp, manifestName), append(b, '\n')); err != nil {
		return nil, err
	}
	if err := syncDir(tmp); err != nil {
		return nil, err
	}
	return m, nil
}

// entriesJSON is the "entries" of a manifest.json, encoded an entry at a
// time as each is complete, so that the writing goroutine does it while the
// compression runs rather than all at the end, alone (50 ms for the bench
// tree's 23,000 entries). manifest lays the result out as
// json.MarshalIndent(m, "", "  ") would.
type entriesJSON struct {
	buf bytes.Buffer // the elements, each but the first after ",\n    "
	n   int
}

func (j *entriesJSON) add(e *entry) error {
	b, err := json.Marshal(toManifestEntry(e))
	if err != nil {
		return err
	}
	if j.n > 0 {
		j.buf.WriteString(",\n    ")
	}
	j.n++
	return json.Indent(&j.buf, b, "    ", "  ")
}

// manifest is m's manifest.json (without the final newline), with the
// entries added.
func (j *entriesJSON) manifest(m *manifest) ([]byte, error) {
	m.Entries = []manifestEntry{}
	b, err := json.MarshalIndent(m, "", "  ")
	m.Entries = nil
	if err != nil {
		return nil, err
	}
	// Entries is the last field: b ends with `"entries": []` and "}".
	const empty = "[]\n}"
	if !bytes.HasSuffix(b, []byte(empty)) {
		return nil, fmt.Errorf("backend: manifest does not end with the entries: %q", b[max(0, len(b)-40):])
	}
	if j.n == 0 {
		return b, nil
	}
	out := make([]byte, 0, len(b)+j.buf.Len()+16)
	out = append(out, b[:len(b)-len(empty)]...)
	out = append(out, "[\n    "...)
	out = append(out, j.buf.Bytes()...)
	out = append(out, "\n  ]\n}"...)
	return out, nil
}

func writeFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyContent reads a file's content from src (all of it: src knows its
// size) straight into the stream's chunks, hashing it into h, and pads it
// to a whole tar block. Reads take most bytes at most.
//
// The tar headers are written by a tar.Writer of their own each, which
// writes the same bytes as one writer for all of the stream: a header's
// bytes depend on nothing but the header.
func copyContent(s *archiveStream, h hash.Hash, src *copyReader, most int) error {
	size := src.left
	for src.left > 0 {
		b, err := s.space()
		if err != nil {
			return err
		}
		n, err := src.Read(b[:min(len(b), most)])
		h.Write(b[:n])
		s.commit(n)
		if err != nil {
			return err
		}
	}
	var zeros [tarBlock]byte
	_, err := s.Write(zeros[:(tarBlock-size%tarBlock)%tarBlock])
	return err
}

func toManifestEntry(e *entry) manifestEntry {
	return manifestEntry{
		Path:   e.path,
		Type:   e.typ.String(),
		Mode:   fmt.Sprintf("%#o", e.mode),
		UID:    e.uid,
		GID:    e.gid,
		MTime:  e.mtime.UTC().Format(time.RFC3339Nano),
		Size:   e.size,
		SHA256: e.sha256,
		Target: e.target,
	}
}

// zstdThreads is how many goroutines compress one backup.
func zstdThreads() int { return runtime.GOMAXPROCS(0) }
