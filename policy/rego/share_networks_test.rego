# Tests of share_networks.rego.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_network:create: ADMIN_OR_PROJECT_MEMBER

test_share_network_create_allowed_for_admin_of_other_project if {
	rules.rule["share_network:create"] == true with input as fx.admin_of_other_project
}

test_share_network_create_allowed_for_admin_of_target_project if {
	rules.rule["share_network:create"] == true with input as fx.admin_of_target_project
}

test_share_network_create_allowed_for_project_member if {
	rules.rule["share_network:create"] == true with input as fx.project_member
}

test_share_network_create_denied_for_project_reader if {
	rules.rule["share_network:create"] == false with input as fx.project_reader
}

test_share_network_create_denied_for_member_of_other_project if {
	rules.rule["share_network:create"] == false with input as fx.member_of_other_project
}

test_share_network_create_denied_for_caller_without_roles if {
	rules.rule["share_network:create"] == false with input as fx.caller_without_roles
}

test_share_network_create_denied_for_service_role if {
	rules.rule["share_network:create"] == false with input as fx.service_role
}

# share_network:show: ADMIN_OR_PROJECT_READER

test_share_network_show_allowed_for_admin_of_other_project if {
	rules.rule["share_network:show"] == true with input as fx.admin_of_other_project
}

test_share_network_show_allowed_for_admin_of_target_project if {
	rules.rule["share_network:show"] == true with input as fx.admin_of_target_project
}

test_share_network_show_allowed_for_project_member if {
	rules.rule["share_network:show"] == true with input as fx.project_member
}

test_share_network_show_allowed_for_project_reader if {
	rules.rule["share_network:show"] == true with input as fx.project_reader
}

test_share_network_show_denied_for_member_of_other_project if {
	rules.rule["share_network:show"] == false with input as fx.member_of_other_project
}

test_share_network_show_denied_for_caller_without_roles if {
	rules.rule["share_network:show"] == false with input as fx.caller_without_roles
}

test_share_network_show_denied_for_service_role if {
	rules.rule["share_network:show"] == false with input as fx.service_role
}

# share_network:index: ADMIN_OR_PROJECT_READER

test_share_network_index_allowed_for_admin_of_other_project if {
	rules.rule["share_network:index"] == true with input as fx.admin_of_other_project
}

test_share_network_index_allowed_for_admin_of_target_project if {
	rules.rule["share_network:index"] == true with input as fx.admin_of_target_project
}

test_share_network_index_allowed_for_project_member if {
	rules.rule["share_network:index"] == true with input as fx.project_member
}

test_share_network_index_allowed_for_project_reader if {
	rules.rule["share_network:index"] == true with input as fx.project_reader
}

test_share_network_index_denied_for_member_of_other_project if {
	rules.rule["share_network:index"] == false with input as fx.member_of_other_project
}

test_share_network_index_denied_for_caller_without_roles if {
	rules.rule["share_network:index"] == false with input as fx.caller_without_roles
}

test_share_network_index_denied_for_service_role if {
	rules.rule["share_network:index"] == false with input as fx.service_role
}

# share_network:detail: ADMIN_OR_PROJECT_READER

test_share_network_detail_allowed_for_admin_of_other_project if {
	rules.rule["share_network:detail"] == true with input as fx.admin_of_other_project
}

test_share_network_detail_allowed_for_admin_of_target_project if {
	rules.rule["share_network:detail"] == true with input as fx.admin_of_target_project
}

test_share_network_detail_allowed_for_project_member if {
	rules.rule["share_network:detail"] == true with input as fx.project_member
}

test_share_network_detail_allowed_for_project_reader if {
	rules.rule["share_network:detail"] == true with input as fx.project_reader
}

test_share_network_detail_denied_for_member_of_other_project if {
	rules.rule["share_network:detail"] == false with input as fx.member_of_other_project
}

test_share_network_detail_denied_for_caller_without_roles if {
	rules.rule["share_network:detail"] == false with input as fx.caller_without_roles
}

test_share_network_detail_denied_for_service_role if {
	rules.rule["share_network:detail"] == false with input as fx.service_role
}

# share_network:update: ADMIN_OR_PROJECT_MEMBER

test_share_network_update_allowed_for_admin_of_other_project if {
	rules.rule["share_network:update"] == true with input as fx.admin_of_other_project
}

test_share_network_update_allowed_for_admin_of_target_project if {
	rules.rule["share_network:update"] == true with input as fx.admin_of_target_project
}

test_share_network_update_allowed_for_project_member if {
	rules.rule["share_network:update"] == true with input as fx.project_member
}

test_share_network_update_denied_for_project_reader if {
	rules.rule["share_network:update"] == false with input as fx.project_reader
}

test_share_network_update_denied_for_member_of_other_project if {
	rules.rule["share_network:update"] == false with input as fx.member_of_other_project
}

test_share_network_update_denied_for_caller_without_roles if {
	rules.rule["share_network:update"] == false with input as fx.caller_without_roles
}

test_share_network_update_denied_for_service_role if {
	rules.rule["share_network:update"] == false with input as fx.service_role
}

# share_network:delete: ADMIN_OR_PROJECT_MEMBER

test_share_network_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_network:delete"] == true with input as fx.admin_of_other_project
}

test_share_network_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_network:delete"] == true with input as fx.admin_of_target_project
}

