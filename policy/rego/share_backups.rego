# Share backup rules, named and defaulted as in
# manila/policies/share_backup.py.
package manila.rules

import data.manila.base

rule["share_backup:create"] := base.admin_or_project_member

rule["share_backup:get"] := base.admin_or_project_reader

rule["share_backup:get_all"] := base.admin_or_project_reader

# Lets all_tenants / all_projects list every project; refused silently
# (the filter stays) when false.
rule["share_backup:get_all_project"] := base.context_is_admin

rule["share_backup:restore"] := base.admin_or_project_member

rule["share_backup:reset_status"] := base.context_is_admin

rule["share_backup:update"] := base.admin_or_project_member

rule["share_backup:delete"] := base.admin_or_project_member
