# Tests of the consistency group and cgsnapshot rules
# (consistency_groups.rego): "rule:default" lets admins and anyone of the
# target project through (roles do not matter), "rule:admin_api" only
# admins.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# consistency_group:create: rule:default

test_consistency_group_create_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:create"] == true with input as fx.admin_of_other_project
}

test_consistency_group_create_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:create"] == true with input as fx.admin_of_target_project
}

test_consistency_group_create_allowed_for_project_member if {
	rules.rule["consistency_group:create"] == true with input as fx.project_member
}

test_consistency_group_create_allowed_for_project_reader if {
	rules.rule["consistency_group:create"] == true with input as fx.project_reader
}

test_consistency_group_create_allowed_for_caller_without_roles if {
	rules.rule["consistency_group:create"] == true with input as fx.caller_without_roles
}

test_consistency_group_create_denied_for_member_of_other_project if {
	rules.rule["consistency_group:create"] == false with input as fx.member_of_other_project
}

test_consistency_group_create_denied_for_reader_of_other_project if {
	rules.rule["consistency_group:create"] == false with input as fx.reader_of_other_project
}

# consistency_group:get: rule:default

test_consistency_group_get_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:get"] == true with input as fx.admin_of_other_project
}

test_consistency_group_get_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:get"] == true with input as fx.admin_of_target_project
}

test_consistency_group_get_allowed_for_project_member if {
	rules.rule["consistency_group:get"] == true with input as fx.project_member
}

test_consistency_group_get_allowed_for_project_reader if {
	rules.rule["consistency_group:get"] == true with input as fx.project_reader
}

test_consistency_group_get_allowed_for_caller_without_roles if {
	rules.rule["consistency_group:get"] == true with input as fx.caller_without_roles
}

test_consistency_group_get_denied_for_member_of_other_project if {
	rules.rule["consistency_group:get"] == false with input as fx.member_of_other_project
}

test_consistency_group_get_denied_for_reader_of_other_project if {
	rules.rule["consistency_group:get"] == false with input as fx.reader_of_other_project
}

# consistency_group:get_all: rule:default

test_consistency_group_get_all_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:get_all"] == true with input as fx.admin_of_other_project
}

test_consistency_group_get_all_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:get_all"] == true with input as fx.admin_of_target_project
}

test_consistency_group_get_all_allowed_for_project_member if {
	rules.rule["consistency_group:get_all"] == true with input as fx.project_member
}

test_consistency_group_get_all_allowed_for_project_reader if {
	rules.rule["consistency_group:get_all"] == true with input as fx.project_reader
}

test_consistency_group_get_all_allowed_for_caller_without_roles if {
	rules.rule["consistency_group:get_all"] == true with input as fx.caller_without_roles
}

test_consistency_group_get_all_denied_for_member_of_other_project if {
	rules.rule["consistency_group:get_all"] == false with input as fx.member_of_other_project
}

test_consistency_group_get_all_denied_for_reader_of_other_project if {
	rules.rule["consistency_group:get_all"] == false with input as fx.reader_of_other_project
}

# consistency_group:update: rule:default

test_consistency_group_update_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:update"] == true with input as fx.admin_of_other_project
}

test_consistency_group_update_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:update"] == true with input as fx.admin_of_target_project
}

test_consistency_group_update_allowed_for_project_member if {
	rules.rule["consistency_group:update"] == true with input as fx.project_member
}

test_consistency_group_update_allowed_for_project_reader if {
	rules.rule["consistency_group:update"] == true with input as fx.project_reader
}

test_consistency_group_update_allowed_for_caller_without_roles if {
	rules.rule["consistency_group:update"] == true with input as fx.caller_without_roles
}

test_consistency_group_update_denied_for_member_of_other_project if {
	rules.rule["consistency_group:update"] == false with input as fx.member_of_other_project
}

test_consistency_group_update_denied_for_reader_of_other_project if {
	rules.rule["consistency_group:update"] == false with input as fx.reader_of_other_project
}

