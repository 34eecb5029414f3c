#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/str.h"
#include "maint/advisory.h"

int
adv_version_cmp(const char *a, const char *b)
{
	unsigned long x, y;
	char *ea, *eb;

	while (*a != '\0' || *b != '\0') {
		x = isdigit((unsigned char)*a) ? strtoul(a, &ea, 10) : 0;
		y = isdigit((unsigned char)*b) ? strtoul(b, &eb, 10) : 0;
		if (!isdigit((unsigned char)*a))
			ea = (char *)a;
		if (!isdigit((unsigned char)*b))
			eb = (char *)b;
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (*a != '\0' && !isdigit((unsigned char)*a))
			a += strlen(a);		/* "4.6.3-5.el6": stop at the suffix */
		if (*b != '\0' && !isdigit((unsigned char)*b))
			b += strlen(b);
	}
	return 0;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int
valid_version(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > 31 || !isdigit((unsigned char)v[0]) ||
	    !isdigit((unsigned char)v[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]) && v[i] != '.')
			return 0;
	return strstr(v, "..") == NULL || (size_t)(strstr(v, "..") - v) >= n;
}

static int
same_product(const char *prod, size_t n, const char *hv_type)
{
	if ((n == 3 && strncasecmp(prod, "kvm", 3) == 0) ||
	    (n == 4 && strncasecmp(prod, "qemu", 4) == 0))
		return strcasecmp(hv_type, "qemu") == 0 ||
		    strcasecmp(hv_type, "kvm") == 0;
	return strlen(hv_type) == n && strncasecmp(prod, hv_type, n) == 0;
}

/*
 * Walks the text; with hv_type NULL it only checks.  Returns 1/0 for
 * affected/not, -1 on a parse error.
 */
static int
walk(const char *text, const char *hv_type, const char *hv_version,
    struct herr *e)
{
	const char *p = text, *prod, *ver;
	size_t plen, vlen;
	char op[3], v[32];
	int hit = 0, ok_all, c;

	if (strlen(text) > ADV_AFFECTS_MAX)
		return herr_set(e, HERR_USAGE, "affects: too long");
	for (;;) {
		p = skip_ws(p);
		prod = p;
		while (isalpha((unsigned char)*p))
			p++;
		if ((plen = (size_t)(p - prod)) == 0 || plen > 16)
			return herr_set(e, HERR_USAGE, "affects: expected a "
			    "product name (xen, qemu, kvm) at '%.20s'", prod);
		ok_all = 1;
		for (;;) {
			p = skip_ws(p);
			op[0] = op[1] = op[2] = '\0';
			if (*p == '<' || *p == '>' || *p == '=') {
				op[0] = *p++;
				if (*p == '=')
					op[1] = *p++;
			} else
				return herr_set(e, HERR_USAGE, "affects: expected "
				    "<, <=, >, >= or = at '%.20s'", p);
			p = skip_ws(p);
			ver = p;
			while (isdigit((unsigned char)*p) || *p == '.')
				p++;
			vlen = (size_t)(p - ver);
			if (!valid_version(ver, vlen))
				return herr_set(e, HERR_USAGE, "affects: bad "
				    "version at '%.20s'", ver);
			memcpy(v, ver, vlen);
			v[vlen] = '\0';
			if (hv_type != NULL && same_product(prod, plen, hv_type)) {
				c = adv_version_cmp(hv_version, v);
				if (!((op[0] == '<' && (c < 0 || (op[1] && c == 0))) ||
				    (op[0] == '>' && (c > 0 || (op[1] && c == 0))) ||
				    (op[0] == '=' && c == 0)))
					ok_all = 0;
			}
			p = skip_ws(p);
			if (*p != ',')
				break;
			p++;
		}
		if (hv_type != NULL && same_product(prod, plen, hv_type) &&
		    hv_version != NULL && hv_version[0] != '\0' && ok_all)
			hit = 1;
		if (*p == '\0')
			return hit;
		if (*p != ';')
			return herr_set(e, HERR_USAGE, "affects: unexpected "
			    "'%.20s'", p);
		p++;
	}
}

int
adv_affects_check(const char *affects, struct herr *e)
{
	return walk(affects, NULL, NULL, e) == -1 ? -1 : 0;
}

int
adv_affects(const char *affects, const char *hv_type, const char *hv_version,
    struct herr *e)
{
	return walk(affects, hv_type, hv_version, e);
}
