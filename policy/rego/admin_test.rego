# Tests of the rule context_is_admin (admin.rego): Manila's context.is_admin,
# role:admin by default. Each decision is asserted to be exactly true or
# false, so an undefined rule fails.
package manila.rules_test

import data.manila.fixtures_test as fx
import data.manila.rules

test_context_is_admin_rule_allowed_for_admin_of_other_project if {
	rules.rule.context_is_admin == true with input as fx.admin_of_other_project
}

test_context_is_admin_rule_allowed_for_admin_role_alone if {
	rules.rule.context_is_admin == true with input as fx.admin_role_alone
}

# Manila evaluates the rule before is_admin is known: the role decides.
test_context_is_admin_rule_allowed_for_admin_role_without_is_admin_flag if {
	rules.rule.context_is_admin == true with input as fx.admin_role_without_is_admin
}

test_context_is_admin_rule_denied_for_project_member if {
	rules.rule.context_is_admin == false with input as fx.project_member
}

test_context_is_admin_rule_denied_for_project_reader if {
	rules.rule.context_is_admin == false with input as fx.project_reader
}

test_context_is_admin_rule_denied_for_service_role if {
	rules.rule.context_is_admin == false with input as fx.service_role
}

test_context_is_admin_rule_denied_for_caller_without_roles if {
	rules.rule.context_is_admin == false with input as fx.caller_without_roles
}
