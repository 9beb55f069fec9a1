# Manila's base rules (manila/policies/base.py). Resource files build their
# checks from these. Rego names cannot hold '-', so Manila's "project-member"
# is project_member here, and so on.
#
# input.caller.roles are lower-cased before evaluation; Keystone's implied
# roles (admin => member => reader) are expected to be expanded in the token,
# as Keystone does.
package manila.base

# role:admin
default context_is_admin := false

context_is_admin if "admin" in input.caller.roles

# role:admin and project_id:%(project_id)s
default project_admin := false

project_admin if {
	"admin" in input.caller.roles
	same_project
}

# role:member and project_id:%(project_id)s
default project_member := false

project_member if {
	"member" in input.caller.roles
	same_project
}

# role:reader and project_id:%(project_id)s
default project_reader := false

project_reader if {
	"reader" in input.caller.roles
	same_project
}

# user_id:%(user_id)s and project_id:%(project_id)s
default owner_user := false

owner_user if {
	input.caller.user_id == input.target.user_id
	same_project
}

# role:admin or role:service
default admin_or_service_api := false

admin_or_service_api if "admin" in input.caller.roles

admin_or_service_api if "service" in input.caller.roles

# is_admin:True or project_id:%(project_id)s (legacy "default")
default admin_or_owner := false

admin_or_owner if input.caller.is_admin

admin_or_owner if same_project

# is_admin:True
default admin_api := false

admin_api if input.caller.is_admin

# (rule:context_is_admin) or (rule:project-member)
default admin_or_project_member := false

admin_or_project_member if context_is_admin

admin_or_project_member if project_member

# (rule:context_is_admin) or (rule:project-reader)
default admin_or_project_reader := false

admin_or_project_reader if context_is_admin

admin_or_project_reader if project_reader

default same_project := false

same_project if {
	input.caller.project_id != ""
	input.caller.project_id == input.target.project_id
}