test_share_network_delete_allowed_for_project_member if {
	rules.rule["share_network:delete"] == true with input as fx.project_member
}

test_share_network_delete_denied_for_project_reader if {
	rules.rule["share_network:delete"] == false with input as fx.project_reader
}

test_share_network_delete_denied_for_member_of_other_project if {
	rules.rule["share_network:delete"] == false with input as fx.member_of_other_project
}

test_share_network_delete_denied_for_caller_without_roles if {
	rules.rule["share_network:delete"] == false with input as fx.caller_without_roles
}

test_share_network_delete_denied_for_service_role if {
	rules.rule["share_network:delete"] == false with input as fx.service_role
}

# share_network:add_security_service: ADMIN_OR_PROJECT_MEMBER

test_share_network_add_security_service_allowed_for_admin_of_other_project if {
	rules.rule["share_network:add_security_service"] == true with input as fx.admin_of_other_project
}

test_share_network_add_security_service_allowed_for_admin_of_target_project if {
	rules.rule["share_network:add_security_service"] == true with input as fx.admin_of_target_project
}

test_share_network_add_security_service_allowed_for_project_member if {
	rules.rule["share_network:add_security_service"] == true with input as fx.project_member
}

test_share_network_add_security_service_denied_for_project_reader if {
	rules.rule["share_network:add_security_service"] == false with input as fx.project_reader
}

test_share_network_add_security_service_denied_for_member_of_other_project if {
	rules.rule["share_network:add_security_service"] == false with input as fx.member_of_other_project
}

test_share_network_add_security_service_denied_for_caller_without_roles if {
	rules.rule["share_network:add_security_service"] == false with input as fx.caller_without_roles
}

test_share_network_add_security_service_denied_for_service_role if {
	rules.rule["share_network:add_security_service"] == false with input as fx.service_role
}

# share_network:add_security_service_check: ADMIN_OR_PROJECT_MEMBER

test_share_network_add_security_service_check_allowed_for_admin_of_other_project if {
	rules.rule["share_network:add_security_service_check"] == true with input as fx.admin_of_other_project
}

test_share_network_add_security_service_check_allowed_for_admin_of_target_project if {
	rules.rule["share_network:add_security_service_check"] == true with input as fx.admin_of_target_project
}

test_share_network_add_security_service_check_allowed_for_project_member if {
	rules.rule["share_network:add_security_service_check"] == true with input as fx.project_member
}

test_share_network_add_security_service_check_denied_for_project_reader if {
	rules.rule["share_network:add_security_service_check"] == false with input as fx.project_reader
}

test_share_network_add_security_service_check_denied_for_member_of_other_project if {
	rules.rule["share_network:add_security_service_check"] == false with input as fx.member_of_other_project
}

test_share_network_add_security_service_check_denied_for_caller_without_roles if {
	rules.rule["share_network:add_security_service_check"] == false with input as fx.caller_without_roles
}

test_share_network_add_security_service_check_denied_for_service_role if {
	rules.rule["share_network:add_security_service_check"] == false with input as fx.service_role
}

# share_network:remove_security_service: ADMIN_OR_PROJECT_MEMBER

test_share_network_remove_security_service_allowed_for_admin_of_other_project if {
	rules.rule["share_network:remove_security_service"] == true with input as fx.admin_of_other_project
}

test_share_network_remove_security_service_allowed_for_admin_of_target_project if {
	rules.rule["share_network:remove_security_service"] == true with input as fx.admin_of_target_project
}

test_share_network_remove_security_service_allowed_for_project_member if {
	rules.rule["share_network:remove_security_service"] == true with input as fx.project_member
}

test_share_network_remove_security_service_denied_for_project_reader if {
	rules.rule["share_network:remove_security_service"] == false with input as fx.project_reader
}

test_share_network_remove_security_service_denied_for_member_of_other_project if {
	rules.rule["share_network:remove_security_service"] == false with input as fx.member_of_other_project
}

test_share_network_remove_security_service_denied_for_caller_without_roles if {
	rules.rule["share_network:remove_security_service"] == false with input as fx.caller_without_roles
}

test_share_network_remove_security_service_denied_for_service_role if {
	rules.rule["share_network:remove_security_service"] == false with input as fx.service_role
}

# share_network:update_security_service: ADMIN_OR_PROJECT_MEMBER

test_share_network_update_security_service_allowed_for_admin_of_other_project if {
	rules.rule["share_network:update_security_service"] == true with input as fx.admin_of_other_project
}

test_share_network_update_security_service_allowed_for_admin_of_target_project if {
	rules.rule["share_network:update_security_service"] == true with input as fx.admin_of_target_project
}

test_share_network_update_security_service_allowed_for_project_member if {
	rules.rule["share_network:update_security_service"] == true with input as fx.project_member
}

test_share_network_update_security_service_denied_for_project_reader if {
	rules.rule["share_network:update_security_service"] == false with input as fx.project_reader
}

test_share_network_update_security_service_denied_for_member_of_other_project if {
	rules.rule["share_network:update_security_service"] == false with input as fx.member_of_other_project
}

test_share_network_update_security_service_denied_for_caller_without_roles if {
	rules.rule["share_network:update_security_service"] == false with input as fx.caller_without_roles
}

test_share_network_update_security_service_denied_for_service_role if {
	rules.rule["share_network:update_security_service"] == false with input as fx.service_role
}

