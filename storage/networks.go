package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SecurityService is a live security service (an LDAP, Kerberos or Active
// Directory record a share network may name).
type SecurityService struct {
	ID        string
	ProjectID string
	Type      string
	// Fields are the optional string columns, by Manila's key: name,
	// description, dns_ip, server, domain, user, password, ou,
	// default_ad_site. A missing key is NULL.
	Fields    map[string]*string
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// SecurityServiceFields are the optional columns of a security service,
// in Manila's view order.
var SecurityServiceFields = []string{"name", "description", "dns_ip", "server", "domain", "user", "password", "ou", "default_ad_site"}

// ShareNetwork is a live share network with its live subnets and the ids
// of its security services.
type ShareNetwork struct {
	ID               string
	ProjectID        string
	UserID           string
	Name             *string
	Description      *string
	Status           string
	Subnets          []ShareNetworkSubnet
	SecurityServices []string
	CreatedAt        time.Time
	UpdatedAt        *time.Time
}

// ShareNetworkSubnet is a live subnet of a share network. A nil
// AvailabilityZone is the default subnet, serving every zone.
type ShareNetworkSubnet struct {
	ID               string
	ShareNetworkID   string
	AvailabilityZone *string
	NeutronNetID     *string
	NeutronSubnetID  *string
	NetworkType      *string
	SegmentationID   *int
	CIDR             *string
	IPVersion        *int
	Gateway          *string
	MTU              *int
	CreatedAt        time.Time
	UpdatedAt        *time.Time
}

// ErrAssociation reports a security service already associated with the
// network (adding) or not associated (removing).
var ErrAssociation = errors.New("storage: share network security service association")

const ssColumns = `id, project_id, type, name, description, dns_ip, server, domain, user, password, ou, default_ad_site, created_at, updated_at`

func scanSecurityService(s scanner) (SecurityService, error) {
	var ss SecurityService
	var created string
	var updated sql.NullString
	vals := make([]sql.NullString, len(SecurityServiceFields))
	dest := []any{&ss.ID, &ss.ProjectID, &ss.Type}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	if err := s.Scan(append(dest, &created, &updated)...); err != nil {
		return ss, err
	}
	ss.Fields = map[string]*string{}
	for i, k := range SecurityServiceFields {
		ss.Fields[k] = scanString(vals[i])
	}
	var err error
	ss.CreatedAt, err = ParseTime(created)
	ss.UpdatedAt = scanTime(updated)
	return ss, err
}

// CreateSecurityService stores a new security service.
func (db *DB) CreateSecurityService(ctx context.Context, ss SecurityService) (SecurityService, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		args := []any{ss.ID, ss.ProjectID, ss.Type}
		for _, k := range SecurityServiceFields {
			args = append(args, nullString(ss.Fields[k]))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO security_services (`+ssColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)`,
			append(args, FormatTime(tx.Now))...)
		return err
	})
	if err != nil {
		return ss, err
	}
	return db.GetSecurityService(ctx, ss.ID)
}

// GetSecurityService returns a live security service of any project.
func (db *DB) GetSecurityService(ctx context.Context, id string) (SecurityService, error) {
	ss, err := scanSecurityService(db.reader.QueryRowContext(ctx, `SELECT `+ssColumns+` FROM security_services WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ss, ErrNotFound
	}
	return ss, err
}

// ListSecurityServices returns the live security services of a project,
// or of every project for "", oldest first.
func (db *DB) ListSecurityServices(ctx context.Context, projectID string) ([]SecurityService, error) {
	q, args := `SELECT `+ssColumns+` FROM security_services WHERE deleted = 'False'`, []any{}
	if projectID != "" {
		q, args = q+` AND project_id = ?`, append(args, projectID)
	}
	rows, err := db.reader.QueryContext(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanSecurityService)
}

// UpdateSecurityService sets the given optional columns (keys of
// SecurityServiceFields; others are ignored).
func (db *DB) UpdateSecurityService(ctx context.Context, id string, set map[string]*string) (SecurityService, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		q, args := `UPDATE security_services SET updated_at = ?`, []any{FormatTime(tx.Now)}
		for _, k := range SecurityServiceFields {
			if v, ok := set[k]; ok {
				q, args = q+`, `+k+` = ?`, append(args, nullString(v))
			}
		}
		return affectedOne(tx.ExecContext(ctx, q+` WHERE id = ? AND deleted = 'False'`, append(args, id)...))
	})
	if err != nil {
		return SecurityService{}, err
	}
	return db.GetSecurityService(ctx, id)
}

// DeleteSecurityService soft-deletes a security service no share network
// names (else *InUseError).
func (db *DB) DeleteSecurityService(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_network_security_services a
			JOIN share_networks n ON n.id = a.share_network_id AND n.deleted = 'False' WHERE a.security_service_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &InUseError{What: "share networks", Count: n}
		}
		return affectedOne(tx.ExecContext(ctx, `UPDATE security_services SET deleted = id, deleted_at = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
			FormatTime(tx.Now), FormatTime(tx.Now), id))
	})
}

