# Tests of the share group type rules against Manila's defaults
# (manila/policies/share_group_type.py, share_group_types_spec.py). Each
# decision is asserted to be exactly true or false, so an undefined rule
# fails.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share_group_type:create: ADMIN

test_share_group_type_create_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:create"] == true with input as fx.admin_of_other_project
}

test_share_group_type_create_allowed_for_admin_of_target_project if {
	rules.rule["share_group_type:create"] == true with input as fx.admin_of_target_project
}

test_share_group_type_create_denied_for_project_member if {
	rules.rule["share_group_type:create"] == false with input as fx.project_member
}

test_share_group_type_create_denied_for_project_reader if {
	rules.rule["share_group_type:create"] == false with input as fx.project_reader
}

test_share_group_type_create_denied_for_member_of_other_project if {
	rules.rule["share_group_type:create"] == false with input as fx.member_of_other_project
}

test_share_group_type_create_denied_for_caller_without_roles if {
	rules.rule["share_group_type:create"] == false with input as fx.caller_without_roles
}

test_share_group_type_create_denied_for_service_role if {
	rules.rule["share_group_type:create"] == false with input as fx.service_role
}

# share_group_type:index: ADMIN_OR_PROJECT_READER

test_share_group_type_index_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:index"] == true with input as fx.admin_of_other_project
}

test_share_group_type_index_allowed_for_project_member if {
	rules.rule["share_group_type:index"] == true with input as fx.project_member
}

test_share_group_type_index_allowed_for_project_reader if {
	rules.rule["share_group_type:index"] == true with input as fx.project_reader
}

test_share_group_type_index_denied_for_reader_of_other_project if {
	rules.rule["share_group_type:index"] == false with input as fx.reader_of_other_project
}

test_share_group_type_index_denied_for_member_of_other_project if {
	rules.rule["share_group_type:index"] == false with input as fx.member_of_other_project
}

test_share_group_type_index_denied_for_caller_without_roles if {
	rules.rule["share_group_type:index"] == false with input as fx.caller_without_roles
}

test_share_group_type_index_denied_for_service_role if {
	rules.rule["share_group_type:index"] == false with input as fx.service_role
}

# share_group_type:show: ADMIN_OR_PROJECT_READER

test_share_group_type_show_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:show"] == true with input as fx.admin_of_other_project
}

test_share_group_type_show_allowed_for_project_member if {
	rules.rule["share_group_type:show"] == true with input as fx.project_member
}

test_share_group_type_show_allowed_for_project_reader if {
	rules.rule["share_group_type:show"] == true with input as fx.project_reader
}

test_share_group_type_show_denied_for_reader_of_other_project if {
	rules.rule["share_group_type:show"] == false with input as fx.reader_of_other_project
}

test_share_group_type_show_denied_for_member_of_other_project if {
	rules.rule["share_group_type:show"] == false with input as fx.member_of_other_project
}

test_share_group_type_show_denied_for_caller_without_roles if {
	rules.rule["share_group_type:show"] == false with input as fx.caller_without_roles
}

test_share_group_type_show_denied_for_service_role if {
	rules.rule["share_group_type:show"] == false with input as fx.service_role
}

# share_group_type:default: ADMIN_OR_PROJECT_READER

test_share_group_type_default_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:default"] == true with input as fx.admin_of_other_project
}

test_share_group_type_default_allowed_for_project_member if {
	rules.rule["share_group_type:default"] == true with input as fx.project_member
}

test_share_group_type_default_allowed_for_project_reader if {
	rules.rule["share_group_type:default"] == true with input as fx.project_reader
}

test_share_group_type_default_denied_for_reader_of_other_project if {
	rules.rule["share_group_type:default"] == false with input as fx.reader_of_other_project
}

test_share_group_type_default_denied_for_member_of_other_project if {
	rules.rule["share_group_type:default"] == false with input as fx.member_of_other_project
}

test_share_group_type_default_denied_for_caller_without_roles if {
	rules.rule["share_group_type:default"] == false with input as fx.caller_without_roles
}

test_share_group_type_default_denied_for_service_role if {
	rules.rule["share_group_type:default"] == false with input as fx.service_role
}

# share_group_type:delete: ADMIN

test_share_group_type_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:delete"] == true with input as fx.admin_of_other_project
}

test_share_group_type_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_group_type:delete"] == true with input as fx.admin_of_target_project
}

test_share_group_type_delete_denied_for_project_member if {
	rules.rule["share_group_type:delete"] == false with input as fx.project_member
}

test_share_group_type_delete_denied_for_project_reader if {
	rules.rule["share_group_type:delete"] == false with input as fx.project_reader
}

test_share_group_type_delete_denied_for_member_of_other_project if {
	rules.rule["share_group_type:delete"] == false with input as fx.member_of_other_project
}

