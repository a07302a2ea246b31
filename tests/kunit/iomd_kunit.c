// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of iomd's in-kernel API (include/linux/iomd.h): zones, the
 * general allocator, kernel-range descriptors, buffer descriptors,
 * composite descriptors and the DMA view.
 *
 * The tests only use what iomd exports.  Everything a test allocates is
 * handed to a KUnit deferred action as soon as it exists, so a failed
 * assertion still frees it; the actions run in reverse order, so elements
 * are freed before their zone is destroyed and descriptors are put before
 * the memory they describe is freed.  The statistics checks assume that
 * nothing else uses iomd's general pool while the tests run.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/iomd.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "compat.h"

/* Size classes of the general pool, and its page pool. */
static const size_t iomd_kunit_classes[] = {
	16, 32, 64, 128, 256, 512, 1024, 2048,
};

#define IOMD_KUNIT_CLASSES	ARRAY_SIZE(iomd_kunit_classes)
#define IOMD_KUNIT_POOL_ZONES	(IOMD_KUNIT_CLASSES + 1)
#define IOMD_KUNIT_PAGES	IOMD_KUNIT_CLASSES
#define IOMD_KUNIT_MAX_SMALL	2048
#define IOMD_KUNIT_MAX_SHIFT	20	/* alignments up to 1 MiB */

KUNIT_DEFINE_ACTION_WRAPPER(iomd_kunit_desc_put, iomd_desc_put,
			    struct iomd_desc *);
KUNIT_DEFINE_ACTION_WRAPPER(iomd_kunit_zone_destroy, iomd_zone_destroy,
			    struct iomd_zone *);
KUNIT_DEFINE_ACTION_WRAPPER(iomd_kunit_vfree, vfree, const void *);

/* How a tracked allocation is freed. */
enum iomd_kunit_kind {
	IOMD_KUNIT_MALLOC,
	IOMD_KUNIT_ALIGNED,
	IOMD_KUNIT_CONTIGUOUS,
	IOMD_KUNIT_ZONE,
};

/**
 * struct iomd_kunit_mem - an allocation freed when its test ends
 * @kind:	the allocator it came from.
 * @zone:	its zone, for IOMD_KUNIT_ZONE.
 * @ptr:	the memory.
 * @size:	the size it was allocated with.
 */
struct iomd_kunit_mem {
	enum iomd_kunit_kind kind;
	struct iomd_zone *zone;
	void *ptr;
	size_t size;
};

static void iomd_kunit_mem_release(void *data)
{
	struct iomd_kunit_mem *m = data;

	switch (m->kind) {
	case IOMD_KUNIT_MALLOC:
		iomd_free(m->ptr, m->size);
		break;
	case IOMD_KUNIT_ALIGNED:
		iomd_free_aligned(m->ptr, m->size);
		break;
	case IOMD_KUNIT_CONTIGUOUS:
		iomd_free_contiguous(m->ptr, m->size);
		break;
	case IOMD_KUNIT_ZONE:
		iomd_zone_free(m->zone, m->ptr);
		break;
	}
}

/*
 * Have @ptr freed when the test ends, however it ends.  Return the
 * tracker, or NULL if @ptr is NULL (or could not be tracked, in which
 * case it is freed now).
 */
static struct iomd_kunit_mem *iomd_kunit_track(struct kunit *test,
					       enum iomd_kunit_kind kind,
					       struct iomd_zone *zone,
					       void *ptr, size_t size)
{
	struct iomd_kunit_mem tmp = {
		.kind = kind, .zone = zone, .ptr = ptr, .size = size,
	};
	struct iomd_kunit_mem *m;

	if (!ptr)
		return NULL;
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	if (!m) {
		iomd_kunit_mem_release(&tmp);
		return NULL;
	}
	*m = tmp;
	if (kunit_add_action_or_reset(test, iomd_kunit_mem_release, m))
		return NULL;
	return m;
}

/* Free a tracked allocation now. */
static void iomd_kunit_release(struct kunit *test, struct iomd_kunit_mem *m)
{
	kunit_release_action(test, iomd_kunit_mem_release, m);
}

static struct iomd_kunit_mem *iomd_kunit_malloc(struct kunit *test,
						size_t size)
{
	return iomd_kunit_track(test, IOMD_KUNIT_MALLOC, NULL,
				iomd_malloc(size), size);
}

static struct iomd_kunit_mem *iomd_kunit_aligned(struct kunit *test,
						 size_t size, size_t align)
{
	return iomd_kunit_track(test, IOMD_KUNIT_ALIGNED, NULL,
				iomd_malloc_aligned(size, align), size);
}

static struct iomd_kunit_mem *iomd_kunit_contig(struct kunit *test,
						size_t size, size_t align,
						u64 mask, phys_addr_t *phys)
{
	return iomd_kunit_track(test, IOMD_KUNIT_CONTIGUOUS, NULL,
				iomd_malloc_contiguous(size, align, mask, phys),
				size);
}

static struct iomd_kunit_mem *iomd_kunit_zalloc(struct kunit *test,
						struct iomd_zone *zone,
						gfp_t gfp)
{
	return iomd_kunit_track(test, IOMD_KUNIT_ZONE, zone,
				iomd_zone_alloc(zone, gfp), 0);
}

/* Create a zone that is destroyed when the test ends. */
static struct iomd_zone *iomd_kunit_zone(struct kunit *test, const char *name,
					 size_t elem_size, unsigned long limit)
{
	struct iomd_why why = { };
	struct iomd_zone *zone;

	zone = iomd_zone_create(name, elem_size, limit, &why);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(zone), "zone %s: %d %s", name,
			       why.err, why.msg);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iomd_kunit_zone_destroy,
							zone), 0);
	return zone;
}

/* Own @desc (an iomd_* result) until the test ends. */
static struct iomd_desc *iomd_kunit_own(struct kunit *test,
					struct iomd_desc *desc,
					const struct iomd_why *why)
{
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(desc), "%d %s", why->err,
			       why->msg);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iomd_kunit_desc_put,
							desc), 0);
	return desc;
}

static void iomd_kunit_stat(struct kunit *test, const char *name,
			    struct iomd_zone_stat *st)
{
	KUNIT_ASSERT_EQ_MSG(test, iomd_zone_stat_by_name(name, st), 0,
			    "no zone named %s", name);
}

/* Statistics of the general pool: the class zones, then the page pool. */
static void iomd_kunit_pool_stat(struct kunit *test,
				 struct iomd_zone_stat *st)
{
	char name[IOMD_ZONE_NAME_LEN];
	unsigned int i;

	for (i = 0; i < IOMD_KUNIT_CLASSES; i++) {
		snprintf(name, sizeof(name), "iomd.%zu", iomd_kunit_classes[i]);
		iomd_kunit_stat(test, name, &st[i]);
	}
	iomd_kunit_stat(test, "iomd.pages", &st[IOMD_KUNIT_PAGES]);
}

static struct iomd_zone_stat *iomd_kunit_pool_alloc(struct kunit *test)
{
	struct iomd_zone_stat *st;

	st = kunit_kcalloc(test, IOMD_KUNIT_POOL_ZONES, sizeof(*st),
			   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	return st;
}

static size_t iomd_kunit_npages(size_t size)
{
	return DIV_ROUND_UP(size, iomd_page_size());
}

/* Bytes past the last @align boundary at or below @p: 0 when aligned. */
static unsigned long iomd_kunit_misalign(const void *p, size_t align)
{
	return (unsigned long)p & (align - 1);
}

/* Fail unless every byte of [p, p + len) is zero. */
static void iomd_kunit_expect_zero(struct kunit *test, const void *p,
				   size_t len)
{
	const u8 *bad = memchr_inv(p, 0, len);

	KUNIT_EXPECT_NULL_MSG(test, bad, "byte %td of %zu is %#x",
			      bad ? bad - (const u8 *)p : 0, len,
			      bad ? *bad : 0);
}

/*
 * Fail unless [@a, @a + @len) and [@b, @b + @len) hold the same bytes,
 * naming the first difference (KUNIT_EXPECT_MEMEQ dumps whole buffers).
 */
static void iomd_kunit_expect_same(struct kunit *test, const void *a,
				   const void *b, size_t len)
{
	const u8 *x = a, *y = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, len, "byte %zu: %#x != %#x", i,
			    i < len ? x[i] : 0, i < len ? y[i] : 0);
}

/* Fill @buf with a pattern that differs at every offset and for @seed. */
static void iomd_kunit_pattern(u8 *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(i * 31 + seed * 7 + 1);
}

/* A new mapping as mmap() hands it to a driver, with no flags at all. */
static struct vm_area_struct *iomd_kunit_vma(struct kunit *test)
{
	struct vm_area_struct *vma = kunit_kzalloc(test, sizeof(*vma),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vma);
	return vma;
}

/* ---------------------------------------------------------------------
 * Zones
 */

static void iomd_kunit_expect_create_fails(struct kunit *test,
					   const char *name, size_t size,
					   unsigned long limit, int err,
					   const char *needle)
{
	struct iomd_why why = { };
	struct iomd_zone *zone;

	zone = iomd_zone_create(name, size, limit, &why);
	if (!IS_ERR(zone)) {
		KUNIT_FAIL(test, "zone \"%s\" size %zu limit %lu created",
			   name ? name : "(null)", size, limit);
		iomd_zone_destroy(zone);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(zone), (long)err);
	KUNIT_EXPECT_EQ(test, why.err, err);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why.msg, needle ? needle : ""),
				  "reason: %s", why.msg);
	KUNIT_EXPECT_GT(test, strlen(why.msg), 0);
}

static void iomd_kunit_zone_create_errors(struct kunit *test)
{
	char name[IOMD_ZONE_NAME_LEN + 1];
	struct iomd_zone_stat st;
	struct iomd_zone *zone;

	iomd_kunit_expect_create_fails(test, NULL, 16, 1, -EINVAL, NULL);
	iomd_kunit_expect_create_fails(test, "", 16, 1, -EINVAL, NULL);
	memset(name, 'z', IOMD_ZONE_NAME_LEN);
	name[IOMD_ZONE_NAME_LEN] = '\0';
	iomd_kunit_expect_create_fails(test, name, 16, 1, -EINVAL, NULL);
	iomd_kunit_expect_create_fails(test, "kunit.size0", 0, 1, -EINVAL,
				       NULL);
	/* The reason for an oversized element names the remedy. */
	iomd_kunit_expect_create_fails(test, "kunit.big",
				       IOMD_ZONE_MAX_ELEM + 1, 1, -EINVAL,
				       "iomd_malloc_aligned");
	iomd_kunit_expect_create_fails(test, "kunit.limit0", 16, 0, -EINVAL,
				       NULL);

	/* The longest name and the largest element are accepted. */
	name[IOMD_ZONE_NAME_LEN - 1] = '\0';
	iomd_kunit_zone(test, name, IOMD_ZONE_MAX_ELEM, 1);
	iomd_kunit_stat(test, name, &st);
	KUNIT_EXPECT_STREQ(test, st.name, name);
	KUNIT_EXPECT_EQ(test, st.elem_size, (size_t)IOMD_ZONE_MAX_ELEM);
	KUNIT_EXPECT_EQ(test, st.limit, 1UL);

	/* A second zone of a live zone's name is refused... */
	zone = iomd_kunit_zone(test, "kunit.dup", 24, 3);
	iomd_kunit_expect_create_fails(test, "kunit.dup", 24, 3, -EEXIST,
				       "kunit.dup");
	iomd_kunit_expect_create_fails(test, "kunit.dup", 48, 9, -EEXIST,
				       "kunit.dup");

	/* ...and leaves the first one as it was. */
	iomd_kunit_stat(test, "kunit.dup", &st);
	KUNIT_EXPECT_EQ(test, st.elem_size, (size_t)24);
	KUNIT_EXPECT_EQ(test, st.limit, 3UL);
	KUNIT_EXPECT_FALSE(test, st.dead);
	KUNIT_ASSERT_NOT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 1UL);

	KUNIT_EXPECT_EQ(test, iomd_zone_stat_by_name("kunit.none", &st),
			-ENOENT);
}

static void iomd_kunit_zone_alloc_basic(struct kunit *test)
{
	const size_t size = 40;
	struct iomd_zone_stat st, st2;
	struct iomd_kunit_mem *a, *b;
	struct iomd_zone *zone;

	zone = iomd_kunit_zone(test, "kunit.basic", size, 8);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_STREQ(test, st.name, "kunit.basic");
	KUNIT_EXPECT_EQ(test, st.elem_size, size);
	KUNIT_EXPECT_EQ(test, st.limit, 8UL);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 0UL);
	KUNIT_EXPECT_FALSE(test, st.dead);

	a = iomd_kunit_zalloc(test, zone, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)a->ptr,
					   IOMD_ZONE_ALIGN));
	iomd_kunit_expect_zero(test, a->ptr, size);
	memset(a->ptr, 0x5a, size);

	b = iomd_kunit_zalloc(test, zone, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)b->ptr,
					   IOMD_ZONE_ALIGN));
	KUNIT_EXPECT_PTR_NE(test, a->ptr, b->ptr);
	memset(b->ptr, 0xa5, size);
	KUNIT_EXPECT_NULL(test, memchr_inv(a->ptr, 0x5a, size));

	iomd_zone_get_stat(zone, &st);
	iomd_kunit_stat(test, "kunit.basic", &st2);
	KUNIT_EXPECT_EQ(test, st.in_use, 2UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 2UL);
	KUNIT_EXPECT_MEMEQ(test, &st, &st2, sizeof(st));

	/* NULL is ignored. */
	iomd_zone_free(zone, NULL);
	iomd_zone_get_stat(zone, &st2);
	KUNIT_EXPECT_MEMEQ(test, &st, &st2, sizeof(st));

	iomd_kunit_release(test, a);
	iomd_kunit_release(test, b);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_EQ(test, st.total_frees, 2UL);
	KUNIT_EXPECT_EQ(test, st.peak, 2UL);
}

