# Tests of the share action rules (share_actions.rego).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share:reset_task_state: ADMIN

test_share_reset_task_state_allowed_for_admin_of_target_project if {
	rules.rule["share:reset_task_state"] == true with input as fx.admin_of_target_project
}

test_share_reset_task_state_denied_for_project_member if {
	rules.rule["share:reset_task_state"] == false with input as fx.project_member
}

test_share_reset_task_state_denied_for_caller_without_roles if {
	rules.rule["share:reset_task_state"] == false with input as fx.caller_without_roles
}

# share:migration_start: ADMIN

test_share_migration_start_allowed_for_admin_of_target_project if {
	rules.rule["share:migration_start"] == true with input as fx.admin_of_target_project
}

test_share_migration_start_denied_for_project_member if {
	rules.rule["share:migration_start"] == false with input as fx.project_member
}

test_share_migration_start_denied_for_caller_without_roles if {
	rules.rule["share:migration_start"] == false with input as fx.caller_without_roles
}

# share:migration_complete: ADMIN

test_share_migration_complete_allowed_for_admin_of_target_project if {
	rules.rule["share:migration_complete"] == true with input as fx.admin_of_target_project
}

test_share_migration_complete_denied_for_project_member if {
	rules.rule["share:migration_complete"] == false with input as fx.project_member
}

test_share_migration_complete_denied_for_caller_without_roles if {
	rules.rule["share:migration_complete"] == false with input as fx.caller_without_roles
}

# share:migration_cancel: ADMIN

test_share_migration_cancel_allowed_for_admin_of_target_project if {
	rules.rule["share:migration_cancel"] == true with input as fx.admin_of_target_project
}

test_share_migration_cancel_denied_for_project_member if {
	rules.rule["share:migration_cancel"] == false with input as fx.project_member
}

test_share_migration_cancel_denied_for_caller_without_roles if {
	rules.rule["share:migration_cancel"] == false with input as fx.caller_without_roles
}

# share:migration_get_progress: ADMIN

test_share_migration_get_progress_allowed_for_admin_of_target_project if {
	rules.rule["share:migration_get_progress"] == true with input as fx.admin_of_target_project
}

test_share_migration_get_progress_denied_for_project_member if {
	rules.rule["share:migration_get_progress"] == false with input as fx.project_member
}

test_share_migration_get_progress_denied_for_caller_without_roles if {
	rules.rule["share:migration_get_progress"] == false with input as fx.caller_without_roles
}

# share:unmanage: ADMIN

test_share_unmanage_allowed_for_admin_of_target_project if {
	rules.rule["share:unmanage"] == true with input as fx.admin_of_target_project
}

test_share_unmanage_denied_for_project_member if {
	rules.rule["share:unmanage"] == false with input as fx.project_member
}

test_share_unmanage_denied_for_caller_without_roles if {
	rules.rule["share:unmanage"] == false with input as fx.caller_without_roles
}

# share_snapshot:unmanage_snapshot: ADMIN

test_share_snapshot_unmanage_snapshot_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:unmanage_snapshot"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_unmanage_snapshot_denied_for_project_member if {
	rules.rule["share_snapshot:unmanage_snapshot"] == false with input as fx.project_member
}

test_share_snapshot_unmanage_snapshot_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:unmanage_snapshot"] == false with input as fx.caller_without_roles
}

# share:revert_to_snapshot: ADMIN_OR_PROJECT_MEMBER

test_share_revert_to_snapshot_allowed_for_admin_of_other_project if {
	rules.rule["share:revert_to_snapshot"] == true with input as fx.admin_of_other_project
}

test_share_revert_to_snapshot_allowed_for_project_member if {
	rules.rule["share:revert_to_snapshot"] == true with input as fx.project_member
}

test_share_revert_to_snapshot_denied_for_project_reader if {
	rules.rule["share:revert_to_snapshot"] == false with input as fx.project_reader
}

test_share_revert_to_snapshot_denied_for_member_of_other_project if {
	rules.rule["share:revert_to_snapshot"] == false with input as fx.member_of_other_project
}

# share:manage: ADMIN

test_share_manage_allowed_for_admin_of_target_project if {
	rules.rule["share:manage"] == true with input as fx.admin_of_target_project
}

test_share_manage_denied_for_project_member if {
	rules.rule["share:manage"] == false with input as fx.project_member
}

test_share_manage_denied_for_caller_without_roles if {
	rules.rule["share:manage"] == false with input as fx.caller_without_roles
}

# share_snapshot:manage_snapshot: ADMIN

test_share_snapshot_manage_snapshot_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:manage_snapshot"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_manage_snapshot_denied_for_project_member if {
	rules.rule["share_snapshot:manage_snapshot"] == false with input as fx.project_member
}

test_share_snapshot_manage_snapshot_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:manage_snapshot"] == false with input as fx.caller_without_roles
}
