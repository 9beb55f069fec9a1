# Tests of the snapshot rules (share_snapshots.rego and the share:*_snapshot rules).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_snapshot:get_snapshot: ADMIN_OR_PROJECT_READER

test_share_snapshot_get_snapshot_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:get_snapshot"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_get_snapshot_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:get_snapshot"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_get_snapshot_allowed_for_project_member if {
	rules.rule["share_snapshot:get_snapshot"] == true with input as fx.project_member
}

test_share_snapshot_get_snapshot_allowed_for_project_reader if {
	rules.rule["share_snapshot:get_snapshot"] == true with input as fx.project_reader
}

test_share_snapshot_get_snapshot_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:get_snapshot"] == false with input as fx.member_of_other_project
}

test_share_snapshot_get_snapshot_denied_for_reader_of_other_project if {
	rules.rule["share_snapshot:get_snapshot"] == false with input as fx.reader_of_other_project
}

test_share_snapshot_get_snapshot_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:get_snapshot"] == false with input as fx.caller_without_roles
}

# share_snapshot:get_all_snapshots: ADMIN_OR_PROJECT_READER

test_share_snapshot_get_all_snapshots_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:get_all_snapshots"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_get_all_snapshots_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:get_all_snapshots"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_get_all_snapshots_allowed_for_project_member if {
	rules.rule["share_snapshot:get_all_snapshots"] == true with input as fx.project_member
}

test_share_snapshot_get_all_snapshots_allowed_for_project_reader if {
	rules.rule["share_snapshot:get_all_snapshots"] == true with input as fx.project_reader
}

test_share_snapshot_get_all_snapshots_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:get_all_snapshots"] == false with input as fx.member_of_other_project
}

test_share_snapshot_get_all_snapshots_denied_for_reader_of_other_project if {
	rules.rule["share_snapshot:get_all_snapshots"] == false with input as fx.reader_of_other_project
}

test_share_snapshot_get_all_snapshots_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:get_all_snapshots"] == false with input as fx.caller_without_roles
}

# share_snapshot:reset_status: ADMIN

test_share_snapshot_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_reset_status_denied_for_project_member if {
	rules.rule["share_snapshot:reset_status"] == false with input as fx.project_member
}

test_share_snapshot_reset_status_denied_for_project_reader if {
	rules.rule["share_snapshot:reset_status"] == false with input as fx.project_reader
}

test_share_snapshot_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:reset_status"] == false with input as fx.member_of_other_project
}

test_share_snapshot_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:reset_status"] == false with input as fx.caller_without_roles
}

test_share_snapshot_reset_status_denied_for_service_role if {
	rules.rule["share_snapshot:reset_status"] == false with input as fx.service_role
}

# share_snapshot:force_delete: ADMIN

test_share_snapshot_force_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:force_delete"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_force_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:force_delete"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_force_delete_denied_for_project_member if {
	rules.rule["share_snapshot:force_delete"] == false with input as fx.project_member
}

test_share_snapshot_force_delete_denied_for_project_reader if {
	rules.rule["share_snapshot:force_delete"] == false with input as fx.project_reader
}

test_share_snapshot_force_delete_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:force_delete"] == false with input as fx.member_of_other_project
}

test_share_snapshot_force_delete_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:force_delete"] == false with input as fx.caller_without_roles
}

test_share_snapshot_force_delete_denied_for_service_role if {
	rules.rule["share_snapshot:force_delete"] == false with input as fx.service_role
}

# share:create_snapshot: ADMIN_OR_PROJECT_MEMBER

test_share_create_snapshot_allowed_for_admin_of_other_project if {
	rules.rule["share:create_snapshot"] == true with input as fx.admin_of_other_project
}

test_share_create_snapshot_allowed_for_admin_of_target_project if {
	rules.rule["share:create_snapshot"] == true with input as fx.admin_of_target_project
}

test_share_create_snapshot_allowed_for_project_member if {
	rules.rule["share:create_snapshot"] == true with input as fx.project_member
}

