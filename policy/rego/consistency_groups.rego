# Consistency group and cgsnapshot rules, named and defaulted as in
# Manila's etc/manila/policy.json of the last release that had them
# (9afae8e14, January 2017): "rule:default" (admin, or the caller's own
# project) for everything but the admin actions, which are
# "rule:admin_api". Manila never moved these APIs to its later
# member/reader defaults; a project's groups are kept apart by project
# scoping in the lookups, not by these rules.
package manila.rules

import data.manila.base

rule["consistency_group:create"] := base.admin_or_owner

rule["consistency_group:get"] := base.admin_or_owner

rule["consistency_group:get_all"] := base.admin_or_owner

rule["consistency_group:update"] := base.admin_or_owner

rule["consistency_group:delete"] := base.admin_or_owner

rule["consistency_group:reset_status"] := base.admin_api

rule["consistency_group:force_delete"] := base.admin_api

rule["cgsnapshot:create"] := base.admin_or_owner

rule["cgsnapshot:get_cgsnapshot"] := base.admin_or_owner

rule["cgsnapshot:get_all"] := base.admin_or_owner

rule["cgsnapshot:update"] := base.admin_or_owner

rule["cgsnapshot:delete"] := base.admin_or_owner

rule["cgsnapshot:reset_status"] := base.admin_api

rule["cgsnapshot:force_delete"] := base.admin_api
