/*
 * tests/k_check.c's interface, for both domains: the corruptions
 * test_check plants (kk_plant(): 0 once planted, -1 if the machine had
 * nothing to plant it in -- a test setup error, not a checker verdict).
 */
#ifndef _TESTS_K_CHECK_H
#define	_TESTS_K_CHECK_H

enum kk_corruption {
	KK_STRAY_ENTRY,		/* an invalid entry that is not 0 */
	KK_LEAF_MOVED,		/* a leaf points at the next page */
	KK_LEAF_DROPPED,	/* a leaf cleared, its count left */
	KK_LEAF_NOCONSIST,	/* a leaf with an hment marked NOCONSIST */
	KK_TOP_COPY,		/* a copied top-level entry differs */
	KK_LINK_LOST,		/* a link to a child table cleared */
	KK_MODEL_UNMAPPED,	/* the model forgets a mapping (no table
				 * changes) */
	KK_LOCK_COUNT,		/* a table counts one locked mapping more
				 * (no entry changes) */
	KK_HMENT_ENTRY		/* an hment names the next entry */
};

extern void	kk_map_some(void);
extern int	kk_plant(enum kk_corruption);
extern void	kk_trusted_check(enum kk_corruption, int noted);
extern int	kk_check_memo(void);

#endif	/* _TESTS_K_CHECK_H */