test_share_group_type_delete_denied_for_caller_without_roles if {
	rules.rule["share_group_type:delete"] == false with input as fx.caller_without_roles
}

test_share_group_type_delete_denied_for_service_role if {
	rules.rule["share_group_type:delete"] == false with input as fx.service_role
}

# share_group_type:list_project_access: ADMIN

test_share_group_type_list_project_access_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:list_project_access"] == true with input as fx.admin_of_other_project
}

test_share_group_type_list_project_access_allowed_for_admin_of_target_project if {
	rules.rule["share_group_type:list_project_access"] == true with input as fx.admin_of_target_project
}

test_share_group_type_list_project_access_denied_for_project_member if {
	rules.rule["share_group_type:list_project_access"] == false with input as fx.project_member
}

test_share_group_type_list_project_access_denied_for_project_reader if {
	rules.rule["share_group_type:list_project_access"] == false with input as fx.project_reader
}

test_share_group_type_list_project_access_denied_for_member_of_other_project if {
	rules.rule["share_group_type:list_project_access"] == false with input as fx.member_of_other_project
}

test_share_group_type_list_project_access_denied_for_caller_without_roles if {
	rules.rule["share_group_type:list_project_access"] == false with input as fx.caller_without_roles
}

test_share_group_type_list_project_access_denied_for_service_role if {
	rules.rule["share_group_type:list_project_access"] == false with input as fx.service_role
}

# share_group_type:add_project_access: ADMIN

test_share_group_type_add_project_access_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:add_project_access"] == true with input as fx.admin_of_other_project
}

test_share_group_type_add_project_access_allowed_for_admin_of_target_project if {
	rules.rule["share_group_type:add_project_access"] == true with input as fx.admin_of_target_project
}

test_share_group_type_add_project_access_denied_for_project_member if {
	rules.rule["share_group_type:add_project_access"] == false with input as fx.project_member
}

test_share_group_type_add_project_access_denied_for_project_reader if {
	rules.rule["share_group_type:add_project_access"] == false with input as fx.project_reader
}

test_share_group_type_add_project_access_denied_for_member_of_other_project if {
	rules.rule["share_group_type:add_project_access"] == false with input as fx.member_of_other_project
}

test_share_group_type_add_project_access_denied_for_caller_without_roles if {
	rules.rule["share_group_type:add_project_access"] == false with input as fx.caller_without_roles
}

test_share_group_type_add_project_access_denied_for_service_role if {
	rules.rule["share_group_type:add_project_access"] == false with input as fx.service_role
}

# share_group_type:remove_project_access: ADMIN

test_share_group_type_remove_project_access_allowed_for_admin_of_other_project if {
	rules.rule["share_group_type:remove_project_access"] == true with input as fx.admin_of_other_project
}

test_share_group_type_remove_project_access_allowed_for_admin_of_target_project if {
	rules.rule["share_group_type:remove_project_access"] == true with input as fx.admin_of_target_project
}

test_share_group_type_remove_project_access_denied_for_project_member if {
	rules.rule["share_group_type:remove_project_access"] == false with input as fx.project_member
}

test_share_group_type_remove_project_access_denied_for_project_reader if {
	rules.rule["share_group_type:remove_project_access"] == false with input as fx.project_reader
}

test_share_group_type_remove_project_access_denied_for_member_of_other_project if {
	rules.rule["share_group_type:remove_project_access"] == false with input as fx.member_of_other_project
}

test_share_group_type_remove_project_access_denied_for_caller_without_roles if {
	rules.rule["share_group_type:remove_project_access"] == false with input as fx.caller_without_roles
}

test_share_group_type_remove_project_access_denied_for_service_role if {
	rules.rule["share_group_type:remove_project_access"] == false with input as fx.service_role
}

# share_group_types_spec:create: ADMIN

test_share_group_types_spec_create_allowed_for_admin_of_other_project if {
	rules.rule["share_group_types_spec:create"] == true with input as fx.admin_of_other_project
}

test_share_group_types_spec_create_allowed_for_admin_of_target_project if {
	rules.rule["share_group_types_spec:create"] == true with input as fx.admin_of_target_project
}

test_share_group_types_spec_create_denied_for_project_member if {
	rules.rule["share_group_types_spec:create"] == false with input as fx.project_member
}

test_share_group_types_spec_create_denied_for_project_reader if {
	rules.rule["share_group_types_spec:create"] == false with input as fx.project_reader
}

test_share_group_types_spec_create_denied_for_member_of_other_project if {
	rules.rule["share_group_types_spec:create"] == false with input as fx.member_of_other_project
}

