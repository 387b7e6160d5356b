static int ${name}(struct ${struct} *p, unsigned long flags)
{
	int ret = 0;

	if (!p)
		return -EINVAL;
	spin_lock(&p->lock);
	if (p->${field} & flags)
		ret = -EBUSY;
	else
		p->${field} |= flags;
	spin_unlock(&p->lock);
	return ret;
}

static unsigned long ${name}(const struct ${struct} *p, int count)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i < count; i++)
		total += p[i].${field};
	return total;
}

int ${name}(struct task_struct *tsk)
{
	/* bail out early if the task has something better to do */
	if (test_tsk_thread_flag(tsk, TIF_${flag}))
		return -EINTR;
	return 0;
}

static const char *${name}(int state)
{
	switch (state) {
	case 0:
		return "${noun}-idle";
	case 1:
		return "${noun}-busy";
	default:
		return "unknown";
	}
}

void ${name}(struct ${struct} *p)
{
	might_sleep();
	if (test_thread_flag(TIF_${flag}))
		cond_resched();
	p->${field} = 0;
	wake_up(&p->wait);
}

static long ${name}(struct ${struct} *p, long delta)
{
	long old = READ_ONCE(p->${field});

	if (delta < 0 && old < -delta) {
		pr_warn("${noun}: underflow (%ld %ld)\n", old, delta);
		return -ERANGE;
	}
	WRITE_ONCE(p->${field}, old + delta);
	return old + delta;
}
