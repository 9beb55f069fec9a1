# Share snapshot rules, named and defaulted as in
# manila/policies/share_snapshot.py (creating, renaming and deleting a
# snapshot are share:* rules, in shares.rego).
package manila.rules

import data.manila.base

rule["share_snapshot:get_snapshot"] := base.admin_or_project_reader

rule["share_snapshot:get_all_snapshots"] := base.admin_or_project_reader

# all_tenants in the snapshot list: every project's snapshots; refused
# silently (the caller's own are listed) when false.
rule["share_snapshot:list_all_projects"] := base.context_is_admin

# Snapshots whose deletion is deferred: in the snapshot list, and in a
# snapshot's get, where a refusal is a 404.
rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] := base.context_is_admin

rule["share_snapshot:reset_status"] := base.context_is_admin

rule["share_snapshot:force_delete"] := base.context_is_admin
