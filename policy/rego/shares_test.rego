# Tests of the share and export location rules against Manila's defaults
# (manila/policies/shares.py, share_export_location.py). Each decision is
# asserted to be exactly true or false, so an undefined rule fails.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share:create: ADMIN_OR_PROJECT_MEMBER

test_share_create_allowed_for_admin_of_other_project if {
	rules.rule["share:create"] == true with input as fx.admin_of_other_project
}

test_share_create_allowed_for_admin_of_target_project if {
	rules.rule["share:create"] == true with input as fx.admin_of_target_project
}

test_share_create_allowed_for_project_member if {
	rules.rule["share:create"] == true with input as fx.project_member
}

test_share_create_denied_for_project_reader if {
	rules.rule["share:create"] == false with input as fx.project_reader
}

test_share_create_denied_for_member_of_other_project if {
	rules.rule["share:create"] == false with input as fx.member_of_other_project
}

test_share_create_denied_for_caller_without_roles if {
	rules.rule["share:create"] == false with input as fx.caller_without_roles
}

# share:create_public_share: ADMIN

test_share_create_public_share_allowed_for_admin_of_other_project if {
	rules.rule["share:create_public_share"] == true with input as fx.admin_of_other_project
}

test_share_create_public_share_allowed_for_admin_of_target_project if {
	rules.rule["share:create_public_share"] == true with input as fx.admin_of_target_project
}

test_share_create_public_share_denied_for_project_member if {
	rules.rule["share:create_public_share"] == false with input as fx.project_member
}

test_share_create_public_share_denied_for_project_reader if {
	rules.rule["share:create_public_share"] == false with input as fx.project_reader
}

test_share_create_public_share_denied_for_member_of_other_project if {
	rules.rule["share:create_public_share"] == false with input as fx.member_of_other_project
}

test_share_create_public_share_denied_for_caller_without_roles if {
	rules.rule["share:create_public_share"] == false with input as fx.caller_without_roles
}

test_share_create_public_share_denied_for_service_role if {
	rules.rule["share:create_public_share"] == false with input as fx.service_role
}

# share:get: ADMIN_OR_PROJECT_READER

test_share_get_allowed_for_admin_of_other_project if {
	rules.rule["share:get"] == true with input as fx.admin_of_other_project
}

test_share_get_allowed_for_project_member if {
	rules.rule["share:get"] == true with input as fx.project_member
}

test_share_get_allowed_for_project_reader if {
	rules.rule["share:get"] == true with input as fx.project_reader
}

test_share_get_denied_for_reader_of_other_project if {
	rules.rule["share:get"] == false with input as fx.reader_of_other_project
}

test_share_get_denied_for_member_of_other_project if {
	rules.rule["share:get"] == false with input as fx.member_of_other_project
}

test_share_get_denied_for_caller_without_roles if {
	rules.rule["share:get"] == false with input as fx.caller_without_roles
}

# share:get_all: ADMIN_OR_PROJECT_READER

test_share_get_all_allowed_for_admin_of_other_project if {
	rules.rule["share:get_all"] == true with input as fx.admin_of_other_project
}

test_share_get_all_allowed_for_project_member if {
	rules.rule["share:get_all"] == true with input as fx.project_member
}

test_share_get_all_allowed_for_project_reader if {
	rules.rule["share:get_all"] == true with input as fx.project_reader
}

test_share_get_all_denied_for_reader_of_other_project if {
	rules.rule["share:get_all"] == false with input as fx.reader_of_other_project
}

test_share_get_all_denied_for_member_of_other_project if {
	rules.rule["share:get_all"] == false with input as fx.member_of_other_project
}

test_share_get_all_denied_for_caller_without_roles if {
	rules.rule["share:get_all"] == false with input as fx.caller_without_roles
}

# share:update: ADMIN_OR_PROJECT_MEMBER

test_share_update_allowed_for_admin_of_other_project if {
	rules.rule["share:update"] == true with input as fx.admin_of_other_project
}

test_share_update_allowed_for_admin_of_target_project if {
	rules.rule["share:update"] == true with input as fx.admin_of_target_project
}

