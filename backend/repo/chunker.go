package repo

import (
	"encoding/hex"
	"io"

	cdc "github.com/PlakarKorp/go-cdc-chunkers"
	_ "github.com/PlakarKorp/go-cdc-chunkers/chunkers/fastcdc" // registers fastcdcV1
	"github.com/restic/chunker"
)

// A repository's chunker is fixed when it is initialised (its config
// says which): the same content must be cut at the same places by every
// later backup, or nothing would dedup.
//
//   - Version 1 repositories cut with restic's Rabin fingerprint
//     (github.com/restic/chunker) under a random polynomial.
//   - Version 2 repositories cut with FastCDC (Xia et al., 2016, as
//     github.com/PlakarKorp/go-cdc-chunkers implements it, versioned so
//     its cut points stay put), its gear table keyed by a random key.
//     On the bench tree it chunks at some 2 GB/s a core where the Rabin
//     chunker does 0.85, which was a sixth of a backup's CPU.
//
// Both keep restic's boundaries: 512 KiB to 8 MiB, 1 MiB on average. The
// random polynomial or key keeps the cut points, and so the chunk sizes,
// from telling which well-known files a repository holds.
const (
	minChunk    = chunker.MinSize // 512 KiB
	normalChunk = 1 << 20
	maxChunk    = chunker.MaxSize // 8 MiB

	chunkerRabin = "rabin"
	fastcdcV1    = "fastcdc-v1.0.0"
)

// contentChunker cuts one stream at a time into content-defined chunks.
type contentChunker interface {
	// reset starts cutting r.
	reset(r io.Reader)
	// next returns the next chunk, copied into buf[:0] (grown if need
	// be), or io.EOF after the last one. An empty stream has no chunks.
	next(buf []byte) ([]byte, error)
}

// newChunker returns a chunker as cfg says.
func (cfg *config) newChunker() (contentChunker, error) {
	switch cfg.Chunker {
	case chunkerRabin:
		return &rabinChunker{c: chunker.NewWithBoundaries(nil, cfg.Polynomial, cfg.MinChunk, cfg.MaxChunk), pol: cfg.Polynomial}, nil
	case fastcdcV1:
		key, err := hex.DecodeString(cfg.ChunkerKey)
		if err != nil || len(key) != 32 {
			return nil, corruptf("config: invalid chunker key")
		}
		// The scan buffer is two chunks at most: the library compacts
		// it only when it is full, so a larger one copies less.
		c, err := cdc.NewChunkerBuffer(fastcdcV1, nil, &cdc.ChunkerOpts{
			MinSize: int(cfg.MinChunk), NormalSize: int(cfg.NormalChunk), MaxSize: int(cfg.MaxChunk), Key: key,
		}, make([]byte, 2*cfg.MaxChunk))
		if err != nil {
			return nil, corruptf("config: chunker: %v", err)
		}
		return &fastCDCChunker{c: c}, nil
	}
	return nil, corruptf("config: unknown chunker %q", cfg.Chunker)
}

// rabinChunker is restic's chunker.
type rabinChunker struct {
	c   *chunker.Chunker
	pol chunker.Pol
}

func (r *rabinChunker) reset(rd io.Reader) { r.c.Reset(rd, r.pol) }

func (r *rabinChunker) next(buf []byte) ([]byte, error) {
	c, err := r.c.Next(buf[:0])
	return c.Data, err
}

// fastCDCChunker is the library's FastCDC. Its Next returns the last
// chunk of a stream together with io.EOF when that chunk is shorter than
// the minimum; next returns it alone and io.EOF on the following call.
type fastCDCChunker struct {
	c   *cdc.Chunker
	eof bool
}

func (f *fastCDCChunker) reset(rd io.Reader) {
	f.c.Reset(rd)
	f.eof = false
}

func (f *fastCDCChunker) next(buf []byte) ([]byte, error) {
	if f.eof {
		return nil, io.EOF
	}
	data, err := f.c.Next()
	switch {
	case err == io.EOF:
		f.eof = true
		if len(data) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, err
	}
	return append(buf[:0], data...), nil
}

// checkChunker reports whether cfg's chunker parameters are valid.
func (cfg *config) checkChunker() error {
	if cfg.MinChunk == 0 || cfg.MaxChunk < cfg.MinChunk {
		return corruptf("config: invalid chunk boundaries")
	}
	switch cfg.Chunker {
	case chunkerRabin:
		if !cfg.Polynomial.Irreducible() {
			return corruptf("config: invalid chunker polynomial")
		}
	case fastcdcV1:
		if cfg.NormalChunk <= cfg.MinChunk || cfg.NormalChunk >= cfg.MaxChunk {
			return corruptf("config: invalid chunk boundaries")
		}
		if key, err := hex.DecodeString(cfg.ChunkerKey); err != nil || len(key) != 32 {
			return corruptf("config: invalid chunker key")
		}
	default:
		return corruptf("config: unknown chunker %q", cfg.Chunker)
	}
	return nil
}