# consistency_group:delete: rule:default

test_consistency_group_delete_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:delete"] == true with input as fx.admin_of_other_project
}

test_consistency_group_delete_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:delete"] == true with input as fx.admin_of_target_project
}

test_consistency_group_delete_allowed_for_project_member if {
	rules.rule["consistency_group:delete"] == true with input as fx.project_member
}

test_consistency_group_delete_allowed_for_project_reader if {
	rules.rule["consistency_group:delete"] == true with input as fx.project_reader
}

test_consistency_group_delete_allowed_for_caller_without_roles if {
	rules.rule["consistency_group:delete"] == true with input as fx.caller_without_roles
}

test_consistency_group_delete_denied_for_member_of_other_project if {
	rules.rule["consistency_group:delete"] == false with input as fx.member_of_other_project
}

test_consistency_group_delete_denied_for_reader_of_other_project if {
	rules.rule["consistency_group:delete"] == false with input as fx.reader_of_other_project
}

# consistency_group:reset_status: rule:admin_api

test_consistency_group_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:reset_status"] == true with input as fx.admin_of_other_project
}

test_consistency_group_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:reset_status"] == true with input as fx.admin_of_target_project
}

test_consistency_group_reset_status_denied_for_project_member if {
	rules.rule["consistency_group:reset_status"] == false with input as fx.project_member
}

test_consistency_group_reset_status_denied_for_project_reader if {
	rules.rule["consistency_group:reset_status"] == false with input as fx.project_reader
}

test_consistency_group_reset_status_denied_for_member_of_other_project if {
	rules.rule["consistency_group:reset_status"] == false with input as fx.member_of_other_project
}

test_consistency_group_reset_status_denied_for_caller_without_roles if {
	rules.rule["consistency_group:reset_status"] == false with input as fx.caller_without_roles
}

# consistency_group:force_delete: rule:admin_api

test_consistency_group_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["consistency_group:force_delete"] == true with input as fx.admin_of_other_project
}

test_consistency_group_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["consistency_group:force_delete"] == true with input as fx.admin_of_target_project
}

test_consistency_group_force_delete_denied_for_project_member if {
	rules.rule["consistency_group:force_delete"] == false with input as fx.project_member
}

test_consistency_group_force_delete_denied_for_project_reader if {
	rules.rule["consistency_group:force_delete"] == false with input as fx.project_reader
}

test_consistency_group_force_delete_denied_for_member_of_other_project if {
	rules.rule["consistency_group:force_delete"] == false with input as fx.member_of_other_project
}

test_consistency_group_force_delete_denied_for_caller_without_roles if {
	rules.rule["consistency_group:force_delete"] == false with input as fx.caller_without_roles
}

# cgsnapshot:create: rule:default

test_cgsnapshot_create_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:create"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_create_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:create"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_create_allowed_for_project_member if {
	rules.rule["cgsnapshot:create"] == true with input as fx.project_member
}

test_cgsnapshot_create_allowed_for_project_reader if {
	rules.rule["cgsnapshot:create"] == true with input as fx.project_reader
}

test_cgsnapshot_create_allowed_for_caller_without_roles if {
	rules.rule["cgsnapshot:create"] == true with input as fx.caller_without_roles
}

test_cgsnapshot_create_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:create"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_create_denied_for_reader_of_other_project if {
	rules.rule["cgsnapshot:create"] == false with input as fx.reader_of_other_project
}

# cgsnapshot:get_cgsnapshot: rule:default

test_cgsnapshot_get_cgsnapshot_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_get_cgsnapshot_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_get_cgsnapshot_allowed_for_project_member if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == true with input as fx.project_member
}

test_cgsnapshot_get_cgsnapshot_allowed_for_project_reader if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == true with input as fx.project_reader
}

test_cgsnapshot_get_cgsnapshot_allowed_for_caller_without_roles if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == true with input as fx.caller_without_roles
}