static void iomd_kunit_zone_foreign_free(struct kunit *test)
{
	struct iomd_zone_stat before, after;
	struct iomd_zone *zone;
	u8 *buf;

	zone = iomd_kunit_zone(test, "kunit.foreign", 32, 4);
	KUNIT_ASSERT_NOT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));
	/* Zeroed memory that was never a zone element, header included. */
	buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	iomd_zone_get_stat(zone, &before);
	iomd_zone_free(zone, buf + 16);
	iomd_zone_get_stat(zone, &after);
	KUNIT_EXPECT_MEMEQ(test, &before, &after, sizeof(before));
	KUNIT_EXPECT_EQ(test, after.in_use, 1UL);
}

static void iomd_kunit_zone_exhaustion(struct kunit *test)
{
	const unsigned long limit = 4;
	struct iomd_kunit_mem *m[4];
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	unsigned long i;

	zone = iomd_kunit_zone(test, "kunit.exhaust", 64, limit);
	for (i = 0; i < limit; i++) {
		m[i] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}

	/* Full: NULL, counted, for sleeping and atomic callers alike. */
	KUNIT_EXPECT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_ATOMIC));
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, limit);
	KUNIT_EXPECT_EQ(test, st.failures, 2UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, limit);

	/* One free makes room for exactly one element. */
	iomd_kunit_release(test, m[1]);
	m[1] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m[1]);
	KUNIT_EXPECT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));

	/* Emptied, the whole limit is available again. */
	for (i = 0; i < limit; i++)
		iomd_kunit_release(test, m[i]);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	for (i = 0; i < limit; i++) {
		m[i] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}
	KUNIT_EXPECT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, limit);
	KUNIT_EXPECT_EQ(test, st.peak, limit);
	KUNIT_EXPECT_EQ(test, st.failures, 4UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 2 * limit + 1);
	KUNIT_EXPECT_EQ(test, st.total_frees, limit + 1);
}

static void iomd_kunit_expect_stat(struct kunit *test, struct iomd_zone *zone,
				   unsigned long in_use, unsigned long peak,
				   unsigned long allocs, unsigned long frees,
				   unsigned long failures)
{
	struct iomd_zone_stat st;

	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, in_use);
	KUNIT_EXPECT_EQ(test, st.peak, peak);
	KUNIT_EXPECT_EQ(test, st.total_allocs, allocs);
	KUNIT_EXPECT_EQ(test, st.total_frees, frees);
	KUNIT_EXPECT_EQ(test, st.failures, failures);
	KUNIT_EXPECT_EQ(test, st.limit, 5UL);
	KUNIT_EXPECT_FALSE(test, st.dead);
}

static void iomd_kunit_zone_stats_mixed(struct kunit *test)
{
	struct iomd_kunit_mem *m[6];
	struct iomd_zone *zone;
	unsigned int i;

	zone = iomd_kunit_zone(test, "kunit.stats", 100, 5);
	iomd_kunit_expect_stat(test, zone, 0, 0, 0, 0, 0);

	for (i = 0; i < 3; i++) {
		m[i] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}
	iomd_kunit_expect_stat(test, zone, 3, 3, 3, 0, 0);

	iomd_kunit_release(test, m[1]);
	iomd_kunit_expect_stat(test, zone, 2, 3, 3, 1, 0);

	m[1] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m[1]);
	for (i = 3; i < 5; i++) {
		m[i] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}
	iomd_kunit_expect_stat(test, zone, 5, 5, 6, 1, 0);

	KUNIT_EXPECT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, iomd_kunit_zalloc(test, zone, GFP_KERNEL));
	iomd_kunit_expect_stat(test, zone, 5, 5, 6, 1, 2);

	for (i = 0; i < 4; i++)
		iomd_kunit_release(test, m[i]);
	iomd_kunit_expect_stat(test, zone, 1, 5, 6, 5, 2);

	m[5] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m[5]);
	iomd_kunit_expect_stat(test, zone, 2, 5, 7, 5, 2);

	iomd_kunit_release(test, m[4]);
	iomd_kunit_release(test, m[5]);
	iomd_kunit_expect_stat(test, zone, 0, 5, 7, 7, 2);
}

/* Wait for a dead zone to be finalized and unlisted. */
static int iomd_kunit_wait_unlisted(const char *name)
{
	struct iomd_zone_stat st;
	unsigned int i;

	for (i = 0; i < 250; i++) {
		if (iomd_zone_stat_by_name(name, &st) == -ENOENT)
			return 0;
		msleep(20);
	}
	return -ETIMEDOUT;
}

static void iomd_kunit_zone_destroy_leaks(struct kunit *test)
{
	struct iomd_kunit_mem *m[3];
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	unsigned int i;
	long leaked;

	zone = iomd_kunit_zone(test, "kunit.leak", 32, 8);
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		m[i] = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}

	/* The elements' actions still free them into the dead zone. */
	kunit_remove_action(test, iomd_kunit_zone_destroy, zone);
	leaked = iomd_zone_destroy(zone);
	KUNIT_EXPECT_EQ(test, leaked, 3L);

	iomd_kunit_stat(test, "kunit.leak", &st);
	KUNIT_EXPECT_TRUE(test, st.dead);
	KUNIT_EXPECT_EQ(test, st.in_use, 3UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 3UL);

	/* Leaked elements stay valid memory. */
	memset(m[0]->ptr, 0x11, 32);
	iomd_kunit_release(test, m[0]);
	iomd_kunit_release(test, m[1]);
	iomd_kunit_stat(test, "kunit.leak", &st);
	KUNIT_EXPECT_TRUE(test, st.dead);
	KUNIT_EXPECT_EQ(test, st.in_use, 1UL);
	KUNIT_EXPECT_EQ(test, st.total_frees, 2UL);

	/* The last free lets the zone go. */
	iomd_kunit_release(test, m[2]);
	KUNIT_EXPECT_EQ(test, iomd_kunit_wait_unlisted("kunit.leak"), 0);

	/* An empty zone reports nothing and is gone at once. */
	zone = iomd_zone_create("kunit.leak", 32, 8, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(zone));
	KUNIT_EXPECT_EQ(test, iomd_zone_destroy(zone), 0L);
	KUNIT_EXPECT_EQ(test, iomd_zone_stat_by_name("kunit.leak", &st),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, iomd_zone_destroy(NULL), 0L);
}

static void iomd_kunit_zone_dead_name_reuse(struct kunit *test)
{
	struct iomd_kunit_mem *old, *new;
	struct iomd_zone *zone, *again;
	struct iomd_zone_stat st;

	zone = iomd_kunit_zone(test, "kunit.reuse", 48, 2);
	old = iomd_kunit_zalloc(test, zone, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	kunit_remove_action(test, iomd_kunit_zone_destroy, zone);
	KUNIT_EXPECT_EQ(test, iomd_zone_destroy(zone), 1L);

	/* A dead zone's name is free for a new zone, which zprint prefers. */
	again = iomd_kunit_zone(test, "kunit.reuse", 64, 3);
	iomd_kunit_stat(test, "kunit.reuse", &st);
	KUNIT_EXPECT_FALSE(test, st.dead);
	KUNIT_EXPECT_EQ(test, st.elem_size, (size_t)64);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);

	new = iomd_kunit_zalloc(test, again, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, new);
	iomd_kunit_release(test, old);
	iomd_kunit_stat(test, "kunit.reuse", &st);
	KUNIT_EXPECT_FALSE(test, st.dead);
	KUNIT_EXPECT_EQ(test, st.in_use, 1UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 1UL);
}

/* Concurrent allocation: threads, each with its own counters. */
#define IOMD_KUNIT_THREADS	4
#define IOMD_KUNIT_HOLD		8

/**
 * struct iomd_kunit_worker - one allocating thread
 * @zone:	the zone all threads share.
 * @elem_size:	its element size.
 * @malloc_size: the iomd_malloc() size of this thread.
 * @iterations:	zone and iomd_malloc allocations to attempt.
 * @go:		completed when all threads may start.
 * @done:	completed by the thread when it has finished.
 * @task:	the thread, with a reference held.
 * @zone_ok:	zone allocations that succeeded.
 * @zone_failed: zone allocations that returned NULL.
 * @malloc_ok:	iomd_malloc() calls that succeeded.
 * @malloc_failed: iomd_malloc() calls that returned NULL.
 */
struct iomd_kunit_worker {
	struct iomd_zone *zone;
	size_t elem_size;
	size_t malloc_size;
	unsigned int iterations;
	struct completion *go;
	struct completion done;
	struct task_struct *task;
	unsigned long zone_ok;
	unsigned long zone_failed;
	unsigned long malloc_ok;
	unsigned long malloc_failed;
};

static int iomd_kunit_worker_fn(void *data)
{
	struct iomd_kunit_worker *w = data;
	void *held[IOMD_KUNIT_HOLD];
	unsigned int i, n = 0;
	void *p;

	wait_for_completion(w->go);
	for (i = 0; i < w->iterations; i++) {
		p = iomd_zone_alloc(w->zone, GFP_KERNEL);
		if (p) {
			memset(p, i, w->elem_size);
			held[n++] = p;
			w->zone_ok++;
		} else {
			w->zone_failed++;
		}
		if (n == IOMD_KUNIT_HOLD)
			while (n)
				iomd_zone_free(w->zone, held[--n]);

		p = iomd_malloc(w->malloc_size);
		if (p) {
			memset(p, i, w->malloc_size);
			iomd_free(p, w->malloc_size);
			w->malloc_ok++;
		} else {
			w->malloc_failed++;
		}
		cond_resched();
	}
	while (n)
		iomd_zone_free(w->zone, held[--n]);
	complete(&w->done);
	return 0;
}

/* Run @count workers at once and wait until all have stopped. */
static int iomd_kunit_run_workers(struct iomd_kunit_worker *w,
				  unsigned int count)
{
	DECLARE_COMPLETION_ONSTACK(go);
	struct task_struct *task;
	unsigned int i, started;

	for (i = 0; i < count; i++) {
		w[i].go = &go;
		init_completion(&w[i].done);
		task = kthread_create(iomd_kunit_worker_fn, &w[i],
				      "iomd_kunit/%u", i);
		if (IS_ERR(task))
			break;
		get_task_struct(task);
		w[i].task = task;
		wake_up_process(task);
	}
	started = i;
	complete_all(&go);
	for (i = 0; i < started; i++) {
		wait_for_completion(&w[i].done);
		kthread_stop_put(w[i].task);
	}
	return started == count ? 0 : -ENOMEM;
}

static void iomd_kunit_zone_concurrent(struct kunit *test,
				       unsigned long limit,
				       unsigned int iterations)
{
	struct iomd_zone_stat *before, *after, st;
	unsigned long ok = 0, failed = 0;
	struct iomd_kunit_worker *w;
	struct iomd_zone *zone;
	unsigned int i, c;

	zone = iomd_kunit_zone(test, "kunit.threads", 72, limit);
	w = kunit_kcalloc(test, IOMD_KUNIT_THREADS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	before = iomd_kunit_pool_alloc(test);
	after = iomd_kunit_pool_alloc(test);
	for (i = 0; i < IOMD_KUNIT_THREADS; i++) {
		w[i].zone = zone;
		w[i].elem_size = 72;
		/* Thread i uses size class i: 16, 32, 64, 128 bytes. */
		w[i].malloc_size = iomd_kunit_classes[i] - i;
		w[i].iterations = iterations;
	}

	iomd_kunit_pool_stat(test, before);
	KUNIT_ASSERT_EQ(test, iomd_kunit_run_workers(w, IOMD_KUNIT_THREADS), 0);
	iomd_kunit_pool_stat(test, after);

	for (i = 0; i < IOMD_KUNIT_THREADS; i++) {
		KUNIT_EXPECT_EQ(test, w[i].zone_ok + w[i].zone_failed,
				(unsigned long)iterations);
		KUNIT_EXPECT_EQ(test, w[i].malloc_ok, (unsigned long)iterations);
		KUNIT_EXPECT_EQ(test, w[i].malloc_failed, 0UL);
		ok += w[i].zone_ok;
		failed += w[i].zone_failed;
	}
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.total_allocs, ok);
	KUNIT_EXPECT_EQ(test, st.total_frees, ok);
	KUNIT_EXPECT_EQ(test, st.failures, failed);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_LE(test, st.peak, limit);
	KUNIT_EXPECT_GT(test, st.peak, 0UL);
	if (limit >= IOMD_KUNIT_THREADS * IOMD_KUNIT_HOLD) {
		KUNIT_EXPECT_EQ(test, failed, 0UL);
		KUNIT_EXPECT_EQ(test, ok,
				(unsigned long)IOMD_KUNIT_THREADS * iterations);
	}

	for (c = 0; c < IOMD_KUNIT_POOL_ZONES; c++) {
		unsigned long n = c < IOMD_KUNIT_THREADS ? iterations : 0;

		KUNIT_EXPECT_EQ_MSG(test, after[c].total_allocs,
				    before[c].total_allocs + n, "zone %s",
				    after[c].name);
		KUNIT_EXPECT_EQ_MSG(test, after[c].total_frees,
				    before[c].total_frees + n, "zone %s",
				    after[c].name);
		KUNIT_EXPECT_EQ_MSG(test, after[c].in_use, before[c].in_use,
				    "zone %s", after[c].name);
		KUNIT_EXPECT_EQ_MSG(test, after[c].failures,
				    before[c].failures, "zone %s",
				    after[c].name);
	}
}

