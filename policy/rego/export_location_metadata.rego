# Export location metadata rules (2.87+), named and defaulted as in
# manila/policies/share_export_location.py.
package manila.rules

import data.manila.base

rule["share_export_location:get_metadata"] := base.admin_or_project_reader

rule["share_export_location:update_metadata"] := base.admin_or_project_member

rule["share_export_location:delete_metadata"] := base.admin_or_project_member

rule["share_export_location:update_admin_only_metadata"] := base.context_is_admin
