# Tests of instances_and_messages.rego.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_instance:index: ADMIN

test_share_instance_index_allowed_for_admin_of_other_project if {
	rules.rule["share_instance:index"] == true with input as fx.admin_of_other_project
}

test_share_instance_index_allowed_for_admin_of_target_project if {
	rules.rule["share_instance:index"] == true with input as fx.admin_of_target_project
}

test_share_instance_index_denied_for_project_member if {
	rules.rule["share_instance:index"] == false with input as fx.project_member
}

test_share_instance_index_denied_for_project_reader if {
	rules.rule["share_instance:index"] == false with input as fx.project_reader
}

test_share_instance_index_denied_for_member_of_other_project if {
	rules.rule["share_instance:index"] == false with input as fx.member_of_other_project
}

test_share_instance_index_denied_for_caller_without_roles if {
	rules.rule["share_instance:index"] == false with input as fx.caller_without_roles
}

test_share_instance_index_denied_for_service_role if {
	rules.rule["share_instance:index"] == false with input as fx.service_role
}

# share_instance:show: ADMIN

test_share_instance_show_allowed_for_admin_of_other_project if {
	rules.rule["share_instance:show"] == true with input as fx.admin_of_other_project
}

test_share_instance_show_allowed_for_admin_of_target_project if {
	rules.rule["share_instance:show"] == true with input as fx.admin_of_target_project
}

test_share_instance_show_denied_for_project_member if {
	rules.rule["share_instance:show"] == false with input as fx.project_member
}

test_share_instance_show_denied_for_project_reader if {
	rules.rule["share_instance:show"] == false with input as fx.project_reader
}

test_share_instance_show_denied_for_member_of_other_project if {
	rules.rule["share_instance:show"] == false with input as fx.member_of_other_project
}

test_share_instance_show_denied_for_caller_without_roles if {
	rules.rule["share_instance:show"] == false with input as fx.caller_without_roles
}

test_share_instance_show_denied_for_service_role if {
	rules.rule["share_instance:show"] == false with input as fx.service_role
}

# share_instance:force_delete: ADMIN

test_share_instance_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_instance:force_delete"] == true with input as fx.admin_of_other_project
}

test_share_instance_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_instance:force_delete"] == true with input as fx.admin_of_target_project
}

test_share_instance_force_delete_denied_for_project_member if {
	rules.rule["share_instance:force_delete"] == false with input as fx.project_member
}

test_share_instance_force_delete_denied_for_project_reader if {
	rules.rule["share_instance:force_delete"] == false with input as fx.project_reader
}

test_share_instance_force_delete_denied_for_member_of_other_project if {
	rules.rule["share_instance:force_delete"] == false with input as fx.member_of_other_project
}

test_share_instance_force_delete_denied_for_caller_without_roles if {
	rules.rule["share_instance:force_delete"] == false with input as fx.caller_without_roles
}

test_share_instance_force_delete_denied_for_service_role if {
	rules.rule["share_instance:force_delete"] == false with input as fx.service_role
}

# share_instance:reset_status: ADMIN

test_share_instance_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_instance:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_instance_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_instance:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_instance_reset_status_denied_for_project_member if {
	rules.rule["share_instance:reset_status"] == false with input as fx.project_member
}

test_share_instance_reset_status_denied_for_project_reader if {
	rules.rule["share_instance:reset_status"] == false with input as fx.project_reader
}

test_share_instance_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_instance:reset_status"] == false with input as fx.member_of_other_project
}

test_share_instance_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_instance:reset_status"] == false with input as fx.caller_without_roles
}

test_share_instance_reset_status_denied_for_service_role if {
	rules.rule["share_instance:reset_status"] == false with input as fx.service_role
}

# share_instance_export_location:index: ADMIN

test_share_instance_export_location_index_allowed_for_admin_of_other_project if {
	rules.rule["share_instance_export_location:index"] == true with input as fx.admin_of_other_project
}

test_share_instance_export_location_index_allowed_for_admin_of_target_project if {
	rules.rule["share_instance_export_location:index"] == true with input as fx.admin_of_target_project
}

test_share_instance_export_location_index_denied_for_project_member if {
	rules.rule["share_instance_export_location:index"] == false with input as fx.project_member
}

test_share_instance_export_location_index_denied_for_project_reader if {
	rules.rule["share_instance_export_location:index"] == false with input as fx.project_reader
}

test_share_instance_export_location_index_denied_for_member_of_other_project if {
	rules.rule["share_instance_export_location:index"] == false with input as fx.member_of_other_project
}

