# Tests of metadata_and_type_access.rego against Manila's defaults. Each
# decision is asserted to be exactly true or false, so an undefined rule fails.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share:get_share_metadata: ADMIN_OR_PROJECT_READER

test_share_get_share_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share:get_share_metadata"] == true with input as fx.admin_of_other_project
}

test_share_get_share_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share:get_share_metadata"] == true with input as fx.admin_of_target_project
}

test_share_get_share_metadata_allowed_for_project_member if {
	rules.rule["share:get_share_metadata"] == true with input as fx.project_member
}

test_share_get_share_metadata_allowed_for_project_reader if {
	rules.rule["share:get_share_metadata"] == true with input as fx.project_reader
}

test_share_get_share_metadata_denied_for_member_of_other_project if {
	rules.rule["share:get_share_metadata"] == false with input as fx.member_of_other_project
}

test_share_get_share_metadata_denied_for_reader_of_other_project if {
	rules.rule["share:get_share_metadata"] == false with input as fx.reader_of_other_project
}

test_share_get_share_metadata_denied_for_caller_without_roles if {
	rules.rule["share:get_share_metadata"] == false with input as fx.caller_without_roles
}

test_share_get_share_metadata_denied_for_service_role if {
	rules.rule["share:get_share_metadata"] == false with input as fx.service_role
}

# share:update_share_metadata: ADMIN_OR_PROJECT_MEMBER

test_share_update_share_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share:update_share_metadata"] == true with input as fx.admin_of_other_project
}

test_share_update_share_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share:update_share_metadata"] == true with input as fx.admin_of_target_project
}

test_share_update_share_metadata_allowed_for_project_member if {
	rules.rule["share:update_share_metadata"] == true with input as fx.project_member
}

test_share_update_share_metadata_denied_for_project_reader if {
	rules.rule["share:update_share_metadata"] == false with input as fx.project_reader
}

test_share_update_share_metadata_denied_for_member_of_other_project if {
	rules.rule["share:update_share_metadata"] == false with input as fx.member_of_other_project
}

test_share_update_share_metadata_denied_for_caller_without_roles if {
	rules.rule["share:update_share_metadata"] == false with input as fx.caller_without_roles
}

test_share_update_share_metadata_denied_for_service_role if {
	rules.rule["share:update_share_metadata"] == false with input as fx.service_role
}

# share:delete_share_metadata: ADMIN_OR_PROJECT_MEMBER

test_share_delete_share_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share:delete_share_metadata"] == true with input as fx.admin_of_other_project
}

test_share_delete_share_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share:delete_share_metadata"] == true with input as fx.admin_of_target_project
}

test_share_delete_share_metadata_allowed_for_project_member if {
	rules.rule["share:delete_share_metadata"] == true with input as fx.project_member
}

test_share_delete_share_metadata_denied_for_project_reader if {
	rules.rule["share:delete_share_metadata"] == false with input as fx.project_reader
}

test_share_delete_share_metadata_denied_for_member_of_other_project if {
	rules.rule["share:delete_share_metadata"] == false with input as fx.member_of_other_project
}

test_share_delete_share_metadata_denied_for_caller_without_roles if {
	rules.rule["share:delete_share_metadata"] == false with input as fx.caller_without_roles
}

test_share_delete_share_metadata_denied_for_service_role if {
	rules.rule["share:delete_share_metadata"] == false with input as fx.service_role
}

# share:update_admin_only_metadata: ADMIN

test_share_update_admin_only_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share:update_admin_only_metadata"] == true with input as fx.admin_of_other_project
}

test_share_update_admin_only_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share:update_admin_only_metadata"] == true with input as fx.admin_of_target_project
}

test_share_update_admin_only_metadata_denied_for_project_member if {
	rules.rule["share:update_admin_only_metadata"] == false with input as fx.project_member
}

test_share_update_admin_only_metadata_denied_for_project_reader if {
	rules.rule["share:update_admin_only_metadata"] == false with input as fx.project_reader
}

