package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// ChunkID is the SHA-256 of a chunk's plaintext, the name of its blob.
type ChunkID [32]byte

func (id ChunkID) String() string { return hex.EncodeToString(id[:]) }

// parseID parses a 64-digit hex id (a chunk's or a pack's).
func parseID(s string) ([32]byte, error) {
	var id [32]byte
	if len(s) != 64 {
		return id, fmt.Errorf("invalid id %q", s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("invalid id %q", s)
	}
	return id, nil
}

// Blob flags, in a pack's trailer and the index.
const (
	blobZstd = 1 << 0 // the blob is the chunk compressed with zstd
)

// appendBlob appends the blob of chunk data to dst: zstd-compressed, or
// data as it is when compression does not make it smaller (random
// data), which also saves the decompression on restore.
func (r *Repo) appendBlob(dst, data []byte) ([]byte, uint32) {
	return appendBlobWith(r.enc, dst, data)
}

// appendBlobWith is appendBlob with encoder enc.
func appendBlobWith(enc *zstd.Encoder, dst, data []byte) ([]byte, uint32) {
	off := len(dst)
	z := enc.EncodeAll(data, dst)
	if len(z)-off < len(data) {
		return z, blobZstd
	}
	return append(z[:off], data...), 0 // z: EncodeAll may have grown dst
}

// decodeBlob returns the plaintext of blob, checking that it hashes to
// id and has rawLen bytes.
func (r *Repo) decodeBlob(id ChunkID, blob []byte, flags uint32, rawLen int, dst []byte) ([]byte, error) {
	data := blob
	if flags&blobZstd != 0 {
		var err error
		data, err = r.dec.DecodeAll(blob, dst[:0])
		if err != nil {
			return nil, corruptf("chunk %s: %v", id, err)
		}
	}
	if len(data) != rawLen {
		return nil, corruptf("chunk %s: %d bytes, want %d", id, len(data), rawLen)
	}
	if sha256.Sum256(data) != id {
		return nil, corruptf("chunk %s: content does not match its hash", id)
	}
	return data, nil
}