test_share_update_allowed_for_project_member if {
	rules.rule["share:update"] == true with input as fx.project_member
}

test_share_update_denied_for_project_reader if {
	rules.rule["share:update"] == false with input as fx.project_reader
}

test_share_update_denied_for_member_of_other_project if {
	rules.rule["share:update"] == false with input as fx.member_of_other_project
}

test_share_update_denied_for_caller_without_roles if {
	rules.rule["share:update"] == false with input as fx.caller_without_roles
}

# share:set_public_share: ADMIN

test_share_set_public_share_allowed_for_admin_of_other_project if {
	rules.rule["share:set_public_share"] == true with input as fx.admin_of_other_project
}

test_share_set_public_share_allowed_for_admin_of_target_project if {
	rules.rule["share:set_public_share"] == true with input as fx.admin_of_target_project
}

test_share_set_public_share_denied_for_project_member if {
	rules.rule["share:set_public_share"] == false with input as fx.project_member
}

test_share_set_public_share_denied_for_project_reader if {
	rules.rule["share:set_public_share"] == false with input as fx.project_reader
}

test_share_set_public_share_denied_for_member_of_other_project if {
	rules.rule["share:set_public_share"] == false with input as fx.member_of_other_project
}

test_share_set_public_share_denied_for_caller_without_roles if {
	rules.rule["share:set_public_share"] == false with input as fx.caller_without_roles
}

test_share_set_public_share_denied_for_service_role if {
	rules.rule["share:set_public_share"] == false with input as fx.service_role
}

# share:delete: ADMIN_OR_PROJECT_MEMBER

test_share_delete_allowed_for_admin_of_other_project if {
	rules.rule["share:delete"] == true with input as fx.admin_of_other_project
}

test_share_delete_allowed_for_admin_of_target_project if {
	rules.rule["share:delete"] == true with input as fx.admin_of_target_project
}

test_share_delete_allowed_for_project_member if {
	rules.rule["share:delete"] == true with input as fx.project_member
}

test_share_delete_denied_for_project_reader if {
	rules.rule["share:delete"] == false with input as fx.project_reader
}

test_share_delete_denied_for_member_of_other_project if {
	rules.rule["share:delete"] == false with input as fx.member_of_other_project
}

test_share_delete_denied_for_caller_without_roles if {
	rules.rule["share:delete"] == false with input as fx.caller_without_roles
}

# share:soft_delete: ADMIN_OR_PROJECT_MEMBER

test_share_soft_delete_allowed_for_admin_of_other_project if {
	rules.rule["share:soft_delete"] == true with input as fx.admin_of_other_project
}

test_share_soft_delete_allowed_for_admin_of_target_project if {
	rules.rule["share:soft_delete"] == true with input as fx.admin_of_target_project
}

test_share_soft_delete_allowed_for_project_member if {
	rules.rule["share:soft_delete"] == true with input as fx.project_member
}

test_share_soft_delete_denied_for_project_reader if {
	rules.rule["share:soft_delete"] == false with input as fx.project_reader
}

test_share_soft_delete_denied_for_member_of_other_project if {
	rules.rule["share:soft_delete"] == false with input as fx.member_of_other_project
}

test_share_soft_delete_denied_for_caller_without_roles if {
	rules.rule["share:soft_delete"] == false with input as fx.caller_without_roles
}

# share:restore: ADMIN_OR_PROJECT_MEMBER

test_share_restore_allowed_for_admin_of_other_project if {
	rules.rule["share:restore"] == true with input as fx.admin_of_other_project
}

test_share_restore_allowed_for_admin_of_target_project if {
	rules.rule["share:restore"] == true with input as fx.admin_of_target_project
}

test_share_restore_allowed_for_project_member if {
	rules.rule["share:restore"] == true with input as fx.project_member
}

test_share_restore_denied_for_project_reader if {
	rules.rule["share:restore"] == false with input as fx.project_reader
}

test_share_restore_denied_for_member_of_other_project if {
	rules.rule["share:restore"] == false with input as fx.member_of_other_project
}

test_share_restore_denied_for_caller_without_roles if {
	rules.rule["share:restore"] == false with input as fx.caller_without_roles
}

