# Share instance, snapshot instance, snapshot export location, share
# replica, availability zone and user message rules, named and defaulted as
# in manila/policies/share_instance.py, share_instance_export_location.py,
# share_snapshot_instance.py, share_snapshot_instance_export_location.py,
# share_snapshot_export_location.py, share_replica.py,
# availability_zone.py and message.py.
package manila.rules

import data.manila.base

rule["share_instance:index"] := base.context_is_admin

rule["share_instance:show"] := base.context_is_admin

rule["share_instance:force_delete"] := base.context_is_admin

rule["share_instance:reset_status"] := base.context_is_admin

rule["share_instance_export_location:index"] := base.context_is_admin

rule["share_instance_export_location:show"] := base.context_is_admin

rule["share_snapshot_instance:show"] := base.context_is_admin

rule["share_snapshot_instance:index"] := base.context_is_admin

rule["share_snapshot_instance:detail"] := base.context_is_admin

rule["share_snapshot_instance:reset_status"] := base.context_is_admin

rule["share_snapshot_instance_export_location:index"] := base.context_is_admin

rule["share_snapshot_instance_export_location:show"] := base.context_is_admin

rule["share_snapshot_export_location:index"] := base.admin_or_project_reader

rule["share_snapshot_export_location:show"] := base.admin_or_project_reader

rule["share_replica:get_all"] := base.admin_or_project_reader

rule["share_replica:show"] := base.admin_or_project_reader

rule["availability_zone:index"] := base.admin_or_project_reader

rule["message:get"] := base.admin_or_project_reader

rule["message:get_all"] := base.admin_or_project_reader

rule["message:delete"] := base.admin_or_project_member