/*
 * 4 threads x 2000 zone and iomd_malloc pairs; the limit never binds.
 * Enough to interleave on every CPU, and short enough under KASAN and TCG
 * to stay well inside the runner's 20 s hung-task timeout.
 */
static void iomd_kunit_zone_concurrent_exact(struct kunit *test)
{
	iomd_kunit_zone_concurrent(test, IOMD_KUNIT_THREADS * IOMD_KUNIT_HOLD,
				   2000);
}

/* The same under a limit the threads fight over. */
static void iomd_kunit_zone_concurrent_limit(struct kunit *test)
{
	iomd_kunit_zone_concurrent(test, IOMD_KUNIT_HOLD + 4, 1000);
}

/* ---------------------------------------------------------------------
 * Zones with per-CPU caches
 */

/* Limit of the cached test zones: room for caches on up to 16 CPUs. */
#define IOMD_KUNIT_CACHED_LIMIT	4096
#define IOMD_KUNIT_CACHED_SIZE	64

/* Elements of one zone, those still set freed when the test ends. */
struct iomd_kunit_elems {
	struct iomd_zone *zone;
	unsigned long n;
	void *p[];
};

static void iomd_kunit_elems_release(void *data)
{
	struct iomd_kunit_elems *e = data;
	unsigned long i;

	for (i = 0; i < e->n; i++)
		if (e->p[i])
			iomd_zone_free(e->zone, e->p[i]);
}

static struct iomd_kunit_elems *iomd_kunit_elems(struct kunit *test,
						 struct iomd_zone *zone,
						 unsigned long n)
{
	struct iomd_kunit_elems *e;

	e = kunit_kzalloc(test, struct_size(e, p, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->zone = zone;
	e->n = n;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iomd_kunit_elems_release,
							e), 0);
	return e;
}

/* Allocate elements [@from, @to) of @e in order; how many were had. */
static unsigned long iomd_kunit_fill(struct iomd_kunit_elems *e,
				     unsigned long from, unsigned long to)
{
	unsigned long i;

	for (i = from; i < to; i++) {
		e->p[i] = iomd_zone_alloc(e->zone, GFP_KERNEL);
		if (!e->p[i])
			break;
	}
	return i - from;
}

/* Free elements [@from, @to) of @e. */
static void iomd_kunit_empty(struct iomd_kunit_elems *e, unsigned long from,
			     unsigned long to)
{
	unsigned long i;

	for (i = from; i < to; i++) {
		iomd_zone_free(e->zone, e->p[i]);
		e->p[i] = NULL;
	}
}

/*
 * A zone of IOMD_KUNIT_CACHED_LIMIT elements that does cache per CPU (a
 * freed element stays cached), or skip: a machine with very many CPUs
 * gives such a zone no caches.
 */
static struct iomd_zone *iomd_kunit_cached_zone(struct kunit *test,
						const char *name)
{
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	void *p;

	zone = iomd_kunit_zone(test, name, IOMD_KUNIT_CACHED_SIZE,
			       IOMD_KUNIT_CACHED_LIMIT);
	p = iomd_zone_alloc(zone, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	iomd_zone_free(zone, p);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 1UL);
	KUNIT_EXPECT_EQ(test, st.total_frees, 1UL);
	if (!st.cached)
		kunit_skip(test, "no per-CPU caches for %s on %u CPUs", name,
			   num_possible_cpus());
	KUNIT_EXPECT_GE(test, st.peak, st.cached);
	return zone;
}

/*
 * The limit binds elements in use plus cached ones: all of it can be
 * allocated, not one more, and all of it again after freeing.
 */
static void iomd_kunit_zone_cached_limit(struct kunit *test)
{
	const unsigned long limit = IOMD_KUNIT_CACHED_LIMIT;
	struct iomd_kunit_elems *e;
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	unsigned long i;

	zone = iomd_kunit_cached_zone(test, "kunit.cached");
	e = iomd_kunit_elems(test, zone, limit);

	/* Fresh from the slab cache or reused, zeroed when asked to. */
	for (i = 0; i < 100; i++) {
		e->p[i] = iomd_zone_alloc(zone, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, e->p[i]);
		iomd_kunit_expect_zero(test, e->p[i], IOMD_KUNIT_CACHED_SIZE);
		memset(e->p[i], 0xff, IOMD_KUNIT_CACHED_SIZE);
		if (i % 3 == 2)
			iomd_kunit_empty(e, i - 1, i + 1);
	}
	for (i = 0; i < 100; i++)
		if (e->p[i])
			iomd_kunit_empty(e, i, i + 1);

	KUNIT_ASSERT_EQ(test, iomd_kunit_fill(e, 0, limit), limit);
	for (i = 0; i < limit; i++)
		memset(e->p[i], i & 0xff, IOMD_KUNIT_CACHED_SIZE);
	KUNIT_EXPECT_NULL(test, iomd_zone_alloc(zone, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, iomd_zone_alloc(zone, GFP_ATOMIC));
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, limit);
	KUNIT_EXPECT_EQ(test, st.cached, 0UL);
	KUNIT_EXPECT_EQ(test, st.peak, limit);
	KUNIT_EXPECT_EQ(test, st.failures, 2UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, limit + 101);
	/* No element was handed out twice. */
	for (i = 0; i < limit; i++)
		KUNIT_EXPECT_NULL_MSG(test,
				      memchr_inv(e->p[i], i & 0xff,
						 IOMD_KUNIT_CACHED_SIZE),
				      "element %lu", i);

	iomd_kunit_empty(e, 0, limit);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_EQ(test, st.total_frees, limit + 101);
	KUNIT_EXPECT_GT(test, st.cached, 0UL);
	KUNIT_EXPECT_LE(test, st.cached, limit / 4);

	/* Cached elements come back zeroed when asked to. */
	e->p[0] = iomd_zone_alloc(zone, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, e->p[0]);
	iomd_kunit_expect_zero(test, e->p[0], IOMD_KUNIT_CACHED_SIZE);
	KUNIT_EXPECT_EQ(test, iomd_kunit_fill(e, 1, limit), limit - 1);
	KUNIT_EXPECT_NULL(test, iomd_zone_alloc(zone, GFP_KERNEL));
	iomd_kunit_empty(e, 0, limit);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, 2 * limit + 101);
	KUNIT_EXPECT_EQ(test, st.failures, 3UL);
}

static void iomd_kunit_restore_affinity(void *unused)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* Run the test on @cpu from now on. */
static void iomd_kunit_move_to(struct kunit *test, int cpu)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)),
			0);
	KUNIT_ASSERT_EQ(test, raw_smp_processor_id(), cpu);
}

/*
 * Elements cached by another CPU are not lost: at the limit, a sleeping
 * allocation drains every CPU's cache and gets them.
 */
static void iomd_kunit_zone_cached_drain(struct kunit *test)
{
	const unsigned long limit = IOMD_KUNIT_CACHED_LIMIT, moved = 100;
	struct iomd_kunit_elems *e;
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	int a, b;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	a = cpumask_first(cpu_online_mask);
	b = cpumask_next(a, cpu_online_mask);
	zone = iomd_kunit_cached_zone(test, "kunit.drain");
	e = iomd_kunit_elems(test, zone, limit);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iomd_kunit_restore_affinity,
							NULL), 0);

	iomd_kunit_move_to(test, a);
	KUNIT_ASSERT_EQ(test, iomd_kunit_fill(e, 0, limit), limit);
	iomd_kunit_empty(e, 0, moved);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, limit - moved);
	KUNIT_EXPECT_GT(test, st.cached, 0UL);

	iomd_kunit_move_to(test, b);
	KUNIT_EXPECT_EQ(test, iomd_kunit_fill(e, 0, moved), moved);
	KUNIT_EXPECT_NULL(test, iomd_zone_alloc(zone, GFP_KERNEL));
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, limit);
	KUNIT_EXPECT_EQ(test, st.cached, 0UL);
	KUNIT_EXPECT_EQ(test, st.peak, limit);
	KUNIT_EXPECT_EQ(test, st.failures, 1UL);
}

static void iomd_kunit_cpu_up(void *cpu)
{
	add_cpu((unsigned long)cpu);
}

/*
 * A CPU that goes offline gives its cached elements back (the zones'
 * CPU-hotplug callback), and caches on it work again once it is back.
 */
static void iomd_kunit_zone_cached_cpu_dead(struct kunit *test)
{
	const unsigned long n = 50;
	struct iomd_kunit_elems *e;
	struct iomd_zone_stat st;
	struct iomd_zone *zone;
	int a, b, ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	a = cpumask_first(cpu_online_mask);
	b = cpumask_next(a, cpu_online_mask);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iomd_kunit_restore_affinity,
							NULL), 0);

	/* Every element the zone caches is cached on CPU b. */
	iomd_kunit_move_to(test, b);
	zone = iomd_kunit_cached_zone(test, "kunit.hotplug");
	e = iomd_kunit_elems(test, zone, n);
	KUNIT_ASSERT_EQ(test, iomd_kunit_fill(e, 0, n), n);
	iomd_kunit_empty(e, 0, n);
	iomd_kunit_move_to(test, a);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_ASSERT_GT(test, st.cached, 0UL);

	ret = remove_cpu(b);
	if (ret)
		kunit_skip(test, "CPU %d cannot go offline: %d", b, ret);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							iomd_kunit_cpu_up,
							(void *)(unsigned long)b),
			0);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_EQ(test, st.cached, 0UL);
	KUNIT_EXPECT_EQ(test, st.total_allocs, n + 1);
	KUNIT_EXPECT_EQ(test, st.total_frees, n + 1);

	KUNIT_ASSERT_EQ(test, add_cpu(b), 0);
	iomd_kunit_move_to(test, b);
	KUNIT_EXPECT_EQ(test, iomd_kunit_fill(e, 0, n), n);
	iomd_kunit_empty(e, 0, n);
	iomd_zone_get_stat(zone, &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 0UL);
	KUNIT_EXPECT_GT(test, st.cached, 0UL);
}

/*
 * Destroying a cached zone gives its cached elements back and reports
 * only the live ones; the last of those, freed, lets the zone go.
 */
static void iomd_kunit_zone_cached_leaks(struct kunit *test)
{
	struct iomd_kunit_elems *e;
	struct iomd_zone_stat st;
	struct iomd_zone *zone;

	zone = iomd_kunit_cached_zone(test, "kunit.cleak");
	e = iomd_kunit_elems(test, zone, 10);
	KUNIT_ASSERT_EQ(test, iomd_kunit_fill(e, 0, 10), 10UL);
	iomd_kunit_empty(e, 0, 4);

	kunit_remove_action(test, iomd_kunit_zone_destroy, zone);
	KUNIT_EXPECT_EQ(test, iomd_zone_destroy(zone), 6L);
	iomd_kunit_stat(test, "kunit.cleak", &st);
	KUNIT_EXPECT_TRUE(test, st.dead);
	KUNIT_EXPECT_EQ(test, st.in_use, 6UL);
	KUNIT_EXPECT_EQ(test, st.cached, 0UL);

	/* Frees into the dead zone go straight back to the slab cache. */
	iomd_kunit_empty(e, 4, 9);
	iomd_kunit_stat(test, "kunit.cleak", &st);
	KUNIT_EXPECT_EQ(test, st.in_use, 1UL);
	KUNIT_EXPECT_EQ(test, st.cached, 0UL);
	iomd_kunit_empty(e, 9, 10);
	KUNIT_EXPECT_EQ(test, iomd_kunit_wait_unlisted("kunit.cleak"), 0);
}

static struct kunit_case iomd_kunit_zone_cases[] = {
	KUNIT_CASE(iomd_kunit_zone_create_errors),
	KUNIT_CASE(iomd_kunit_zone_alloc_basic),
	KUNIT_CASE(iomd_kunit_zone_foreign_free),
	KUNIT_CASE(iomd_kunit_zone_exhaustion),
	KUNIT_CASE(iomd_kunit_zone_stats_mixed),
	KUNIT_CASE(iomd_kunit_zone_destroy_leaks),
	KUNIT_CASE(iomd_kunit_zone_dead_name_reuse),
	KUNIT_CASE_SLOW(iomd_kunit_zone_concurrent_exact),
	KUNIT_CASE_SLOW(iomd_kunit_zone_concurrent_limit),
	KUNIT_CASE(iomd_kunit_zone_cached_limit),
	KUNIT_CASE(iomd_kunit_zone_cached_drain),
	KUNIT_CASE_SLOW(iomd_kunit_zone_cached_cpu_dead),
	KUNIT_CASE(iomd_kunit_zone_cached_leaks),
	{}
};

static struct kunit_suite iomd_kunit_zone_suite = {
	.name = "iomd_zone",
	.test_cases = iomd_kunit_zone_cases,
};

/* ---------------------------------------------------------------------
 * The general allocator
 */

/* The pool zone that iomd_malloc(@size) must use. */
static unsigned int iomd_kunit_class_of(size_t size)
{
	unsigned int c;

	for (c = 0; c < IOMD_KUNIT_CLASSES; c++)
		if (size <= iomd_kunit_classes[c])
			return c;
	return IOMD_KUNIT_PAGES;
}

/*
 * iomd_malloc(@size) must take one element of its class zone, or its
 * pages from the page pool, and nothing from any other pool zone; the
 * matching free must give exactly that back.
 */
static void iomd_kunit_expect_lands(struct kunit *test, size_t size,
				    struct iomd_zone_stat *st)
{
	struct iomd_zone_stat *before = st, *during = st + IOMD_KUNIT_POOL_ZONES;
	struct iomd_zone_stat *after = during + IOMD_KUNIT_POOL_ZONES;
	unsigned int c, want = iomd_kunit_class_of(size);
	struct iomd_kunit_mem *m;
	unsigned long units;

