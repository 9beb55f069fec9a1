# Tests of the share group and share group snapshot rules (share_groups.rego).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_group:create: ADMIN_OR_PROJECT_MEMBER

test_share_group_create_allowed_for_admin_of_other_project if {
	rules.rule["share_group:create"] == true with input as fx.admin_of_other_project
}

test_share_group_create_allowed_for_admin_of_target_project if {
	rules.rule["share_group:create"] == true with input as fx.admin_of_target_project
}

test_share_group_create_allowed_for_project_member if {
	rules.rule["share_group:create"] == true with input as fx.project_member
}

test_share_group_create_denied_for_project_reader if {
	rules.rule["share_group:create"] == false with input as fx.project_reader
}

test_share_group_create_denied_for_member_of_other_project if {
	rules.rule["share_group:create"] == false with input as fx.member_of_other_project
}

test_share_group_create_denied_for_caller_without_roles if {
	rules.rule["share_group:create"] == false with input as fx.caller_without_roles
}

# share_group:get: ADMIN_OR_PROJECT_READER

test_share_group_get_allowed_for_admin_of_other_project if {
	rules.rule["share_group:get"] == true with input as fx.admin_of_other_project
}

test_share_group_get_allowed_for_admin_of_target_project if {
	rules.rule["share_group:get"] == true with input as fx.admin_of_target_project
}

test_share_group_get_allowed_for_project_member if {
	rules.rule["share_group:get"] == true with input as fx.project_member
}

test_share_group_get_allowed_for_project_reader if {
	rules.rule["share_group:get"] == true with input as fx.project_reader
}

test_share_group_get_denied_for_member_of_other_project if {
	rules.rule["share_group:get"] == false with input as fx.member_of_other_project
}

test_share_group_get_denied_for_reader_of_other_project if {
	rules.rule["share_group:get"] == false with input as fx.reader_of_other_project
}

test_share_group_get_denied_for_caller_without_roles if {
	rules.rule["share_group:get"] == false with input as fx.caller_without_roles
}

# share_group:get_all: ADMIN_OR_PROJECT_READER

test_share_group_get_all_allowed_for_admin_of_other_project if {
	rules.rule["share_group:get_all"] == true with input as fx.admin_of_other_project
}

test_share_group_get_all_allowed_for_admin_of_target_project if {
	rules.rule["share_group:get_all"] == true with input as fx.admin_of_target_project
}

test_share_group_get_all_allowed_for_project_member if {
	rules.rule["share_group:get_all"] == true with input as fx.project_member
}

test_share_group_get_all_allowed_for_project_reader if {
	rules.rule["share_group:get_all"] == true with input as fx.project_reader
}

test_share_group_get_all_denied_for_member_of_other_project if {
	rules.rule["share_group:get_all"] == false with input as fx.member_of_other_project
}

test_share_group_get_all_denied_for_reader_of_other_project if {
	rules.rule["share_group:get_all"] == false with input as fx.reader_of_other_project
}

test_share_group_get_all_denied_for_caller_without_roles if {
	rules.rule["share_group:get_all"] == false with input as fx.caller_without_roles
}

# share_group:update: ADMIN_OR_PROJECT_MEMBER

test_share_group_update_allowed_for_admin_of_other_project if {
	rules.rule["share_group:update"] == true with input as fx.admin_of_other_project
}

test_share_group_update_allowed_for_admin_of_target_project if {
	rules.rule["share_group:update"] == true with input as fx.admin_of_target_project
}

test_share_group_update_allowed_for_project_member if {
	rules.rule["share_group:update"] == true with input as fx.project_member
}

test_share_group_update_denied_for_project_reader if {
	rules.rule["share_group:update"] == false with input as fx.project_reader
}

test_share_group_update_denied_for_member_of_other_project if {
	rules.rule["share_group:update"] == false with input as fx.member_of_other_project
}

test_share_group_update_denied_for_caller_without_roles if {
	rules.rule["share_group:update"] == false with input as fx.caller_without_roles
}

# share_group:delete: ADMIN_OR_PROJECT_MEMBER

test_share_group_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_group:delete"] == true with input as fx.admin_of_other_project
}

test_share_group_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_group:delete"] == true with input as fx.admin_of_target_project
}

test_share_group_delete_allowed_for_project_member if {
	rules.rule["share_group:delete"] == true with input as fx.project_member
}

test_share_group_delete_denied_for_project_reader if {
	rules.rule["share_group:delete"] == false with input as fx.project_reader
}

test_share_group_delete_denied_for_member_of_other_project if {
	rules.rule["share_group:delete"] == false with input as fx.member_of_other_project
}

test_share_group_delete_denied_for_caller_without_roles if {
	rules.rule["share_group:delete"] == false with input as fx.caller_without_roles
}

# share_group:force_delete: ADMIN

test_share_group_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_group:force_delete"] == true with input as fx.admin_of_other_project
}

test_share_group_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_group:force_delete"] == true with input as fx.admin_of_target_project
}