// SecurityServiceNetworks are the ids of the live share networks that name
// the security service.
func (db *DB) SecurityServiceNetworks(ctx context.Context, id string) ([]string, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT a.share_network_id FROM share_network_security_services a
		JOIN share_networks n ON n.id = a.share_network_id AND n.deleted = 'False'
		WHERE a.security_service_id = ? ORDER BY a.created_at, a.share_network_id`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s scanner) (string, error) {
		var v string
		return v, s.Scan(&v)
	})
}

func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const netColumns = `id, project_id, user_id, name, description, status, created_at, updated_at`

const subnetColumns = `id, share_network_id, availability_zone, neutron_net_id, neutron_subnet_id, network_type,
	segmentation_id, cidr, ip_version, gateway, mtu, created_at, updated_at`

func scanSubnet(s scanner) (ShareNetworkSubnet, error) {
	var sn ShareNetworkSubnet
	var az, net, sub, typ, cidr, gw, updated sql.NullString
	var seg, ipv, mtu sql.NullInt64
	var created string
	if err := s.Scan(&sn.ID, &sn.ShareNetworkID, &az, &net, &sub, &typ, &seg, &cidr, &ipv, &gw, &mtu, &created, &updated); err != nil {
		return sn, err
	}
	sn.AvailabilityZone, sn.NeutronNetID, sn.NeutronSubnetID, sn.NetworkType = scanString(az), scanString(net), scanString(sub), scanString(typ)
	sn.CIDR, sn.Gateway = scanString(cidr), scanString(gw)
	sn.SegmentationID, sn.IPVersion, sn.MTU = scanInt(seg), scanInt(ipv), scanInt(mtu)
	var err error
	sn.CreatedAt, err = ParseTime(created)
	sn.UpdatedAt = scanTime(updated)
	return sn, err
}

func scanInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// fill loads a network's subnets and security services.
func (db *DB) fill(ctx context.Context, q querier, n *ShareNetwork) error {
	rows, err := q.QueryContext(ctx, `SELECT `+subnetColumns+` FROM share_network_subnets
		WHERE share_network_id = ? AND deleted = 'False' ORDER BY created_at, id`, n.ID)
	if err != nil {
		return err
	}
	if n.Subnets, err = collect(rows, scanSubnet); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT a.security_service_id FROM share_network_security_services a
		JOIN security_services s ON s.id = a.security_service_id AND s.deleted = 'False'
		WHERE a.share_network_id = ? ORDER BY a.created_at, a.security_service_id`, n.ID)
	if err != nil {
		return err
	}
	n.SecurityServices, err = collect(rows, func(s scanner) (string, error) {
		var v string
		return v, s.Scan(&v)
	})
	return err
}

func scanNetwork(s scanner) (ShareNetwork, error) {
	var n ShareNetwork
	var name, desc, updated sql.NullString
	var created string
	if err := s.Scan(&n.ID, &n.ProjectID, &n.UserID, &name, &desc, &n.Status, &created, &updated); err != nil {
		return n, err
	}
	n.Name, n.Description, n.UpdatedAt = scanString(name), scanString(desc), scanTime(updated)
	var err error
	n.CreatedAt, err = ParseTime(created)
	return n, err
}