	iomd_kunit_pool_stat(test, before);
	m = iomd_kunit_malloc(test, size);
	KUNIT_ASSERT_NOT_NULL_MSG(test, m, "iomd_malloc(%zu)", size);
	iomd_kunit_pool_stat(test, during);
	if (want == IOMD_KUNIT_PAGES) {
		KUNIT_EXPECT_EQ_MSG(test, offset_in_page(m->ptr), 0UL,
				    "iomd_malloc(%zu)", size);
		iomd_kunit_expect_zero(test, m->ptr, size);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, iomd_kunit_misalign(m->ptr,
							      IOMD_ZONE_ALIGN),
				    0UL, "iomd_malloc(%zu)", size);
	}
	memset(m->ptr, 0xc3, size);
	iomd_kunit_release(test, m);
	iomd_kunit_pool_stat(test, after);

	for (c = 0; c < IOMD_KUNIT_POOL_ZONES; c++) {
		units = c != want ? 0 :
			c == IOMD_KUNIT_PAGES ? iomd_kunit_npages(size) : 1;
		KUNIT_EXPECT_EQ_MSG(test, during[c].in_use,
				    before[c].in_use + units,
				    "iomd_malloc(%zu) in zone %s", size,
				    before[c].name);
		KUNIT_EXPECT_EQ_MSG(test, during[c].total_allocs,
				    before[c].total_allocs + !!units,
				    "iomd_malloc(%zu) in zone %s", size,
				    before[c].name);
		KUNIT_EXPECT_EQ_MSG(test, after[c].in_use, before[c].in_use,
				    "iomd_free(%zu) in zone %s", size,
				    before[c].name);
		KUNIT_EXPECT_EQ_MSG(test, after[c].total_frees,
				    before[c].total_frees + !!units,
				    "iomd_free(%zu) in zone %s", size,
				    before[c].name);
	}
}

static void iomd_kunit_malloc_size_classes(struct kunit *test)
{
	struct iomd_zone_stat *st;
	unsigned int c;
	size_t n;

	st = kunit_kcalloc(test, 3 * IOMD_KUNIT_POOL_ZONES, sizeof(*st),
			   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	iomd_kunit_expect_lands(test, 1, st);
	for (c = 0; c < IOMD_KUNIT_CLASSES; c++) {
		n = iomd_kunit_classes[c];
		iomd_kunit_expect_lands(test, n - 1, st);
		iomd_kunit_expect_lands(test, n, st);
		iomd_kunit_expect_lands(test, n + 1, st);
	}
	n = iomd_page_size();
	iomd_kunit_expect_lands(test, n, st);
	iomd_kunit_expect_lands(test, n + 1, st);
	iomd_kunit_expect_lands(test, 3 * n - 1, st);
}

static void iomd_kunit_malloc_invalid(struct kunit *test)
{
	struct iomd_zone_stat *before, *after;

	before = iomd_kunit_pool_alloc(test);
	after = iomd_kunit_pool_alloc(test);
	iomd_kunit_pool_stat(test, before);

	KUNIT_EXPECT_NULL(test, iomd_kunit_malloc(test, 0));
	KUNIT_EXPECT_NULL(test, iomd_kunit_aligned(test, 0, 64));
	KUNIT_EXPECT_NULL(test, iomd_kunit_aligned(test, 64, 3));
	KUNIT_EXPECT_NULL(test, iomd_kunit_aligned(test, iomd_page_size(),
						   iomd_page_size() + 16));
	KUNIT_EXPECT_NULL(test, iomd_kunit_aligned(test, 64, 1UL << 40));
	KUNIT_EXPECT_NULL(test, iomd_kunit_contig(test, 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, iomd_kunit_contig(test, 64, 48, 0, NULL));
	KUNIT_EXPECT_NULL(test, iomd_kunit_contig(test, 64, 1UL << 40, 0,
						  NULL));
	iomd_free(NULL, 64);
	iomd_free_aligned(NULL, 64);
	iomd_free_contiguous(NULL, 64);

	iomd_kunit_pool_stat(test, after);
	KUNIT_EXPECT_MEMEQ(test, before, after,
			   IOMD_KUNIT_POOL_ZONES * sizeof(*before));
}

/* An iomd_malloc_aligned() result must be aligned and fully usable. */
static void iomd_kunit_expect_aligned(struct kunit *test, size_t size,
				      size_t align)
{
	struct iomd_zone_stat before, during, after;
	size_t psz = iomd_page_size();
	struct iomd_kunit_mem *m;
	bool pages;

	iomd_kunit_stat(test, "iomd.pages", &before);
	m = iomd_kunit_aligned(test, size, align);
	KUNIT_ASSERT_NOT_NULL_MSG(test, m, "iomd_malloc_aligned(%zu, %zu)",
				  size, align);
	iomd_kunit_stat(test, "iomd.pages", &during);
	KUNIT_EXPECT_EQ_MSG(test, iomd_kunit_misalign(m->ptr,
						      max_t(size_t, align,
							    IOMD_ZONE_ALIGN)),
			    0UL, "iomd_malloc_aligned(%zu, %zu)", size, align);

	/* Page multiples, and alignments of a page and more, are pages. */
	pages = PAGE_ALIGNED(size) || align >= psz ||
		size + max_t(size_t, align, IOMD_ZONE_ALIGN) - IOMD_ZONE_ALIGN >
		IOMD_KUNIT_MAX_SMALL;
	KUNIT_EXPECT_EQ_MSG(test, during.in_use - before.in_use,
			    pages ? iomd_kunit_npages(size) : 0,
			    "iomd_malloc_aligned(%zu, %zu)", size, align);
	if (pages)
		iomd_kunit_expect_zero(test, m->ptr, size);
	memset(m->ptr, 0x3c, size);

	iomd_kunit_release(test, m);
	iomd_kunit_stat(test, "iomd.pages", &after);
	KUNIT_EXPECT_EQ(test, after.in_use, before.in_use);
}

static void iomd_kunit_malloc_aligned_powers(struct kunit *test)
{
	size_t psz = iomd_page_size();
	unsigned int shift;
	size_t align;

	for (shift = 0; shift <= IOMD_KUNIT_MAX_SHIFT; shift++) {
		align = 1UL << shift;
		iomd_kunit_expect_aligned(test, 1, align);
		iomd_kunit_expect_aligned(test, 24, align);
		iomd_kunit_expect_aligned(test, 1000, align);
		iomd_kunit_expect_aligned(test, psz, align);
		iomd_kunit_expect_aligned(test, 3 * psz, align);
	}
	/* Zero means the zone alignment. */
	iomd_kunit_expect_aligned(test, 40, 0);
}

/* [@ptr, @ptr + @size) must be one physical run starting at @phys. */
static void iomd_kunit_expect_run(struct kunit *test, void *ptr, size_t size,
				  phys_addr_t phys)
{
	unsigned long pfn = page_to_pfn(virt_to_page(ptr));
	size_t psz = iomd_page_size(), off;

	KUNIT_EXPECT_EQ(test, virt_to_phys(ptr), phys);
	for (off = 0; off < size; off += psz) {
		phys_addr_t pa = virt_to_phys(ptr + off);

		if (pa != phys + off ||
		    page_to_pfn(virt_to_page(ptr + off)) != pfn + off / psz) {
			KUNIT_FAIL(test, "offset %zu of %zu is at %pa, not %pa + %zu",
				   off, size, &pa, &phys, off);
			break;
		}
	}
}

static void iomd_kunit_malloc_contiguous_powers(struct kunit *test)
{
	size_t psz = iomd_page_size(), size = 2 * psz + 1, align;
	struct iomd_zone_stat before, after;
	struct iomd_kunit_mem *m;
	unsigned int shift;
	phys_addr_t phys;

	for (shift = 0; shift <= IOMD_KUNIT_MAX_SHIFT; shift++) {
		align = 1UL << shift;
		iomd_kunit_stat(test, "iomd.pages", &before);
		phys = 0;
		m = iomd_kunit_contig(test, size, align, 0, &phys);
		KUNIT_ASSERT_NOT_NULL_MSG(test, m, "align %zu", align);
		KUNIT_EXPECT_EQ_MSG(test, iomd_kunit_misalign(m->ptr,
							      max(align, psz)),
				    0UL, "align %zu", align);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(phys, max(align, psz)),
				      "align %zu: %pa", align, &phys);
		iomd_kunit_expect_run(test, m->ptr, size, phys);
		iomd_kunit_expect_zero(test, m->ptr, size);
		memset(m->ptr, 0x77, size);
		iomd_kunit_stat(test, "iomd.pages", &after);
		KUNIT_EXPECT_EQ(test, after.in_use - before.in_use,
				iomd_kunit_npages(size));
		iomd_kunit_release(test, m);
	}
}

static void iomd_kunit_malloc_contiguous_mask(struct kunit *test)
{
	const u64 mask = DMA_BIT_MASK(32);
	size_t psz = iomd_page_size();
	static const size_t sizes[] = { 1, SZ_64K, SZ_1M + 1 };
	struct iomd_zone_stat before, after;
	struct iomd_kunit_mem *m;
	phys_addr_t phys;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		phys = 0;
		m = iomd_kunit_contig(test, sizes[i], 0, mask, &phys);
		KUNIT_ASSERT_NOT_NULL_MSG(test, m, "size %zu", sizes[i]);
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(m->ptr));
		KUNIT_EXPECT_LE_MSG(test, (u64)phys + iomd_kunit_npages(sizes[i]) *
				    psz - 1, mask, "size %zu at %pa", sizes[i],
				    &phys);
		iomd_kunit_expect_run(test, m->ptr, sizes[i], phys);
		iomd_kunit_expect_zero(test, m->ptr, sizes[i]);
		iomd_kunit_release(test, m);
	}

	/* Nothing fits under one page: NULL, and no page is kept. */
	iomd_kunit_stat(test, "iomd.pages", &before);
	KUNIT_EXPECT_NULL(test, iomd_kunit_contig(test, psz, 0, psz - 1,
						  &phys));
	iomd_kunit_stat(test, "iomd.pages", &after);
	KUNIT_EXPECT_EQ(test, after.in_use, before.in_use);
	KUNIT_EXPECT_EQ(test, after.total_allocs - before.total_allocs,
			after.total_frees - before.total_frees);
}

static void iomd_kunit_malloc_bad_free_zone(struct kunit *test)
{
	struct iomd_zone_stat before, after;
	struct iomd_kunit_mem *m;

	m = iomd_kunit_malloc(test, 100);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_stat(test, "iomd.128", &before);
	KUNIT_EXPECT_EQ(test, before.elem_size, (size_t)128);

	/* Wrong sizes, even of the same class, free nothing. */
	iomd_free(m->ptr, 99);
	iomd_free(m->ptr, 128);
	iomd_free(m->ptr, 1);
	iomd_free_aligned(m->ptr, 101);
	iomd_kunit_stat(test, "iomd.128", &after);
	KUNIT_EXPECT_MEMEQ(test, &before, &after, sizeof(before));

	/* The memory is still the caller's (KASAN would see a free). */
	memset(m->ptr, 0xee, 100);
	iomd_kunit_release(test, m);
	iomd_kunit_stat(test, "iomd.128", &after);
	KUNIT_EXPECT_EQ(test, after.in_use, before.in_use - 1);
	KUNIT_EXPECT_EQ(test, after.total_frees, before.total_frees + 1);
}

static void iomd_kunit_malloc_bad_free_pages(struct kunit *test)
{
	size_t psz = iomd_page_size();
	struct iomd_zone_stat before, after;
	struct iomd_kunit_mem *m, *a;

	m = iomd_kunit_malloc(test, 3 * psz);
	KUNIT_ASSERT_NOT_NULL(test, m);
	a = iomd_kunit_aligned(test, 2 * psz, psz);
	KUNIT_ASSERT_NOT_NULL(test, a);
	iomd_kunit_stat(test, "iomd.pages", &before);

	/* Wrong size, or the free function of another allocator. */
	iomd_free(m->ptr, 2 * psz);
	iomd_free(m->ptr, 3 * psz + 1);
	iomd_free_aligned(m->ptr, 3 * psz);
	iomd_free_contiguous(m->ptr, 3 * psz);
	iomd_free(a->ptr, 2 * psz);
	iomd_free_aligned(a->ptr, psz);
	iomd_kunit_stat(test, "iomd.pages", &after);
	KUNIT_EXPECT_MEMEQ(test, &before, &after, sizeof(before));

	memset(m->ptr, 0xee, 3 * psz);
	memset(a->ptr, 0xee, 2 * psz);
	iomd_kunit_release(test, m);
	iomd_kunit_release(test, a);
	iomd_kunit_stat(test, "iomd.pages", &after);
	KUNIT_EXPECT_EQ(test, after.in_use, before.in_use - 5);
	KUNIT_EXPECT_EQ(test, after.total_frees, before.total_frees + 2);
}

/*
 * Pointers that are not live allocations (a double free, a page-aligned
 * pointer just past freed pages) are refused without freeing anything and
 * without reading memory outside a live allocation (KASAN watches).
 */
static void iomd_kunit_malloc_bad_free_foreign(struct kunit *test)
{
	struct iomd_zone_stat *before, *after;
	size_t psz = iomd_page_size();
	struct iomd_kunit_mem *m;
	u8 *x;

	before = iomd_kunit_pool_alloc(test);
	after = iomd_kunit_pool_alloc(test);
	m = iomd_kunit_malloc(test, 2 * psz);
	KUNIT_ASSERT_NOT_NULL(test, m);
	x = m->ptr;
	iomd_kunit_release(test, m);

	iomd_kunit_pool_stat(test, before);
	iomd_free(x + psz, psz);
	iomd_free(x, 2 * psz);
	iomd_free_aligned(x, 2 * psz);
	iomd_kunit_pool_stat(test, after);
	KUNIT_EXPECT_MEMEQ(test, before, after,
			   IOMD_KUNIT_POOL_ZONES * sizeof(*before));
}

