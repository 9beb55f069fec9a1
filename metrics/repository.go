package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// RepositorySize is what the backup repository stores, as a scrape reads
// it.
type RepositorySize struct {
	// Bytes are the stored bytes by kind of object: "packs", "index",
	// "manifests".
	Bytes map[string]int64
	// Backups and Chunks count the backups and the distinct chunks.
	Backups, Chunks int
	// ChunkBytes is the chunks' size before compression.
	ChunkBytes int64
}

// WatchBackupRepository registers manilite_backup_repository_bytes (by
// kind), _backups, _chunks and _chunk_bytes, read from size at each
// scrape: the repository's real footprint, which a backup's size (the
// share's, as Manila reports it) does not show.
func (m *Metrics) WatchBackupRepository(size func(context.Context) (RepositorySize, error)) error {
	if m == nil {
		return nil
	}
	name := func(n string) string { return prometheus.BuildFQName(Namespace, "backup_repository", n) }
	return m.reg.Register(&repositoryCollector{
		size:       size,
		bytes:      prometheus.NewDesc(name("bytes"), "Bytes the backup repository stores, by kind of object (packs, index, manifests).", []string{"kind"}, nil),
		backups:    prometheus.NewDesc(name("backups"), "Backups in the backup repository.", nil, nil),
		chunks:     prometheus.NewDesc(name("chunks"), "Distinct chunks in the backup repository: each is stored once, however many backups hold it.", nil, nil),
		chunkBytes: prometheus.NewDesc(name("chunk_bytes"), "The distinct chunks' size before compression.", nil, nil),
	})
}

type repositoryCollector struct {
	size                               func(context.Context) (RepositorySize, error)
	bytes, backups, chunks, chunkBytes *prometheus.Desc
}

func (c *repositoryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bytes
	ch <- c.backups
	ch <- c.chunks
	ch <- c.chunkBytes
}

func (c *repositoryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	s, err := c.size(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.bytes, err)
		return
	}
	for _, kind := range []string{"packs", "index", "manifests"} {
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(s.Bytes[kind]), kind)
	}
	ch <- prometheus.MustNewConstMetric(c.backups, prometheus.GaugeValue, float64(s.Backups))
	ch <- prometheus.MustNewConstMetric(c.chunks, prometheus.GaugeValue, float64(s.Chunks))
	ch <- prometheus.MustNewConstMetric(c.chunkBytes, prometheus.GaugeValue, float64(s.ChunkBytes))
}
