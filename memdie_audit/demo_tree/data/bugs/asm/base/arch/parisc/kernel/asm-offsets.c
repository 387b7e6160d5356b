/* parisc: constants for assembly (memdie-audit fixture, not kernel source) */
#include <linux/kbuild.h>
#include <asm/thread_info.h>

int main(void)
{
	DEFINE(TIF_SINGLESTEP_PA_BIT, 31-TIF_SINGLESTEP);
	return 0;
}
