# Share and snapshot metadata, share type extra specs and type access rules,
# named and defaulted as in manila/policies/shares.py, share_snapshot.py,
# share_types_extra_spec.py and share_type.py.
package manila.rules

import data.manila.base

rule["share:get_share_metadata"] := base.admin_or_project_reader

rule["share:update_share_metadata"] := base.admin_or_project_member

rule["share:delete_share_metadata"] := base.admin_or_project_member

rule["share:update_admin_only_metadata"] := base.context_is_admin

rule["share_snapshot:get_metadata"] := base.admin_or_project_reader

rule["share_snapshot:update_metadata"] := base.admin_or_project_member

rule["share_snapshot:delete_metadata"] := base.admin_or_project_member

rule["share_types_extra_spec:create"] := base.context_is_admin

rule["share_types_extra_spec:show"] := base.context_is_admin

rule["share_types_extra_spec:update"] := base.context_is_admin

rule["share_types_extra_spec:delete"] := base.context_is_admin

rule["share_type:list_project_access"] := base.context_is_admin

rule["share_type:add_project_access"] := base.context_is_admin

rule["share_type:remove_project_access"] := base.context_is_admin