# share_network:update_security_service_check: ADMIN_OR_PROJECT_MEMBER

test_share_network_update_security_service_check_allowed_for_admin_of_other_project if {
	rules.rule["share_network:update_security_service_check"] == true with input as fx.admin_of_other_project
}

test_share_network_update_security_service_check_allowed_for_admin_of_target_project if {
	rules.rule["share_network:update_security_service_check"] == true with input as fx.admin_of_target_project
}

test_share_network_update_security_service_check_allowed_for_project_member if {
	rules.rule["share_network:update_security_service_check"] == true with input as fx.project_member
}

test_share_network_update_security_service_check_denied_for_project_reader if {
	rules.rule["share_network:update_security_service_check"] == false with input as fx.project_reader
}

test_share_network_update_security_service_check_denied_for_member_of_other_project if {
	rules.rule["share_network:update_security_service_check"] == false with input as fx.member_of_other_project
}

test_share_network_update_security_service_check_denied_for_caller_without_roles if {
	rules.rule["share_network:update_security_service_check"] == false with input as fx.caller_without_roles
}

test_share_network_update_security_service_check_denied_for_service_role if {
	rules.rule["share_network:update_security_service_check"] == false with input as fx.service_role
}

# share_network:reset_status: ADMIN

test_share_network_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_network:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_network_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_network:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_network_reset_status_denied_for_project_member if {
	rules.rule["share_network:reset_status"] == false with input as fx.project_member
}

test_share_network_reset_status_denied_for_project_reader if {
	rules.rule["share_network:reset_status"] == false with input as fx.project_reader
}

test_share_network_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_network:reset_status"] == false with input as fx.member_of_other_project
}

test_share_network_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_network:reset_status"] == false with input as fx.caller_without_roles
}

test_share_network_reset_status_denied_for_service_role if {
	rules.rule["share_network:reset_status"] == false with input as fx.service_role
}

# share_network:get_all_share_networks: ADMIN

test_share_network_get_all_share_networks_allowed_for_admin_of_other_project if {
	rules.rule["share_network:get_all_share_networks"] == true with input as fx.admin_of_other_project
}

test_share_network_get_all_share_networks_allowed_for_admin_of_target_project if {
	rules.rule["share_network:get_all_share_networks"] == true with input as fx.admin_of_target_project
}

test_share_network_get_all_share_networks_denied_for_project_member if {
	rules.rule["share_network:get_all_share_networks"] == false with input as fx.project_member
}

test_share_network_get_all_share_networks_denied_for_project_reader if {
	rules.rule["share_network:get_all_share_networks"] == false with input as fx.project_reader
}

test_share_network_get_all_share_networks_denied_for_member_of_other_project if {
	rules.rule["share_network:get_all_share_networks"] == false with input as fx.member_of_other_project
}

test_share_network_get_all_share_networks_denied_for_caller_without_roles if {
	rules.rule["share_network:get_all_share_networks"] == false with input as fx.caller_without_roles
}

test_share_network_get_all_share_networks_denied_for_service_role if {
	rules.rule["share_network:get_all_share_networks"] == false with input as fx.service_role
}

# share_network:subnet_create_check: ADMIN_OR_PROJECT_MEMBER

test_share_network_subnet_create_check_allowed_for_admin_of_other_project if {
	rules.rule["share_network:subnet_create_check"] == true with input as fx.admin_of_other_project
}

test_share_network_subnet_create_check_allowed_for_admin_of_target_project if {
	rules.rule["share_network:subnet_create_check"] == true with input as fx.admin_of_target_project
}

test_share_network_subnet_create_check_allowed_for_project_member if {
	rules.rule["share_network:subnet_create_check"] == true with input as fx.project_member
}

test_share_network_subnet_create_check_denied_for_project_reader if {
	rules.rule["share_network:subnet_create_check"] == false with input as fx.project_reader
}

test_share_network_subnet_create_check_denied_for_member_of_other_project if {
	rules.rule["share_network:subnet_create_check"] == false with input as fx.member_of_other_project
}

test_share_network_subnet_create_check_denied_for_caller_without_roles if {
	rules.rule["share_network:subnet_create_check"] == false with input as fx.caller_without_roles
}

test_share_network_subnet_create_check_denied_for_service_role if {
	rules.rule["share_network:subnet_create_check"] == false with input as fx.service_role
}

# share_network:show_network_details: ADMIN

test_share_network_show_network_details_allowed_for_admin_of_other_project if {
	rules.rule["share_network:show_network_details"] == true with input as fx.admin_of_other_project
}

test_share_network_show_network_details_allowed_for_admin_of_target_project if {
	rules.rule["share_network:show_network_details"] == true with input as fx.admin_of_target_project
}

test_share_network_show_network_details_denied_for_project_member if {
	rules.rule["share_network:show_network_details"] == false with input as fx.project_member
}

test_share_network_show_network_details_denied_for_project_reader if {
	rules.rule["share_network:show_network_details"] == false with input as fx.project_reader
}

test_share_network_show_network_details_denied_for_member_of_other_project if {
	rules.rule["share_network:show_network_details"] == false with input as fx.member_of_other_project
}

test_share_network_show_network_details_denied_for_caller_without_roles if {
	rules.rule["share_network:show_network_details"] == false with input as fx.caller_without_roles
}

