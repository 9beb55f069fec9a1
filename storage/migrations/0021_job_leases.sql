-- Jobs are leased: several nodes share one database, and a job a node
-- claimed is its own only while lease_expires lies ahead. The node renews
-- the lease while the job runs; a node that dies stops renewing, and
-- another node claims the job once the lease has expired. lease_owner
-- names the node (for operators, and so that a node restarting takes its
-- own jobs back at once). attempts, raised by every claim, is the fencing
-- token: a node's final writes name the attempt they belong to.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires TEXT;