test_share_instance_export_location_index_denied_for_caller_without_roles if {
	rules.rule["share_instance_export_location:index"] == false with input as fx.caller_without_roles
}

test_share_instance_export_location_index_denied_for_service_role if {
	rules.rule["share_instance_export_location:index"] == false with input as fx.service_role
}

# share_instance_export_location:show: ADMIN

test_share_instance_export_location_show_allowed_for_admin_of_other_project if {
	rules.rule["share_instance_export_location:show"] == true with input as fx.admin_of_other_project
}

test_share_instance_export_location_show_allowed_for_admin_of_target_project if {
	rules.rule["share_instance_export_location:show"] == true with input as fx.admin_of_target_project
}

test_share_instance_export_location_show_denied_for_project_member if {
	rules.rule["share_instance_export_location:show"] == false with input as fx.project_member
}

test_share_instance_export_location_show_denied_for_project_reader if {
	rules.rule["share_instance_export_location:show"] == false with input as fx.project_reader
}

test_share_instance_export_location_show_denied_for_member_of_other_project if {
	rules.rule["share_instance_export_location:show"] == false with input as fx.member_of_other_project
}

test_share_instance_export_location_show_denied_for_caller_without_roles if {
	rules.rule["share_instance_export_location:show"] == false with input as fx.caller_without_roles
}

test_share_instance_export_location_show_denied_for_service_role if {
	rules.rule["share_instance_export_location:show"] == false with input as fx.service_role
}

# share_snapshot_instance:show: ADMIN

test_share_snapshot_instance_show_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_instance:show"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_instance_show_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot_instance:show"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_instance_show_denied_for_project_member if {
	rules.rule["share_snapshot_instance:show"] == false with input as fx.project_member
}

test_share_snapshot_instance_show_denied_for_project_reader if {
	rules.rule["share_snapshot_instance:show"] == false with input as fx.project_reader
}

test_share_snapshot_instance_show_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_instance:show"] == false with input as fx.member_of_other_project
}

test_share_snapshot_instance_show_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_instance:show"] == false with input as fx.caller_without_roles
}

test_share_snapshot_instance_show_denied_for_service_role if {
	rules.rule["share_snapshot_instance:show"] == false with input as fx.service_role
}

# share_snapshot_instance:index: ADMIN

test_share_snapshot_instance_index_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_instance:index"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_instance_index_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot_instance:index"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_instance_index_denied_for_project_member if {
	rules.rule["share_snapshot_instance:index"] == false with input as fx.project_member
}

test_share_snapshot_instance_index_denied_for_project_reader if {
	rules.rule["share_snapshot_instance:index"] == false with input as fx.project_reader
}

test_share_snapshot_instance_index_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_instance:index"] == false with input as fx.member_of_other_project
}

test_share_snapshot_instance_index_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_instance:index"] == false with input as fx.caller_without_roles
}

test_share_snapshot_instance_index_denied_for_service_role if {
	rules.rule["share_snapshot_instance:index"] == false with input as fx.service_role
}

# share_snapshot_instance:detail: ADMIN

test_share_snapshot_instance_detail_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_instance:detail"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_instance_detail_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot_instance:detail"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_instance_detail_denied_for_project_member if {
	rules.rule["share_snapshot_instance:detail"] == false with input as fx.project_member
}

test_share_snapshot_instance_detail_denied_for_project_reader if {
	rules.rule["share_snapshot_instance:detail"] == false with input as fx.project_reader
}

test_share_snapshot_instance_detail_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_instance:detail"] == false with input as fx.member_of_other_project
}

test_share_snapshot_instance_detail_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_instance:detail"] == false with input as fx.caller_without_roles
}

test_share_snapshot_instance_detail_denied_for_service_role if {
	rules.rule["share_snapshot_instance:detail"] == false with input as fx.service_role
}

# share_snapshot_instance:reset_status: ADMIN

test_share_snapshot_instance_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_instance:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_instance_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot_instance:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_instance_reset_status_denied_for_project_member if {
	rules.rule["share_snapshot_instance:reset_status"] == false with input as fx.project_member
}

test_share_snapshot_instance_reset_status_denied_for_project_reader if {
	rules.rule["share_snapshot_instance:reset_status"] == false with input as fx.project_reader
}

test_share_snapshot_instance_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_instance:reset_status"] == false with input as fx.member_of_other_project
}

test_share_snapshot_instance_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_instance:reset_status"] == false with input as fx.caller_without_roles
}