test_share_group_types_spec_create_denied_for_caller_without_roles if {
	rules.rule["share_group_types_spec:create"] == false with input as fx.caller_without_roles
}

test_share_group_types_spec_create_denied_for_service_role if {
	rules.rule["share_group_types_spec:create"] == false with input as fx.service_role
}

# share_group_types_spec:index: ADMIN

test_share_group_types_spec_index_allowed_for_admin_of_other_project if {
	rules.rule["share_group_types_spec:index"] == true with input as fx.admin_of_other_project
}

test_share_group_types_spec_index_allowed_for_admin_of_target_project if {
	rules.rule["share_group_types_spec:index"] == true with input as fx.admin_of_target_project
}

test_share_group_types_spec_index_denied_for_project_member if {
	rules.rule["share_group_types_spec:index"] == false with input as fx.project_member
}

test_share_group_types_spec_index_denied_for_project_reader if {
	rules.rule["share_group_types_spec:index"] == false with input as fx.project_reader
}

test_share_group_types_spec_index_denied_for_member_of_other_project if {
	rules.rule["share_group_types_spec:index"] == false with input as fx.member_of_other_project
}

test_share_group_types_spec_index_denied_for_caller_without_roles if {
	rules.rule["share_group_types_spec:index"] == false with input as fx.caller_without_roles
}

test_share_group_types_spec_index_denied_for_service_role if {
	rules.rule["share_group_types_spec:index"] == false with input as fx.service_role
}

# share_group_types_spec:show: ADMIN

test_share_group_types_spec_show_allowed_for_admin_of_other_project if {
	rules.rule["share_group_types_spec:show"] == true with input as fx.admin_of_other_project
}

test_share_group_types_spec_show_allowed_for_admin_of_target_project if {
	rules.rule["share_group_types_spec:show"] == true with input as fx.admin_of_target_project
}

test_share_group_types_spec_show_denied_for_project_member if {
	rules.rule["share_group_types_spec:show"] == false with input as fx.project_member
}

test_share_group_types_spec_show_denied_for_project_reader if {
	rules.rule["share_group_types_spec:show"] == false with input as fx.project_reader
}

test_share_group_types_spec_show_denied_for_member_of_other_project if {
	rules.rule["share_group_types_spec:show"] == false with input as fx.member_of_other_project
}

test_share_group_types_spec_show_denied_for_caller_without_roles if {
	rules.rule["share_group_types_spec:show"] == false with input as fx.caller_without_roles
}

test_share_group_types_spec_show_denied_for_service_role if {
	rules.rule["share_group_types_spec:show"] == false with input as fx.service_role
}

# share_group_types_spec:update: ADMIN

test_share_group_types_spec_update_allowed_for_admin_of_other_project if {
	rules.rule["share_group_types_spec:update"] == true with input as fx.admin_of_other_project
}

test_share_group_types_spec_update_allowed_for_admin_of_target_project if {
	rules.rule["share_group_types_spec:update"] == true with input as fx.admin_of_target_project
}

test_share_group_types_spec_update_denied_for_project_member if {
	rules.rule["share_group_types_spec:update"] == false with input as fx.project_member
}

test_share_group_types_spec_update_denied_for_project_reader if {
	rules.rule["share_group_types_spec:update"] == false with input as fx.project_reader
}

test_share_group_types_spec_update_denied_for_member_of_other_project if {
	rules.rule["share_group_types_spec:update"] == false with input as fx.member_of_other_project
}

test_share_group_types_spec_update_denied_for_caller_without_roles if {
	rules.rule["share_group_types_spec:update"] == false with input as fx.caller_without_roles
}

test_share_group_types_spec_update_denied_for_service_role if {
	rules.rule["share_group_types_spec:update"] == false with input as fx.service_role
}

# share_group_types_spec:delete: ADMIN

test_share_group_types_spec_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_group_types_spec:delete"] == true with input as fx.admin_of_other_project
}

test_share_group_types_spec_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_group_types_spec:delete"] == true with input as fx.admin_of_target_project
}

test_share_group_types_spec_delete_denied_for_project_member if {
	rules.rule["share_group_types_spec:delete"] == false with input as fx.project_member
}

test_share_group_types_spec_delete_denied_for_project_reader if {
	rules.rule["share_group_types_spec:delete"] == false with input as fx.project_reader
}

test_share_group_types_spec_delete_denied_for_member_of_other_project if {
	rules.rule["share_group_types_spec:delete"] == false with input as fx.member_of_other_project
}

test_share_group_types_spec_delete_denied_for_caller_without_roles if {
	rules.rule["share_group_types_spec:delete"] == false with input as fx.caller_without_roles
}

test_share_group_types_spec_delete_denied_for_service_role if {
	rules.rule["share_group_types_spec:delete"] == false with input as fx.service_role
}
