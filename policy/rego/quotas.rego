# Quota set rules and the share resize rules, named and defaulted as in
# manila/policies/quota_set.py and manila/policies/shares.py.
package manila.rules

import data.manila.base

rule["quota_set:update"] := base.context_is_admin

rule["quota_set:show"] := base.admin_or_project_reader

rule["quota_set:delete"] := base.context_is_admin

rule["share:extend"] := base.admin_or_project_member

rule["share:force_extend"] := base.context_is_admin

rule["share:extend_beyond_max_share_size"] := base.context_is_admin

rule["share:shrink"] := base.admin_or_project_member

# Manila's limits controller checks no rule: any authenticated caller may
# read its own project's limits. manilite names that limits:get, with the
# legacy default (admin or anyone of the project, the caller's own).
rule["limits:get"] := base.admin_or_owner
