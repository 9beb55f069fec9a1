package backend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// GroupMember names one share's image in a consistency group snapshot.
type GroupMember struct {
	MemberID string
	ShareID  string
}

// groupsDir holds the consistency group snapshots' images:
// <data-dir>/cgsnapshots/<cgsnapshot id>/<member id>/.
func (l *Local) groupsDir() string { return filepath.Join(filepath.Dir(l.root), "cgsnapshots") }

// GroupImagePath is the folder of a consistency group snapshot's images.
func (l *Local) GroupImagePath(id string) (string, error) {
	if err := checkID("cgsnapshot", id); err != nil {
		return "", err
	}
	return filepath.Join(l.groupsDir(), id), nil
}

// CreateGroupImage copies every member share's tree into one folder,
// <data-dir>/cgsnapshots/<id>/<member id>/, which gets its name only when
// all the copies are whole. The copies are taken one after the other: the
// caller keeps manilite from changing the shares meanwhile, but a plain
// directory cannot stop writers outside manilite. A filesystem with atomic
// snapshots (btrfs subvolumes, ZFS datasets) could implement this call with
// one consistent snapshot of all members. Existing images are kept (the
// call is idempotent).
func (l *Local) CreateGroupImage(ctx context.Context, id string, members []GroupMember) error {
	final, err := l.GroupImagePath(id)
	if err != nil {
		return err
	}
	if st, err := os.Stat(final); err == nil && st.IsDir() {
		return nil
	}
	if err := os.MkdirAll(l.groupsDir(), 0o700); err != nil {
		return fmt.Errorf("backend: cgsnapshot %s: %w", id, err)
	}
	work := filepath.Join(l.groupsDir(), ".tmp-"+id)
	if err := removeTree(work); err != nil {
		return fmt.Errorf("backend: cgsnapshot %s: remove leftover: %w", id, err)
	}
	err = os.Mkdir(work, 0o700)
	for _, m := range members {
		if err != nil {
			break
		}
		if err = checkID("cgsnapshot member", m.MemberID); err != nil {
			break
		}
		var src string
		if src, err = l.SharePath(m.ShareID); err != nil {
			break
		}
		err = l.copyTree(ctx, src, work, m.MemberID)
	}
	if err == nil {
		err = syncDir(work)
	}
	if err == nil {
		err = os.Rename(work, final)
	}
	if err == nil {
		err = syncDir(l.groupsDir())
	}
	if err != nil {
		_ = removeTree(work)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("backend: cgsnapshot %s: %w", id, err)
	}
	return nil
}

// DeleteGroupImage removes a consistency group snapshot's images (and an
// unfinished attempt at them).
func (l *Local) DeleteGroupImage(id string) error {
	if _, err := l.GroupImagePath(id); err != nil {
		return err
	}
	if err := removeTree(filepath.Join(l.groupsDir(), ".tmp-"+id)); err != nil {
		return fmt.Errorf("backend: delete cgsnapshot %s: %w", id, err)
	}
	if _, err := os.Stat(l.groupsDir()); os.IsNotExist(err) {
		return nil
	}
	if err := removeAside(l.groupsDir(), id); err != nil {
		return fmt.Errorf("backend: delete cgsnapshot %s: %w", id, err)
	}
	return nil
}

// CreateShareFromImage makes share shareID's directory a copy of one
// member's image and returns its path (the export location). The copy is
// built beside the shares and renamed into place; a share that exists
// already is left as it is.
func (l *Local) CreateShareFromImage(ctx context.Context, cgsnapshotID, memberID, shareID string) (string, error) {
	image, err := l.GroupImagePath(cgsnapshotID)
	if err != nil {
		return "", err
	}
	if err := checkID("cgsnapshot member", memberID); err != nil {
		return "", err
	}
	return l.createShareFrom(ctx, filepath.Join(image, memberID), shareID,
		fmt.Sprintf("cgsnapshot %s member %s", cgsnapshotID, memberID))
}
