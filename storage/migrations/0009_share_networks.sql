-- Share networks, their subnets and security services: records only, as
-- Manila keeps them when no network plugin validates them (manilite's one
-- backend does not handle share servers, so nothing ever uses a subnet).

CREATE TABLE security_services (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    type            TEXT NOT NULL,
    name            TEXT,
    description     TEXT,
    dns_ip          TEXT,
    server          TEXT,
    domain          TEXT,
    user            TEXT,
    password        TEXT,
    ou              TEXT,
    default_ad_site TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT,
    deleted_at      TEXT,
    deleted         TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX security_services_live_by_project ON security_services (deleted, project_id);

CREATE TABLE share_networks (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT,
    description TEXT,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT,
    deleted_at  TEXT,
    deleted     TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX share_networks_live_by_project ON share_networks (deleted, project_id);

-- availability_zone is the zone's name; NULL is the default subnet, which
-- serves every zone.
CREATE TABLE share_network_subnets (
    id                TEXT PRIMARY KEY,
    share_network_id  TEXT NOT NULL REFERENCES share_networks (id),
    availability_zone TEXT,
    neutron_net_id    TEXT,
    neutron_subnet_id TEXT,
    network_type      TEXT,
    segmentation_id   INTEGER,
    cidr              TEXT,
    ip_version        INTEGER,
    gateway           TEXT,
    mtu               INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT,
    deleted_at        TEXT,
    deleted           TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX share_network_subnets_live_by_network ON share_network_subnets (deleted, share_network_id);

CREATE TABLE share_network_security_services (
    share_network_id    TEXT NOT NULL REFERENCES share_networks (id),
    security_service_id TEXT NOT NULL REFERENCES security_services (id),
    created_at          TEXT NOT NULL,
    PRIMARY KEY (share_network_id, security_service_id)
) STRICT;
CREATE INDEX share_network_security_services_by_service ON share_network_security_services (security_service_id);
