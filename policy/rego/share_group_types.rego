# Share group type rules, named and defaulted as in
# manila/policies/share_group_type.py and share_group_types_spec.py.
package manila.rules

import data.manila.base

rule["share_group_type:create"] := base.context_is_admin

rule["share_group_type:index"] := base.admin_or_project_reader

rule["share_group_type:show"] := base.admin_or_project_reader

rule["share_group_type:default"] := base.admin_or_project_reader

rule["share_group_type:delete"] := base.context_is_admin

rule["share_group_type:list_project_access"] := base.context_is_admin

rule["share_group_type:add_project_access"] := base.context_is_admin

rule["share_group_type:remove_project_access"] := base.context_is_admin

rule["share_group_types_spec:create"] := base.context_is_admin

rule["share_group_types_spec:index"] := base.context_is_admin

rule["share_group_types_spec:show"] := base.context_is_admin

rule["share_group_types_spec:update"] := base.context_is_admin

rule["share_group_types_spec:delete"] := base.context_is_admin