test_share_network_show_network_details_denied_for_service_role if {
	rules.rule["share_network:show_network_details"] == false with input as fx.service_role
}

# share_network_subnet:create: ADMIN_OR_PROJECT_MEMBER

test_share_network_subnet_create_allowed_for_admin_of_other_project if {
	rules.rule["share_network_subnet:create"] == true with input as fx.admin_of_other_project
}

test_share_network_subnet_create_allowed_for_admin_of_target_project if {
	rules.rule["share_network_subnet:create"] == true with input as fx.admin_of_target_project
}

test_share_network_subnet_create_allowed_for_project_member if {
	rules.rule["share_network_subnet:create"] == true with input as fx.project_member
}

test_share_network_subnet_create_denied_for_project_reader if {
	rules.rule["share_network_subnet:create"] == false with input as fx.project_reader
}

test_share_network_subnet_create_denied_for_member_of_other_project if {
	rules.rule["share_network_subnet:create"] == false with input as fx.member_of_other_project
}

test_share_network_subnet_create_denied_for_caller_without_roles if {
	rules.rule["share_network_subnet:create"] == false with input as fx.caller_without_roles
}

test_share_network_subnet_create_denied_for_service_role if {
	rules.rule["share_network_subnet:create"] == false with input as fx.service_role
}

# share_network_subnet:delete: ADMIN_OR_PROJECT_MEMBER

test_share_network_subnet_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_network_subnet:delete"] == true with input as fx.admin_of_other_project
}

test_share_network_subnet_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_network_subnet:delete"] == true with input as fx.admin_of_target_project
}

test_share_network_subnet_delete_allowed_for_project_member if {
	rules.rule["share_network_subnet:delete"] == true with input as fx.project_member
}

test_share_network_subnet_delete_denied_for_project_reader if {
	rules.rule["share_network_subnet:delete"] == false with input as fx.project_reader
}

test_share_network_subnet_delete_denied_for_member_of_other_project if {
	rules.rule["share_network_subnet:delete"] == false with input as fx.member_of_other_project
}

test_share_network_subnet_delete_denied_for_caller_without_roles if {
	rules.rule["share_network_subnet:delete"] == false with input as fx.caller_without_roles
}

test_share_network_subnet_delete_denied_for_service_role if {
	rules.rule["share_network_subnet:delete"] == false with input as fx.service_role
}

# share_network_subnet:show: ADMIN_OR_PROJECT_READER

test_share_network_subnet_show_allowed_for_admin_of_other_project if {
	rules.rule["share_network_subnet:show"] == true with input as fx.admin_of_other_project
}

test_share_network_subnet_show_allowed_for_admin_of_target_project if {
	rules.rule["share_network_subnet:show"] == true with input as fx.admin_of_target_project
}

test_share_network_subnet_show_allowed_for_project_member if {
	rules.rule["share_network_subnet:show"] == true with input as fx.project_member
}

test_share_network_subnet_show_allowed_for_project_reader if {
	rules.rule["share_network_subnet:show"] == true with input as fx.project_reader
}

test_share_network_subnet_show_denied_for_member_of_other_project if {
	rules.rule["share_network_subnet:show"] == false with input as fx.member_of_other_project
}

test_share_network_subnet_show_denied_for_caller_without_roles if {
	rules.rule["share_network_subnet:show"] == false with input as fx.caller_without_roles
}

test_share_network_subnet_show_denied_for_service_role if {
	rules.rule["share_network_subnet:show"] == false with input as fx.service_role
}

# share_network_subnet:index: ADMIN_OR_PROJECT_READER

test_share_network_subnet_index_allowed_for_admin_of_other_project if {
	rules.rule["share_network_subnet:index"] == true with input as fx.admin_of_other_project
}

test_share_network_subnet_index_allowed_for_admin_of_target_project if {
	rules.rule["share_network_subnet:index"] == true with input as fx.admin_of_target_project
}

test_share_network_subnet_index_allowed_for_project_member if {
	rules.rule["share_network_subnet:index"] == true with input as fx.project_member
}

test_share_network_subnet_index_allowed_for_project_reader if {
	rules.rule["share_network_subnet:index"] == true with input as fx.project_reader
}

test_share_network_subnet_index_denied_for_member_of_other_project if {
	rules.rule["share_network_subnet:index"] == false with input as fx.member_of_other_project
}

test_share_network_subnet_index_denied_for_caller_without_roles if {
	rules.rule["share_network_subnet:index"] == false with input as fx.caller_without_roles
}

test_share_network_subnet_index_denied_for_service_role if {
	rules.rule["share_network_subnet:index"] == false with input as fx.service_role
}

# security_service:create: ADMIN_OR_PROJECT_MEMBER

test_security_service_create_allowed_for_admin_of_other_project if {
	rules.rule["security_service:create"] == true with input as fx.admin_of_other_project
}

test_security_service_create_allowed_for_admin_of_target_project if {
	rules.rule["security_service:create"] == true with input as fx.admin_of_target_project
}

test_security_service_create_allowed_for_project_member if {
	rules.rule["security_service:create"] == true with input as fx.project_member
}

test_security_service_create_denied_for_project_reader if {
	rules.rule["security_service:create"] == false with input as fx.project_reader
}

test_security_service_create_denied_for_member_of_other_project if {
	rules.rule["security_service:create"] == false with input as fx.member_of_other_project
}