static const u8 iomd_kunit_global[64] __aligned(64);

/*
 * Memory that is no allocation of iomd at all: vmalloc memory, pages of
 * the page allocator (page-pool records live in the first page's
 * ->private: zero, or another owner's value, is no record), a kernel
 * global.  Every free is refused and nothing changes hands.
 */
static void iomd_kunit_malloc_bad_free_elsewhere(struct kunit *test)
{
	struct iomd_zone_stat *before, *after;
	size_t psz = iomd_page_size();
	struct page *page;
	void *v, *p;

	before = iomd_kunit_pool_alloc(test);
	after = iomd_kunit_pool_alloc(test);
	v = vzalloc(psz);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, iomd_kunit_vfree, v),
			0);
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	p = page_address(page);

	iomd_kunit_pool_stat(test, before);
	iomd_free(v, psz);
	iomd_free_aligned(v, psz);
	iomd_free(p, psz);
	iomd_free_contiguous(p, psz);
	set_page_private(page, 0x5a5a5a5a5a5a5a5aUL);
	iomd_free(p, psz);
	iomd_free((void *)iomd_kunit_global, sizeof(iomd_kunit_global));
	iomd_free((void *)iomd_kunit_global + 16, 16);
	iomd_kunit_pool_stat(test, after);
	KUNIT_EXPECT_MEMEQ(test, before, after,
			   IOMD_KUNIT_POOL_ZONES * sizeof(*before));

	/* The page is still ours alone, private value untouched. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_EQ(test, page_private(page), 0x5a5a5a5a5a5a5a5aUL);
	set_page_private(page, 0);
	__free_page(page);
}

/* Larger than one run of the page allocator, still from the page pool. */
static void iomd_kunit_malloc_large(struct kunit *test)
{
	const size_t size = SZ_8M + 1;
	struct iomd_zone_stat before, during;
	struct iomd_kunit_mem *m;

	iomd_kunit_stat(test, "iomd.pages", &before);
	m = iomd_kunit_malloc(test, size);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_stat(test, "iomd.pages", &during);
	KUNIT_EXPECT_EQ(test, during.in_use - before.in_use,
			iomd_kunit_npages(size));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(m->ptr));
	iomd_kunit_expect_zero(test, m->ptr, size);
	memset(m->ptr, 0x42, size);
	iomd_free(m->ptr, size - 1);
	iomd_kunit_stat(test, "iomd.pages", &during);
	KUNIT_EXPECT_EQ(test, during.in_use - before.in_use,
			iomd_kunit_npages(size));
}

/*
 * Single pages are cached per CPU: a reused page is zeroed again, and a
 * page still referenced elsewhere when freed is left to that holder.
 */
static void iomd_kunit_malloc_page_reuse(struct kunit *test)
{
	struct iomd_zone_stat before, after;
	struct page *page;
	void *p, *q;

	iomd_kunit_stat(test, "iomd.pages", &before);
	p = iomd_malloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xa5, PAGE_SIZE);
	iomd_free(p, PAGE_SIZE);
	q = iomd_malloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, q);
	iomd_kunit_expect_zero(test, q, PAGE_SIZE);

	page = virt_to_page(q);
	get_page(page);
	iomd_free(q, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	p = iomd_malloc(PAGE_SIZE);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	iomd_free(p, PAGE_SIZE);
	put_page(page);

	iomd_kunit_stat(test, "iomd.pages", &after);
	KUNIT_EXPECT_EQ(test, after.in_use, before.in_use);
	KUNIT_EXPECT_EQ(test, after.total_allocs, before.total_allocs + 3);
	KUNIT_EXPECT_EQ(test, after.total_frees, before.total_frees + 3);
}

static struct kunit_case iomd_kunit_malloc_cases[] = {
	KUNIT_CASE(iomd_kunit_malloc_size_classes),
	KUNIT_CASE(iomd_kunit_malloc_invalid),
	KUNIT_CASE(iomd_kunit_malloc_aligned_powers),
	KUNIT_CASE(iomd_kunit_malloc_contiguous_powers),
	KUNIT_CASE(iomd_kunit_malloc_contiguous_mask),
	KUNIT_CASE(iomd_kunit_malloc_bad_free_zone),
	KUNIT_CASE(iomd_kunit_malloc_bad_free_pages),
	KUNIT_CASE(iomd_kunit_malloc_bad_free_foreign),
	KUNIT_CASE(iomd_kunit_malloc_bad_free_elsewhere),
	KUNIT_CASE(iomd_kunit_malloc_large),
	KUNIT_CASE(iomd_kunit_malloc_page_reuse),
	{}
};

static struct kunit_suite iomd_kunit_malloc_suite = {
	.name = "iomd_malloc",
	.test_cases = iomd_kunit_malloc_cases,
};

/* ---------------------------------------------------------------------
 * Sharing: kernel-range descriptors and what may reach user space
 */

static struct iomd_desc *iomd_kunit_krange(struct kunit *test, void *addr,
					   size_t len)
{
	struct iomd_why why = { };

	return iomd_kunit_own(test,
			      iomd_desc_create_kernel(addr, len, IOMD_DIR_INOUT,
						      NULL, NULL, &why),
			      &why);
}

/*
 * iomd_desc_mmap() decides shareability before it looks at the mapping
 * (it only reads vm_start, vm_end and, past that, vm_flags), so a zeroed
 * vma shows the decision without mapping anything: a refused descriptor
 * fails with its stored reason, an accepted one goes on to refuse the
 * zeroed vma as a private mapping.
 */
static void iomd_kunit_expect_refused(struct kunit *test,
				      struct iomd_desc *desc,
				      const char *cause, const char *remedy)
{
	struct iomd_why why = { };

	KUNIT_EXPECT_EQ(test, iomd_desc_mmap(desc, iomd_kunit_vma(test), &why),
			-EPERM);
	KUNIT_EXPECT_EQ(test, why.err, -EPERM);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why.msg, cause), "reason: %s",
				  why.msg);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why.msg, remedy), "reason: %s",
				  why.msg);
}

static void iomd_kunit_expect_accepted(struct kunit *test,
				       struct iomd_desc *desc)
{
	struct iomd_why why = { };

	KUNIT_EXPECT_EQ(test, iomd_desc_mmap(desc, iomd_kunit_vma(test), &why),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, why.err, -EINVAL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why.msg, "MAP_SHARED"),
				  "reason: %s", why.msg);
}

static void iomd_kunit_share_zone_refused(struct kunit *test)
{
	struct iomd_kunit_mem *m;
	struct iomd_desc *desc;
	struct iomd_why why;
	void *page;
	u8 buf[16];

	m = iomd_kunit_malloc(test, IOMD_KUNIT_MAX_SMALL);
	KUNIT_ASSERT_NOT_NULL(test, m);

	/* The whole page holding the element: refused as zone memory. */
	page = (void *)((unsigned long)m->ptr & PAGE_MASK);
	desc = iomd_kunit_krange(test, page, iomd_page_size());
	iomd_kunit_expect_refused(test, desc, "zone memory",
				  "iomd_malloc_aligned");
	/* Refusal reaches the caller only, not the descriptor's record. */
	KUNIT_EXPECT_EQ(test, iomd_desc_last_reason(desc, &why), 0);
	KUNIT_EXPECT_STREQ(test, why.msg, "");

	/* Part of the element: zone memory still, the first reason. */
	desc = iomd_kunit_krange(test, m->ptr + 1, 100);
	iomd_kunit_expect_refused(test, desc, "zone memory",
				  "iomd_malloc_aligned");

	/* Reads and writes of zone memory work all the same. */
	iomd_kunit_pattern(m->ptr, IOMD_KUNIT_MAX_SMALL, 1);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, 10, buf, sizeof(buf), NULL),
			0);
	KUNIT_EXPECT_MEMEQ(test, buf, (u8 *)m->ptr + 11, sizeof(buf));
	memset(buf, 0x99, sizeof(buf));
	KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, 84, buf, sizeof(buf), NULL),
			0);
	KUNIT_EXPECT_MEMEQ(test, buf, (u8 *)m->ptr + 85, sizeof(buf));
}

static void iomd_kunit_share_pages_accepted(struct kunit *test)
{
	size_t psz = iomd_page_size(), len = 2 * psz;
	struct iomd_kunit_mem *m;
	struct iomd_desc *desc;
	phys_addr_t phys;
	u8 *src, *dst;
	void *vm;

	src = kunit_kmalloc(test, len, GFP_KERNEL);
	dst = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	KUNIT_ASSERT_NOT_NULL(test, dst);

	/* Page-multiple aligned memory: accepted, and the bytes round-trip. */
	m = iomd_kunit_aligned(test, len, psz);
	KUNIT_ASSERT_NOT_NULL(test, m);
	desc = iomd_kunit_krange(test, m->ptr, len);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(desc), len);
	KUNIT_EXPECT_EQ(test, iomd_desc_capacity(desc), len);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(desc), IOMD_DIR_INOUT);
	iomd_kunit_expect_accepted(test, desc);

	iomd_kunit_pattern(src, len, 2);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, 0, src, len, NULL), 0);
	iomd_kunit_expect_same(test, m->ptr, src, len);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, 0, dst, len, NULL), 0);
	iomd_kunit_expect_same(test, dst, src, len);

	/* Whole pages of iomd_malloc are zone memory too: refused. */
	m = iomd_kunit_malloc(test, len);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_expect_refused(test, iomd_kunit_krange(test, m->ptr, len),
				  "zone memory", "iomd_malloc_aligned");

	/* Contiguous and vmalloc memory are accepted. */

	m = iomd_kunit_contig(test, len, 0, 0, &phys);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_expect_accepted(test, iomd_kunit_krange(test, m->ptr, len));

	vm = vzalloc(len);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, iomd_kunit_vfree,
							vm), 0);
	desc = iomd_kunit_krange(test, vm, len);
	iomd_kunit_expect_accepted(test, desc);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, psz - 8, src, 16, NULL), 0);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)vm + psz - 8, src, 16);

	/* A page-aligned start with a partial last page is refused. */
	m = iomd_kunit_aligned(test, len, psz);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_expect_refused(test,
				  iomd_kunit_krange(test, m->ptr, len - 1),
				  "ends inside a page", "page-multiple");
}

static void iomd_kunit_krange_mid_page(struct kunit *test)
{
	size_t psz = iomd_page_size(), head = psz / 2 + 3;
	size_t len = 2 * psz - head + 5;	/* three pages, partial ends */
	size_t offs[] = { 0, 1, psz - head - 5, psz - head,
			  2 * psz - head - 1, len - 7 };
	struct iomd_kunit_mem *m;
	struct iomd_desc *desc;
	struct iomd_why why;
	u8 *base, *buf, *ref;
	unsigned int i;
	size_t n;

	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	ref = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	m = iomd_kunit_aligned(test, 3 * psz, psz);
	KUNIT_ASSERT_NOT_NULL(test, m);
	base = (u8 *)m->ptr + head;
	desc = iomd_kunit_krange(test, base, len);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(desc), len);
	iomd_kunit_expect_refused(test, desc, "into a page",
				  "iomd_malloc_aligned");

	/* Reads at offsets, across both page boundaries, see the memory. */
	iomd_kunit_pattern(m->ptr, 3 * psz, 3);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		n = min_t(size_t, 10, len - offs[i]);
		memset(buf, 0, n);
		KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, offs[i], buf, n,
						     NULL), 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, buf, base + offs[i], n,
				       "offset %zu", offs[i]);
	}
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, 0, buf, len, NULL), 0);
	iomd_kunit_expect_same(test, buf, base, len);

	/* Writes land where they should and nowhere else. */
	memset(m->ptr, 0, 3 * psz);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		n = min_t(size_t, 10, len - offs[i]);
		iomd_kunit_pattern(buf, n, 10 + i);
		memcpy(ref + offs[i], buf, n);
		KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, offs[i], buf, n,
						      NULL), 0);
	}
	iomd_kunit_expect_same(test, base, ref, len);
	iomd_kunit_expect_zero(test, m->ptr, head);
	iomd_kunit_expect_zero(test, base + len, 3 * psz - head - len);

	/* Ranges past the end or overflowing fail, with the reason. */
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, len, buf, 0, NULL), 0);
	memset(&why, 0, sizeof(why));
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, len - 1, buf, 2, &why),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, why.err, -ERANGE);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, len, buf, 1, NULL),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, SIZE_MAX, buf, 2, &why),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, why.err, -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, 1, buf, SIZE_MAX, NULL),
			-EOVERFLOW);
	iomd_kunit_expect_same(test, base, ref, len);
}

static void iomd_kunit_count_release(void *data)
{
	atomic_inc(data);
}

static void iomd_kunit_krange_release(struct kunit *test)
{
	struct iomd_kunit_mem *m;
	struct iomd_desc *desc;
	struct iomd_why why = { };
	atomic_t calls = ATOMIC_INIT(0);

	m = iomd_kunit_malloc(test, 200);
	KUNIT_ASSERT_NOT_NULL(test, m);
	desc = iomd_desc_create_kernel(m->ptr, 200, IOMD_DIR_IN,
				       iomd_kunit_count_release, &calls, &why);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(desc), "%s", why.msg);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(desc), IOMD_DIR_IN);

	KUNIT_EXPECT_PTR_EQ(test, iomd_desc_get(desc), desc);
	iomd_desc_put(desc);
	KUNIT_EXPECT_EQ(test, atomic_read(&calls), 0);
	iomd_desc_put(desc);
	KUNIT_EXPECT_EQ(test, atomic_read(&calls), 1);
	iomd_desc_put(NULL);
}

