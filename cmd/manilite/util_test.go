package main

import (
	"net/url"
	"time"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/storage"
)

func mustVersion(s string) impl.APIVersion { return impl.MustParseAPIVersion(s) }

func parseManilaTime(s string) (time.Time, error) { return storage.ParseTime(s) }

func urlq(s string) string { return url.QueryEscape(s) }
