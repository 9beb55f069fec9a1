# Helpers for rules translated from oslo.policy check strings by
# `manilite policy import` (policy/import.go). They reproduce oslo.policy's
# checks where the translation cannot be a plain comparison.
#
# Each takes the whole input document (doc), never a field of it: a call
# whose argument is undefined is false even under "not" in Rego, while
# oslo.policy answers false for a missing attribute, and true for "not" of
# it. Inside the function a missing field just makes the call undefined,
# which "not" turns into true, as in oslo.policy.
package manila.oslo

# generic(doc, path, parts): oslo.policy's GenericCheck "<attribute>:<match>":
# the caller's attribute at path, printed as Python prints it, equals the
# match rendered from parts; a list attribute matches when an item does.
generic(doc, path, parts) if {
	value := object.get(doc.caller, path, missing)
	value != missing
	match(value, render(doc.target, parts))
}

# literal(doc, text, parts): a GenericCheck whose kind is a Python literal
# ("'member':%(role)s", "True:%(enabled)s"): the literal, printed, equals
# the rendered match.
literal(doc, text, parts) if text == render(doc.target, parts)

# role(doc, parts): a RoleCheck whose role is rendered from the target
# ("role:%(role)s"), compared lower-cased.
role(doc, parts) if lower(render(doc.target, parts)) in doc.caller.roles

# render(target, parts) is a check's match with its %(field)s replaced:
# parts are ["text", s] and ["field", name]; undefined when the target
# lacks a field (oslo.policy's KeyError, which fails the check).
render(target, parts) := concat("", texts) if {
	texts := [text | some part in parts; text := part_text(target, part)]
	count(texts) == count(parts)
}

part_text(_, ["text", s]) := s

part_text(target, ["field", name]) := pystr(target[name])

missing := {"manilite: no such attribute": true}

# pystr(x) is x as Python's str() prints a JSON value.
pystr(x) := x if is_string(x)

pystr(x) := "True" if x == true

pystr(x) := "False" if x == false

pystr(x) := "None" if is_null(x)

pystr(x) := format_int(x, 10) if {
	is_number(x)
	x == floor(x)
}

pystr(x) := sprintf("%v", [x]) if {
	is_number(x)
	x != floor(x)
}

# match(value, m): value, printed, is m; a list matches when one of its
# items does.
match(value, m) if {
	not is_array(value)
	pystr(value) == m
}

match(value, m) if {
	is_array(value)
	some item in value
	pystr(item) == m
}