# share:force_delete: ADMIN

test_share_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["share:force_delete"] == true with input as fx.admin_of_other_project
}

test_share_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["share:force_delete"] == true with input as fx.admin_of_target_project
}

test_share_force_delete_denied_for_project_member if {
	rules.rule["share:force_delete"] == false with input as fx.project_member
}

test_share_force_delete_denied_for_project_reader if {
	rules.rule["share:force_delete"] == false with input as fx.project_reader
}

test_share_force_delete_denied_for_member_of_other_project if {
	rules.rule["share:force_delete"] == false with input as fx.member_of_other_project
}

test_share_force_delete_denied_for_caller_without_roles if {
	rules.rule["share:force_delete"] == false with input as fx.caller_without_roles
}

test_share_force_delete_denied_for_service_role if {
	rules.rule["share:force_delete"] == false with input as fx.service_role
}

# share:reset_status: ADMIN

test_share_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_reset_status_denied_for_project_member if {
	rules.rule["share:reset_status"] == false with input as fx.project_member
}

test_share_reset_status_denied_for_project_reader if {
	rules.rule["share:reset_status"] == false with input as fx.project_reader
}

test_share_reset_status_denied_for_member_of_other_project if {
	rules.rule["share:reset_status"] == false with input as fx.member_of_other_project
}

test_share_reset_status_denied_for_caller_without_roles if {
	rules.rule["share:reset_status"] == false with input as fx.caller_without_roles
}

test_share_reset_status_denied_for_service_role if {
	rules.rule["share:reset_status"] == false with input as fx.service_role
}

# share:list_by_host: ADMIN

test_share_list_by_host_allowed_for_admin_of_other_project if {
	rules.rule["share:list_by_host"] == true with input as fx.admin_of_other_project
}

test_share_list_by_host_allowed_for_admin_of_target_project if {
	rules.rule["share:list_by_host"] == true with input as fx.admin_of_target_project
}

test_share_list_by_host_denied_for_project_member if {
	rules.rule["share:list_by_host"] == false with input as fx.project_member
}

test_share_list_by_host_denied_for_project_reader if {
	rules.rule["share:list_by_host"] == false with input as fx.project_reader
}

test_share_list_by_host_denied_for_member_of_other_project if {
	rules.rule["share:list_by_host"] == false with input as fx.member_of_other_project
}

test_share_list_by_host_denied_for_caller_without_roles if {
	rules.rule["share:list_by_host"] == false with input as fx.caller_without_roles
}

test_share_list_by_host_denied_for_service_role if {
	rules.rule["share:list_by_host"] == false with input as fx.service_role
}

# share:list_by_share_server_id: ADMIN

test_share_list_by_share_server_id_allowed_for_admin_of_other_project if {
	rules.rule["share:list_by_share_server_id"] == true with input as fx.admin_of_other_project
}

test_share_list_by_share_server_id_allowed_for_admin_of_target_project if {
	rules.rule["share:list_by_share_server_id"] == true with input as fx.admin_of_target_project
}

test_share_list_by_share_server_id_denied_for_project_member if {
	rules.rule["share:list_by_share_server_id"] == false with input as fx.project_member
}

test_share_list_by_share_server_id_denied_for_project_reader if {
	rules.rule["share:list_by_share_server_id"] == false with input as fx.project_reader
}

test_share_list_by_share_server_id_denied_for_member_of_other_project if {
	rules.rule["share:list_by_share_server_id"] == false with input as fx.member_of_other_project
}

test_share_list_by_share_server_id_denied_for_caller_without_roles if {
	rules.rule["share:list_by_share_server_id"] == false with input as fx.caller_without_roles
}

test_share_list_by_share_server_id_denied_for_service_role if {
	rules.rule["share:list_by_share_server_id"] == false with input as fx.service_role
}

# share_export_location:index: ADMIN_OR_PROJECT_READER

test_share_export_location_index_allowed_for_admin_of_other_project if {
	rules.rule["share_export_location:index"] == true with input as fx.admin_of_other_project
}

test_share_export_location_index_allowed_for_project_member if {
	rules.rule["share_export_location:index"] == true with input as fx.project_member
}

