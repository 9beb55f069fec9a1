# Share network, share network subnet, security service and share server
# rules, named and defaulted as in manila/policies/share_network.py,
# share_network_subnet.py, security_service.py and share_server.py.
package manila.rules

import data.manila.base

rule["share_network:create"] := base.admin_or_project_member

rule["share_network:show"] := base.admin_or_project_reader

rule["share_network:index"] := base.admin_or_project_reader

rule["share_network:detail"] := base.admin_or_project_reader

rule["share_network:update"] := base.admin_or_project_member

rule["share_network:delete"] := base.admin_or_project_member

rule["share_network:add_security_service"] := base.admin_or_project_member

rule["share_network:add_security_service_check"] := base.admin_or_project_member

rule["share_network:remove_security_service"] := base.admin_or_project_member

rule["share_network:update_security_service"] := base.admin_or_project_member

rule["share_network:update_security_service_check"] := base.admin_or_project_member

rule["share_network:reset_status"] := base.context_is_admin

rule["share_network:get_all_share_networks"] := base.context_is_admin

rule["share_network:subnet_create_check"] := base.admin_or_project_member

rule["share_network:show_network_details"] := base.context_is_admin

rule["share_network_subnet:create"] := base.admin_or_project_member

rule["share_network_subnet:delete"] := base.admin_or_project_member

rule["share_network_subnet:show"] := base.admin_or_project_reader

rule["share_network_subnet:index"] := base.admin_or_project_reader

rule["security_service:create"] := base.admin_or_project_member

rule["security_service:show"] := base.admin_or_project_reader

rule["security_service:detail"] := base.admin_or_project_reader

rule["security_service:index"] := base.admin_or_project_reader

rule["security_service:update"] := base.admin_or_project_member

rule["security_service:delete"] := base.admin_or_project_member

rule["security_service:get_all_security_services"] := base.context_is_admin

rule["share_server:index"] := base.context_is_admin

rule["share_server:show"] := base.context_is_admin

rule["share_server:details"] := base.context_is_admin

rule["share_server:delete"] := base.context_is_admin

rule["share_server:manage_share_server"] := base.context_is_admin

rule["share_server:unmanage_share_server"] := base.context_is_admin

rule["share_server:reset_status"] := base.context_is_admin

rule["share_server:share_server_migration_start"] := base.context_is_admin

rule["share_server:share_server_migration_check"] := base.context_is_admin

rule["share_server:share_server_migration_complete"] := base.context_is_admin

rule["share_server:share_server_migration_cancel"] := base.context_is_admin

rule["share_server:share_server_migration_get_progress"] := base.context_is_admin

rule["share_server:share_server_reset_task_state"] := base.context_is_admin
