# Tests of the share backup rules (share_backups.rego).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_backup:create: ADMIN_OR_PROJECT_MEMBER

test_share_backup_create_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:create"] == true with input as fx.admin_of_other_project
}

test_share_backup_create_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:create"] == true with input as fx.admin_of_target_project
}

test_share_backup_create_allowed_for_project_member if {
	rules.rule["share_backup:create"] == true with input as fx.project_member
}

test_share_backup_create_denied_for_project_reader if {
	rules.rule["share_backup:create"] == false with input as fx.project_reader
}

test_share_backup_create_denied_for_member_of_other_project if {
	rules.rule["share_backup:create"] == false with input as fx.member_of_other_project
}

test_share_backup_create_denied_for_caller_without_roles if {
	rules.rule["share_backup:create"] == false with input as fx.caller_without_roles
}

# share_backup:get: ADMIN_OR_PROJECT_READER

test_share_backup_get_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:get"] == true with input as fx.admin_of_other_project
}

test_share_backup_get_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:get"] == true with input as fx.admin_of_target_project
}

test_share_backup_get_allowed_for_project_member if {
	rules.rule["share_backup:get"] == true with input as fx.project_member
}

test_share_backup_get_allowed_for_project_reader if {
	rules.rule["share_backup:get"] == true with input as fx.project_reader
}

test_share_backup_get_denied_for_member_of_other_project if {
	rules.rule["share_backup:get"] == false with input as fx.member_of_other_project
}

test_share_backup_get_denied_for_reader_of_other_project if {
	rules.rule["share_backup:get"] == false with input as fx.reader_of_other_project
}

test_share_backup_get_denied_for_caller_without_roles if {
	rules.rule["share_backup:get"] == false with input as fx.caller_without_roles
}

# share_backup:get_all: ADMIN_OR_PROJECT_READER

test_share_backup_get_all_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:get_all"] == true with input as fx.admin_of_other_project
}

test_share_backup_get_all_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:get_all"] == true with input as fx.admin_of_target_project
}

test_share_backup_get_all_allowed_for_project_member if {
	rules.rule["share_backup:get_all"] == true with input as fx.project_member
}

test_share_backup_get_all_allowed_for_project_reader if {
	rules.rule["share_backup:get_all"] == true with input as fx.project_reader
}

test_share_backup_get_all_denied_for_member_of_other_project if {
	rules.rule["share_backup:get_all"] == false with input as fx.member_of_other_project
}

test_share_backup_get_all_denied_for_reader_of_other_project if {
	rules.rule["share_backup:get_all"] == false with input as fx.reader_of_other_project
}

test_share_backup_get_all_denied_for_caller_without_roles if {
	rules.rule["share_backup:get_all"] == false with input as fx.caller_without_roles
}

# share_backup:get_all_project: ADMIN

test_share_backup_get_all_project_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:get_all_project"] == true with input as fx.admin_of_other_project
}

test_share_backup_get_all_project_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:get_all_project"] == true with input as fx.admin_of_target_project
}

test_share_backup_get_all_project_denied_for_project_member if {
	rules.rule["share_backup:get_all_project"] == false with input as fx.project_member
}

test_share_backup_get_all_project_denied_for_project_reader if {
	rules.rule["share_backup:get_all_project"] == false with input as fx.project_reader
}

test_share_backup_get_all_project_denied_for_member_of_other_project if {
	rules.rule["share_backup:get_all_project"] == false with input as fx.member_of_other_project
}

test_share_backup_get_all_project_denied_for_caller_without_roles if {
	rules.rule["share_backup:get_all_project"] == false with input as fx.caller_without_roles
}

test_share_backup_get_all_project_denied_for_service_role if {
	rules.rule["share_backup:get_all_project"] == false with input as fx.service_role
}

# share_backup:restore: ADMIN_OR_PROJECT_MEMBER

test_share_backup_restore_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:restore"] == true with input as fx.admin_of_other_project
}

test_share_backup_restore_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:restore"] == true with input as fx.admin_of_target_project
}

test_share_backup_restore_allowed_for_project_member if {
	rules.rule["share_backup:restore"] == true with input as fx.project_member
}

test_share_backup_restore_denied_for_project_reader if {
	rules.rule["share_backup:restore"] == false with input as fx.project_reader
}

test_share_backup_restore_denied_for_member_of_other_project if {
	rules.rule["share_backup:restore"] == false with input as fx.member_of_other_project
}

test_share_backup_restore_denied_for_caller_without_roles if {
	rules.rule["share_backup:restore"] == false with input as fx.caller_without_roles
}

# share_backup:reset_status: ADMIN

test_share_backup_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_backup_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_backup_reset_status_denied_for_project_member if {
	rules.rule["share_backup:reset_status"] == false with input as fx.project_member
}

test_share_backup_reset_status_denied_for_project_reader if {
	rules.rule["share_backup:reset_status"] == false with input as fx.project_reader
}

test_share_backup_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_backup:reset_status"] == false with input as fx.member_of_other_project
}

test_share_backup_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_backup:reset_status"] == false with input as fx.caller_without_roles
}

test_share_backup_reset_status_denied_for_service_role if {
	rules.rule["share_backup:reset_status"] == false with input as fx.service_role
}

# share_backup:update: ADMIN_OR_PROJECT_MEMBER

test_share_backup_update_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:update"] == true with input as fx.admin_of_other_project
}

test_share_backup_update_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:update"] == true with input as fx.admin_of_target_project
}

test_share_backup_update_allowed_for_project_member if {
	rules.rule["share_backup:update"] == true with input as fx.project_member
}

test_share_backup_update_denied_for_project_reader if {
	rules.rule["share_backup:update"] == false with input as fx.project_reader
}

test_share_backup_update_denied_for_member_of_other_project if {
	rules.rule["share_backup:update"] == false with input as fx.member_of_other_project
}

test_share_backup_update_denied_for_caller_without_roles if {
	rules.rule["share_backup:update"] == false with input as fx.caller_without_roles
}

# share_backup:delete: ADMIN_OR_PROJECT_MEMBER

test_share_backup_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_backup:delete"] == true with input as fx.admin_of_other_project
}

test_share_backup_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_backup:delete"] == true with input as fx.admin_of_target_project
}

test_share_backup_delete_allowed_for_project_member if {
	rules.rule["share_backup:delete"] == true with input as fx.project_member
}

test_share_backup_delete_denied_for_project_reader if {
	rules.rule["share_backup:delete"] == false with input as fx.project_reader
}

test_share_backup_delete_denied_for_member_of_other_project if {
	rules.rule["share_backup:delete"] == false with input as fx.member_of_other_project
}

test_share_backup_delete_denied_for_caller_without_roles if {
	rules.rule["share_backup:delete"] == false with input as fx.caller_without_roles
}
