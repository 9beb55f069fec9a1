# Tests of the helpers of imported rules (oslo.rego): each is checked
# against what oslo.policy answers, including for missing attributes and
# fields, and under "not".
package manila.oslo_test

import data.manila.oslo

doc := {
	"caller": {"user_id": "u1", "project_id": "p1", "roles": ["member", "reader"], "is_admin": false, "scope": "project"},
	"target": {"project_id": "p1", "user_id": "u1", "is_public": true, "size": 2, "role": "Member", "host": null},
}

test_generic_compares_the_attribute_with_the_rendered_match if {
	oslo.generic(doc, ["project_id"], [["field", "project_id"]])
	oslo.generic(doc, ["user_id"], [["text", "u1"]])
	oslo.generic(doc, ["project_id"], [["text", "p"], ["text", "1"]])
	not oslo.generic(doc, ["project_id"], [["text", "p2"]])
}

test_generic_prints_booleans_numbers_and_null_as_python if {
	oslo.generic(doc, ["is_admin"], [["text", "False"]])
	not oslo.generic(doc, ["is_admin"], [["text", "false"]])
	oslo.generic({"caller": {"n": 2}, "target": doc.target}, ["n"], [["field", "size"]])
	oslo.generic({"caller": {"h": "None"}, "target": doc.target}, ["h"], [["field", "host"]])
	oslo.generic({"caller": {"f": 1.5}, "target": {}}, ["f"], [["text", "1.5"]])
}

test_generic_on_a_list_matches_any_item if {
	oslo.generic(doc, ["roles"], [["text", "reader"]])
	not oslo.generic(doc, ["roles"], [["text", "admin"]])
}

test_generic_follows_dotted_paths if {
	oslo.generic({"caller": {"token": {"domain": "d1"}}, "target": {}}, ["token", "domain"], [["text", "d1"]])
	not oslo.generic({"caller": {"token": {"domain": "d1"}}, "target": {}}, ["token", "project"], [["text", "d1"]])
}

# oslo.policy: a missing caller attribute or target field fails the check,
# so "not" of it holds.
test_generic_with_a_missing_attribute_or_field_is_false if {
	not oslo.generic(doc, ["domain_id"], [["text", "d1"]])
	not oslo.generic(doc, ["project_id"], [["field", "share_id"]])
}

test_literal_compares_the_printed_literal if {
	oslo.literal(doc, "True", [["field", "is_public"]])
	oslo.literal(doc, "2", [["field", "size"]])
	not oslo.literal(doc, "False", [["field", "is_public"]])
	not oslo.literal(doc, "True", [["field", "missing"]])
}

test_role_renders_and_lowercases if {
	oslo.role(doc, [["field", "role"]])
	not oslo.role(doc, [["text", "admin"]])
	not oslo.role(doc, [["field", "missing"]])
}

test_pystr_prints_values_as_python if {
	oslo.pystr("p1") == "p1"
	oslo.pystr(true) == "True"
	oslo.pystr(false) == "False"
	oslo.pystr(null) == "None"
	oslo.pystr(-12) == "-12"
	oslo.pystr(1.5) == "1.5"
	not oslo.pystr([1])
}