static void iomd_kunit_expect_krange_fails(struct kunit *test, void *addr,
					   size_t len, u32 dir, int err)
{
	struct iomd_why why = { };
	struct iomd_desc *desc;

	desc = iomd_desc_create_kernel(addr, len, dir, NULL, NULL, &why);
	if (!IS_ERR(desc)) {
		KUNIT_FAIL(test, "range %p+%zu dir %u accepted", addr, len,
			   dir);
		iomd_desc_put(desc);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(desc), (long)err);
	KUNIT_EXPECT_EQ(test, why.err, err);
	KUNIT_EXPECT_GT(test, strlen(why.msg), 0);
}

static void iomd_kunit_krange_errors(struct kunit *test)
{
	size_t psz = iomd_page_size();
	struct iomd_kunit_mem *m;
	struct iomd_desc *desc;

	m = iomd_kunit_malloc(test, 64);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_expect_krange_fails(test, m->ptr, 64, 0, -EINVAL);
	iomd_kunit_expect_krange_fails(test, m->ptr, 64, 4, -EINVAL);
	iomd_kunit_expect_krange_fails(test, m->ptr, 64, IOMD_DIR_IN | 8,
				       -EINVAL);
	iomd_kunit_expect_krange_fails(test, m->ptr, 0, IOMD_DIR_IN, -EINVAL);
	iomd_kunit_expect_krange_fails(test, (void *)-psz, 2 * psz,
				       IOMD_DIR_IN, -EOVERFLOW);
	iomd_kunit_expect_krange_fails(test, (void *)psz, psz, IOMD_DIR_IN,
				       -EFAULT);

	/* A kernel range is not a buffer. */
	desc = iomd_kunit_krange(test, m->ptr, 64);
	KUNIT_EXPECT_EQ(test, PTR_ERR(iomd_buffer_vaddr(desc)), -EINVAL);
}

static struct kunit_case iomd_kunit_sharing_cases[] = {
	KUNIT_CASE(iomd_kunit_share_zone_refused),
	KUNIT_CASE(iomd_kunit_share_pages_accepted),
	KUNIT_CASE(iomd_kunit_krange_mid_page),
	KUNIT_CASE(iomd_kunit_krange_release),
	KUNIT_CASE(iomd_kunit_krange_errors),
	{}
};

static struct kunit_suite iomd_kunit_sharing_suite = {
	.name = "iomd_sharing",
	.test_cases = iomd_kunit_sharing_cases,
};

/* ---------------------------------------------------------------------
 * Buffer descriptors
 */

static struct iomd_desc *iomd_kunit_buffer(struct kunit *test, u32 options,
					   size_t capacity, size_t align)
{
	struct iomd_why why = { };

	return iomd_kunit_own(test, iomd_buffer_create(options, capacity, align,
						       &why), &why);
}

static void iomd_kunit_buffer_basics(struct kunit *test)
{
	size_t psz = iomd_page_size(), cap = 3 * psz + 5;
	struct iomd_desc *desc;
	u8 *vaddr, *buf;

	buf = kunit_kzalloc(test, cap, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	desc = iomd_kunit_buffer(test, IOMD_DIR_INOUT, cap, 0);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(desc), cap);
	KUNIT_EXPECT_EQ(test, iomd_desc_capacity(desc), cap);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(desc), IOMD_DIR_INOUT);
	KUNIT_EXPECT_EQ(test, iomd_desc_options(desc), 0U);
	vaddr = iomd_buffer_vaddr(desc);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vaddr));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(vaddr));
	KUNIT_EXPECT_PTR_EQ(test, iomd_buffer_vaddr(desc), (void *)vaddr);
	iomd_kunit_expect_zero(test, vaddr, cap);

	/* Writes through the descriptor show at vaddr and read back. */
	iomd_kunit_pattern(buf, cap, 4);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(desc, 0, buf, cap, NULL), 0);
	iomd_kunit_expect_same(test, vaddr, buf, cap);
	memset(vaddr + psz - 2, 0xab, 4);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, psz - 3, buf, 6, NULL), 0);
	KUNIT_EXPECT_MEMEQ(test, buf, vaddr + psz - 3, 6);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, cap - 1, buf, 2, NULL),
			-ERANGE);

	iomd_kunit_expect_refused(test, desc, "without",
				  "IOMD_BUF_KERNEL_USER_SHARED");

	/* Shared buffers are whole pages and accepted. */
	desc = iomd_kunit_buffer(test, IOMD_DIR_IN |
				 IOMD_BUF_KERNEL_USER_SHARED, psz + 1, 0);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(desc), 2 * psz);
	KUNIT_EXPECT_EQ(test, iomd_desc_capacity(desc), 2 * psz);
	KUNIT_EXPECT_EQ(test, iomd_desc_options(desc),
			IOMD_BUF_KERNEL_USER_SHARED);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(desc), IOMD_DIR_IN);
	vaddr = iomd_buffer_vaddr(desc);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vaddr));
	iomd_kunit_expect_zero(test, vaddr, 2 * psz);
	iomd_kunit_expect_accepted(test, desc);
}

static void iomd_kunit_buffer_aligned(struct kunit *test)
{
	size_t psz = iomd_page_size();
	const size_t caps[] = { 1, psz, SZ_64K - 1, SZ_64K, 3 * SZ_64K + 7 };
	const size_t aligns[] = { 16, SZ_64K, SZ_1M };
	struct iomd_desc *desc;
	unsigned int i, j;
	u8 *vaddr;

	for (j = 0; j < ARRAY_SIZE(aligns); j++) {
		for (i = 0; i < ARRAY_SIZE(caps); i++) {
			desc = iomd_kunit_buffer(test, IOMD_DIR_OUT, caps[i],
						 aligns[j]);
			vaddr = iomd_buffer_vaddr(desc);
			KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vaddr));
			KUNIT_EXPECT_EQ_MSG(test,
					    iomd_kunit_misalign(vaddr,
								max(aligns[j],
								    psz)),
					    0UL, "capacity %zu align %zu",
					    caps[i], aligns[j]);
			KUNIT_EXPECT_EQ(test, iomd_desc_length(desc), caps[i]);
			iomd_kunit_expect_zero(test, vaddr, caps[i]);
			memset(vaddr, 0x1f, caps[i]);
			kunit_release_action(test, iomd_kunit_desc_put, desc);
		}
	}
}

/* Too large for one run: pieced together, and vmapped for the kernel. */
static void iomd_kunit_buffer_large(struct kunit *test)
{
	const size_t cap = SZ_8M + 1;
	struct iomd_desc *desc;
	u8 *vaddr, tail[4];

	desc = iomd_kunit_buffer(test, IOMD_DIR_INOUT, cap, 0);
	vaddr = iomd_buffer_vaddr(desc);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vaddr));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(vaddr));
	iomd_kunit_expect_zero(test, vaddr, cap);
	vaddr[cap - 1] = 0x5c;
	KUNIT_EXPECT_EQ(test, iomd_desc_read(desc, cap - 4, tail, 4, NULL), 0);
	KUNIT_EXPECT_EQ(test, tail[3], 0x5c);
}

static void iomd_kunit_expect_buffer_fails(struct kunit *test, u32 options,
					   size_t capacity, size_t align,
					   int err)
{
	struct iomd_why why = { };
	struct iomd_desc *desc;

	desc = iomd_buffer_create(options, capacity, align, &why);
	if (!IS_ERR(desc)) {
		KUNIT_FAIL(test, "buffer %#x %zu %zu created", options,
			   capacity, align);
		iomd_desc_put(desc);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(desc), (long)err);
	KUNIT_EXPECT_EQ(test, why.err, err);
	KUNIT_EXPECT_GT(test, strlen(why.msg), 0);
}

static void iomd_kunit_buffer_errors(struct kunit *test)
{
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN, 0, 0, -EINVAL);
	iomd_kunit_expect_buffer_fails(test, 0, 64, 0, -EINVAL);
	iomd_kunit_expect_buffer_fails(test, IOMD_BUF_KERNEL_USER_SHARED, 64,
				       0, -EINVAL);
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN | BIT(20), 64, 0,
				       -EINVAL);
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN, 64, 3, -EINVAL);
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN, 64, 1UL << 40,
				       -EINVAL);
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN, SIZE_MAX, 0, -EFBIG);
}

static struct kunit_case iomd_kunit_buffer_cases[] = {
	KUNIT_CASE(iomd_kunit_buffer_basics),
	KUNIT_CASE(iomd_kunit_buffer_aligned),
	KUNIT_CASE(iomd_kunit_buffer_large),
	KUNIT_CASE(iomd_kunit_buffer_errors),
	{}
};

static struct kunit_suite iomd_kunit_buffer_suite = {
	.name = "iomd_buffer",
	.test_cases = iomd_kunit_buffer_cases,
};

/* ---------------------------------------------------------------------
 * Composite descriptors and the DMA view
 */

/* A vzalloc()ed range of @len bytes, freed after its descriptors. */
static void *iomd_kunit_vzalloc(struct kunit *test, size_t len)
{
	void *vm = vzalloc(len);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, iomd_kunit_vfree,
							vm), 0);
	return vm;
}

static struct iomd_desc *iomd_kunit_sub(struct kunit *test,
					struct iomd_desc *parent, u64 offset,
					u64 length, u32 direction)
{
	struct iomd_why why = { };

	return iomd_kunit_own(test, iomd_subrange_create(parent, offset, length,
							 direction, &why),
			      &why);
}

static struct iomd_desc *iomd_kunit_multi(struct kunit *test,
					  struct iomd_desc *const *descs,
					  unsigned int n)
{
	struct iomd_why why = { };

	return iomd_kunit_own(test, iomd_multi_create(descs, n, 0, &why), &why);
}

/* @desc fails to be created with @err and a reason. */
static void iomd_kunit_expect_composite_fails(struct kunit *test,
					      struct iomd_desc *desc,
					      const struct iomd_why *why,
					      int err)
{
	if (!IS_ERR(desc)) {
		KUNIT_FAIL(test, "composite created, expected %d", err);
		iomd_desc_put(desc);
		return;
	}
	KUNIT_EXPECT_EQ(test, PTR_ERR(desc), (long)err);
	KUNIT_EXPECT_EQ(test, why->err, err);
	KUNIT_EXPECT_GT(test, strlen(why->msg), 0);
}

static void iomd_kunit_subrange_buffer(struct kunit *test)
{
	size_t psz = iomd_page_size(), cap = 3 * psz + 5, off = psz / 2 + 1;
	struct iomd_desc *buf, *sub, *shared;
	struct iomd_why why = { };
	u8 *vaddr, *data, *k;

	data = kunit_kzalloc(test, cap, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	buf = iomd_kunit_buffer(test, IOMD_DIR_INOUT, cap, 0);
	vaddr = iomd_buffer_vaddr(buf);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vaddr));
	iomd_kunit_pattern(vaddr, cap, 9);

	sub = iomd_kunit_sub(test, buf, off, 2 * psz, 0);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(sub), 2 * psz);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(sub), IOMD_DIR_INOUT);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(sub, 0, data, 2 * psz, NULL), 0);
	iomd_kunit_expect_same(test, data, vaddr + off, 2 * psz);
	iomd_kunit_pattern(data, 64, 10);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(sub, psz - 32, data, 64, NULL),
			0);
	iomd_kunit_expect_same(test, vaddr + off + psz - 32, data, 64);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(sub, 2 * psz - 1, data, 2, NULL),
			-ERANGE);

	/* The kernel mapping is the same bytes, contiguous. */
	k = iomd_desc_kmap(sub, &why);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(k), "%s", why.msg);
	iomd_kunit_expect_same(test, k, vaddr + off, 2 * psz);
	k[7] = 0x5a;
	KUNIT_EXPECT_EQ(test, vaddr[off + 7], 0x5a);

	/* Not shareable: the parent's reason, naming the part. */
	iomd_kunit_expect_refused(test, sub, "part 0",
				  "IOMD_BUF_KERNEL_USER_SHARED");

	/* Shareable parent: whole pages are accepted, partial refused. */
	shared = iomd_kunit_buffer(test, IOMD_DIR_INOUT |
				   IOMD_BUF_KERNEL_USER_SHARED, 3 * psz, 0);
	iomd_kunit_expect_accepted(test, iomd_kunit_sub(test, shared, psz,
							2 * psz, 0));
	iomd_kunit_expect_refused(test, iomd_kunit_sub(test, shared, 1, psz, 0),
				  "not whole pages", "page-aligned");

	/* A read-only view makes read-only mappings. */
	sub = iomd_kunit_sub(test, shared, 0, psz, IOMD_DIR_IN);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(sub), IOMD_DIR_IN);
}

static void iomd_kunit_subrange_errors(struct kunit *test)
{
	size_t psz = iomd_page_size();
	struct iomd_desc *buf, *in, *desc;
	struct iomd_why why = { };

	buf = iomd_kunit_buffer(test, IOMD_DIR_INOUT, 2 * psz, 0);
	in = iomd_kunit_buffer(test, IOMD_DIR_IN, psz, 0);
	desc = iomd_subrange_create(buf, 0, 0, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -EINVAL);
	desc = iomd_subrange_create(buf, U64_MAX, 2, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -EOVERFLOW);
	desc = iomd_subrange_create(buf, psz, 2 * psz, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -ERANGE);
	desc = iomd_subrange_create(buf, 2 * psz, 1, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -ERANGE);
	desc = iomd_subrange_create(in, 0, 1, IOMD_DIR_OUT, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -EINVAL);
	desc = iomd_subrange_create(in, 0, 1, BIT(5), &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -EINVAL);
}