test_cgsnapshot_get_cgsnapshot_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_get_cgsnapshot_denied_for_reader_of_other_project if {
	rules.rule["cgsnapshot:get_cgsnapshot"] == false with input as fx.reader_of_other_project
}

# cgsnapshot:get_all: rule:default

test_cgsnapshot_get_all_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:get_all"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_get_all_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:get_all"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_get_all_allowed_for_project_member if {
	rules.rule["cgsnapshot:get_all"] == true with input as fx.project_member
}

test_cgsnapshot_get_all_allowed_for_project_reader if {
	rules.rule["cgsnapshot:get_all"] == true with input as fx.project_reader
}

test_cgsnapshot_get_all_allowed_for_caller_without_roles if {
	rules.rule["cgsnapshot:get_all"] == true with input as fx.caller_without_roles
}

test_cgsnapshot_get_all_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:get_all"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_get_all_denied_for_reader_of_other_project if {
	rules.rule["cgsnapshot:get_all"] == false with input as fx.reader_of_other_project
}

# cgsnapshot:update: rule:default

test_cgsnapshot_update_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:update"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_update_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:update"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_update_allowed_for_project_member if {
	rules.rule["cgsnapshot:update"] == true with input as fx.project_member
}

test_cgsnapshot_update_allowed_for_project_reader if {
	rules.rule["cgsnapshot:update"] == true with input as fx.project_reader
}

test_cgsnapshot_update_allowed_for_caller_without_roles if {
	rules.rule["cgsnapshot:update"] == true with input as fx.caller_without_roles
}

test_cgsnapshot_update_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:update"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_update_denied_for_reader_of_other_project if {
	rules.rule["cgsnapshot:update"] == false with input as fx.reader_of_other_project
}

# cgsnapshot:delete: rule:default

test_cgsnapshot_delete_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:delete"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_delete_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:delete"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_delete_allowed_for_project_member if {
	rules.rule["cgsnapshot:delete"] == true with input as fx.project_member
}

test_cgsnapshot_delete_allowed_for_project_reader if {
	rules.rule["cgsnapshot:delete"] == true with input as fx.project_reader
}

test_cgsnapshot_delete_allowed_for_caller_without_roles if {
	rules.rule["cgsnapshot:delete"] == true with input as fx.caller_without_roles
}

test_cgsnapshot_delete_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:delete"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_delete_denied_for_reader_of_other_project if {
	rules.rule["cgsnapshot:delete"] == false with input as fx.reader_of_other_project
}

# cgsnapshot:reset_status: rule:admin_api

test_cgsnapshot_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:reset_status"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:reset_status"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_reset_status_denied_for_project_member if {
	rules.rule["cgsnapshot:reset_status"] == false with input as fx.project_member
}

test_cgsnapshot_reset_status_denied_for_project_reader if {
	rules.rule["cgsnapshot:reset_status"] == false with input as fx.project_reader
}

test_cgsnapshot_reset_status_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:reset_status"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_reset_status_denied_for_caller_without_roles if {
	rules.rule["cgsnapshot:reset_status"] == false with input as fx.caller_without_roles
}

# cgsnapshot:force_delete: rule:admin_api

test_cgsnapshot_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["cgsnapshot:force_delete"] == true with input as fx.admin_of_other_project
}

test_cgsnapshot_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["cgsnapshot:force_delete"] == true with input as fx.admin_of_target_project
}

test_cgsnapshot_force_delete_denied_for_project_member if {
	rules.rule["cgsnapshot:force_delete"] == false with input as fx.project_member
}

test_cgsnapshot_force_delete_denied_for_project_reader if {
	rules.rule["cgsnapshot:force_delete"] == false with input as fx.project_reader
}

test_cgsnapshot_force_delete_denied_for_member_of_other_project if {
	rules.rule["cgsnapshot:force_delete"] == false with input as fx.member_of_other_project
}

test_cgsnapshot_force_delete_denied_for_caller_without_roles if {
	rules.rule["cgsnapshot:force_delete"] == false with input as fx.caller_without_roles
}
