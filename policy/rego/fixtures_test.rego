# Inputs shared by the Rego tests. Every input targets project p1 and user u1
# (the shape Engine.Decide builds). Roles are lower-case, as the engine
# passes them, and carry Keystone's implied roles (admin => member =>
# reader) unless the name says otherwise.
package manila.fixtures_test

caller(user_id, project_id, roles, is_admin) := {
	"action": "test",
	"caller": {
		"user_id": user_id,
		"project_id": project_id,
		"roles": roles,
		"is_admin": is_admin,
	},
	"target": {"project_id": "p1", "user_id": "u1"},
	"request": {"method": "GET", "path": "/v2/shares", "microversion": "2.65"},
}

# Admins.
admin_of_other_project := caller("u-admin", "p-admin", ["admin", "member", "reader"], true)

admin_of_target_project := caller("u-admin", "p1", ["admin", "member", "reader"], true)

admin_role_alone := caller("u-admin", "p-admin", ["admin"], true)

# Callers of the target project p1.
project_member := caller("u1", "p1", ["member", "reader"], false)

member_without_implied_reader := caller("u1", "p1", ["member"], false)

project_reader := caller("u2", "p1", ["reader"], false)

caller_without_roles := caller("u1", "p1", [], false)

# Callers of another project.
member_of_other_project := caller("u3", "p2", ["member", "reader"], false)

reader_of_other_project := caller("u4", "p2", ["reader"], false)

same_user_in_other_project := caller("u1", "p2", ["member", "reader"], false)

service_role := caller("u-svc", "p-svc", ["service"], false)

# Role names that were not lower-cased (the engine lower-cases them; the
# rules themselves compare exactly).
uppercase_admin := caller("u-admin", "p-admin", ["Admin"], false)

uppercase_member := caller("u1", "p1", ["Member", "Reader"], false)

# A caller with no project, against a target with none.
no_project := {
	"action": "test",
	"caller": {"user_id": "u1", "project_id": "", "roles": ["member", "reader"], "is_admin": false},
	"target": {"project_id": "", "user_id": "u1"},
	"request": {"method": "GET", "path": "/v2/shares", "microversion": "2.65"},
}

# An admin role without the is_admin flag the engine derives from it.
admin_role_without_is_admin := caller("u-admin", "p-admin", ["admin"], false)
