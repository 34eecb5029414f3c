/*
 * libFuzzer target for hangar/rows.c, the fast table of guest.list's
 * compact rows, against the slow path it stands in for: whenever
 * rows_render_guests takes an input, json-c must parse the same input
 * and render_guests must print exactly the same bytes.  What it refuses
 * is left alone (render_guests then gets it in the command).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hangar/hangar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *fast = NULL, *slow = NULL;
	size_t nfast = 0, nslow = 0;
	json_object *o;
	FILE *f, *saved;
	int r;

	memcpy(text, data, size);
	text[size] = '\0';
	/* json-c must read the very input: no NUL inside */
	if (memchr(data, '\0', size) != NULL) {
		free(text);
		return 0;
	}
	f = open_memstream(&fast, &nfast);
	r = rows_render_guests(text, size, f);
	fclose(f);
	if (r == 0) {
		memcpy(text, data, size);	/* decoded in place: again */
		if ((o = json_tokener_parse(text)) == NULL ||
		    !json_object_is_type(o, json_type_array))
			abort();	/* took what json-c refuses */
		saved = stdout;
		stdout = open_memstream(&slow, &nslow);
		render_guests(o);
		fclose(stdout);
		stdout = saved;
		json_object_put(o);
		if (nfast != nslow || memcmp(fast, slow, nfast) != 0)
			abort();
	}
	free(fast);
	free(slow);
	free(text);
	return 0;
}
