package backend

// ZstdThreads is how many goroutines compress a backup, for the benchmark's
// comparison with the zstd command.
var ZstdThreads = zstdThreads