test_security_service_create_denied_for_caller_without_roles if {
	rules.rule["security_service:create"] == false with input as fx.caller_without_roles
}

test_security_service_create_denied_for_service_role if {
	rules.rule["security_service:create"] == false with input as fx.service_role
}

# security_service:show: ADMIN_OR_PROJECT_READER

test_security_service_show_allowed_for_admin_of_other_project if {
	rules.rule["security_service:show"] == true with input as fx.admin_of_other_project
}

test_security_service_show_allowed_for_admin_of_target_project if {
	rules.rule["security_service:show"] == true with input as fx.admin_of_target_project
}

test_security_service_show_allowed_for_project_member if {
	rules.rule["security_service:show"] == true with input as fx.project_member
}

test_security_service_show_allowed_for_project_reader if {
	rules.rule["security_service:show"] == true with input as fx.project_reader
}

test_security_service_show_denied_for_member_of_other_project if {
	rules.rule["security_service:show"] == false with input as fx.member_of_other_project
}

test_security_service_show_denied_for_caller_without_roles if {
	rules.rule["security_service:show"] == false with input as fx.caller_without_roles
}

test_security_service_show_denied_for_service_role if {
	rules.rule["security_service:show"] == false with input as fx.service_role
}

# security_service:detail: ADMIN_OR_PROJECT_READER

test_security_service_detail_allowed_for_admin_of_other_project if {
	rules.rule["security_service:detail"] == true with input as fx.admin_of_other_project
}

test_security_service_detail_allowed_for_admin_of_target_project if {
	rules.rule["security_service:detail"] == true with input as fx.admin_of_target_project
}

test_security_service_detail_allowed_for_project_member if {
	rules.rule["security_service:detail"] == true with input as fx.project_member
}

test_security_service_detail_allowed_for_project_reader if {
	rules.rule["security_service:detail"] == true with input as fx.project_reader
}

test_security_service_detail_denied_for_member_of_other_project if {
	rules.rule["security_service:detail"] == false with input as fx.member_of_other_project
}

test_security_service_detail_denied_for_caller_without_roles if {
	rules.rule["security_service:detail"] == false with input as fx.caller_without_roles
}

test_security_service_detail_denied_for_service_role if {
	rules.rule["security_service:detail"] == false with input as fx.service_role
}

# security_service:index: ADMIN_OR_PROJECT_READER

test_security_service_index_allowed_for_admin_of_other_project if {
	rules.rule["security_service:index"] == true with input as fx.admin_of_other_project
}

test_security_service_index_allowed_for_admin_of_target_project if {
	rules.rule["security_service:index"] == true with input as fx.admin_of_target_project
}

test_security_service_index_allowed_for_project_member if {
	rules.rule["security_service:index"] == true with input as fx.project_member
}

test_security_service_index_allowed_for_project_reader if {
	rules.rule["security_service:index"] == true with input as fx.project_reader
}

test_security_service_index_denied_for_member_of_other_project if {
	rules.rule["security_service:index"] == false with input as fx.member_of_other_project
}

test_security_service_index_denied_for_caller_without_roles if {
	rules.rule["security_service:index"] == false with input as fx.caller_without_roles
}

test_security_service_index_denied_for_service_role if {
	rules.rule["security_service:index"] == false with input as fx.service_role
}

# security_service:update: ADMIN_OR_PROJECT_MEMBER

test_security_service_update_allowed_for_admin_of_other_project if {
	rules.rule["security_service:update"] == true with input as fx.admin_of_other_project
}

test_security_service_update_allowed_for_admin_of_target_project if {
	rules.rule["security_service:update"] == true with input as fx.admin_of_target_project
}

test_security_service_update_allowed_for_project_member if {
	rules.rule["security_service:update"] == true with input as fx.project_member
}

test_security_service_update_denied_for_project_reader if {
	rules.rule["security_service:update"] == false with input as fx.project_reader
}

test_security_service_update_denied_for_member_of_other_project if {
	rules.rule["security_service:update"] == false with input as fx.member_of_other_project
}

test_security_service_update_denied_for_caller_without_roles if {
	rules.rule["security_service:update"] == false with input as fx.caller_without_roles
}

test_security_service_update_denied_for_service_role if {
	rules.rule["security_service:update"] == false with input as fx.service_role
}

# security_service:delete: ADMIN_OR_PROJECT_MEMBER

test_security_service_delete_allowed_for_admin_of_other_project if {
	rules.rule["security_service:delete"] == true with input as fx.admin_of_other_project
}

test_security_service_delete_allowed_for_admin_of_target_project if {
	rules.rule["security_service:delete"] == true with input as fx.admin_of_target_project
}

test_security_service_delete_allowed_for_project_member if {
	rules.rule["security_service:delete"] == true with input as fx.project_member
}

test_security_service_delete_denied_for_project_reader if {
	rules.rule["security_service:delete"] == false with input as fx.project_reader
}

test_security_service_delete_denied_for_member_of_other_project if {
	rules.rule["security_service:delete"] == false with input as fx.member_of_other_project
}

test_security_service_delete_denied_for_caller_without_roles if {
	rules.rule["security_service:delete"] == false with input as fx.caller_without_roles
}

test_security_service_delete_denied_for_service_role if {
	rules.rule["security_service:delete"] == false with input as fx.service_role
}