test_share_snapshot_instance_reset_status_denied_for_service_role if {
	rules.rule["share_snapshot_instance:reset_status"] == false with input as fx.service_role
}

# share_snapshot_instance_export_location:index: ADMIN

test_share_snapshot_instance_export_location_index_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_instance_export_location:index"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_instance_export_location_index_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot_instance_export_location:index"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_instance_export_location_index_denied_for_project_member if {
	rules.rule["share_snapshot_instance_export_location:index"] == false with input as fx.project_member
}

test_share_snapshot_instance_export_location_index_denied_for_project_reader if {
	rules.rule["share_snapshot_instance_export_location:index"] == false with input as fx.project_reader
}

test_share_snapshot_instance_export_location_index_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_instance_export_location:index"] == false with input as fx.member_of_other_project
}

test_share_snapshot_instance_export_location_index_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_instance_export_location:index"] == false with input as fx.caller_without_roles
}

test_share_snapshot_instance_export_location_index_denied_for_service_role if {
	rules.rule["share_snapshot_instance_export_location:index"] == false with input as fx.service_role
}

# share_snapshot_instance_export_location:show: ADMIN

test_share_snapshot_instance_export_location_show_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_instance_export_location:show"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_instance_export_location_show_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot_instance_export_location:show"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_instance_export_location_show_denied_for_project_member if {
	rules.rule["share_snapshot_instance_export_location:show"] == false with input as fx.project_member
}

test_share_snapshot_instance_export_location_show_denied_for_project_reader if {
	rules.rule["share_snapshot_instance_export_location:show"] == false with input as fx.project_reader
}

test_share_snapshot_instance_export_location_show_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_instance_export_location:show"] == false with input as fx.member_of_other_project
}

test_share_snapshot_instance_export_location_show_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_instance_export_location:show"] == false with input as fx.caller_without_roles
}

test_share_snapshot_instance_export_location_show_denied_for_service_role if {
	rules.rule["share_snapshot_instance_export_location:show"] == false with input as fx.service_role
}

# share_snapshot_export_location:index: ADMIN_OR_PROJECT_READER

test_share_snapshot_export_location_index_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_export_location:index"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_export_location_index_allowed_for_project_member if {
	rules.rule["share_snapshot_export_location:index"] == true with input as fx.project_member
}

test_share_snapshot_export_location_index_allowed_for_project_reader if {
	rules.rule["share_snapshot_export_location:index"] == true with input as fx.project_reader
}

test_share_snapshot_export_location_index_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_export_location:index"] == false with input as fx.member_of_other_project
}

test_share_snapshot_export_location_index_denied_for_reader_of_other_project if {
	rules.rule["share_snapshot_export_location:index"] == false with input as fx.reader_of_other_project
}

test_share_snapshot_export_location_index_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_export_location:index"] == false with input as fx.caller_without_roles
}

# share_snapshot_export_location:show: ADMIN_OR_PROJECT_READER

test_share_snapshot_export_location_show_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot_export_location:show"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_export_location_show_allowed_for_project_member if {
	rules.rule["share_snapshot_export_location:show"] == true with input as fx.project_member
}

test_share_snapshot_export_location_show_allowed_for_project_reader if {
	rules.rule["share_snapshot_export_location:show"] == true with input as fx.project_reader
}

test_share_snapshot_export_location_show_denied_for_member_of_other_project if {
	rules.rule["share_snapshot_export_location:show"] == false with input as fx.member_of_other_project
}

test_share_snapshot_export_location_show_denied_for_reader_of_other_project if {
	rules.rule["share_snapshot_export_location:show"] == false with input as fx.reader_of_other_project
}

test_share_snapshot_export_location_show_denied_for_caller_without_roles if {
	rules.rule["share_snapshot_export_location:show"] == false with input as fx.caller_without_roles
}

# share_replica:get_all: ADMIN_OR_PROJECT_READER

test_share_replica_get_all_allowed_for_admin_of_other_project if {
	rules.rule["share_replica:get_all"] == true with input as fx.admin_of_other_project
}

test_share_replica_get_all_allowed_for_project_member if {
	rules.rule["share_replica:get_all"] == true with input as fx.project_member
}

test_share_replica_get_all_allowed_for_project_reader if {
	rules.rule["share_replica:get_all"] == true with input as fx.project_reader
}

test_share_replica_get_all_denied_for_member_of_other_project if {
	rules.rule["share_replica:get_all"] == false with input as fx.member_of_other_project
}