static void iomd_kunit_multi_kinds(struct kunit *test)
{
	size_t psz = iomd_page_size(), total = 100 + 2 * psz + psz;
	struct iomd_desc *parts[3], *multi, *aligned;
	struct iomd_why why = { };
	struct iomd_kunit_mem *m;
	u8 *vm, *bv, *all, *k;

	m = iomd_kunit_malloc(test, 100);
	KUNIT_ASSERT_NOT_NULL(test, m);
	iomd_kunit_pattern(m->ptr, 100, 1);
	vm = iomd_kunit_vzalloc(test, 2 * psz);
	iomd_kunit_pattern(vm, 2 * psz, 2);
	parts[0] = iomd_kunit_krange(test, m->ptr, 100);
	parts[1] = iomd_kunit_krange(test, vm, 2 * psz);
	parts[2] = iomd_kunit_buffer(test, IOMD_DIR_INOUT |
				     IOMD_BUF_KERNEL_USER_SHARED, psz, 0);
	bv = iomd_buffer_vaddr(parts[2]);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(bv));
	iomd_kunit_pattern(bv, psz, 3);

	multi = iomd_kunit_multi(test, parts, 3);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(multi), total);
	all = kunit_kzalloc(test, total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, all);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(multi, 0, all, total, NULL), 0);
	iomd_kunit_expect_same(test, all, m->ptr, 100);
	iomd_kunit_expect_same(test, all + 100, vm, 2 * psz);
	iomd_kunit_expect_same(test, all + 100 + 2 * psz, bv, psz);
	/* A write across the boundary of the last two parts. */
	memset(all, 0xee, 8);
	KUNIT_EXPECT_EQ(test, iomd_desc_write(multi, total - psz - 4, all, 8,
					      NULL), 0);
	KUNIT_EXPECT_EQ(test, vm[2 * psz - 1], 0xee);
	KUNIT_EXPECT_EQ(test, bv[3], 0xee);

	/* Zone memory in a part: no user mapping; no contiguous kmap. */
	iomd_kunit_expect_refused(test, multi, "part 0", "buffer descriptor");
	k = iomd_desc_kmap(multi, &why);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(k), -EINVAL);

	/* Whole pages of vmalloc memory and a buffer: both work. */
	aligned = iomd_kunit_multi(test, parts + 1, 2);
	iomd_kunit_expect_accepted(test, aligned);
	k = iomd_desc_kmap(aligned, &why);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_OR_NULL(k), "%s", why.msg);
	iomd_kunit_expect_same(test, k, vm, 2 * psz);
	iomd_kunit_expect_same(test, k + 2 * psz, bv, psz);
}

static void iomd_kunit_multi_errors(struct kunit *test)
{
	size_t psz = iomd_page_size();
	struct iomd_desc **parts, *desc;
	struct iomd_why why = { };
	unsigned int i;

	parts = kunit_kcalloc(test, IOMD_MULTI_MAX_DESCS + 1, sizeof(*parts),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parts);
	parts[0] = iomd_kunit_buffer(test, IOMD_DIR_IN, psz, 0);
	parts[1] = iomd_kunit_buffer(test, IOMD_DIR_OUT, psz, 0);
	desc = iomd_multi_create(parts, 0, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -EINVAL);
	desc = iomd_multi_create(parts, 2, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -EINVAL);
	for (i = 1; i <= IOMD_MULTI_MAX_DESCS; i++)
		parts[i] = parts[0];
	desc = iomd_multi_create(parts, IOMD_MULTI_MAX_DESCS + 1, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -E2BIG);
	desc = iomd_kunit_multi(test, parts, IOMD_MULTI_MAX_DESCS);
	KUNIT_EXPECT_EQ(test, iomd_desc_length(desc),
			IOMD_MULTI_MAX_DESCS * psz);
	KUNIT_EXPECT_EQ(test, iomd_desc_direction(desc), IOMD_DIR_IN);

	/* Nesting is bounded. */
	desc = parts[0];
	for (i = 0; i < IOMD_COMPOSITE_MAX_DEPTH; i++)
		desc = iomd_kunit_sub(test, desc, 0, psz, 0);
	desc = iomd_subrange_create(desc, 0, psz, 0, &why);
	iomd_kunit_expect_composite_fails(test, desc, &why, -ELOOP);
}

static void iomd_kunit_composite_revoke(struct kunit *test)
{
	size_t psz = iomd_page_size();
	struct iomd_desc *a, *b, *sub, *multi, *outer, *parts[2];
	struct iomd_why why = { };
	u8 byte;

	a = iomd_kunit_buffer(test, IOMD_DIR_INOUT, psz, 0);
	b = iomd_kunit_buffer(test, IOMD_DIR_INOUT, psz, 0);
	sub = iomd_kunit_sub(test, a, 0, psz, 0);
	parts[0] = sub;
	parts[1] = b;
	multi = iomd_kunit_multi(test, parts, 2);
	outer = iomd_kunit_sub(test, multi, 1, psz, 0);

	/* Revoking the composite in the middle leaves its parts alone. */
	iomd_desc_revoke(multi);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(multi, 0, &byte, 1, NULL),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(outer, 0, &byte, 1, NULL),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(sub, 0, &byte, 1, NULL), 0);

	/* Revoking a buffer revokes the composites over it. */
	iomd_desc_revoke(a);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(sub, 0, &byte, 1, NULL),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, iomd_desc_read(b, 0, &byte, 1, NULL), 0);
	sub = iomd_subrange_create(a, 0, 1, 0, &why);
	iomd_kunit_expect_composite_fails(test, sub, &why, -ENODEV);
}

static void iomd_kunit_dma_contiguous(struct kunit *test)
{
	size_t psz = iomd_page_size(), len = 4 * psz;
	struct iomd_segment_run runs[4];
	struct scatterlist *sg;
	struct iomd_desc *buf, *sub;
	struct sg_table sgt;
	phys_addr_t base, phys;
	unsigned int i;
	u64 run_len;
	u8 *vaddr;

	/* Alignment above a page means one contiguous run. */
	buf = iomd_kunit_buffer(test, IOMD_DIR_INOUT, len, len);
	vaddr = iomd_buffer_vaddr(buf);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vaddr));
	base = virt_to_phys(vaddr);
	KUNIT_EXPECT_EQ(test, iomd_desc_segments(buf, 0, runs, 4, NULL), 1L);
	KUNIT_EXPECT_EQ(test, runs[0].offset, 0ULL);
	KUNIT_EXPECT_EQ(test, runs[0].length, (u64)len);
	KUNIT_EXPECT_EQ(test, runs[0].phys, base);

	KUNIT_ASSERT_EQ(test, iomd_desc_physical_segment(buf, psz + 10, &phys,
							 &run_len, NULL), 0);
	KUNIT_EXPECT_EQ(test, phys, base + psz + 10);
	KUNIT_EXPECT_EQ(test, run_len, (u64)(len - psz - 10));
	KUNIT_EXPECT_EQ(test, iomd_desc_physical_segment(buf, len, &phys,
							 &run_len, NULL),
			-ERANGE);

	KUNIT_ASSERT_EQ(test, iomd_desc_sg_table(buf, &sgt, 0, GFP_KERNEL,
						 NULL), 0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents, 1U);
	KUNIT_EXPECT_EQ(test, sg_phys(sgt.sgl), base);
	KUNIT_EXPECT_EQ(test, sgt.sgl->length, (unsigned int)len);
	sg_free_table(&sgt);

	/* Entries no longer than max_segment. */
	KUNIT_ASSERT_EQ(test, iomd_desc_sg_table(buf, &sgt, psz, GFP_KERNEL,
						 NULL), 0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents, 4U);
	for_each_sgtable_sg(&sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_phys(sg), base + i * psz);
		KUNIT_EXPECT_EQ(test, sg->length, (unsigned int)psz);
	}
	sg_free_table(&sgt);
	KUNIT_EXPECT_EQ(test, iomd_desc_sg_table(buf, &sgt, psz - 1,
						 GFP_KERNEL, NULL), -EINVAL);

	/* A sub-range of it at an odd offset is one run too. */
	sub = iomd_kunit_sub(test, buf, 100, 2 * psz, 0);
	KUNIT_EXPECT_EQ(test, iomd_desc_segments(sub, 0, runs, 4, NULL), 1L);
	KUNIT_EXPECT_EQ(test, runs[0].phys, base + 100);
	KUNIT_EXPECT_EQ(test, runs[0].length, (u64)(2 * psz));
}

/*
 * iomd_desc_dma_sg_table() keeps to a device's limits: a physically
 * contiguous run is cut at every multiple of the segment boundary + 1 and
 * at the maximum segment size, whichever comes first.
 */
static void iomd_kunit_dma_seg_boundary(struct kunit *test)
{
	size_t psz = iomd_page_size(), len = 8 * psz;
	struct device_dma_parameters *parms;
	struct iomd_desc *buf, *sub;
	struct scatterlist *sg;
	struct device *dev;
	struct sg_table sgt;
	phys_addr_t base, want;
	unsigned int i;
	u64 mask, sum = 0;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	dev->dma_parms = parms;
	mask = 2 * psz - 1;
	parms->segment_boundary_mask = mask;
	parms->max_segment_size = 3 * psz;

	/* One run, aligned to its size, seen from 100 bytes in. */
	buf = iomd_kunit_buffer(test, IOMD_DIR_INOUT, len, len);
	base = virt_to_phys(iomd_buffer_vaddr(buf));
	sub = iomd_kunit_sub(test, buf, 100, 6 * psz, 0);
	/* Without the device: 3p - 100 (whole pieces), 3p, 100. */
	KUNIT_ASSERT_EQ(test, iomd_desc_sg_table(sub, &sgt, 3 * psz,
						 GFP_KERNEL, NULL), 0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents, 3U);
	sg_free_table(&sgt);

	/* [100, 2p), [2p, 4p), [4p, 6p), [6p, 6p + 100): four windows. */
	KUNIT_ASSERT_EQ(test, iomd_desc_dma_sg_table(sub, dev, DMA_FROM_DEVICE,
						     &sgt, GFP_KERNEL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents, 4U);
	want = base + 100;
	for_each_sgtable_sg(&sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_phys(sg), want);
		KUNIT_EXPECT_LE(test, sg->length, (unsigned int)(3 * psz));
		KUNIT_EXPECT_EQ(test, sg_phys(sg) & ~mask,
				(sg_phys(sg) + sg->length - 1) & ~mask);
		want += sg->length;
		sum += sg->length;
	}
	KUNIT_EXPECT_EQ(test, sum, (u64)(6 * psz));
	sg_free_table(&sgt);

	/* A boundary below a page cuts inside pages. */
	mask = psz / 2 - 1;
	parms->segment_boundary_mask = mask;
	KUNIT_ASSERT_EQ(test, iomd_desc_dma_sg_table(buf, dev, DMA_FROM_DEVICE,
						     &sgt, GFP_KERNEL, NULL),
			0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents, (unsigned int)(2 * len / psz));
	for_each_sgtable_sg(&sgt, sg, i)
		KUNIT_EXPECT_EQ(test, sg->length, (unsigned int)(psz / 2));
	sg_free_table(&sgt);

	/* A maximum segment below a page is refused. */
	parms->max_segment_size = psz / 2;
	KUNIT_EXPECT_EQ(test, iomd_desc_dma_sg_table(buf, dev, DMA_FROM_DEVICE,
						     &sgt, GFP_KERNEL, NULL),
			-EINVAL);
}

/*
 * iomd_desc_dma_sg_table() of a new multi of @parts for @dir: its number
 * of entries, or the -errno it failed with.
 */
static int iomd_kunit_dma_multi(struct kunit *test, struct device *dev,
				struct iomd_desc *const *parts, unsigned int n,
				enum dma_data_direction dir,
				struct iomd_why *why)
{
	struct sg_table sgt;
	int ret;

	ret = iomd_desc_dma_sg_table(iomd_kunit_multi(test, parts, n), dev,
				     dir, &sgt, GFP_KERNEL, why);
	if (ret)
		return ret;
	ret = sgt.orig_nents;
	sg_free_table(&sgt);
	return ret;
}

/*
 * A device may read memory a descriptor holds twice, but not write it:
 * iomd_desc_dma_sg_table() refuses a composite naming a part twice for
 * every direction but DMA_TO_DEVICE, wherever the repeat sits, and takes
 * the same parts named once in either order (one of which is not in
 * address order, so it is sorted).
 */
