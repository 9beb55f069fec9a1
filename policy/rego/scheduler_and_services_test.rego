# Tests of the scheduler pool statistics and service rules
# (scheduler_and_services.rego).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# scheduler_stats:pools:index: ADMIN

test_scheduler_stats_pools_index_allowed_for_admin_of_other_project if {
	rules.rule["scheduler_stats:pools:index"] == true with input as fx.admin_of_other_project
}

test_scheduler_stats_pools_index_allowed_for_admin_of_target_project if {
	rules.rule["scheduler_stats:pools:index"] == true with input as fx.admin_of_target_project
}

test_scheduler_stats_pools_index_denied_for_project_member if {
	rules.rule["scheduler_stats:pools:index"] == false with input as fx.project_member
}

test_scheduler_stats_pools_index_denied_for_project_reader if {
	rules.rule["scheduler_stats:pools:index"] == false with input as fx.project_reader
}

test_scheduler_stats_pools_index_denied_for_member_of_other_project if {
	rules.rule["scheduler_stats:pools:index"] == false with input as fx.member_of_other_project
}

test_scheduler_stats_pools_index_denied_for_caller_without_roles if {
	rules.rule["scheduler_stats:pools:index"] == false with input as fx.caller_without_roles
}

test_scheduler_stats_pools_index_denied_for_service_role if {
	rules.rule["scheduler_stats:pools:index"] == false with input as fx.service_role
}

# scheduler_stats:pools:detail: ADMIN

test_scheduler_stats_pools_detail_allowed_for_admin_of_other_project if {
	rules.rule["scheduler_stats:pools:detail"] == true with input as fx.admin_of_other_project
}

test_scheduler_stats_pools_detail_allowed_for_admin_of_target_project if {
	rules.rule["scheduler_stats:pools:detail"] == true with input as fx.admin_of_target_project
}

test_scheduler_stats_pools_detail_denied_for_project_member if {
	rules.rule["scheduler_stats:pools:detail"] == false with input as fx.project_member
}

test_scheduler_stats_pools_detail_denied_for_project_reader if {
	rules.rule["scheduler_stats:pools:detail"] == false with input as fx.project_reader
}

test_scheduler_stats_pools_detail_denied_for_member_of_other_project if {
	rules.rule["scheduler_stats:pools:detail"] == false with input as fx.member_of_other_project
}

test_scheduler_stats_pools_detail_denied_for_caller_without_roles if {
	rules.rule["scheduler_stats:pools:detail"] == false with input as fx.caller_without_roles
}

test_scheduler_stats_pools_detail_denied_for_service_role if {
	rules.rule["scheduler_stats:pools:detail"] == false with input as fx.service_role
}

# service:index: ADMIN

test_service_index_allowed_for_admin_of_other_project if {
	rules.rule["service:index"] == true with input as fx.admin_of_other_project
}

test_service_index_allowed_for_admin_of_target_project if {
	rules.rule["service:index"] == true with input as fx.admin_of_target_project
}

test_service_index_denied_for_project_member if {
	rules.rule["service:index"] == false with input as fx.project_member
}

test_service_index_denied_for_project_reader if {
	rules.rule["service:index"] == false with input as fx.project_reader
}

test_service_index_denied_for_member_of_other_project if {
	rules.rule["service:index"] == false with input as fx.member_of_other_project
}

test_service_index_denied_for_caller_without_roles if {
	rules.rule["service:index"] == false with input as fx.caller_without_roles
}

test_service_index_denied_for_service_role if {
	rules.rule["service:index"] == false with input as fx.service_role
}

# service:update: ADMIN

test_service_update_allowed_for_admin_of_other_project if {
	rules.rule["service:update"] == true with input as fx.admin_of_other_project
}

test_service_update_allowed_for_admin_of_target_project if {
	rules.rule["service:update"] == true with input as fx.admin_of_target_project
}

test_service_update_denied_for_project_member if {
	rules.rule["service:update"] == false with input as fx.project_member
}

test_service_update_denied_for_project_reader if {
	rules.rule["service:update"] == false with input as fx.project_reader
}

test_service_update_denied_for_member_of_other_project if {
	rules.rule["service:update"] == false with input as fx.member_of_other_project
}

test_service_update_denied_for_caller_without_roles if {
	rules.rule["service:update"] == false with input as fx.caller_without_roles
}

test_service_update_denied_for_service_role if {
	rules.rule["service:update"] == false with input as fx.service_role
}

# extension:index: admin or owner

test_extension_index_allowed_for_caller_without_roles if {
	rules.rule["extension:index"] == true with input as fx.caller_without_roles
}

test_extension_index_allowed_for_admin_of_other_project if {
	rules.rule["extension:index"] == true with input as fx.admin_of_other_project
}

test_extension_index_denied_for_member_of_other_project if {
	rules.rule["extension:index"] == false with input as fx.member_of_other_project
}

# extension:show: admin or owner

test_extension_show_allowed_for_caller_without_roles if {
	rules.rule["extension:show"] == true with input as fx.caller_without_roles
}

test_extension_show_allowed_for_admin_of_other_project if {
	rules.rule["extension:show"] == true with input as fx.admin_of_other_project
}

test_extension_show_denied_for_member_of_other_project if {
	rules.rule["extension:show"] == false with input as fx.member_of_other_project
}

# service:ensure_shares: ADMIN

test_service_ensure_shares_allowed_for_admin_of_other_project if {
	rules.rule["service:ensure_shares"] == true with input as fx.admin_of_other_project
}

test_service_ensure_shares_allowed_for_admin_of_target_project if {
	rules.rule["service:ensure_shares"] == true with input as fx.admin_of_target_project
}

test_service_ensure_shares_denied_for_project_member if {
	rules.rule["service:ensure_shares"] == false with input as fx.project_member
}

test_service_ensure_shares_denied_for_project_reader if {
	rules.rule["service:ensure_shares"] == false with input as fx.project_reader
}

test_service_ensure_shares_denied_for_member_of_other_project if {
	rules.rule["service:ensure_shares"] == false with input as fx.member_of_other_project
}

test_service_ensure_shares_denied_for_caller_without_roles if {
	rules.rule["service:ensure_shares"] == false with input as fx.caller_without_roles
}

test_service_ensure_shares_denied_for_service_role if {
	rules.rule["service:ensure_shares"] == false with input as fx.service_role
}