# security_service:get_all_security_services: ADMIN

test_security_service_get_all_security_services_allowed_for_admin_of_other_project if {
	rules.rule["security_service:get_all_security_services"] == true with input as fx.admin_of_other_project
}

test_security_service_get_all_security_services_allowed_for_admin_of_target_project if {
	rules.rule["security_service:get_all_security_services"] == true with input as fx.admin_of_target_project
}

test_security_service_get_all_security_services_denied_for_project_member if {
	rules.rule["security_service:get_all_security_services"] == false with input as fx.project_member
}

test_security_service_get_all_security_services_denied_for_project_reader if {
	rules.rule["security_service:get_all_security_services"] == false with input as fx.project_reader
}

test_security_service_get_all_security_services_denied_for_member_of_other_project if {
	rules.rule["security_service:get_all_security_services"] == false with input as fx.member_of_other_project
}

test_security_service_get_all_security_services_denied_for_caller_without_roles if {
	rules.rule["security_service:get_all_security_services"] == false with input as fx.caller_without_roles
}

test_security_service_get_all_security_services_denied_for_service_role if {
	rules.rule["security_service:get_all_security_services"] == false with input as fx.service_role
}

# share_server:index: ADMIN

test_share_server_index_allowed_for_admin_of_other_project if {
	rules.rule["share_server:index"] == true with input as fx.admin_of_other_project
}

test_share_server_index_allowed_for_admin_of_target_project if {
	rules.rule["share_server:index"] == true with input as fx.admin_of_target_project
}

test_share_server_index_denied_for_project_member if {
	rules.rule["share_server:index"] == false with input as fx.project_member
}

test_share_server_index_denied_for_project_reader if {
	rules.rule["share_server:index"] == false with input as fx.project_reader
}

test_share_server_index_denied_for_member_of_other_project if {
	rules.rule["share_server:index"] == false with input as fx.member_of_other_project
}

test_share_server_index_denied_for_caller_without_roles if {
	rules.rule["share_server:index"] == false with input as fx.caller_without_roles
}

test_share_server_index_denied_for_service_role if {
	rules.rule["share_server:index"] == false with input as fx.service_role
}

# share_server:show: ADMIN

test_share_server_show_allowed_for_admin_of_other_project if {
	rules.rule["share_server:show"] == true with input as fx.admin_of_other_project
}

test_share_server_show_allowed_for_admin_of_target_project if {
	rules.rule["share_server:show"] == true with input as fx.admin_of_target_project
}

test_share_server_show_denied_for_project_member if {
	rules.rule["share_server:show"] == false with input as fx.project_member
}

test_share_server_show_denied_for_project_reader if {
	rules.rule["share_server:show"] == false with input as fx.project_reader
}

test_share_server_show_denied_for_member_of_other_project if {
	rules.rule["share_server:show"] == false with input as fx.member_of_other_project
}

test_share_server_show_denied_for_caller_without_roles if {
	rules.rule["share_server:show"] == false with input as fx.caller_without_roles
}

test_share_server_show_denied_for_service_role if {
	rules.rule["share_server:show"] == false with input as fx.service_role
}

# share_server:details: ADMIN

test_share_server_details_allowed_for_admin_of_other_project if {
	rules.rule["share_server:details"] == true with input as fx.admin_of_other_project
}

test_share_server_details_allowed_for_admin_of_target_project if {
	rules.rule["share_server:details"] == true with input as fx.admin_of_target_project
}

test_share_server_details_denied_for_project_member if {
	rules.rule["share_server:details"] == false with input as fx.project_member
}

test_share_server_details_denied_for_project_reader if {
	rules.rule["share_server:details"] == false with input as fx.project_reader
}

test_share_server_details_denied_for_member_of_other_project if {
	rules.rule["share_server:details"] == false with input as fx.member_of_other_project
}

test_share_server_details_denied_for_caller_without_roles if {
	rules.rule["share_server:details"] == false with input as fx.caller_without_roles
}

test_share_server_details_denied_for_service_role if {
	rules.rule["share_server:details"] == false with input as fx.service_role
}

# share_server:delete: ADMIN

test_share_server_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_server:delete"] == true with input as fx.admin_of_other_project
}

test_share_server_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_server:delete"] == true with input as fx.admin_of_target_project
}

test_share_server_delete_denied_for_project_member if {
	rules.rule["share_server:delete"] == false with input as fx.project_member
}

test_share_server_delete_denied_for_project_reader if {
	rules.rule["share_server:delete"] == false with input as fx.project_reader
}

test_share_server_delete_denied_for_member_of_other_project if {
	rules.rule["share_server:delete"] == false with input as fx.member_of_other_project
}

test_share_server_delete_denied_for_caller_without_roles if {
	rules.rule["share_server:delete"] == false with input as fx.caller_without_roles
}

test_share_server_delete_denied_for_service_role if {
	rules.rule["share_server:delete"] == false with input as fx.service_role
}

# share_server:manage_share_server: ADMIN

test_share_server_manage_share_server_allowed_for_admin_of_other_project if {
	rules.rule["share_server:manage_share_server"] == true with input as fx.admin_of_other_project
}

test_share_server_manage_share_server_allowed_for_admin_of_target_project if {
	rules.rule["share_server:manage_share_server"] == true with input as fx.admin_of_target_project
}