static void iomd_kunit_dma_overlap(struct kunit *test)
{
	size_t psz = iomd_page_size();
	struct iomd_desc *a, *b, *parts[3];
	struct iomd_why why = { };
	struct device *dev;
	struct sg_table sgt;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	a = iomd_kunit_buffer(test, IOMD_DIR_INOUT, 2 * psz, 0);
	b = iomd_kunit_buffer(test, IOMD_DIR_INOUT, psz, 0);

	parts[0] = a;
	parts[1] = b;
	parts[2] = a;
	KUNIT_EXPECT_GE(test, iomd_kunit_dma_multi(test, dev, parts, 3,
						   DMA_TO_DEVICE, NULL), 3);
	KUNIT_EXPECT_EQ(test, iomd_kunit_dma_multi(test, dev, parts, 3,
						   DMA_FROM_DEVICE, &why),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, why.err, -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why.msg, "reach the same memory"));
	KUNIT_EXPECT_EQ(test, iomd_kunit_dma_multi(test, dev, parts, 3,
						   DMA_BIDIRECTIONAL, NULL),
			-EINVAL);
	/* Named once it is writable; named twice in a row, not. */
	KUNIT_EXPECT_GE(test, iomd_kunit_dma_multi(test, dev, parts + 2, 1,
						   DMA_FROM_DEVICE, NULL), 1);
	parts[1] = a;
	KUNIT_EXPECT_EQ(test, iomd_kunit_dma_multi(test, dev, parts, 2,
						   DMA_FROM_DEVICE, NULL),
			-EINVAL);
	/* Each named once, in either order. */
	parts[0] = b;
	KUNIT_EXPECT_GE(test, iomd_kunit_dma_multi(test, dev, parts, 2,
						   DMA_FROM_DEVICE, NULL), 2);
	parts[0] = a;
	parts[1] = b;
	KUNIT_EXPECT_GE(test, iomd_kunit_dma_multi(test, dev, parts, 2,
						   DMA_FROM_DEVICE, NULL), 2);
	KUNIT_EXPECT_EQ(test, iomd_desc_dma_sg_table(a, dev, DMA_NONE, &sgt,
						     GFP_KERNEL, NULL),
			-EINVAL);
}

static void iomd_kunit_dma_vmalloc(struct kunit *test)
{
	size_t psz = iomd_page_size(), npages = 16, len = npages * psz;
	struct iomd_segment_run *runs;
	struct iomd_desc *desc;
	struct scatterlist *sg;
	struct sg_table sgt;
	unsigned long want = 0, i;
	u64 sum = 0;
	long n;
	u8 *vm;

	vm = iomd_kunit_vzalloc(test, len);
	for (i = 0; i < npages; i++)
		if (!i || page_to_pfn(vmalloc_to_page(vm + i * psz)) !=
			  page_to_pfn(vmalloc_to_page(vm + (i - 1) * psz)) + 1)
			want++;
	desc = iomd_kunit_krange(test, vm, len);
	runs = kunit_kcalloc(test, npages, sizeof(*runs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, runs);
	n = iomd_desc_segments(desc, 0, runs, npages, NULL);
	KUNIT_ASSERT_EQ(test, n, (long)want);
	for (i = 0; i < want; i++) {
		KUNIT_EXPECT_EQ(test, runs[i].offset, sum);
		KUNIT_EXPECT_EQ(test, runs[i].phys,
				page_to_phys(vmalloc_to_page(vm + sum)));
		sum += runs[i].length;
	}
	KUNIT_EXPECT_EQ(test, sum, (u64)len);

	KUNIT_ASSERT_EQ(test, iomd_desc_sg_table(desc, &sgt, 0, GFP_KERNEL,
						 NULL), 0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents, (unsigned int)want);
	for_each_sgtable_sg(&sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_phys(sg), runs[i].phys);
		KUNIT_EXPECT_EQ(test, (u64)sg->length, runs[i].length);
	}
	sg_free_table(&sgt);
}

static struct kunit_case iomd_kunit_composite_cases[] = {
	KUNIT_CASE(iomd_kunit_subrange_buffer),
	KUNIT_CASE(iomd_kunit_subrange_errors),
	KUNIT_CASE(iomd_kunit_multi_kinds),
	KUNIT_CASE(iomd_kunit_multi_errors),
	KUNIT_CASE(iomd_kunit_composite_revoke),
	KUNIT_CASE(iomd_kunit_dma_contiguous),
	KUNIT_CASE(iomd_kunit_dma_seg_boundary),
	KUNIT_CASE(iomd_kunit_dma_overlap),
	KUNIT_CASE(iomd_kunit_dma_vmalloc),
	{}
};

static struct kunit_suite iomd_kunit_composite_suite = {
	.name = "iomd_composite",
	.test_cases = iomd_kunit_composite_cases,
};

/* ---------------------------------------------------------------------
 * Cache modes: what the page tables say.  x86 only (lookup_address(),
 * the PCD/PWT/PAT bits); without PAT the kernel makes WC uncached (UC-),
 * and the expected bits follow, as pgprot_writecombine() says.
 */

#ifdef CONFIG_X86
/* Caching bits of a page-table entry at @level (4K or larger). */
static unsigned long iomd_kunit_cache_bits(pteval_t val, unsigned int level)
{
	return val & (_PAGE_PWT | _PAGE_PCD |
		      (level == PG_LEVEL_4K ? _PAGE_PAT : _PAGE_PAT_LARGE));
}

/* The caching bits a 4K entry of cache mode @mode has. */
static unsigned long iomd_kunit_mode_bits(u32 mode)
{
	pgprot_t prot = __pgprot(0);

	if (mode == IOMD_CACHE_WC)
		prot = pgprot_writecombine(prot);
	else if (mode == IOMD_CACHE_UC)
		prot = pgprot_noncached(prot);
	return iomd_kunit_cache_bits(pgprot_val(prot), PG_LEVEL_4K);
}

/* Caching bits of the kernel's mapping of @addr; ~0 if unmapped. */
static unsigned long iomd_kunit_kernel_bits(const void *addr)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)addr, &level);

	if (!pte || !pte_present(*pte))
		return ~0UL;
	return iomd_kunit_cache_bits(pte_val(*pte), level);
}

static struct page *iomd_kunit_kaddr_page(const void *addr)
{
	return is_vmalloc_addr(addr) ? vmalloc_to_page(addr) :
				       virt_to_page(addr);
}

/*
 * A buffer of @size bytes in @mode: its kernel mapping (the direct map or
 * a vmap) and the direct map of every page have the mode's bits.  Then,
 * holding a reference on each page, the buffer is freed: the pages' direct
 * map must be write-back again.
 */
static void iomd_kunit_cache_kernel(struct kunit *test, u32 mode,
				    size_t size)
{
	unsigned long want = iomd_kunit_mode_bits(mode), npages, i;
	unsigned long bad_kmap = 0, bad_direct = 0, bad_after = 0;
	struct iomd_why why = { };
	struct iomd_desc *desc;
	struct page **pages;
	u8 *vaddr;

	KUNIT_ASSERT_NE(test, want, 0UL);
	npages = size >> PAGE_SHIFT;
	pages = kunit_kcalloc(test, npages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	desc = iomd_buffer_create(IOMD_DIR_INOUT | IOMD_BUF_KERNEL_USER_SHARED |
				  IOMD_BUF_CACHE(mode), size, 0, &why);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(desc), "%d %s", why.err, why.msg);
	KUNIT_EXPECT_EQ(test, iomd_desc_cache_mode(desc), mode);
	vaddr = iomd_buffer_vaddr(desc);
	if (IS_ERR(vaddr)) {
		iomd_desc_put(desc);
		KUNIT_FAIL(test, "no kernel address: %ld", PTR_ERR(vaddr));
		return;
	}
	vaddr[size - 1] = 0xc5;
	for (i = 0; i < npages; i++) {
		pages[i] = iomd_kunit_kaddr_page(vaddr + (i << PAGE_SHIFT));
		get_page(pages[i]);
		bad_kmap += iomd_kunit_kernel_bits(vaddr + (i << PAGE_SHIFT)) !=
			    want;
		bad_direct += iomd_kunit_kernel_bits(page_address(pages[i])) !=
			      want;
	}
	KUNIT_EXPECT_EQ(test, ((u8 *)page_address(pages[npages - 1]))
				[PAGE_SIZE - 1], 0xc5);
	iomd_desc_put(desc);
	for (i = 0; i < npages; i++) {
		bad_after += iomd_kunit_kernel_bits(page_address(pages[i])) != 0;
		put_page(pages[i]);
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_kmap, 0UL,
			    "pages of the kernel mapping not in mode %u (%s)",
			    mode, is_vmalloc_addr(vaddr) ? "vmap" :
			    "direct map");
	KUNIT_EXPECT_EQ_MSG(test, bad_direct, 0UL,
			    "pages whose direct map is not in mode %u", mode);
	KUNIT_EXPECT_EQ_MSG(test, bad_after, 0UL,
			    "freed pages whose direct map is not write-back");
}

static void iomd_kunit_cache_kernel_small(struct kunit *test)
{
	iomd_kunit_cache_kernel(test, IOMD_CACHE_WC, 3 * PAGE_SIZE);
	iomd_kunit_cache_kernel(test, IOMD_CACHE_UC, 3 * PAGE_SIZE);
}

/* Larger than one run: pieces, so the kernel mapping is mostly a vmap. */
static void iomd_kunit_cache_kernel_large(struct kunit *test)
{
	size_t size = PAGE_SIZE << (IOMD_MAX_ORDER + 1);

	iomd_kunit_cache_kernel(test, IOMD_CACHE_WC, size);
	iomd_kunit_cache_kernel(test, IOMD_CACHE_UC, size);
}

struct iomd_kunit_ptes {
	unsigned long want;
	unsigned long present;
	unsigned long bad;
};

static int iomd_kunit_pte_check(pte_t *pte, unsigned long addr, void *data)
{
	struct iomd_kunit_ptes *p = data;

	if (pte_present(ptep_get(pte))) {
		p->present++;
		p->bad += iomd_kunit_cache_bits(pte_val(ptep_get(pte)),
						PG_LEVEL_4K) != p->want;
	}
	return 0;
}

/*
 * A user mapping (in an mm KUnit attaches to the test thread) of a buffer
 * in @mode, asked as @map_mode: every installed PTE has the mode's bits.
 */
static void iomd_kunit_cache_user_map(struct kunit *test, u32 mode,
				      u32 map_mode)
{
	const unsigned long npages = 4;
	struct iomd_kunit_ptes p = { .want = iomd_kunit_mode_bits(mode) };
	struct mm_struct *mm = current->mm;
	struct iomd_why why = { };
	struct iomd_mapping *map;
	struct iomd_desc *desc;
	unsigned long addr;
	int ret;

	desc = iomd_kunit_own(test,
			      iomd_buffer_create(IOMD_DIR_INOUT |
						 IOMD_BUF_KERNEL_USER_SHARED |
						 IOMD_BUF_CACHE(mode),
						 npages * PAGE_SIZE, 0, &why),
			      &why);
	map = iomd_map_create(desc, IOMD_MAP_CACHE(map_mode), 0, 0, 0, &why);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(map), "%d %s", why.err, why.msg);
	addr = iomd_mapping_address(map);
	mmap_read_lock(mm);
	ret = apply_to_existing_page_range(mm, addr, npages * PAGE_SIZE,
					   iomd_kunit_pte_check, &p);
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, p.present, npages);
	KUNIT_EXPECT_EQ_MSG(test, p.bad, 0UL,
			    "PTEs not in mode %u (want bits %#lx)", mode,
			    p.want);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, npages * PAGE_SIZE), 0);
	iomd_mapping_put(map);
}

static void iomd_kunit_cache_user(struct kunit *test)
{
	struct iomd_why why = { };
	struct iomd_mapping *map;
	struct iomd_desc *desc;
	unsigned long addr;
	void *mem;

	/* KUnit gives the test thread an mm with its first user mapping. */
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_NOT_NULL(test, current->mm);

	iomd_kunit_cache_user_map(test, IOMD_CACHE_WC, IOMD_CACHE_DEFAULT);
	iomd_kunit_cache_user_map(test, IOMD_CACHE_WC, IOMD_CACHE_WC);
	iomd_kunit_cache_user_map(test, IOMD_CACHE_UC, IOMD_CACHE_UC);
	iomd_kunit_cache_user_map(test, IOMD_CACHE_WB, IOMD_CACHE_WB);

	/* A kernel range is write-back only. */
	mem = vzalloc(2 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, iomd_kunit_vfree,
							mem), 0);
	desc = iomd_kunit_krange(test, mem, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iomd_desc_cache_mode(desc), IOMD_CACHE_WB);
	map = iomd_map_create(desc, IOMD_MAP_CACHE(IOMD_CACHE_WC), 0, 0, 0,
			      &why);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(map), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, why.err, -EOPNOTSUPP);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why.msg, "write-back"),
				  "reason: %s", why.msg);
	if (!IS_ERR(map))
		iomd_mapping_put(map);
}
#else
static void iomd_kunit_cache_kernel_small(struct kunit *test)
{
	kunit_skip(test, "the cache bits checked are x86's");
}

static void iomd_kunit_cache_kernel_large(struct kunit *test)
{
	kunit_skip(test, "the cache bits checked are x86's");
}

static void iomd_kunit_cache_user(struct kunit *test)
{
	kunit_skip(test, "the cache bits checked are x86's");
}
#endif

static void iomd_kunit_cache_errors(struct kunit *test)
{
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN |
				       IOMD_BUF_CACHE(IOMD_CACHE_MAX + 1),
				       64, 0, -EINVAL);
	iomd_kunit_expect_buffer_fails(test, IOMD_DIR_IN | IOMD_BUF_CACHE(7),
				       64, 0, -EINVAL);
}

static struct kunit_case iomd_kunit_cache_cases[] = {
	KUNIT_CASE(iomd_kunit_cache_kernel_small),
	KUNIT_CASE_SLOW(iomd_kunit_cache_kernel_large),
	KUNIT_CASE(iomd_kunit_cache_user),
	KUNIT_CASE(iomd_kunit_cache_errors),
	{}
};

static struct kunit_suite iomd_kunit_cache_suite = {
	.name = "iomd_cache",
	.test_cases = iomd_kunit_cache_cases,
};

kunit_test_suites(&iomd_kunit_zone_suite, &iomd_kunit_malloc_suite,
		  &iomd_kunit_sharing_suite, &iomd_kunit_buffer_suite,
		  &iomd_kunit_composite_suite, &iomd_kunit_cache_suite);

MODULE_DESCRIPTION("KUnit tests of the iomd in-kernel API");
MODULE_LICENSE("GPL");
