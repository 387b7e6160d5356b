/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ${guard}
#define ${guard}

#define ${NOUN}_MAX	${max}

struct ${noun}_info {
	unsigned long		flags;
	unsigned int		count;
	void			*priv;
};

enum ${noun}_state {
	${NOUN}_IDLE,
	${NOUN}_BUSY,
	${NOUN}_DEAD,
};

int ${noun}_info_init(struct ${noun}_info *info);
void ${noun}_info_release(struct ${noun}_info *info);

static inline bool ${noun}_info_busy(const struct ${noun}_info *info)
{
	return info->count >= ${NOUN}_MAX;
}

static inline void ${noun}_info_get(struct ${noun}_info *info)
{
	info->count++;
}

#endif /* ${guard} */