test_share_update_admin_only_metadata_denied_for_member_of_other_project if {
	rules.rule["share:update_admin_only_metadata"] == false with input as fx.member_of_other_project
}

test_share_update_admin_only_metadata_denied_for_caller_without_roles if {
	rules.rule["share:update_admin_only_metadata"] == false with input as fx.caller_without_roles
}

test_share_update_admin_only_metadata_denied_for_service_role if {
	rules.rule["share:update_admin_only_metadata"] == false with input as fx.service_role
}

# share_snapshot:get_metadata: ADMIN_OR_PROJECT_READER

test_share_snapshot_get_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:get_metadata"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_get_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:get_metadata"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_get_metadata_allowed_for_project_member if {
	rules.rule["share_snapshot:get_metadata"] == true with input as fx.project_member
}

test_share_snapshot_get_metadata_allowed_for_project_reader if {
	rules.rule["share_snapshot:get_metadata"] == true with input as fx.project_reader
}

test_share_snapshot_get_metadata_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:get_metadata"] == false with input as fx.member_of_other_project
}

test_share_snapshot_get_metadata_denied_for_reader_of_other_project if {
	rules.rule["share_snapshot:get_metadata"] == false with input as fx.reader_of_other_project
}

test_share_snapshot_get_metadata_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:get_metadata"] == false with input as fx.caller_without_roles
}

test_share_snapshot_get_metadata_denied_for_service_role if {
	rules.rule["share_snapshot:get_metadata"] == false with input as fx.service_role
}

# share_snapshot:update_metadata: ADMIN_OR_PROJECT_MEMBER

test_share_snapshot_update_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:update_metadata"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_update_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:update_metadata"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_update_metadata_allowed_for_project_member if {
	rules.rule["share_snapshot:update_metadata"] == true with input as fx.project_member
}

test_share_snapshot_update_metadata_denied_for_project_reader if {
	rules.rule["share_snapshot:update_metadata"] == false with input as fx.project_reader
}

test_share_snapshot_update_metadata_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:update_metadata"] == false with input as fx.member_of_other_project
}

test_share_snapshot_update_metadata_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:update_metadata"] == false with input as fx.caller_without_roles
}

test_share_snapshot_update_metadata_denied_for_service_role if {
	rules.rule["share_snapshot:update_metadata"] == false with input as fx.service_role
}

# share_snapshot:delete_metadata: ADMIN_OR_PROJECT_MEMBER

test_share_snapshot_delete_metadata_allowed_for_admin_of_other_project if {
	rules.rule["share_snapshot:delete_metadata"] == true with input as fx.admin_of_other_project
}

test_share_snapshot_delete_metadata_allowed_for_admin_of_target_project if {
	rules.rule["share_snapshot:delete_metadata"] == true with input as fx.admin_of_target_project
}

test_share_snapshot_delete_metadata_allowed_for_project_member if {
	rules.rule["share_snapshot:delete_metadata"] == true with input as fx.project_member
}

test_share_snapshot_delete_metadata_denied_for_project_reader if {
	rules.rule["share_snapshot:delete_metadata"] == false with input as fx.project_reader
}

test_share_snapshot_delete_metadata_denied_for_member_of_other_project if {
	rules.rule["share_snapshot:delete_metadata"] == false with input as fx.member_of_other_project
}

test_share_snapshot_delete_metadata_denied_for_caller_without_roles if {
	rules.rule["share_snapshot:delete_metadata"] == false with input as fx.caller_without_roles
}

test_share_snapshot_delete_metadata_denied_for_service_role if {
	rules.rule["share_snapshot:delete_metadata"] == false with input as fx.service_role
}

# share_types_extra_spec:create: ADMIN

test_share_types_extra_spec_create_allowed_for_admin_of_other_project if {
	rules.rule["share_types_extra_spec:create"] == true with input as fx.admin_of_other_project
}

