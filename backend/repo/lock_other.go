//go:build !unix

package repo

func processNamespace() string { return "" }

func processGone(int) bool { return false }
