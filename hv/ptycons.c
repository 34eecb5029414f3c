/*
 * Serial consoles of test-driver guests from ptys (labs, benchmarks).
 */
#include "hv/hv.h"
#include "hv/hv_priv.h"
#include "lib/str.h"

static char	console_dir[1024];

void
hv_test_console_dir(const char *dir)
{
	str_copy(console_dir, dir != NULL ? dir : "", sizeof(console_dir));
}