test_share_replica_get_all_denied_for_reader_of_other_project if {
	rules.rule["share_replica:get_all"] == false with input as fx.reader_of_other_project
}

test_share_replica_get_all_denied_for_caller_without_roles if {
	rules.rule["share_replica:get_all"] == false with input as fx.caller_without_roles
}

# share_replica:show: ADMIN_OR_PROJECT_READER

test_share_replica_show_allowed_for_admin_of_other_project if {
	rules.rule["share_replica:show"] == true with input as fx.admin_of_other_project
}

test_share_replica_show_allowed_for_project_member if {
	rules.rule["share_replica:show"] == true with input as fx.project_member
}

test_share_replica_show_allowed_for_project_reader if {
	rules.rule["share_replica:show"] == true with input as fx.project_reader
}

test_share_replica_show_denied_for_member_of_other_project if {
	rules.rule["share_replica:show"] == false with input as fx.member_of_other_project
}

test_share_replica_show_denied_for_reader_of_other_project if {
	rules.rule["share_replica:show"] == false with input as fx.reader_of_other_project
}

test_share_replica_show_denied_for_caller_without_roles if {
	rules.rule["share_replica:show"] == false with input as fx.caller_without_roles
}

# availability_zone:index: ADMIN_OR_PROJECT_READER

test_availability_zone_index_allowed_for_admin_of_other_project if {
	rules.rule["availability_zone:index"] == true with input as fx.admin_of_other_project
}

test_availability_zone_index_allowed_for_project_member if {
	rules.rule["availability_zone:index"] == true with input as fx.project_member
}

test_availability_zone_index_allowed_for_project_reader if {
	rules.rule["availability_zone:index"] == true with input as fx.project_reader
}

test_availability_zone_index_denied_for_member_of_other_project if {
	rules.rule["availability_zone:index"] == false with input as fx.member_of_other_project
}

test_availability_zone_index_denied_for_reader_of_other_project if {
	rules.rule["availability_zone:index"] == false with input as fx.reader_of_other_project
}

test_availability_zone_index_denied_for_caller_without_roles if {
	rules.rule["availability_zone:index"] == false with input as fx.caller_without_roles
}

# message:get: ADMIN_OR_PROJECT_READER

test_message_get_allowed_for_admin_of_other_project if {
	rules.rule["message:get"] == true with input as fx.admin_of_other_project
}

test_message_get_allowed_for_project_member if {
	rules.rule["message:get"] == true with input as fx.project_member
}

test_message_get_allowed_for_project_reader if {
	rules.rule["message:get"] == true with input as fx.project_reader
}

test_message_get_denied_for_member_of_other_project if {
	rules.rule["message:get"] == false with input as fx.member_of_other_project
}

test_message_get_denied_for_reader_of_other_project if {
	rules.rule["message:get"] == false with input as fx.reader_of_other_project
}

test_message_get_denied_for_caller_without_roles if {
	rules.rule["message:get"] == false with input as fx.caller_without_roles
}

# message:get_all: ADMIN_OR_PROJECT_READER

test_message_get_all_allowed_for_admin_of_other_project if {
	rules.rule["message:get_all"] == true with input as fx.admin_of_other_project
}

test_message_get_all_allowed_for_project_member if {
	rules.rule["message:get_all"] == true with input as fx.project_member
}

test_message_get_all_allowed_for_project_reader if {
	rules.rule["message:get_all"] == true with input as fx.project_reader
}

test_message_get_all_denied_for_member_of_other_project if {
	rules.rule["message:get_all"] == false with input as fx.member_of_other_project
}

test_message_get_all_denied_for_reader_of_other_project if {
	rules.rule["message:get_all"] == false with input as fx.reader_of_other_project
}

test_message_get_all_denied_for_caller_without_roles if {
	rules.rule["message:get_all"] == false with input as fx.caller_without_roles
}

# message:delete: ADMIN_OR_PROJECT_MEMBER

test_message_delete_allowed_for_admin_of_other_project if {
	rules.rule["message:delete"] == true with input as fx.admin_of_other_project
}

test_message_delete_allowed_for_project_member if {
	rules.rule["message:delete"] == true with input as fx.project_member
}

test_message_delete_denied_for_project_reader if {
	rules.rule["message:delete"] == false with input as fx.project_reader
}

test_message_delete_denied_for_member_of_other_project if {
	rules.rule["message:delete"] == false with input as fx.member_of_other_project
}

test_message_delete_denied_for_caller_without_roles if {
	rules.rule["message:delete"] == false with input as fx.caller_without_roles
}
