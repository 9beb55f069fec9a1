# Tests of Manila's base rules (manila/policies/base.py). Each rule is
# asserted to be exactly true or exactly false, so an undefined result fails.
package manila.base_test

import data.manila.base
import data.manila.fixtures_test as fx

# Every base rule has a default: an empty input denies, it does not leave
# the rule undefined.
test_all_base_rules_default_to_false_on_empty_input if {
	base.context_is_admin == false with input as {}
	base.project_admin == false with input as {}
	base.project_member == false with input as {}
	base.project_reader == false with input as {}
	base.owner_user == false with input as {}
	base.admin_or_service_api == false with input as {}
	base.admin_or_owner == false with input as {}
	base.admin_api == false with input as {}
	base.admin_or_project_member == false with input as {}
	base.admin_or_project_reader == false with input as {}
	base.same_project == false with input as {}
}

# context_is_admin: role:admin

test_context_is_admin_allowed_for_admin_of_other_project if {
	base.context_is_admin == true with input as fx.admin_of_other_project
}

test_context_is_admin_allowed_for_admin_of_target_project if {
	base.context_is_admin == true with input as fx.admin_of_target_project
}

test_context_is_admin_allowed_for_admin_role_alone if {
	base.context_is_admin == true with input as fx.admin_role_alone
}

test_context_is_admin_allowed_for_admin_role_without_is_admin_flag if {
	base.context_is_admin == true with input as fx.admin_role_without_is_admin
}

test_context_is_admin_denied_for_project_member if {
	base.context_is_admin == false with input as fx.project_member
}

test_context_is_admin_denied_for_project_reader if {
	base.context_is_admin == false with input as fx.project_reader
}

test_context_is_admin_denied_for_member_of_other_project if {
	base.context_is_admin == false with input as fx.member_of_other_project
}

test_context_is_admin_denied_for_caller_without_roles if {
	base.context_is_admin == false with input as fx.caller_without_roles
}

test_context_is_admin_denied_for_service_role if {
	base.context_is_admin == false with input as fx.service_role
}

# The engine lower-cases role names; the rule compares exactly.
test_context_is_admin_denied_for_role_name_not_lowercased if {
	base.context_is_admin == false with input as fx.uppercase_admin
}

# project_admin: role:admin and project_id:%(project_id)s

test_project_admin_allowed_for_admin_of_target_project if {
	base.project_admin == true with input as fx.admin_of_target_project
}

test_project_admin_denied_for_admin_of_other_project if {
	base.project_admin == false with input as fx.admin_of_other_project
}

test_project_admin_denied_for_project_member if {
	base.project_admin == false with input as fx.project_member
}

test_project_admin_denied_for_project_reader if {
	base.project_admin == false with input as fx.project_reader
}

test_project_admin_denied_for_caller_without_roles if {
	base.project_admin == false with input as fx.caller_without_roles
}

# project_member: role:member and project_id:%(project_id)s

test_project_member_allowed_for_member_of_target_project if {
	base.project_member == true with input as fx.project_member
}

test_project_member_allowed_for_admin_of_target_project if {
	base.project_member == true with input as fx.admin_of_target_project
}

test_project_member_allowed_for_member_without_implied_reader if {
	base.project_member == true with input as fx.member_without_implied_reader
}

test_project_member_denied_for_project_reader if {
	base.project_member == false with input as fx.project_reader
}

test_project_member_denied_for_member_of_other_project if {
	base.project_member == false with input as fx.member_of_other_project
}

test_project_member_denied_for_admin_of_other_project if {
	base.project_member == false with input as fx.admin_of_other_project
}

test_project_member_denied_for_caller_without_roles if {
	base.project_member == false with input as fx.caller_without_roles
}

test_project_member_denied_for_role_name_not_lowercased if {
	base.project_member == false with input as fx.uppercase_member
}

# project_reader: role:reader and project_id:%(project_id)s

test_project_reader_allowed_for_reader_of_target_project if {
	base.project_reader == true with input as fx.project_reader
}

test_project_reader_allowed_for_member_with_implied_reader if {
	base.project_reader == true with input as fx.project_member
}

# Implied roles are Keystone's job: a token with member but not reader is
# not a reader.
test_project_reader_denied_for_member_without_implied_reader if {
	base.project_reader == false with input as fx.member_without_implied_reader
}

test_project_reader_denied_for_reader_of_other_project if {
	base.project_reader == false with input as fx.reader_of_other_project
}

test_project_reader_denied_for_admin_of_other_project if {
	base.project_reader == false with input as fx.admin_of_other_project
}

test_project_reader_denied_for_caller_without_roles if {
	base.project_reader == false with input as fx.caller_without_roles
}

test_project_reader_denied_for_role_name_not_lowercased if {
	base.project_reader == false with input as fx.uppercase_member
}

# owner_user: user_id:%(user_id)s and project_id:%(project_id)s

test_owner_user_allowed_for_same_user_and_project if {
	base.owner_user == true with input as fx.project_member
}

test_owner_user_allowed_for_same_user_without_roles if {
	base.owner_user == true with input as fx.caller_without_roles
}

test_owner_user_denied_for_other_user_of_target_project if {
	base.owner_user == false with input as fx.project_reader
}

