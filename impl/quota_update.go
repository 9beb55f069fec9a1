package impl

import (
	"context"
	"fmt"
	"strings"

	"github.com/manilite/manilite/storage"
)

// updateQuotas is Manila's QuotaSetsMixin._update: the body's checks, then
// each key checked and written in turn (a later key's refusal leaves the
// earlier ones written, as in Manila).
func (s *Server) updateQuotas(ctx context.Context, project string, user, shareType *string, body any, out any) error {
	qb, err := readQuotaBody(body)
	if err != nil {
		return err
	}
	defaults := s.db.QuotaDefaults()
	given := false
	for name := range defaults {
		given = given || qb.values[name] != nil
	}
	if !given {
		return badRequest("Must supply at least one quota field to update.")
	}
	sc, err := s.quotaScope(ctx, project, user, shareType)
	if err != nil {
		return err
	}
	groups := qb.values["share_groups"]
	if groups == nil {
		groups = qb.values["share_group_snapshots"]
	}
	if sc.ShareTypeID != "" && pyTruthy(groups) {
		return badRequest("Share type quotas cannot constrain share groups and share group snapshots.")
	}
	settable, err := s.db.SettableQuotas(ctx, sc)
	if err != nil {
		return internalError(err)
	}
	force, err := s.checkQuotaKeys(qb, sc, defaults)
	if err != nil {
		return err
	}
	quotas, err := s.db.Quotas(ctx, sc)
	if err != nil {
		return internalError(err)
	}
	for _, key := range qb.keys {
		value := qb.values[key]
		if quotaNonResourceKeys[key] || (!pyTruthy(value) && !isZero(value)) {
			continue
		}
		limit, ok := pyInt(value)
		if !ok {
			return badRequest("Quota '%s' for %s should be integer.", plainValue(value), key)
		}
		if q := quotas[key]; !force && limit >= 0 && q.Limit >= 0 && q.InUse+q.Reserved > limit {
			return badRequest("Quota value %d for %s is smaller than already used and reserved %d.", limit, key, q.InUse+q.Reserved)
		}
		if err := checkQuotaLimit(limit, settable[key], force); err != nil {
			return err
		}
		if err := s.db.SetQuota(ctx, sc, key, limit); err != nil {
			return internalError(err)
		}
	}
	if quotas, err = s.db.Quotas(ctx, sc); err != nil {
		return internalError(err)
	}
	return s.quotaSetView(quotas, "", sc, false, out)
}

// checkQuotaKeys is the first pass over the body: share networks have no
// share type quota, unknown keys are named, values must be integers, and
// force is read.
func (s *Server) checkQuotaKeys(qb quotaBody, sc storage.QuotaScope, resources map[string]int) (bool, error) {
	var bad []string
	force := false
	for _, key := range qb.keys {
		value := qb.values[key]
		_, known := resources[key]
		switch {
		case key == "share_networks" && sc.ShareTypeID != "":
			return false, badRequest("'share_networks' quota cannot be set for share type. It can be set only for project or user.")
		case !known && !quotaNonResourceKeys[key]:
			bad = append(bad, key)
		case key == "force":
			force = pyBool(value)
		case !quotaNonResourceKeys[key] && pyTruthy(value):
			if _, ok := pyInt(value); !ok {
				return false, badRequest("Quota '%s' for %s should be integer.", plainValue(value), key)
			}
		}
	}
	if len(bad) > 0 {
		return false, badRequest("Bad key(s) %s in quota_set.", strings.Join(bad, ","))
	}
	return force, nil
}

// pyBool is oslo's strutils.bool_from_string (not strict).
func pyBool(v any) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	switch strings.ToLower(strings.TrimSpace(fmt.Sprint(v))) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// checkQuotaLimit is Manila's _validate_quota_limit.
func checkQuotaLimit(limit int, r storage.QuotaRange, force bool) error {
	switch {
	case limit < -1:
		return badRequest("Quota limit must be -1 or greater.")
	case limit < r.Minimum && !force && (r.Maximum != -1 || limit != -1):
		return badRequest("Quota limit must be greater than %d.", r.Minimum)
	case r.Maximum != -1 && limit > r.Maximum && !force:
		return badRequest("Quota limit must be less than %d.", r.Maximum)
	}
	return nil
}