test_share_group_force_delete_denied_for_project_member if {
	rules.rule["share_group:force_delete"] == false with input as fx.project_member
}

test_share_group_force_delete_denied_for_project_reader if {
	rules.rule["share_group:force_delete"] == false with input as fx.project_reader
}

test_share_group_force_delete_denied_for_member_of_other_project if {
	rules.rule["share_group:force_delete"] == false with input as fx.member_of_other_project
}

test_share_group_force_delete_denied_for_caller_without_roles if {
	rules.rule["share_group:force_delete"] == false with input as fx.caller_without_roles
}

# share_group:reset_status: ADMIN

test_share_group_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_group:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_group_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_group:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_group_reset_status_denied_for_project_member if {
	rules.rule["share_group:reset_status"] == false with input as fx.project_member
}

test_share_group_reset_status_denied_for_project_reader if {
	rules.rule["share_group:reset_status"] == false with input as fx.project_reader
}

test_share_group_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_group:reset_status"] == false with input as fx.member_of_other_project
}

test_share_group_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_group:reset_status"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:create: ADMIN_OR_PROJECT_MEMBER

test_share_group_snapshot_create_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:create"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_create_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:create"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_create_allowed_for_project_member if {
	rules.rule["share_group_snapshot:create"] == true with input as fx.project_member
}

test_share_group_snapshot_create_denied_for_project_reader if {
	rules.rule["share_group_snapshot:create"] == false with input as fx.project_reader
}

test_share_group_snapshot_create_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:create"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_create_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:create"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:get: ADMIN_OR_PROJECT_READER

test_share_group_snapshot_get_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:get"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_get_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:get"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_get_allowed_for_project_member if {
	rules.rule["share_group_snapshot:get"] == true with input as fx.project_member
}

test_share_group_snapshot_get_allowed_for_project_reader if {
	rules.rule["share_group_snapshot:get"] == true with input as fx.project_reader
}

test_share_group_snapshot_get_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:get"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_get_denied_for_reader_of_other_project if {
	rules.rule["share_group_snapshot:get"] == false with input as fx.reader_of_other_project
}

test_share_group_snapshot_get_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:get"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:get_all: ADMIN_OR_PROJECT_READER

test_share_group_snapshot_get_all_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:get_all"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_get_all_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:get_all"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_get_all_allowed_for_project_member if {
	rules.rule["share_group_snapshot:get_all"] == true with input as fx.project_member
}

test_share_group_snapshot_get_all_allowed_for_project_reader if {
	rules.rule["share_group_snapshot:get_all"] == true with input as fx.project_reader
}

test_share_group_snapshot_get_all_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:get_all"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_get_all_denied_for_reader_of_other_project if {
	rules.rule["share_group_snapshot:get_all"] == false with input as fx.reader_of_other_project
}

test_share_group_snapshot_get_all_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:get_all"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:update: ADMIN_OR_PROJECT_MEMBER

test_share_group_snapshot_update_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:update"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_update_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:update"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_update_allowed_for_project_member if {
	rules.rule["share_group_snapshot:update"] == true with input as fx.project_member
}

test_share_group_snapshot_update_denied_for_project_reader if {
	rules.rule["share_group_snapshot:update"] == false with input as fx.project_reader
}

test_share_group_snapshot_update_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:update"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_update_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:update"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:delete: ADMIN_OR_PROJECT_MEMBER

test_share_group_snapshot_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:delete"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:delete"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_delete_allowed_for_project_member if {
	rules.rule["share_group_snapshot:delete"] == true with input as fx.project_member
}

test_share_group_snapshot_delete_denied_for_project_reader if {
	rules.rule["share_group_snapshot:delete"] == false with input as fx.project_reader
}

test_share_group_snapshot_delete_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:delete"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_delete_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:delete"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:force_delete: ADMIN

test_share_group_snapshot_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:force_delete"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:force_delete"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_force_delete_denied_for_project_member if {
	rules.rule["share_group_snapshot:force_delete"] == false with input as fx.project_member
}

test_share_group_snapshot_force_delete_denied_for_project_reader if {
	rules.rule["share_group_snapshot:force_delete"] == false with input as fx.project_reader
}

test_share_group_snapshot_force_delete_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:force_delete"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_force_delete_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:force_delete"] == false with input as fx.caller_without_roles
}

# share_group_snapshot:reset_status: ADMIN

test_share_group_snapshot_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_group_snapshot:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_group_snapshot_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_group_snapshot:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_group_snapshot_reset_status_denied_for_project_member if {
	rules.rule["share_group_snapshot:reset_status"] == false with input as fx.project_member
}

test_share_group_snapshot_reset_status_denied_for_project_reader if {
	rules.rule["share_group_snapshot:reset_status"] == false with input as fx.project_reader
}

test_share_group_snapshot_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_group_snapshot:reset_status"] == false with input as fx.member_of_other_project
}

test_share_group_snapshot_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_group_snapshot:reset_status"] == false with input as fx.caller_without_roles
}
