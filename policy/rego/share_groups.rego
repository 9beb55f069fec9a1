# Share group and share group snapshot rules, named and defaulted as in
# manila/policies/share_group.py and share_group_snapshot.py.
package manila.rules

import data.manila.base

rule["share_group:create"] := base.admin_or_project_member

rule["share_group:get"] := base.admin_or_project_reader

rule["share_group:get_all"] := base.admin_or_project_reader

rule["share_group:update"] := base.admin_or_project_member

rule["share_group:delete"] := base.admin_or_project_member

rule["share_group:force_delete"] := base.context_is_admin

rule["share_group:reset_status"] := base.context_is_admin

rule["share_group_snapshot:create"] := base.admin_or_project_member

rule["share_group_snapshot:get"] := base.admin_or_project_reader

rule["share_group_snapshot:get_all"] := base.admin_or_project_reader

rule["share_group_snapshot:update"] := base.admin_or_project_member

rule["share_group_snapshot:delete"] := base.admin_or_project_member

rule["share_group_snapshot:force_delete"] := base.context_is_admin

rule["share_group_snapshot:reset_status"] := base.context_is_admin
