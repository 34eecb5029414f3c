/*
 * Fuzzes what comes back from the control node (each line of the input
 * is an answer: "ok SEQ" or "error SEQ reason") and the reading of a
 * report spool's lines (their "seq"): no crash, a reason never carries
 * a control character, a parsed sequence number is positive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		struct report_ack a;
		struct herr e;
		uint64_t seq;

		if (report_ack_parse(p, n, &a, &e) == 0) {
			for (const char *r = a.reason; *r != '\0'; r++)
				if ((unsigned char)*r < 0x20 || *r == 0x7f)
					abort();
			if (a.ok && a.reason[0] != '\0')
				abort();
		}
		if (report_seq(p, n, &seq) == 0 && seq == 0)
			abort();
		p += n + 1;
	}
	return 0;
}
