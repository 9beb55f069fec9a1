# Scheduler pool statistics and service rules, named and defaulted as in
# manila/policies/scheduler_stats.py and manila/policies/service.py.
package manila.rules

import data.manila.base

rule["scheduler_stats:pools:index"] := base.context_is_admin

rule["scheduler_stats:pools:detail"] := base.context_is_admin

rule["service:index"] := base.context_is_admin

rule["service:update"] := base.context_is_admin

# Manila's extensions resource checks no rule: any authenticated caller
# lists them. manilite names the checks extension:index and extension:show,
# with the legacy default (admin or anyone of the project, the caller's own).
rule["extension:index"] := base.admin_or_owner

rule["extension:show"] := base.admin_or_owner

rule["service:ensure_shares"] := base.context_is_admin