test_share_server_manage_share_server_denied_for_project_member if {
	rules.rule["share_server:manage_share_server"] == false with input as fx.project_member
}

test_share_server_manage_share_server_denied_for_project_reader if {
	rules.rule["share_server:manage_share_server"] == false with input as fx.project_reader
}

test_share_server_manage_share_server_denied_for_member_of_other_project if {
	rules.rule["share_server:manage_share_server"] == false with input as fx.member_of_other_project
}

test_share_server_manage_share_server_denied_for_caller_without_roles if {
	rules.rule["share_server:manage_share_server"] == false with input as fx.caller_without_roles
}

test_share_server_manage_share_server_denied_for_service_role if {
	rules.rule["share_server:manage_share_server"] == false with input as fx.service_role
}

# share_server:unmanage_share_server: ADMIN

test_share_server_unmanage_share_server_allowed_for_admin_of_other_project if {
	rules.rule["share_server:unmanage_share_server"] == true with input as fx.admin_of_other_project
}

test_share_server_unmanage_share_server_allowed_for_admin_of_target_project if {
	rules.rule["share_server:unmanage_share_server"] == true with input as fx.admin_of_target_project
}

test_share_server_unmanage_share_server_denied_for_project_member if {
	rules.rule["share_server:unmanage_share_server"] == false with input as fx.project_member
}

test_share_server_unmanage_share_server_denied_for_project_reader if {
	rules.rule["share_server:unmanage_share_server"] == false with input as fx.project_reader
}

test_share_server_unmanage_share_server_denied_for_member_of_other_project if {
	rules.rule["share_server:unmanage_share_server"] == false with input as fx.member_of_other_project
}

test_share_server_unmanage_share_server_denied_for_caller_without_roles if {
	rules.rule["share_server:unmanage_share_server"] == false with input as fx.caller_without_roles
}

test_share_server_unmanage_share_server_denied_for_service_role if {
	rules.rule["share_server:unmanage_share_server"] == false with input as fx.service_role
}

# share_server:reset_status: ADMIN

test_share_server_reset_status_allowed_for_admin_of_other_project if {
	rules.rule["share_server:reset_status"] == true with input as fx.admin_of_other_project
}

test_share_server_reset_status_allowed_for_admin_of_target_project if {
	rules.rule["share_server:reset_status"] == true with input as fx.admin_of_target_project
}

test_share_server_reset_status_denied_for_project_member if {
	rules.rule["share_server:reset_status"] == false with input as fx.project_member
}

test_share_server_reset_status_denied_for_project_reader if {
	rules.rule["share_server:reset_status"] == false with input as fx.project_reader
}

test_share_server_reset_status_denied_for_member_of_other_project if {
	rules.rule["share_server:reset_status"] == false with input as fx.member_of_other_project
}

test_share_server_reset_status_denied_for_caller_without_roles if {
	rules.rule["share_server:reset_status"] == false with input as fx.caller_without_roles
}

test_share_server_reset_status_denied_for_service_role if {
	rules.rule["share_server:reset_status"] == false with input as fx.service_role
}

# share_server:share_server_migration_start: ADMIN

test_share_server_share_server_migration_start_allowed_for_admin_of_other_project if {
	rules.rule["share_server:share_server_migration_start"] == true with input as fx.admin_of_other_project
}

test_share_server_share_server_migration_start_allowed_for_admin_of_target_project if {
	rules.rule["share_server:share_server_migration_start"] == true with input as fx.admin_of_target_project
}

test_share_server_share_server_migration_start_denied_for_project_member if {
	rules.rule["share_server:share_server_migration_start"] == false with input as fx.project_member
}

test_share_server_share_server_migration_start_denied_for_project_reader if {
	rules.rule["share_server:share_server_migration_start"] == false with input as fx.project_reader
}

test_share_server_share_server_migration_start_denied_for_member_of_other_project if {
	rules.rule["share_server:share_server_migration_start"] == false with input as fx.member_of_other_project
}

test_share_server_share_server_migration_start_denied_for_caller_without_roles if {
	rules.rule["share_server:share_server_migration_start"] == false with input as fx.caller_without_roles
}

test_share_server_share_server_migration_start_denied_for_service_role if {
	rules.rule["share_server:share_server_migration_start"] == false with input as fx.service_role
}

# share_server:share_server_migration_check: ADMIN

test_share_server_share_server_migration_check_allowed_for_admin_of_other_project if {
	rules.rule["share_server:share_server_migration_check"] == true with input as fx.admin_of_other_project
}

test_share_server_share_server_migration_check_allowed_for_admin_of_target_project if {
	rules.rule["share_server:share_server_migration_check"] == true with input as fx.admin_of_target_project
}

test_share_server_share_server_migration_check_denied_for_project_member if {
	rules.rule["share_server:share_server_migration_check"] == false with input as fx.project_member
}

test_share_server_share_server_migration_check_denied_for_project_reader if {
	rules.rule["share_server:share_server_migration_check"] == false with input as fx.project_reader
}

test_share_server_share_server_migration_check_denied_for_member_of_other_project if {
	rules.rule["share_server:share_server_migration_check"] == false with input as fx.member_of_other_project
}

test_share_server_share_server_migration_check_denied_for_caller_without_roles if {
	rules.rule["share_server:share_server_migration_check"] == false with input as fx.caller_without_roles
}