test_share_create_snapshot_denied_for_project_reader if {
	rules.rule["share:create_snapshot"] == false with input as fx.project_reader
}

test_share_create_snapshot_denied_for_member_of_other_project if {
	rules.rule["share:create_snapshot"] == false with input as fx.member_of_other_project
}

test_share_create_snapshot_denied_for_caller_without_roles if {
	rules.rule["share:create_snapshot"] == false with input as fx.caller_without_roles
}

# share:delete_snapshot: ADMIN_OR_PROJECT_MEMBER

test_share_delete_snapshot_allowed_for_admin_of_other_project if {
	rules.rule["share:delete_snapshot"] == true with input as fx.admin_of_other_project
}

test_share_delete_snapshot_allowed_for_admin_of_target_project if {
	rules.rule["share:delete_snapshot"] == true with input as fx.admin_of_target_project
}

test_share_delete_snapshot_allowed_for_project_member if {
	rules.rule["share:delete_snapshot"] == true with input as fx.project_member
}

test_share_delete_snapshot_denied_for_project_reader if {
	rules.rule["share:delete_snapshot"] == false with input as fx.project_reader
}

test_share_delete_snapshot_denied_for_member_of_other_project if {
	rules.rule["share:delete_snapshot"] == false with input as fx.member_of_other_project
}

test_share_delete_snapshot_denied_for_caller_without_roles if {
	rules.rule["share:delete_snapshot"] == false with input as fx.caller_without_roles
}

# share:snapshot_update: ADMIN_OR_PROJECT_MEMBER

test_share_snapshot_update_allowed_for_admin_of_other_project if {
	rules.rule["share:snapshot_update"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_update_allowed_for_admin_of_target_project if {
	rules.rule["share:snapshot_update"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_update_allowed_for_project_member if {
	rules.rule["share:snapshot_update"] == true with input as fx.project_member
}

test_share_snapshot_update_denied_for_project_reader if {
	rules.rule["share:snapshot_update"] == false with input as fx.project_reader
}

test_share_snapshot_update_denied_for_member_of_other_project if {
	rules.rule["share:snapshot_update"] == false with input as fx.member_of_other_project
}

test_share_snapshot_update_denied_for_caller_without_roles if {
	rules.rule["share:snapshot_update"] == false with input as fx.caller_without_roles
}

# share_snapshot:list_all_projects: ADMIN

test_share_snapshot_list_all_projects_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:list_all_projects"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_list_all_projects_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:list_all_projects"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_list_all_projects_denied_for_project_member if {
	rules.rule["share_snapshot:list_all_projects"] == false with input as fx.project_member
}

test_share_snapshot_list_all_projects_denied_for_project_reader if {
	rules.rule["share_snapshot:list_all_projects"] == false with input as fx.project_reader
}

test_share_snapshot_list_all_projects_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:list_all_projects"] == false with input as fx.member_of_other_project
}

test_share_snapshot_list_all_projects_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:list_all_projects"] == false with input as fx.caller_without_roles
}

test_share_snapshot_list_all_projects_denied_for_service_role if {
	rules.rule["share_snapshot:list_all_projects"] == false with input as fx.service_role
}

# share_snapshot:list_snapshots_in_deferred_deletion_states: ADMIN

test_share_snapshot_list_snapshots_in_deferred_deletion_states_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_list_snapshots_in_deferred_deletion_states_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_list_snapshots_in_deferred_deletion_states_denied_for_project_member if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == false with input as fx.project_member
}

test_share_snapshot_list_snapshots_in_deferred_deletion_states_denied_for_project_reader if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == false with input as fx.project_reader
}

test_share_snapshot_list_snapshots_in_deferred_deletion_states_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == false with input as fx.member_of_other_project
}

test_share_snapshot_list_snapshots_in_deferred_deletion_states_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == false with input as fx.caller_without_roles
}

test_share_snapshot_list_snapshots_in_deferred_deletion_states_denied_for_service_role if {
	rules.rule["share_snapshot:list_snapshots_in_deferred_deletion_states"] == false with input as fx.service_role
}
