# Tests of the quota set and share resize rules (quotas.rego).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# quota_set:update: ADMIN

test_quota_set_update_allowed_for_admin_of_other_project if {
	rules.rule["quota_set:update"] == true with input as fx.admin_of_other_project
}

test_quota_set_update_allowed_for_admin_of_target_project if {
	rules.rule["quota_set:update"] == true with input as fx.admin_of_target_project
}

test_quota_set_update_denied_for_project_member if {
	rules.rule["quota_set:update"] == false with input as fx.project_member
}

test_quota_set_update_denied_for_project_reader if {
	rules.rule["quota_set:update"] == false with input as fx.project_reader
}

test_quota_set_update_denied_for_member_of_other_project if {
	rules.rule["quota_set:update"] == false with input as fx.member_of_other_project
}

test_quota_set_update_denied_for_caller_without_roles if {
	rules.rule["quota_set:update"] == false with input as fx.caller_without_roles
}

test_quota_set_update_denied_for_service_role if {
	rules.rule["quota_set:update"] == false with input as fx.service_role
}

# quota_set:show: ADMIN_OR_PROJECT_READER

test_quota_set_show_allowed_for_admin_of_other_project if {
	rules.rule["quota_set:show"] == true with input as fx.admin_of_other_project
}

test_quota_set_show_allowed_for_admin_of_target_project if {
	rules.rule["quota_set:show"] == true with input as fx.admin_of_target_project
}

test_quota_set_show_allowed_for_project_member if {
	rules.rule["quota_set:show"] == true with input as fx.project_member
}

test_quota_set_show_allowed_for_project_reader if {
	rules.rule["quota_set:show"] == true with input as fx.project_reader
}

test_quota_set_show_denied_for_member_of_other_project if {
	rules.rule["quota_set:show"] == false with input as fx.member_of_other_project
}

test_quota_set_show_denied_for_caller_without_roles if {
	rules.rule["quota_set:show"] == false with input as fx.caller_without_roles
}

# quota_set:delete: ADMIN

test_quota_set_delete_allowed_for_admin_of_other_project if {
	rules.rule["quota_set:delete"] == true with input as fx.admin_of_other_project
}

test_quota_set_delete_allowed_for_admin_of_target_project if {
	rules.rule["quota_set:delete"] == true with input as fx.admin_of_target_project
}

test_quota_set_delete_denied_for_project_member if {
	rules.rule["quota_set:delete"] == false with input as fx.project_member
}

test_quota_set_delete_denied_for_project_reader if {
	rules.rule["quota_set:delete"] == false with input as fx.project_reader
}

test_quota_set_delete_denied_for_member_of_other_project if {
	rules.rule["quota_set:delete"] == false with input as fx.member_of_other_project
}

test_quota_set_delete_denied_for_caller_without_roles if {
	rules.rule["quota_set:delete"] == false with input as fx.caller_without_roles
}

test_quota_set_delete_denied_for_service_role if {
	rules.rule["quota_set:delete"] == false with input as fx.service_role
}

# share:extend: ADMIN_OR_PROJECT_MEMBER

test_share_extend_allowed_for_admin_of_other_project if {
	rules.rule["share:extend"] == true with input as fx.admin_of_other_project
}

test_share_extend_allowed_for_admin_of_target_project if {
	rules.rule["share:extend"] == true with input as fx.admin_of_target_project
}

test_share_extend_allowed_for_project_member if {
	rules.rule["share:extend"] == true with input as fx.project_member
}

test_share_extend_denied_for_project_reader if {
	rules.rule["share:extend"] == false with input as fx.project_reader
}

test_share_extend_denied_for_member_of_other_project if {
	rules.rule["share:extend"] == false with input as fx.member_of_other_project
}

test_share_extend_denied_for_caller_without_roles if {
	rules.rule["share:extend"] == false with input as fx.caller_without_roles
}

# share:force_extend: ADMIN

test_share_force_extend_allowed_for_admin_of_other_project if {
	rules.rule["share:force_extend"] == true with input as fx.admin_of_other_project
}

test_share_force_extend_allowed_for_admin_of_target_project if {
	rules.rule["share:force_extend"] == true with input as fx.admin_of_target_project
}

test_share_force_extend_denied_for_project_member if {
	rules.rule["share:force_extend"] == false with input as fx.project_member
}

test_share_force_extend_denied_for_project_reader if {
	rules.rule["share:force_extend"] == false with input as fx.project_reader
}

test_share_force_extend_denied_for_member_of_other_project if {
	rules.rule["share:force_extend"] == false with input as fx.member_of_other_project
}

test_share_force_extend_denied_for_caller_without_roles if {
	rules.rule["share:force_extend"] == false with input as fx.caller_without_roles
}

test_share_force_extend_denied_for_service_role if {
	rules.rule["share:force_extend"] == false with input as fx.service_role
}

# share:extend_beyond_max_share_size: ADMIN

test_share_extend_beyond_max_share_size_allowed_for_admin_of_other_project if {
	rules.rule["share:extend_beyond_max_share_size"] == true with input as fx.admin_of_other_project
}

test_share_extend_beyond_max_share_size_allowed_for_admin_of_target_project if {
	rules.rule["share:extend_beyond_max_share_size"] == true with input as fx.admin_of_target_project
}

test_share_extend_beyond_max_share_size_denied_for_project_member if {
	rules.rule["share:extend_beyond_max_share_size"] == false with input as fx.project_member
}

test_share_extend_beyond_max_share_size_denied_for_project_reader if {
	rules.rule["share:extend_beyond_max_share_size"] == false with input as fx.project_reader
}

test_share_extend_beyond_max_share_size_denied_for_member_of_other_project if {
	rules.rule["share:extend_beyond_max_share_size"] == false with input as fx.member_of_other_project
}

test_share_extend_beyond_max_share_size_denied_for_caller_without_roles if {
	rules.rule["share:extend_beyond_max_share_size"] == false with input as fx.caller_without_roles
}

test_share_extend_beyond_max_share_size_denied_for_service_role if {
	rules.rule["share:extend_beyond_max_share_size"] == false with input as fx.service_role
}

# share:shrink: ADMIN_OR_PROJECT_MEMBER

test_share_shrink_allowed_for_admin_of_other_project if {
	rules.rule["share:shrink"] == true with input as fx.admin_of_other_project
}

test_share_shrink_allowed_for_admin_of_target_project if {
	rules.rule["share:shrink"] == true with input as fx.admin_of_target_project
}

test_share_shrink_allowed_for_project_member if {
	rules.rule["share:shrink"] == true with input as fx.project_member
}

test_share_shrink_denied_for_project_reader if {
	rules.rule["share:shrink"] == false with input as fx.project_reader
}

test_share_shrink_denied_for_member_of_other_project if {
	rules.rule["share:shrink"] == false with input as fx.member_of_other_project
}

test_share_shrink_denied_for_caller_without_roles if {
	rules.rule["share:shrink"] == false with input as fx.caller_without_roles
}

# limits:get: rule:default (admin or owner)

test_limits_get_allowed_for_caller_without_roles if {
	rules.rule["limits:get"] == true with input as fx.caller_without_roles
}

test_limits_get_allowed_for_admin_of_other_project if {
	rules.rule["limits:get"] == true with input as fx.admin_of_other_project
}

test_limits_get_denied_for_member_of_other_project if {
	rules.rule["limits:get"] == false with input as fx.member_of_other_project
}
