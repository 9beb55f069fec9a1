# Share type rules, named and defaulted as in manila/policies/share_type.py
# and share_types_extra_spec.py.
package manila.rules

import data.manila.base

rule["share_type:create"] := base.context_is_admin

rule["share_type:update"] := base.context_is_admin

rule["share_type:delete"] := base.context_is_admin

rule["share_type:show"] := base.admin_or_project_reader

rule["share_type:index"] := base.admin_or_project_reader

rule["share_type:default"] := base.admin_or_project_reader

# Also gates the extra_specs filter of the share list.
rule["share_types_extra_spec:index"] := base.context_is_admin