test_share_types_extra_spec_create_allowed_for_admin_of_target_project if {
	rules.rule["share_types_extra_spec:create"] == true with input as fx.admin_of_target_project
}

test_share_types_extra_spec_create_denied_for_project_member if {
	rules.rule["share_types_extra_spec:create"] == false with input as fx.project_member
}

test_share_types_extra_spec_create_denied_for_project_reader if {
	rules.rule["share_types_extra_spec:create"] == false with input as fx.project_reader
}

test_share_types_extra_spec_create_denied_for_member_of_other_project if {
	rules.rule["share_types_extra_spec:create"] == false with input as fx.member_of_other_project
}

test_share_types_extra_spec_create_denied_for_caller_without_roles if {
	rules.rule["share_types_extra_spec:create"] == false with input as fx.caller_without_roles
}

test_share_types_extra_spec_create_denied_for_service_role if {
	rules.rule["share_types_extra_spec:create"] == false with input as fx.service_role
}

# share_types_extra_spec:show: ADMIN

test_share_types_extra_spec_show_allowed_for_admin_of_other_project if {
	rules.rule["share_types_extra_spec:show"] == true with input as fx.admin_of_other_project
}

test_share_types_extra_spec_show_allowed_for_admin_of_target_project if {
	rules.rule["share_types_extra_spec:show"] == true with input as fx.admin_of_target_project
}

test_share_types_extra_spec_show_denied_for_project_member if {
	rules.rule["share_types_extra_spec:show"] == false with input as fx.project_member
}

test_share_types_extra_spec_show_denied_for_project_reader if {
	rules.rule["share_types_extra_spec:show"] == false with input as fx.project_reader
}

test_share_types_extra_spec_show_denied_for_member_of_other_project if {
	rules.rule["share_types_extra_spec:show"] == false with input as fx.member_of_other_project
}

test_share_types_extra_spec_show_denied_for_caller_without_roles if {
	rules.rule["share_types_extra_spec:show"] == false with input as fx.caller_without_roles
}

test_share_types_extra_spec_show_denied_for_service_role if {
	rules.rule["share_types_extra_spec:show"] == false with input as fx.service_role
}

# share_types_extra_spec:update: ADMIN

test_share_types_extra_spec_update_allowed_for_admin_of_other_project if {
	rules.rule["share_types_extra_spec:update"] == true with input as fx.admin_of_other_project
}

test_share_types_extra_spec_update_allowed_for_admin_of_target_project if {
	rules.rule["share_types_extra_spec:update"] == true with input as fx.admin_of_target_project
}

test_share_types_extra_spec_update_denied_for_project_member if {
	rules.rule["share_types_extra_spec:update"] == false with input as fx.project_member
}

test_share_types_extra_spec_update_denied_for_project_reader if {
	rules.rule["share_types_extra_spec:update"] == false with input as fx.project_reader
}

test_share_types_extra_spec_update_denied_for_member_of_other_project if {
	rules.rule["share_types_extra_spec:update"] == false with input as fx.member_of_other_project
}

test_share_types_extra_spec_update_denied_for_caller_without_roles if {
	rules.rule["share_types_extra_spec:update"] == false with input as fx.caller_without_roles
}

test_share_types_extra_spec_update_denied_for_service_role if {
	rules.rule["share_types_extra_spec:update"] == false with input as fx.service_role
}

# share_types_extra_spec:delete: ADMIN

test_share_types_extra_spec_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_types_extra_spec:delete"] == true with input as fx.admin_of_other_project
}

test_share_types_extra_spec_delete_allowed_for_admin_of_target_project if {
	rules.rule["share_types_extra_spec:delete"] == true with input as fx.admin_of_target_project
}

test_share_types_extra_spec_delete_denied_for_project_member if {
	rules.rule["share_types_extra_spec:delete"] == false with input as fx.project_member
}

test_share_types_extra_spec_delete_denied_for_project_reader if {
	rules.rule["share_types_extra_spec:delete"] == false with input as fx.project_reader
}

