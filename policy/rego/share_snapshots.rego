# Share snapshot rules, named and defaulted as in
# manila/policies/share_snapshot.py (creating, renaming and deleting a
# snapshot are share:* rules, in shares.rego).
package manila.rules

import data.manila.base

rule["share_snapshot:get_snapshot"] := base.admin_or_project_reader

rule["share_snapshot:get_all_snapshots"] := base.admin_or_project_reader

rule["share_snapshot:reset_status"] := base.context_is_admin

rule["share_snapshot:force_delete"] := base.context_is_admin