// GetShareNetwork returns a live share network of any project.
func (db *DB) GetShareNetwork(ctx context.Context, id string) (ShareNetwork, error) {
	n, err := scanNetwork(db.reader.QueryRowContext(ctx, `SELECT `+netColumns+` FROM share_networks WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, err
	}
	return n, db.fill(ctx, db.reader, &n)
}

// NetworkFilter narrows ListShareNetworks; zero values mean no condition.
type NetworkFilter struct {
	ProjectID                   string
	CreatedSince, CreatedBefore *time.Time
	SecurityServiceID           *string
}

// ListShareNetworks returns the live share networks f selects, oldest
// first.
func (db *DB) ListShareNetworks(ctx context.Context, f NetworkFilter) ([]ShareNetwork, error) {
	q, args := `SELECT `+netColumns+` FROM share_networks n WHERE deleted = 'False'`, []any{}
	if f.ProjectID != "" {
		q, args = q+` AND project_id = ?`, append(args, f.ProjectID)
	}
	if f.CreatedSince != nil {
		q, args = q+` AND created_at >= ?`, append(args, FormatTime(*f.CreatedSince))
	}
	if f.CreatedBefore != nil {
		q, args = q+` AND created_at <= ?`, append(args, FormatTime(*f.CreatedBefore))
	}
	if f.SecurityServiceID != nil {
		q, args = q+` AND EXISTS (SELECT 1 FROM share_network_security_services a WHERE a.share_network_id = n.id AND a.security_service_id = ?)`,
			append(args, *f.SecurityServiceID)
	}
	rows, err := db.reader.QueryContext(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	nets, err := collect(rows, scanNetwork)
	for i := range nets {
		if err == nil {
			err = db.fill(ctx, db.reader, &nets[i])
		}
	}
	return nets, err
}

func insertSubnet(ctx context.Context, tx *Tx, sn ShareNetworkSubnet) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO share_network_subnets (`+subnetColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL)`,
		sn.ID, sn.ShareNetworkID, nullString(sn.AvailabilityZone), nullString(sn.NeutronNetID), nullString(sn.NeutronSubnetID),
		nullString(sn.NetworkType), nullInt(sn.SegmentationID), nullString(sn.CIDR), nullInt(sn.IPVersion), nullString(sn.Gateway),
		nullInt(sn.MTU), FormatTime(tx.Now))
	return err
}

// CreateShareNetwork stores a network with its first subnet, within the
// project's (and user's) share_networks quota (else *QuotaError).
func (db *DB) CreateShareNetwork(ctx context.Context, n ShareNetwork, first ShareNetworkSubnet) (ShareNetwork, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		if err := db.reserveQuota(ctx, tx, QuotaScope{ProjectID: n.ProjectID, UserID: n.UserID}, map[string]int{"share_networks": 1}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_networks (`+netColumns+`) VALUES (?,?,?,?,?,?,?,NULL)`,
			n.ID, n.ProjectID, n.UserID, nullString(n.Name), nullString(n.Description), n.Status, FormatTime(tx.Now)); err != nil {
			return err
		}
		first.ShareNetworkID = n.ID
		return insertSubnet(ctx, tx, first)
	})
	if err != nil {
		return n, err
	}
	return db.GetShareNetwork(ctx, n.ID)
}

// NetworkUpdate is what a share network update changes: nil is unchanged.
// Subnet names the default subnet whose neutron ids change.
type NetworkUpdate struct {
	Name, Description             **string
	Subnet                        string
	NeutronNetID, NeutronSubnetID **string
}

// UpdateShareNetwork applies u in one transaction.
func (db *DB) UpdateShareNetwork(ctx context.Context, id string, u NetworkUpdate) (ShareNetwork, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		set := func(table, col string, v **string, rowID string) error {
			if v == nil {
				return nil
			}
			return affectedOne(tx.ExecContext(ctx, `UPDATE `+table+` SET `+col+` = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
				nullString(*v), FormatTime(tx.Now), rowID))
		}
		if err := affectedOne(tx.ExecContext(ctx, `UPDATE share_networks SET updated_at = ? WHERE id = ? AND deleted = 'False'`, FormatTime(tx.Now), id)); err != nil {
			return err
		}
		for _, e := range []error{
			set("share_networks", "name", u.Name, id), set("share_networks", "description", u.Description, id),
			set("share_network_subnets", "neutron_net_id", u.NeutronNetID, u.Subnet),
			set("share_network_subnets", "neutron_subnet_id", u.NeutronSubnetID, u.Subnet),
		} {
			if e != nil {
				return e
			}
		}
		return nil
	})
	if err != nil {
		return ShareNetwork{}, err
	}
	return db.GetShareNetwork(ctx, id)
}

// SetShareNetworkStatus sets a live network's status (reset_status).
func (db *DB) SetShareNetworkStatus(ctx context.Context, id, status string) error {
	return db.Write(ctx, func(tx *Tx) error {
		return affectedOne(tx.ExecContext(ctx, `UPDATE share_networks SET status = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
			status, FormatTime(tx.Now), id))
	})
}

