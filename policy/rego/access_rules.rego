# Share access rule rules, named and defaulted as in manila/policies/shares.py
# (allow_access, deny_access, access_get, access_get_all),
# share_access.py and share_access_metadata.py.
package manila.rules

import data.manila.base

rule["share:allow_access"] := base.admin_or_project_member

rule["share:deny_access"] := base.admin_or_project_member

rule["share_access_rule:update"] := base.admin_or_project_member

rule["share_access_metadata:update"] := base.admin_or_project_member

rule["share_access_metadata:delete"] := base.admin_or_project_member

rule["share:access_get"] := base.admin_or_project_reader

rule["share:access_get_all"] := base.admin_or_project_reader

rule["share_access_rule:get"] := base.admin_or_project_reader

rule["share_access_rule:index"] := base.admin_or_project_reader
