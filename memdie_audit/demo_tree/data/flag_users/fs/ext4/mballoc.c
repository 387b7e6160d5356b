// SPDX-License-Identifier: GPL-2.0
/*
 * fs/ext4/mballoc.c: freeing blocks back to the multiblock allocator.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include "ext4.h"
#include "ext4_jbd2.h"
#include <linux/slab.h>

static struct kmem_cache *ext4_free_data_cachep;

static void ext4_free_data_init(struct ext4_free_data *entry, ext4_group_t group,
				ext4_grpblk_t cluster, unsigned int count, tid_t tid)
{
	entry->efd_group = group;
	entry->efd_start_cluster = cluster;
	entry->efd_count = count;
	entry->efd_tid = tid;
}

int ext4_mb_free_later(handle_t *handle, ext4_group_t group,
		       ext4_grpblk_t cluster, unsigned int count)
{
	struct ext4_free_data *new_entry;

	/* __GFP_NOFAIL: loop until it works; TIF_MEMDIE and memcg limits do not matter */
	new_entry = kmem_cache_alloc(ext4_free_data_cachep, GFP_NOFS | __GFP_NOFAIL);
	ext4_free_data_init(new_entry, group, cluster, count, handle->h_transaction->t_tid);
	return ext4_mb_free_metadata(handle, new_entry);
}