// DeleteShareNetwork soft-deletes a network no live share or consistency
// group uses and that has at most one subnet (else *InUseError, What
// "shares", "share groups" or "subnets", in Manila's order), with its
// subnets and security service associations.
func (db *DB) DeleteShareNetwork(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		for _, use := range [][2]string{{"shares", "shares"}, {"share_groups", "share groups"}} {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+use[0]+` WHERE share_network_id = ? AND deleted = 'False'`, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &InUseError{What: use[1], Count: n}
			}
		}
		var subnets int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_network_subnets WHERE share_network_id = ? AND deleted = 'False'`, id).Scan(&subnets); err != nil {
			return err
		}
		if subnets > 1 {
			return &InUseError{What: "subnets", Count: subnets}
		}
		now := FormatTime(tx.Now)
		if err := affectedOne(tx.ExecContext(ctx, `UPDATE share_networks SET deleted = id, deleted_at = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`, now, now, id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE share_network_subnets SET deleted = id, deleted_at = ?, updated_at = ? WHERE share_network_id = ? AND deleted = 'False'`, now, now, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM share_network_security_services WHERE share_network_id = ?`, id)
		return err
	})
}

// AssociateSecurityService adds (add true) or removes the association of a
// live network and a live security service: ErrAssociation when it already
// exists (adding) or does not (removing), ErrNotFound when either is gone.
func (db *DB) AssociateSecurityService(ctx context.Context, netID, ssID string, add bool) (ShareNetwork, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		return associate(ctx, tx, netID, ssID, add)
	})
	if err != nil {
		return ShareNetwork{}, err
	}
	return db.GetShareNetwork(ctx, netID)
}

// ReplaceSecurityService swaps one associated security service for
// another in one transaction (update_security_service).
func (db *DB) ReplaceSecurityService(ctx context.Context, netID, currentID, newID string) (ShareNetwork, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		if err := associate(ctx, tx, netID, currentID, false); err != nil {
			return err
		}
		return associate(ctx, tx, netID, newID, true)
	})
	if err != nil {
		return ShareNetwork{}, err
	}
	return db.GetShareNetwork(ctx, netID)
}

func associate(ctx context.Context, tx *Tx, netID, ssID string, add bool) error {
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM share_networks WHERE id = ? AND deleted = 'False')
		* (SELECT count(*) FROM security_services WHERE id = ? AND deleted = 'False')`, netID, ssID).Scan(&live); err != nil {
		return err
	}
	if live == 0 {
		return ErrNotFound
	}
	if !add {
		return affectedAssociation(tx.ExecContext(ctx, `DELETE FROM share_network_security_services WHERE share_network_id = ? AND security_service_id = ?`, netID, ssID))
	}
	return affectedAssociation(tx.ExecContext(ctx, `INSERT INTO share_network_security_services (share_network_id, security_service_id, created_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, netID, ssID, FormatTime(tx.Now)))
}

func affectedAssociation(res sql.Result, err error) error {
	if errors.Is(affectedOne(res, err), ErrNotFound) {
		return ErrAssociation
	}
	return err
}

// CreateSubnet adds a subnet to a live network.
func (db *DB) CreateSubnet(ctx context.Context, sn ShareNetworkSubnet) (ShareNetworkSubnet, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		if err := affectedOne(tx.ExecContext(ctx, `UPDATE share_networks SET updated_at = updated_at WHERE id = ? AND deleted = 'False'`, sn.ShareNetworkID)); err != nil {
			return err
		}
		return insertSubnet(ctx, tx, sn)
	})
	if err != nil {
		return sn, err
	}
	return db.GetSubnet(ctx, sn.ID)
}

// GetSubnet returns a live subnet of any network.
func (db *DB) GetSubnet(ctx context.Context, id string) (ShareNetworkSubnet, error) {
	sn, err := scanSubnet(db.reader.QueryRowContext(ctx, `SELECT `+subnetColumns+` FROM share_network_subnets WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sn, ErrNotFound
	}
	return sn, err
}

// DeleteSubnet soft-deletes a live subnet.
func (db *DB) DeleteSubnet(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		return affectedOne(tx.ExecContext(ctx, `UPDATE share_network_subnets SET deleted = id, deleted_at = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
			FormatTime(tx.Now), FormatTime(tx.Now), id))
	})
}