test_share_export_location_index_allowed_for_project_reader if {
	rules.rule["share_export_location:index"] == true with input as fx.project_reader
}

test_share_export_location_index_denied_for_reader_of_other_project if {
	rules.rule["share_export_location:index"] == false with input as fx.reader_of_other_project
}

test_share_export_location_index_denied_for_member_of_other_project if {
	rules.rule["share_export_location:index"] == false with input as fx.member_of_other_project
}

test_share_export_location_index_denied_for_caller_without_roles if {
	rules.rule["share_export_location:index"] == false with input as fx.caller_without_roles
}

# share_export_location:show: ADMIN_OR_PROJECT_READER

test_share_export_location_show_allowed_for_admin_of_other_project if {
	rules.rule["share_export_location:show"] == true with input as fx.admin_of_other_project
}

test_share_export_location_show_allowed_for_project_member if {
	rules.rule["share_export_location:show"] == true with input as fx.project_member
}

test_share_export_location_show_allowed_for_project_reader if {
	rules.rule["share_export_location:show"] == true with input as fx.project_reader
}

test_share_export_location_show_denied_for_reader_of_other_project if {
	rules.rule["share_export_location:show"] == false with input as fx.reader_of_other_project
}

test_share_export_location_show_denied_for_member_of_other_project if {
	rules.rule["share_export_location:show"] == false with input as fx.member_of_other_project
}

test_share_export_location_show_denied_for_caller_without_roles if {
	rules.rule["share_export_location:show"] == false with input as fx.caller_without_roles
}

# An action no file defines has no rule at all (the engine refuses it).
test_unknown_action_has_no_rule if {
	not "share:frobnicate" in object.keys(rules.rule)
}

# Every share rule is decided (true or false) even with an empty input.
test_share_rules_are_defined_for_empty_input if {
	every name in ["share:create", "share:get", "share:delete", "share:force_delete", "share_export_location:index"] {
		rules.rule[name] == false with input as {}
	}
}

# share:list_all_projects: ADMIN

test_share_list_all_projects_allowed_for_admin_of_other_project if {
	rules.rule["share:list_all_projects"] == true with input as fx.admin_of_other_project
}

test_share_list_all_projects_allowed_for_admin_of_target_project if {
	rules.rule["share:list_all_projects"] == true with input as fx.admin_of_target_project
}

test_share_list_all_projects_denied_for_project_member if {
	rules.rule["share:list_all_projects"] == false with input as fx.project_member
}

test_share_list_all_projects_denied_for_project_reader if {
	rules.rule["share:list_all_projects"] == false with input as fx.project_reader
}

test_share_list_all_projects_denied_for_member_of_other_project if {
	rules.rule["share:list_all_projects"] == false with input as fx.member_of_other_project
}

test_share_list_all_projects_denied_for_caller_without_roles if {
	rules.rule["share:list_all_projects"] == false with input as fx.caller_without_roles
}

test_share_list_all_projects_denied_for_service_role if {
	rules.rule["share:list_all_projects"] == false with input as fx.service_role
}

# share:list_shares_in_deferred_deletion_states: ADMIN

test_share_list_shares_in_deferred_deletion_states_allowed_for_admin_of_other_project if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == true with input as fx.admin_of_other_project
}

test_share_list_shares_in_deferred_deletion_states_allowed_for_admin_of_target_project if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == true with input as fx.admin_of_target_project
}

test_share_list_shares_in_deferred_deletion_states_denied_for_project_member if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == false with input as fx.project_member
}

test_share_list_shares_in_deferred_deletion_states_denied_for_project_reader if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == false with input as fx.project_reader
}

test_share_list_shares_in_deferred_deletion_states_denied_for_member_of_other_project if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == false with input as fx.member_of_other_project
}

test_share_list_shares_in_deferred_deletion_states_denied_for_caller_without_roles if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == false with input as fx.caller_without_roles
}

test_share_list_shares_in_deferred_deletion_states_denied_for_service_role if {
	rules.rule["share:list_shares_in_deferred_deletion_states"] == false with input as fx.service_role
}
