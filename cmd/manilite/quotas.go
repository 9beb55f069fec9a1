package main

import (
	"flag"
	"sort"
	"strconv"
	"strings"

	"github.com/manilite/manilite/impl"
)

// quotaDefaults are the default limits of the quota resources the spec
// names (Manila's quota_* option defaults).
func quotaDefaults() map[string]int {
	doc, err := impl.LoadSpec()
	if err != nil {
		panic(err) // the embedded spec is checked by every test
	}
	defaults, err := impl.QuotaDefaults(doc)
	if err != nil {
		panic(err)
	}
	return defaults
}

// quotaFlags binds --quota-<resource> (underscores as dashes: --quota-shares,
// --quota-backup-gigabytes, ...) for every quota resource the spec names.
func quotaFlags(fs *flag.FlagSet, o *options) {
	o.Quotas = quotaDefaults()
	names := make([]string, 0, len(o.Quotas))
	for name := range o.Quotas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := o.Quotas[name]
		fs.Var(&quotaFlag{o.Quotas, name}, "quota-"+strings.ReplaceAll(name, "_", "-"),
			"default quota of "+name+" for every project, user and share type (-1: unlimited; default "+strconv.Itoa(v)+")")
	}
}

// quotaFlag sets one entry of the defaults map.
type quotaFlag struct {
	m    map[string]int
	name string
}

func (f *quotaFlag) String() string {
	if f == nil || f.m == nil {
		return ""
	}
	return strconv.Itoa(f.m[f.name])
}

func (f *quotaFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	f.m[f.name] = n
	return nil
}
