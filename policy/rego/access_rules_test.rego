# Tests of the share access rule rules (access_rules.rego).
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

# share:allow_access: ADMIN_OR_PROJECT_MEMBER

test_share_allow_access_allowed_for_admin_of_other_project if {
	rules.rule["share:allow_access"] == true with input as fx.admin_of_other_project
}

test_share_allow_access_allowed_for_project_member if {
	rules.rule["share:allow_access"] == true with input as fx.project_member
}

test_share_allow_access_denied_for_project_reader if {
	rules.rule["share:allow_access"] == false with input as fx.project_reader
}

test_share_allow_access_denied_for_member_of_other_project if {
	rules.rule["share:allow_access"] == false with input as fx.member_of_other_project
}

# share:deny_access: ADMIN_OR_PROJECT_MEMBER

test_share_deny_access_allowed_for_admin_of_other_project if {
	rules.rule["share:deny_access"] == true with input as fx.admin_of_other_project
}

test_share_deny_access_allowed_for_project_member if {
	rules.rule["share:deny_access"] == true with input as fx.project_member
}

test_share_deny_access_denied_for_project_reader if {
	rules.rule["share:deny_access"] == false with input as fx.project_reader
}

test_share_deny_access_denied_for_member_of_other_project if {
	rules.rule["share:deny_access"] == false with input as fx.member_of_other_project
}

# share_access_rule:update: ADMIN_OR_PROJECT_MEMBER

test_share_access_rule_update_allowed_for_admin_of_other_project if {
	rules.rule["share_access_rule:update"] == true with input as fx.admin_of_other_project
}

test_share_access_rule_update_allowed_for_project_member if {
	rules.rule["share_access_rule:update"] == true with input as fx.project_member
}

test_share_access_rule_update_denied_for_project_reader if {
	rules.rule["share_access_rule:update"] == false with input as fx.project_reader
}

test_share_access_rule_update_denied_for_member_of_other_project if {
	rules.rule["share_access_rule:update"] == false with input as fx.member_of_other_project
}

# share_access_metadata:update: ADMIN_OR_PROJECT_MEMBER

test_share_access_metadata_update_allowed_for_admin_of_other_project if {
	rules.rule["share_access_metadata:update"] == true with input as fx.admin_of_other_project
}

test_share_access_metadata_update_allowed_for_project_member if {
	rules.rule["share_access_metadata:update"] == true with input as fx.project_member
}

test_share_access_metadata_update_denied_for_project_reader if {
	rules.rule["share_access_metadata:update"] == false with input as fx.project_reader
}

test_share_access_metadata_update_denied_for_member_of_other_project if {
	rules.rule["share_access_metadata:update"] == false with input as fx.member_of_other_project
}

# share_access_metadata:delete: ADMIN_OR_PROJECT_MEMBER

test_share_access_metadata_delete_allowed_for_admin_of_other_project if {
	rules.rule["share_access_metadata:delete"] == true with input as fx.admin_of_other_project
}

test_share_access_metadata_delete_allowed_for_project_member if {
	rules.rule["share_access_metadata:delete"] == true with input as fx.project_member
}

test_share_access_metadata_delete_denied_for_project_reader if {
	rules.rule["share_access_metadata:delete"] == false with input as fx.project_reader
}

test_share_access_metadata_delete_denied_for_member_of_other_project if {
	rules.rule["share_access_metadata:delete"] == false with input as fx.member_of_other_project
}

# share:access_get: ADMIN_OR_PROJECT_READER

test_share_access_get_allowed_for_admin_of_other_project if {
	rules.rule["share:access_get"] == true with input as fx.admin_of_other_project
}

test_share_access_get_allowed_for_project_reader if {
	rules.rule["share:access_get"] == true with input as fx.project_reader
}

test_share_access_get_denied_for_reader_of_other_project if {
	rules.rule["share:access_get"] == false with input as fx.reader_of_other_project
}

test_share_access_get_denied_for_caller_without_roles if {
	rules.rule["share:access_get"] == false with input as fx.caller_without_roles
}

# share:access_get_all: ADMIN_OR_PROJECT_READER

test_share_access_get_all_allowed_for_admin_of_other_project if {
	rules.rule["share:access_get_all"] == true with input as fx.admin_of_other_project
}

test_share_access_get_all_allowed_for_project_reader if {
	rules.rule["share:access_get_all"] == true with input as fx.project_reader
}

test_share_access_get_all_denied_for_reader_of_other_project if {
	rules.rule["share:access_get_all"] == false with input as fx.reader_of_other_project
}

test_share_access_get_all_denied_for_caller_without_roles if {
	rules.rule["share:access_get_all"] == false with input as fx.caller_without_roles
}

# share_access_rule:get: ADMIN_OR_PROJECT_READER

test_share_access_rule_get_allowed_for_admin_of_other_project if {
	rules.rule["share_access_rule:get"] == true with input as fx.admin_of_other_project
}

test_share_access_rule_get_allowed_for_project_reader if {
	rules.rule["share_access_rule:get"] == true with input as fx.project_reader
}

test_share_access_rule_get_denied_for_reader_of_other_project if {
	rules.rule["share_access_rule:get"] == false with input as fx.reader_of_other_project
}

test_share_access_rule_get_denied_for_caller_without_roles if {
	rules.rule["share_access_rule:get"] == false with input as fx.caller_without_roles
}

# share_access_rule:index: ADMIN_OR_PROJECT_READER

test_share_access_rule_index_allowed_for_admin_of_other_project if {
	rules.rule["share_access_rule:index"] == true with input as fx.admin_of_other_project
}

test_share_access_rule_index_allowed_for_project_reader if {
	rules.rule["share_access_rule:index"] == true with input as fx.project_reader
}

test_share_access_rule_index_denied_for_reader_of_other_project if {
	rules.rule["share_access_rule:index"] == false with input as fx.reader_of_other_project
}

test_share_access_rule_index_denied_for_caller_without_roles if {
	rules.rule["share_access_rule:index"] == false with input as fx.caller_without_roles
}
