package repo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// A pack is a store object holding blobs, and describing them:
//
//	blob 0 | blob 1 | … | blob n-1 | trailer entry × n | n (uint32) | magic (8 bytes)
//
// A trailer entry is the blob's chunk id (32 bytes), then its offset in
// the pack, its length, its plaintext length and its flags (uint32 each,
// little endian): packTrailerEntry bytes. The magic says the pack's
// format, and what its id (its key's last element) is the SHA-256 of:
//
//   - MLPACK1: the whole pack.
//   - MLPACK2 (what is written now): the trailer alone, count and magic
//     included. The blobs must lie end to end from the pack's start to
//     its trailer, so every byte is covered: the trailer by the id, each
//     blob by its chunk id, which every read of it checks. Hashing the
//     whole pack again cost a backup a twentieth of its CPU.
//
// Either way a pack can be verified without the index, and the index
// rebuilt from the packs.

// PackID is the SHA-256 of a pack's trailer (or, in MLPACK1, of all its
// bytes).
type PackID [32]byte

func (id PackID) String() string { return hex.EncodeToString(id[:]) }

const (
	packMagic1       = "MLPACK1\n"
	packMagic        = "MLPACK2\n"
	packTrailerEntry = 32 + 4*4
	packTail         = 4 + len(packMagic)
	packsPrefix      = "packs/"
)

// packKey is the store key of pack id; the two-digit folder keeps local
// directories small.
func packKey(id PackID) string {
	s := id.String()
	return packsPrefix + s[:2] + "/" + s
}

// parsePackKey is packKey's inverse.
func parsePackKey(key string) (PackID, bool) {
	rest, ok := strings.CutPrefix(key, packsPrefix)
	if !ok {
		return PackID{}, false
	}
	dir, name, ok := strings.Cut(rest, "/")
	if !ok || len(name) < 2 || dir != name[:2] {
		return PackID{}, false
	}
	id, err := parseID(name)
	return PackID(id), err == nil
}

// blobEntry is where a blob is in its pack.
type blobEntry struct {
	id     ChunkID
	offset uint32
	length uint32 // stored bytes
	rawLen uint32 // plaintext bytes
	flags  uint32
}

// packBuilder collects blobs into a pack.
type packBuilder struct {
	buf   []byte
	blobs []blobEntry
}

func newPackBuilder(size int) *packBuilder {
	return &packBuilder{buf: make([]byte, 0, size+size/8)}
}

func (p *packBuilder) add(id ChunkID, blob []byte, rawLen int, flags uint32) {
	off := len(p.buf)
	p.buf = append(p.buf, blob...)
	p.addAppended(id, off, rawLen, flags)
}

// addAppended records the blob that was appended to p.buf from offset
// off on.
func (p *packBuilder) addAppended(id ChunkID, off, rawLen int, flags uint32) {
	p.blobs = append(p.blobs, blobEntry{id: id, offset: uint32(off), length: uint32(len(p.buf) - off), rawLen: uint32(rawLen), flags: flags})
}

// finish appends the trailer and returns the pack's bytes and id.
func (p *packBuilder) finish() (PackID, []byte) {
	dataEnd := len(p.buf)
	for _, b := range p.blobs {
		p.buf = append(p.buf, b.id[:]...)
		p.buf = binary.LittleEndian.AppendUint32(p.buf, b.offset)
		p.buf = binary.LittleEndian.AppendUint32(p.buf, b.length)
		p.buf = binary.LittleEndian.AppendUint32(p.buf, b.rawLen)
		p.buf = binary.LittleEndian.AppendUint32(p.buf, b.flags)
	}
	p.buf = binary.LittleEndian.AppendUint32(p.buf, uint32(len(p.blobs)))
	p.buf = append(p.buf, packMagic...)
	return sha256.Sum256(p.buf[dataEnd:]), p.buf
}

// parsePack checks a whole pack's bytes against its id and returns its
// blobs, checked to lie within the pack's data part. Of an MLPACK2 pack
// it checks the trailer: its blobs are checked as they are read. When
// only an MLPACK1 pack's hash is wrong, the blobs come with the error.
func parsePack(id PackID, b []byte) ([]blobEntry, error) {
	blobs, err := parseTrailer(id, b, int64(len(b)))
	if err != nil {
		return nil, err
	}
	if packMagicOf(b) == packMagic1 && sha256.Sum256(b) != id {
		return blobs, corruptf("pack %s: content does not match its hash", id)
	}
	return blobs, nil
}

// packMagicOf is the magic at the end of tail, a pack's last bytes.
func packMagicOf(tail []byte) string {
	if len(tail) < len(packMagic) {
		return ""
	}
	return string(tail[len(tail)-len(packMagic):])
}

// parseTrailer parses the trailer at the end of tail, the last bytes of
// a pack of size bytes. Of an MLPACK2 pack it checks the trailer against
// the id, and that the blobs lie end to end up to the trailer.
func parseTrailer(id PackID, tail []byte, size int64) ([]blobEntry, error) {
	magic := packMagicOf(tail)
	if len(tail) < packTail || (magic != packMagic && magic != packMagic1) {
		return nil, corruptf("pack %s: no trailer", id)
	}
	n := int64(binary.LittleEndian.Uint32(tail[len(tail)-packTail:]))
	tlen := n*packTrailerEntry + int64(packTail)
	if tlen > size || tlen > int64(len(tail)) {
		return nil, corruptf("pack %s: trailer of %d blobs does not fit", id, n)
	}
	dataEnd := size - tlen
	t := tail[int64(len(tail))-tlen:]
	v2 := magic == packMagic
	if v2 && sha256.Sum256(t) != id {
		return nil, corruptf("pack %s: trailer does not match its hash", id)
	}
	var next int64 // where the next blob must start, in an MLPACK2 pack
	blobs := make([]blobEntry, n)
	for i := range blobs {
		e := t[i*packTrailerEntry:]
		b := &blobs[i]
		copy(b.id[:], e[:32])
		b.offset = binary.LittleEndian.Uint32(e[32:])
		b.length = binary.LittleEndian.Uint32(e[36:])
		b.rawLen = binary.LittleEndian.Uint32(e[40:])
		b.flags = binary.LittleEndian.Uint32(e[44:])
		if int64(b.offset)+int64(b.length) > dataEnd {
			return nil, corruptf("pack %s: blob %s beyond the pack's data", id, b.id)
		}
		if v2 {
			if int64(b.offset) != next {
				return nil, corruptf("pack %s: blob %s does not follow the one before it", id, b.id)
			}
			next += int64(b.length)
		}
	}
	if v2 && next != dataEnd {
		return nil, corruptf("pack %s: %d bytes between the last blob and the trailer", id, dataEnd-next)
	}
	return blobs, nil
}

// packTrailerSize is how many bytes at the end of a pack of n blobs are
// its trailer.
func packTrailerSize(n int) int { return n*packTrailerEntry + packTail }

// String describes the blob for error messages.
func (b blobEntry) String() string {
	return fmt.Sprintf("%s@%d+%d", b.id, b.offset, b.length)
}
