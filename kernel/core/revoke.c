// SPDX-License-Identifier: GPL-2.0
/*
 * Revocation (I/O Kit's redirect, for device removal): the revoked state
 * of a descriptor, the zap of every user mapping of it, and its parents,
 * the descriptors that contain it (composites), which are revoked with it.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>

#include "core.h"

/* Protects every descriptor's @parents list. */
static DEFINE_MUTEX(iomd_parents_lock);

/**
 * iomd_desc_link_parent() - record that a descriptor contains another
 * @child:	the contained descriptor.
 * @link:	the link, in @parent's own memory; linked until
 *		iomd_desc_unlink_parent(), whatever this returns.
 * @parent:	the containing descriptor.
 *
 * Revoking @child revokes @parent from then on.
 *
 * Return: 0, or -ENODEV if @child was revoked already (looked at under
 * the parents lock: a revoke either is seen here or finds @parent).
 */
int iomd_desc_link_parent(struct iomd_desc *child,
			  struct iomd_parent_link *link,
			  struct iomd_desc *parent)
{
	int ret;

	link->parent = parent;
	mutex_lock(&iomd_parents_lock);
	list_add_tail(&link->node, &child->parents);
	ret = READ_ONCE(child->revoked) ? -ENODEV : 0;
	mutex_unlock(&iomd_parents_lock);
	return ret;
}

/* Undo iomd_desc_link_parent(). */
void iomd_desc_unlink_parent(struct iomd_parent_link *link)
{
	mutex_lock(&iomd_parents_lock);
	list_del(&link->node);
	mutex_unlock(&iomd_parents_lock);
}

/*
 * Revoke every descriptor containing @desc, just revoked: their mappings
 * show @desc's memory (and, through iomd_desc_revoke() again, those
 * containing them).  Nesting is bounded (IOMD_COMPOSITE_MAX_DEPTH).
 */
static void iomd_desc_revoke_parents(struct iomd_desc *desc)
{
	struct iomd_parent_link *link;
	struct iomd_desc *parent;

	for (;;) {
		parent = NULL;
		mutex_lock(&iomd_parents_lock);
		list_for_each_entry(link, &desc->parents, node) {
			if (READ_ONCE(link->parent->revoked))
				continue;
			/* One being released is going anyway. */
			if (kref_get_unless_zero(&link->parent->ref)) {
				parent = link->parent;
				break;
			}
		}
		mutex_unlock(&iomd_parents_lock);
		if (!parent)
			return;
		iomd_desc_revoke(parent);
		iomd_desc_put(parent);
	}
}

/*
 * Lock (@lock) or unlock every folio of @desc, in order.  Only revocation
 * holds more than one: a fault holds one at a time, and nothing else
 * locks these folios (they are in no page cache and on no LRU list).
 */
static void iomd_desc_folios_lock(struct iomd_desc *desc, bool lock)
{
	struct folio *folio;
	unsigned long i;

	for (i = 0; i < desc->npages; i += folio_nr_pages(folio)) {
		folio = page_folio(desc->pages[i]);
		if (lock)
			folio_lock(folio);
		else
			folio_unlock(folio);
	}
}

/**
 * iomd_desc_revoke() - cut every user mapping of a descriptor
 * @desc:	the descriptor.
 *
 * I/O Kit's redirect, for device removal: every user mapping of @desc, in
 * every process, is zapped at once; later accesses to them get SIGBUS,
 * and later mmap(), kernel reads and writes, and wiring fail with -ENODEV.
 * The memory itself is freed only when the last reference goes, so no
 * process can reach freed memory.  Every composite containing @desc,
 * directly or nested, is revoked too; revoking a composite leaves its
 * parts alone.
 *
 * Context: process context; may sleep.
 */
void iomd_desc_revoke(struct iomd_desc *desc)
{
	/*
	 * A folio fault (iomd_map_fault_folio()) holds the folio lock from
	 * its revoked check until its entry is in place: with every folio
	 * locked, no such fault is half done while the descriptor is marked
	 * and its mappings zapped, so one zap removes every entry and no
	 * access succeeds after one has got SIGBUS.
	 */
	bool folios = desc->nr_pmd_folios;
	struct inode *inode;

	/*
	 * Folios are locked whether or not the descriptor has been exported
	 * yet: an export racing with this revoke may make its inode, and a
	 * mapping fault on it, right after a look at @desc->inode.  The
	 * inode is looked at once, after the descriptor is marked: any
	 * mapping it does not find can install nothing.
	 */
	if (folios)
		iomd_desc_folios_lock(desc, true);
	down_write(&desc->revoke_lock);
	/*
	 * Windows onto the object the memory belongs to: zapped before the
	 * mark shows, as the descriptor's own mappings are, so that no
	 * access succeeds after one has got SIGBUS.
	 */
	iomd_windows_revoke(desc);
	WRITE_ONCE(desc->revoked, true);
	inode = READ_ONCE(desc->inode);
	if (inode)
		unmap_mapping_range(inode->i_mapping, 0, 0, 1);
	up_write(&desc->revoke_lock);
	if (folios)
		iomd_desc_folios_lock(desc, false);
	/* Descriptors containing @desc show its memory: they go too. */
	iomd_desc_revoke_parents(desc);
}
EXPORT_SYMBOL_GPL(iomd_desc_revoke);
