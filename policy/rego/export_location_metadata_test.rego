# Tests of export_location_metadata.rego against Manila's defaults. Each
# decision is asserted to be exactly true or false, so an undefined rule fails.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_export_location:get_metadata: ADMIN_OR_PROJECT_READER

test_share_export_location_get_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_export_location:get_metadata"] == true with input as fx.admin_of_other_project
}

test_share_export_location_get_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_export_location:get_metadata"] == true with input as fx.admin_of_target_project
}

test_share_export_location_get_metadata_allowed_for_project_member if {
	rules.rule["share_export_location:get_metadata"] == true with input as fx.project_member
}

test_share_export_location_get_metadata_allowed_for_project_reader if {
	rules.rule["share_export_location:get_metadata"] == true with input as fx.project_reader
}

test_share_export_location_get_metadata_denied_for_member_of_other_project if {
	rules.rule["share_export_location:get_metadata"] == false with input as fx.member_of_other_project
}

test_share_export_location_get_metadata_denied_for_reader_of_other_project if {
	rules.rule["share_export_location:get_metadata"] == false with input as fx.reader_of_other_project
}

test_share_export_location_get_metadata_denied_for_caller_without_roles if {
	rules.rule["share_export_location:get_metadata"] == false with input as fx.caller_without_roles
}

test_share_export_location_get_metadata_denied_for_service_role if {
	rules.rule["share_export_location:get_metadata"] == false with input as fx.service_role
}

# share_export_location:update_metadata: ADMIN_OR_PROJECT_MEMBER

test_share_export_location_update_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_export_location:update_metadata"] == true with input as fx.admin_of_other_project
}

test_share_export_location_update_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_export_location:update_metadata"] == true with input as fx.admin_of_target_project
}

test_share_export_location_update_metadata_allowed_for_project_member if {
	rules.rule["share_export_location:update_metadata"] == true with input as fx.project_member
}

test_share_export_location_update_metadata_denied_for_project_reader if {
	rules.rule["share_export_location:update_metadata"] == false with input as fx.project_reader
}

test_share_export_location_update_metadata_denied_for_member_of_other_project if {
	rules.rule["share_export_location:update_metadata"] == false with input as fx.member_of_other_project
}

test_share_export_location_update_metadata_denied_for_reader_of_other_project if {
	rules.rule["share_export_location:update_metadata"] == false with input as fx.reader_of_other_project
}

test_share_export_location_update_metadata_denied_for_caller_without_roles if {
	rules.rule["share_export_location:update_metadata"] == false with input as fx.caller_without_roles
}

test_share_export_location_update_metadata_denied_for_service_role if {
	rules.rule["share_export_location:update_metadata"] == false with input as fx.service_role
}

# share_export_location:delete_metadata: ADMIN_OR_PROJECT_MEMBER

test_share_export_location_delete_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_export_location:delete_metadata"] == true with input as fx.admin_of_other_project
}

test_share_export_location_delete_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_export_location:delete_metadata"] == true with input as fx.admin_of_target_project
}

test_share_export_location_delete_metadata_allowed_for_project_member if {
	rules.rule["share_export_location:delete_metadata"] == true with input as fx.project_member
}

test_share_export_location_delete_metadata_denied_for_project_reader if {
	rules.rule["share_export_location:delete_metadata"] == false with input as fx.project_reader
}

test_share_export_location_delete_metadata_denied_for_member_of_other_project if {
	rules.rule["share_export_location:delete_metadata"] == false with input as fx.member_of_other_project
}

test_share_export_location_delete_metadata_denied_for_reader_of_other_project if {
	rules.rule["share_export_location:delete_metadata"] == false with input as fx.reader_of_other_project
}

test_share_export_location_delete_metadata_denied_for_caller_without_roles if {
	rules.rule["share_export_location:delete_metadata"] == false with input as fx.caller_without_roles
}

test_share_export_location_delete_metadata_denied_for_service_role if {
	rules.rule["share_export_location:delete_metadata"] == false with input as fx.service_role
}

# share_export_location:update_admin_only_metadata: ADMIN

test_share_export_location_update_admin_only_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_export_location:update_admin_only_metadata"] == true with input as fx.admin_of_other_project
}

test_share_export_location_update_admin_only_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_export_location:update_admin_only_metadata"] == true with input as fx.admin_of_target_project
}

test_share_export_location_update_admin_only_metadata_denied_for_project_member if {
	rules.rule["share_export_location:update_admin_only_metadata"] == false with input as fx.project_member
}

test_share_export_location_update_admin_only_metadata_denied_for_project_reader if {
	rules.rule["share_export_location:update_admin_only_metadata"] == false with input as fx.project_reader
}

test_share_export_location_update_admin_only_metadata_denied_for_member_of_other_project if {
	rules.rule["share_export_location:update_admin_only_metadata"] == false with input as fx.member_of_other_project
}

test_share_export_location_update_admin_only_metadata_denied_for_reader_of_other_project if {
	rules.rule["share_export_location:update_admin_only_metadata"] == false with input as fx.reader_of_other_project
}

test_share_export_location_update_admin_only_metadata_denied_for_caller_without_roles if {
	rules.rule["share_export_location:update_admin_only_metadata"] == false with input as fx.caller_without_roles
}

test_share_export_location_update_admin_only_metadata_denied_for_service_role if {
	rules.rule["share_export_location:update_admin_only_metadata"] == false with input as fx.service_role
}
