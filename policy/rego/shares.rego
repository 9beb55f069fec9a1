# Share rules, named and defaulted as in manila/policies/shares.py (and
# share_export_location.py for export locations).
#
# Manila checks most of these twice: first with the caller's own project as
# target (so they reduce to role checks), then some again with the share as
# target, which is how another project's public share is readable but not
# writable.
package manila.rules

import data.manila.base

rule["share:create"] := base.admin_or_project_member

# Creating a share with is_public=true.
rule["share:create_public_share"] := base.context_is_admin

rule["share:get"] := base.admin_or_project_reader

rule["share:get_all"] := base.admin_or_project_reader

rule["share:update"] := base.admin_or_project_member

# Setting is_public=true on an existing share.
rule["share:set_public_share"] := base.context_is_admin

rule["share:delete"] := base.admin_or_project_member

rule["share:soft_delete"] := base.admin_or_project_member

rule["share:restore"] := base.admin_or_project_member

rule["share:force_delete"] := base.context_is_admin

rule["share:reset_status"] := base.context_is_admin

# all_tenants (all_projects) in the share list: every project's shares
# instead of the caller's own; refused silently (the caller's own are
# listed) when false.
rule["share:list_all_projects"] := base.context_is_admin

# Shares whose deletion is deferred (deferred_deleting,
# error_deferred_deleting): in the share list, and in a share's get, where
# a refusal is a 404.
rule["share:list_shares_in_deferred_deletion_states"] := base.context_is_admin

# The host filter of the share list.
rule["share:list_by_host"] := base.context_is_admin

# The share_server_id filter of the share list.
rule["share:list_by_share_server_id"] := base.context_is_admin

rule["share_export_location:index"] := base.admin_or_project_reader

rule["share_export_location:show"] := base.admin_or_project_reader

rule["share:create_snapshot"] := base.admin_or_project_member

rule["share:delete_snapshot"] := base.admin_or_project_member

rule["share:snapshot_update"] := base.admin_or_project_member