test_share_types_extra_spec_delete_denied_for_member_of_other_project if {
	rules.rule["share_types_extra_spec:delete"] == false with input as fx.member_of_other_project
}

test_share_types_extra_spec_delete_denied_for_caller_without_roles if {
	rules.rule["share_types_extra_spec:delete"] == false with input as fx.caller_without_roles
}

test_share_types_extra_spec_delete_denied_for_service_role if {
	rules.rule["share_types_extra_spec:delete"] == false with input as fx.service_role
}

# share_type:list_project_access: ADMIN

test_share_type_list_project_access_allowed_for_admin_of_other_project if {
	rules.rule["share_type:list_project_access"] == true with input as fx.admin_of_other_project
}

test_share_type_list_project_access_allowed_for_admin_of_target_project if {
	rules.rule["share_type:list_project_access"] == true with input as fx.admin_of_target_project
}

test_share_type_list_project_access_denied_for_project_member if {
	rules.rule["share_type:list_project_access"] == false with input as fx.project_member
}

test_share_type_list_project_access_denied_for_project_reader if {
	rules.rule["share_type:list_project_access"] == false with input as fx.project_reader
}

test_share_type_list_project_access_denied_for_member_of_other_project if {
	rules.rule["share_type:list_project_access"] == false with input as fx.member_of_other_project
}

test_share_type_list_project_access_denied_for_caller_without_roles if {
	rules.rule["share_type:list_project_access"] == false with input as fx.caller_without_roles
}

test_share_type_list_project_access_denied_for_service_role if {
	rules.rule["share_type:list_project_access"] == false with input as fx.service_role
}

# share_type:add_project_access: ADMIN

test_share_type_add_project_access_allowed_for_admin_of_other_project if {
	rules.rule["share_type:add_project_access"] == true with input as fx.admin_of_other_project
}

test_share_type_add_project_access_allowed_for_admin_of_target_project if {
	rules.rule["share_type:add_project_access"] == true with input as fx.admin_of_target_project
}

test_share_type_add_project_access_denied_for_project_member if {
	rules.rule["share_type:add_project_access"] == false with input as fx.project_member
}

test_share_type_add_project_access_denied_for_project_reader if {
	rules.rule["share_type:add_project_access"] == false with input as fx.project_reader
}

test_share_type_add_project_access_denied_for_member_of_other_project if {
	rules.rule["share_type:add_project_access"] == false with input as fx.member_of_other_project
}

test_share_type_add_project_access_denied_for_caller_without_roles if {
	rules.rule["share_type:add_project_access"] == false with input as fx.caller_without_roles
}

test_share_type_add_project_access_denied_for_service_role if {
	rules.rule["share_type:add_project_access"] == false with input as fx.service_role
}

# share_type:remove_project_access: ADMIN

test_share_type_remove_project_access_allowed_for_admin_of_other_project if {
	rules.rule["share_type:remove_project_access"] == true with input as fx.admin_of_other_project
}

test_share_type_remove_project_access_allowed_for_admin_of_target_project if {
	rules.rule["share_type:remove_project_access"] == true with input as fx.admin_of_target_project
}

test_share_type_remove_project_access_denied_for_project_member if {
	rules.rule["share_type:remove_project_access"] == false with input as fx.project_member
}

test_share_type_remove_project_access_denied_for_project_reader if {
	rules.rule["share_type:remove_project_access"] == false with input as fx.project_reader
}

test_share_type_remove_project_access_denied_for_member_of_other_project if {
	rules.rule["share_type:remove_project_access"] == false with input as fx.member_of_other_project
}

test_share_type_remove_project_access_denied_for_caller_without_roles if {
	rules.rule["share_type:remove_project_access"] == false with input as fx.caller_without_roles
}

test_share_type_remove_project_access_denied_for_service_role if {
	rules.rule["share_type:remove_project_access"] == false with input as fx.service_role
}
