# Share and snapshot action rules for migration, task state, revert and
# unmanage, named and defaulted as in manila/policies/shares.py and
# share_snapshot.py.
package manila.rules

import data.manila.base

rule["share:reset_task_state"] := base.context_is_admin

rule["share:migration_start"] := base.context_is_admin

rule["share:migration_complete"] := base.context_is_admin

rule["share:migration_cancel"] := base.context_is_admin

rule["share:migration_get_progress"] := base.context_is_admin

rule["share:unmanage"] := base.context_is_admin

rule["share:revert_to_snapshot"] := base.admin_or_project_member

rule["share_snapshot:unmanage_snapshot"] := base.context_is_admin

rule["share:manage"] := base.context_is_admin

rule["share_snapshot:manage_snapshot"] := base.context_is_admin