test_owner_user_denied_for_same_user_in_other_project if {
	base.owner_user == false with input as fx.same_user_in_other_project
}

test_owner_user_denied_for_admin_of_other_project if {
	base.owner_user == false with input as fx.admin_of_other_project
}

# admin_or_service_api: role:admin or role:service

test_admin_or_service_api_allowed_for_admin_of_other_project if {
	base.admin_or_service_api == true with input as fx.admin_of_other_project
}

test_admin_or_service_api_allowed_for_service_role if {
	base.admin_or_service_api == true with input as fx.service_role
}

test_admin_or_service_api_denied_for_project_member if {
	base.admin_or_service_api == false with input as fx.project_member
}

test_admin_or_service_api_denied_for_project_reader if {
	base.admin_or_service_api == false with input as fx.project_reader
}

test_admin_or_service_api_denied_for_caller_without_roles if {
	base.admin_or_service_api == false with input as fx.caller_without_roles
}

# admin_or_owner: is_admin:True or project_id:%(project_id)s

test_admin_or_owner_allowed_for_admin_of_other_project if {
	base.admin_or_owner == true with input as fx.admin_of_other_project
}

test_admin_or_owner_allowed_for_project_member if {
	base.admin_or_owner == true with input as fx.project_member
}

test_admin_or_owner_allowed_for_project_reader if {
	base.admin_or_owner == true with input as fx.project_reader
}

# The legacy rule checks the project only, not the roles.
test_admin_or_owner_allowed_for_caller_without_roles_in_target_project if {
	base.admin_or_owner == true with input as fx.caller_without_roles
}

test_admin_or_owner_denied_for_member_of_other_project if {
	base.admin_or_owner == false with input as fx.member_of_other_project
}

test_admin_or_owner_denied_for_caller_without_project if {
	base.admin_or_owner == false with input as fx.no_project
}

# admin_api: is_admin:True

test_admin_api_allowed_for_admin_of_other_project if {
	base.admin_api == true with input as fx.admin_of_other_project
}

test_admin_api_denied_for_project_member if {
	base.admin_api == false with input as fx.project_member
}

test_admin_api_denied_for_project_reader if {
	base.admin_api == false with input as fx.project_reader
}

test_admin_api_denied_for_caller_without_roles if {
	base.admin_api == false with input as fx.caller_without_roles
}

# admin_api reads the is_admin flag the engine derives, not the role list.
test_admin_api_denied_for_admin_role_without_is_admin_flag if {
	base.admin_api == false with input as fx.admin_role_without_is_admin
}

# admin_or_project_member: ADMIN_OR_PROJECT_MEMBER

test_admin_or_project_member_allowed_for_admin_of_other_project if {
	base.admin_or_project_member == true with input as fx.admin_of_other_project
}

test_admin_or_project_member_allowed_for_admin_role_alone if {
	base.admin_or_project_member == true with input as fx.admin_role_alone
}

test_admin_or_project_member_allowed_for_member_of_target_project if {
	base.admin_or_project_member == true with input as fx.project_member
}

test_admin_or_project_member_denied_for_project_reader if {
	base.admin_or_project_member == false with input as fx.project_reader
}

test_admin_or_project_member_denied_for_member_of_other_project if {
	base.admin_or_project_member == false with input as fx.member_of_other_project
}

test_admin_or_project_member_denied_for_caller_without_roles if {
	base.admin_or_project_member == false with input as fx.caller_without_roles
}

test_admin_or_project_member_denied_for_role_name_not_lowercased if {
	base.admin_or_project_member == false with input as fx.uppercase_member
}

# admin_or_project_reader: ADMIN_OR_PROJECT_READER

test_admin_or_project_reader_allowed_for_admin_of_other_project if {
	base.admin_or_project_reader == true with input as fx.admin_of_other_project
}

test_admin_or_project_reader_allowed_for_admin_role_alone if {
	base.admin_or_project_reader == true with input as fx.admin_role_alone
}

test_admin_or_project_reader_allowed_for_member_of_target_project if {
	base.admin_or_project_reader == true with input as fx.project_member
}

test_admin_or_project_reader_allowed_for_reader_of_target_project if {
	base.admin_or_project_reader == true with input as fx.project_reader
}

test_admin_or_project_reader_denied_for_reader_of_other_project if {
	base.admin_or_project_reader == false with input as fx.reader_of_other_project
}

test_admin_or_project_reader_denied_for_member_of_other_project if {
	base.admin_or_project_reader == false with input as fx.member_of_other_project
}

test_admin_or_project_reader_denied_for_caller_without_roles if {
	base.admin_or_project_reader == false with input as fx.caller_without_roles
}

test_admin_or_project_reader_denied_for_role_name_not_lowercased if {
	base.admin_or_project_reader == false with input as fx.uppercase_member
}

# same_project: the caller's project is the target's, and not empty.

test_same_project_allowed_for_caller_of_target_project if {
	base.same_project == true with input as fx.caller_without_roles
}

test_same_project_denied_for_caller_of_other_project if {
	base.same_project == false with input as fx.member_of_other_project
}

test_same_project_denied_when_both_project_ids_are_empty if {
	base.same_project == false with input as fx.no_project
}

test_same_project_denied_when_target_has_no_project if {
	base.same_project == false with input as {"caller": {"project_id": "p1"}, "target": {}}
}