test_share_server_share_server_migration_check_denied_for_service_role if {
	rules.rule["share_server:share_server_migration_check"] == false with input as fx.service_role
}

# share_server:share_server_migration_complete: ADMIN

test_share_server_share_server_migration_complete_allowed_for_admin_of_other_project if {
	rules.rule["share_server:share_server_migration_complete"] == true with input as fx.admin_of_other_project
}

test_share_server_share_server_migration_complete_allowed_for_admin_of_target_project if {
	rules.rule["share_server:share_server_migration_complete"] == true with input as fx.admin_of_target_project
}

test_share_server_share_server_migration_complete_denied_for_project_member if {
	rules.rule["share_server:share_server_migration_complete"] == false with input as fx.project_member
}

test_share_server_share_server_migration_complete_denied_for_project_reader if {
	rules.rule["share_server:share_server_migration_complete"] == false with input as fx.project_reader
}

test_share_server_share_server_migration_complete_denied_for_member_of_other_project if {
	rules.rule["share_server:share_server_migration_complete"] == false with input as fx.member_of_other_project
}

test_share_server_share_server_migration_complete_denied_for_caller_without_roles if {
	rules.rule["share_server:share_server_migration_complete"] == false with input as fx.caller_without_roles
}

test_share_server_share_server_migration_complete_denied_for_service_role if {
	rules.rule["share_server:share_server_migration_complete"] == false with input as fx.service_role
}

# share_server:share_server_migration_cancel: ADMIN

test_share_server_share_server_migration_cancel_allowed_for_admin_of_other_project if {
	rules.rule["share_server:share_server_migration_cancel"] == true with input as fx.admin_of_other_project
}

test_share_server_share_server_migration_cancel_allowed_for_admin_of_target_project if {
	rules.rule["share_server:share_server_migration_cancel"] == true with input as fx.admin_of_target_project
}

test_share_server_share_server_migration_cancel_denied_for_project_member if {
	rules.rule["share_server:share_server_migration_cancel"] == false with input as fx.project_member
}

test_share_server_share_server_migration_cancel_denied_for_project_reader if {
	rules.rule["share_server:share_server_migration_cancel"] == false with input as fx.project_reader
}

test_share_server_share_server_migration_cancel_denied_for_member_of_other_project if {
	rules.rule["share_server:share_server_migration_cancel"] == false with input as fx.member_of_other_project
}

test_share_server_share_server_migration_cancel_denied_for_caller_without_roles if {
	rules.rule["share_server:share_server_migration_cancel"] == false with input as fx.caller_without_roles
}

test_share_server_share_server_migration_cancel_denied_for_service_role if {
	rules.rule["share_server:share_server_migration_cancel"] == false with input as fx.service_role
}

# share_server:share_server_migration_get_progress: ADMIN

test_share_server_share_server_migration_get_progress_allowed_for_admin_of_other_project if {
	rules.rule["share_server:share_server_migration_get_progress"] == true with input as fx.admin_of_other_project
}

test_share_server_share_server_migration_get_progress_allowed_for_admin_of_target_project if {
	rules.rule["share_server:share_server_migration_get_progress"] == true with input as fx.admin_of_target_project
}

test_share_server_share_server_migration_get_progress_denied_for_project_member if {
	rules.rule["share_server:share_server_migration_get_progress"] == false with input as fx.project_member
}

test_share_server_share_server_migration_get_progress_denied_for_project_reader if {
	rules.rule["share_server:share_server_migration_get_progress"] == false with input as fx.project_reader
}

test_share_server_share_server_migration_get_progress_denied_for_member_of_other_project if {
	rules.rule["share_server:share_server_migration_get_progress"] == false with input as fx.member_of_other_project
}

test_share_server_share_server_migration_get_progress_denied_for_caller_without_roles if {
	rules.rule["share_server:share_server_migration_get_progress"] == false with input as fx.caller_without_roles
}

test_share_server_share_server_migration_get_progress_denied_for_service_role if {
	rules.rule["share_server:share_server_migration_get_progress"] == false with input as fx.service_role
}

# share_server:share_server_reset_task_state: ADMIN

test_share_server_share_server_reset_task_state_allowed_for_admin_of_other_project if {
	rules.rule["share_server:share_server_reset_task_state"] == true with input as fx.admin_of_other_project
}

test_share_server_share_server_reset_task_state_allowed_for_admin_of_target_project if {
	rules.rule["share_server:share_server_reset_task_state"] == true with input as fx.admin_of_target_project
}

test_share_server_share_server_reset_task_state_denied_for_project_member if {
	rules.rule["share_server:share_server_reset_task_state"] == false with input as fx.project_member
}

test_share_server_share_server_reset_task_state_denied_for_project_reader if {
	rules.rule["share_server:share_server_reset_task_state"] == false with input as fx.project_reader
}

test_share_server_share_server_reset_task_state_denied_for_member_of_other_project if {
	rules.rule["share_server:share_server_reset_task_state"] == false with input as fx.member_of_other_project
}

test_share_server_share_server_reset_task_state_denied_for_caller_without_roles if {
	rules.rule["share_server:share_server_reset_task_state"] == false with input as fx.caller_without_roles
}

test_share_server_share_server_reset_task_state_denied_for_service_role if {
	rules.rule["share_server:share_server_reset_task_state"] == false with input as fx.service_role
}
