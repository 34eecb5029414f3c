/*
 * The Ganeti htools text format (hbal/hroller/hsqueeze -t FILE) into a
 * plan_cluster.  Sections are separated by empty lines: node groups,
 * nodes, instances, cluster tags, instance policies (optional).
 * Every error names the file, the line and the field.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "lib/herr.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "plan/plan.h"
#include "plan/plan_int.h"

#define MAXFIELDS	32
/* Limits that keep every sum over a fleet far from int64 overflow. */
#define MAXMIB		1000000000000LL		/* 1 EiB */
#define MAXCPU		1000000
/*
 * Instance lines from which two threads pay: on a 2-vCPU VM two threads
 * took 0.98 of one's time for 4,000 guests, 0.84 for 8,000 and 16,000.
 */
#define PAR_LINES	8000
/* Line starts noted while counting lines: where a second thread may
 * start, at most 1/NCKPT of the file away from the middle it wants. */
#define NCKPT		64

size_t plan_parse_par_lines = PAR_LINES;
_Atomic unsigned long plan_parse_par_count;

/*
 * A thread's share of the instance section (see instances_two()): the
 * guests of a chunk into their slots of c->guests, their names into
 * c->names, the first thread's from its start up, the second's from its
 * end down (together no more than the text); customers numbered among
 * its own.
 */
struct part {
	struct plan_guest	*g;		/* the chunk's first slot */
	size_t			 ng;
	char			*names;		/* c->names, or its end */
	int			 down;		/* names from the end down */
	char			**owners;	/* its customers, in order of
						   first appearance; owned */
	uint64_t		*ohash;		/* their hashes */
	size_t			 nowners;
	size_t			 ocap;
};

struct parser {
	const char		*fname;
	size_t			 lineno;
	char			*f[MAXFIELDS];	/* fields of the current line */
	int			 nf;
	struct plan_cluster	*c;
	struct strmap		*groups;	/* uuid -> group index */
	struct strmap		*hosts;		/* name -> host index */
	struct strmap		*guests;	/* name -> guest index, or NULL
						   while the names come sorted */
	size_t			 nlines;	/* for the size of the maps */
	struct strmap		*owners;	/* name -> customer index, from
						   the instance section on */
	char			**gnames;	/* group names, by index */
	size_t			 ngroups;
	int64_t			*fmem;		/* f_mem per host */
	int64_t			*dused;		/* per host: t_dsk - f_dsk, less
						   its guests' disks so far */
	uint8_t			*offline;	/* '?' fields: no resources */
	size_t			 hcap;		/* fmem, dused, offline have
						   room */
	size_t			 ndup;		/* guests named as one before */
	double			*group_ratio;	/* vcpu ratio per group, 0:
						   the cluster's */
	double			 cluster_ratio;	/* of the policy line of no
						   group (htools' default) */
	size_t			 len;		/* of the text: room for every
						   guest name in c->names */
	size_t			 nameoff;	/* c->names used (by the part in
						   a part) */
	struct part		*part;		/* a thread's, or NULL */
	struct herr		*e;
};

static const char *node_fields[] = { "name", "t_mem", "n_mem", "f_mem",
    "t_dsk", "f_dsk", "t_cpu", "role", "group_uuid", "spindles", "tags",
    "excl_stor", "free_spindles", "nos_cpu", "cpu_speed" };
static const char *inst_fields[] = { "name", "mem", "dsk", "vcpus",
    "status", "auto_balance", "pnode", "snode", "disk_template", "tags",
    "spindle_use", "spindles", "forthcoming" };
static const char *group_fields[] = { "name", "uuid", "alloc_policy",
    "tags", "networks" };
static const char *policy_fields[] = { "owner", "std_spec",
    "minmax_specs", "disk_templates", "vcpu_ratio", "spindle_ratio" };
static const char *statuses[] = { "running", "ADMIN_down", "ADMIN_offline",
    "USER_down", "ERROR_down", "ERROR_up", "ERROR_nodedown",
    "ERROR_nodeoffline", "ERROR_wrongnode", NULL };
static const char *templates[] = { "diskless", "file", "sharedfile",
    "plain", "blockdev", "drbd", "rbd", "ext", "gluster", NULL };
#define TPL_DRBD	5

static int
perr(struct parser *p, int field, const char **names, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE: field N (NAME): message"; field 0 for the whole line. */
static int
perr(struct parser *p, int field, const char **names, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field > 0)
		return herr_set(p->e, HERR_USAGE, "%s:%zu: field %d (%s): %s",
		    p->fname, p->lineno, field, names[field - 1], msg);
	return herr_set(p->e, HERR_USAGE, "%s:%zu: %s", p->fname, p->lineno,
	    msg);
}

/* A short, printable quote of a field for an error message. */
static const char *
quote(const char *s, char *buf, size_t size)
{
	char tmp[40];

	str_copy(tmp, s, sizeof(tmp));
	str_sanitize(buf, size, tmp);
	return buf;
}

/* Plain digits (up to 18 of them, no sign) into *v; else -1. */
static int
digits(const char *s, long long *v)
{
	long long n = 0;
	size_t k;

	/* 18 digits fit; a 19th is only looked at, to say "too long" */
	for (k = 0; k < 19 && s[k] >= '0' && s[k] <= '9'; k++)
		if (k < 18)
			n = n * 10 + (s[k] - '0');
	if (k == 0 || k > 18 || s[k] != '\0')
		return -1;
	*v = n;
	return 0;
}

static int
field_int(struct parser *p, int i, const char **names, long long min,
    int64_t *out)
{
	long long v;
	char q[48];

	/* most fields are plain digits: strtoll() only for the rest */
	if (digits(p->f[i - 1], &v) == 0 && v >= min && v <= MAXMIB) {
		*out = v;
		return 0;
	}
	if (str_parse_int(p->f[i - 1], min, MAXMIB, &v) == -1)
		return perr(p, i, names, "\"%s\" is not an integer in "
		    "%lld..%lld", quote(p->f[i - 1], q, sizeof(q)), min,
		    MAXMIB);
	*out = v;
	return 0;
}

static int
field_num(struct parser *p, int i, const char **names, double *out)
{
	char *end;
	double v;
	char q[48];
	const char *s = p->f[i - 1];

	long long n;

	/* most fields are plain digits: exact in a double up to MAXMIB */
	if (digits(s, &n) == 0 && n <= MAXMIB) {
		*out = (double)n;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < 0 || v > (double)MAXMIB || *s == ' ' || *s == '\t')
		return perr(p, i, names, "\"%s\" is not a number in 0..%lld",
		    quote(s, q, sizeof(q)), MAXMIB);
	*out = v;
	return 0;
}

static int
field_yn(struct parser *p, int i, const char **names, int *out)
{
	char q[48];

	const char *s = p->f[i - 1];

	if (s[0] == 'Y' && s[1] == '\0')
		*out = 1;
	else if (s[0] == 'N' && s[1] == '\0')
		*out = 0;
	else
		return perr(p, i, names, "\"%s\" is not Y or N",
		    quote(p->f[i - 1], q, sizeof(q)));
	return 0;
}

static int
field_oneof(struct parser *p, int i, const char **names, const char **set)
{
	char q[48];
	size_t k;

	/* the first letters tell most apart without a call */
	for (k = 0; set[k] != NULL; k++)
		if (p->f[i - 1][0] == set[k][0] &&
		    strcmp(p->f[i - 1], set[k]) == 0)
			return (int)k;
	return perr(p, i, names, "unknown value \"%s\"",
	    quote(p->f[i - 1], q, sizeof(q)));
}

static int
require(struct parser *p, int min, const char *what)
{
	if (p->nf < min)
		return perr(p, 0, NULL, "%s line has %d fields, needs at "
		    "least %d", what, p->nf, min);
	return 0;
}

static int
parse_group(struct parser *p)
{
	char q[48];

	if (require(p, 3, "node group") == -1)
		return -1;
	if (p->f[0][0] == '\0')
		return perr(p, 1, group_fields, "empty group name");
	if (p->f[1][0] == '\0')
		return perr(p, 2, group_fields, "empty uuid");
	if (strmap_get(p->groups, p->f[1]) != PLAN_NONE)
		return perr(p, 2, group_fields, "duplicate uuid \"%s\"",
		    quote(p->f[1], q, sizeof(q)));
	p->gnames = xreallocarray(p->gnames, p->ngroups + 1, sizeof(char *));
	p->group_ratio = xreallocarray(p->group_ratio, p->ngroups + 1,
	    sizeof(double));
	/* uuid and name in one allocation that outlives the table */
	p->gnames[p->ngroups] = xasprintf("%s%c%s", p->f[1], '\0', p->f[0]);
	p->group_ratio[p->ngroups] = 0;
	p->ngroups++;
	strmap_put(p->groups, p->gnames[p->ngroups - 1],
	    (int32_t)p->ngroups - 1);
	plan_cluster_add_group(p->c, p->f[0]);
	return 0;
}

static const char *
group_name(struct parser *p, size_t i)
{
	return p->gnames[i] + strlen(p->gnames[i]) + 1;
}

/*
 * A host's disk kind and state from its tags, in one pass: stor:/disk:
 * ssd before hdd, and of the states retired before draining before
 * maintenance; drained (role D) counts as draining.
 */
static void
host_from_tags(struct plan_host *h, int drained)
{
	static const struct {
		const char	*tag;
		int		 ssd, hdd, state;	/* state: rank, or 0 */
	} known[] = {
		{ "stor:ssd", 1, 0, 0 }, { "disk:ssd", 1, 0, 0 },
		{ "stor:hdd", 0, 1, 0 }, { "disk:hdd", 0, 1, 0 },
		{ "hangar:state:maintenance", 0, 0, 1 },
		{ "hangar:state:draining", 0, 0, 2 },
		{ "hangar:state:retired", 0, 0, 3 },
	};
	static const enum plan_host_state rank[] = { PLAN_HOST_ACTIVE,
	    PLAN_HOST_MAINTENANCE, PLAN_HOST_DRAINING, PLAN_HOST_RETIRED };
	const char *t = h->tags, *end;
	int ssd = 0, hdd = 0, state = drained ? 2 : 0;
	size_t n, k;

	while (*t != '\0') {
		for (end = t; *end != ',' && *end != '\0'; end++)
			;
		n = (size_t)(end - t);
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			if (strncmp(t, known[k].tag, n) != 0 ||
			    known[k].tag[n] != '\0')
				continue;
			ssd |= known[k].ssd;
			hdd |= known[k].hdd;
			if (known[k].state > state)
				state = known[k].state;
		}
		if (*end == '\0')
			break;
		t = end + 1;
	}
	if (ssd)
		h->disk_kind = PLAN_DISK_SSD;
	else if (hdd)
		h->disk_kind = PLAN_DISK_HDD;
	if (state > 0)
		h->state = rank[state];
}

static int
parse_node(struct parser *p)
{
	struct plan_cluster *c = p->c;
	struct plan_host *h;
	double tmem = 0, tdsk = 0, tcpu = 0, d = 0;
	int64_t nmem = 0, fmem = 0, fdsk = 0, v = 0;
	int unknown = 0, i, yn = 0;
	int32_t grp;
	char q[48];

	if (require(p, 9, "node") == -1)
		return -1;
	if (p->f[0][0] == '\0')
		return perr(p, 1, node_fields, "empty host name");
	if (strmap_get(p->hosts, p->f[0]) != PLAN_NONE)
		return perr(p, 1, node_fields, "duplicate host \"%s\"",
		    quote(p->f[0], q, sizeof(q)));
	for (i = 2; i <= 7; i++)
		if (strcmp(p->f[i - 1], "?") == 0)
			unknown = 1;
	if (!unknown) {
		if (field_num(p, 2, node_fields, &tmem) == -1 ||
		    field_int(p, 3, node_fields, 0, &nmem) == -1 ||
		    field_int(p, 4, node_fields, -MAXMIB, &fmem) == -1 ||
		    field_num(p, 5, node_fields, &tdsk) == -1 ||
		    field_int(p, 6, node_fields, -MAXMIB, &fdsk) == -1 ||
		    field_num(p, 7, node_fields, &tcpu) == -1)
			return -1;
		if ((double)nmem > tmem)
			return perr(p, 3, node_fields, "host uses %lld MiB, "
			    "more than its t_mem", (long long)nmem);
		if (tcpu > MAXCPU)
			return perr(p, 7, node_fields, "more than %d CPUs",
			    MAXCPU);
	}
	if (strlen(p->f[7]) != 1)
		return perr(p, 8, node_fields, "role must be one letter");
	if ((grp = strmap_get(p->groups, p->f[8])) == PLAN_NONE)
		return perr(p, 9, node_fields, "no node group with uuid "
		    "\"%s\"", quote(p->f[8], q, sizeof(q)));
	if (p->nf >= 10 && field_int(p, 10, node_fields, 0, &v) == -1)
		return -1;
	if (p->nf >= 12 && field_yn(p, 12, node_fields, &yn) == -1)
		return -1;
	if (p->nf >= 13 && field_int(p, 13, node_fields, 0, &v) == -1)
		return -1;
	if (p->nf >= 14 && field_int(p, 14, node_fields, 0, &v) == -1)
		return -1;
	if (p->nf >= 15 && field_num(p, 15, node_fields, &d) == -1)
		return -1;
	plan_cluster_add_host(c, p->f[0], (int64_t)tmem - nmem, (int64_t)tdsk,
	    (int32_t)tcpu, PLAN_DISK_UNKNOWN, PLAN_HOST_ACTIVE,
	    p->nf >= 11 ? p->f[10] : "");
	h = &c->hosts[c->nhosts - 1];
	host_from_tags(h, p->f[7][0] == 'D');
	h->group = grp;
	h->offline = unknown || p->f[7][0] == 'Y';
	h->master = p->f[7][0] == 'M';
	if (c->nhosts > p->hcap) {	/* doubled, not one by one */
		p->hcap = c->nhosts < 16 ? 16 : 2 * c->nhosts;
		p->fmem = xreallocarray(p->fmem, p->hcap, sizeof(int64_t));
		p->dused = xreallocarray(p->dused, p->hcap, sizeof(int64_t));
		p->offline = xreallocarray(p->offline, p->hcap, 1);
	}
	p->fmem[c->nhosts - 1] = fmem;
	p->dused[c->nhosts - 1] = (int64_t)tdsk - fdsk;
	p->offline[c->nhosts - 1] = (uint8_t)unknown;
	strmap_put(p->hosts, h->name, (int32_t)c->nhosts - 1);
	return 0;
}

/* A guest's tags as the planner reads them (see guest_tags()). */
struct gtags {
	char	*owner;		/* NUL-terminated in place, or NULL */
	int	 no_migrate;
};

/*
 * One pass over a guest's comma-separated tags (writable): the value of
 * the first owner:NAME, else of the first customer:NAME, cut out in
 * place; and whether hangar:no-migrate is one of them.
 */
static void
guest_tags(char *tags, struct gtags *gt)
{
	static const char own[] = "owner:", cust[] = "customer:",
	    pin[] = "hangar:no-migrate";
	char *t = tags, *end, *o = NULL, *oend = NULL, *cu = NULL,
	    *cuend = NULL;
	size_t n;

	gt->no_migrate = 0;
	while (*t != '\0') {
		for (end = t; *end != ',' && *end != '\0'; end++)
			;
		n = (size_t)(end - t);
		if (o == NULL && n > sizeof(own) - 1 &&
		    memcmp(t, own, sizeof(own) - 1) == 0) {
			o = t + sizeof(own) - 1;
			oend = end;
		} else if (cu == NULL && n > sizeof(cust) - 1 &&
		    memcmp(t, cust, sizeof(cust) - 1) == 0) {
			cu = t + sizeof(cust) - 1;
			cuend = end;
		} else if (n == sizeof(pin) - 1 && memcmp(t, pin, n) == 0)
			gt->no_migrate = 1;
		if (*end == '\0')
			break;
		t = end + 1;
	}
	if (o == NULL) {
		o = cu;
		oend = cuend;
	}
	if (o != NULL)
		*oend = '\0';
	gt->owner = o;
}

/* The customer named o (hash h), added if new; PLAN_NONE for no name. */
static int32_t
owner_of(struct parser *p, const char *o, uint64_t h)
{
	int32_t id;

	if (o == NULL)
		return PLAN_NONE;
	id = strmap_get_hashed(p->owners, o, h);
	if (id != PLAN_NONE)
		return id;
	if (p->part != NULL) {
		struct part *pt = p->part;

		if (pt->nowners == pt->ocap) {
			pt->ocap = pt->ocap > 0 ? 2 * pt->ocap : 256;
			pt->owners = xreallocarray(pt->owners, pt->ocap,
			    sizeof(char *));
			pt->ohash = xreallocarray(pt->ohash, pt->ocap,
			    sizeof(uint64_t));
		}
		pt->owners[pt->nowners] = xstrdup(o);
		pt->ohash[pt->nowners] = h;
		id = (int32_t)pt->nowners++;
		strmap_put(p->owners, pt->owners[id], id);
	} else {
		id = plan_customer_append(p->c, o);
		strmap_put(p->owners, p->c->customers[id], id);
	}
	return id;
}

/* The last guest so far (of the part in a part), or NULL. */
static const char *
last_guest(const struct parser *p)
{
	if (p->part != NULL)
		return p->part->ng > 0 ? p->part->g[p->part->ng - 1].name :
		    NULL;
	return p->c->nguests > 0 ? p->c->guests[p->c->nguests - 1].name :
	    NULL;
}

/*
 * Is name a guest not seen yet?  While the guests come sorted by name
 * (as tools write them) the last one tells; the first name out of order
 * puts every name so far into a map, which answers from then on (except
 * on two threads: there it ends the try, see instances_two()).
 */
static int
guest_is_new(struct parser *p, const char *name)
{
	struct plan_cluster *c = p->c;
	const char *last;
	size_t i;

	if (p->guests == NULL) {
		if ((last = last_guest(p)) == NULL || strcmp(name, last) > 0)
			return 1;
		if (p->part != NULL)
			return 0;
		p->guests = strmap_new(p->nlines);
		for (i = 0; i < c->nguests; i++)
			strmap_put(p->guests, c->guests[i].name, (int32_t)i);
	}
	return strmap_get(p->guests, name) == PLAN_NONE;
}

/*
 * The guest's name copied into c->names: every name of the file in one
 * block, which its size bounds (a name and its NUL take no more room than
 * its line).
 */
static void
names_init(struct parser *p)
{
	struct plan_cluster *c = p->c;

	if (c->names == NULL) {
		c->names = xmalloc(p->len + 1);
		/* the guests' array, once: at most a guest a line */
		plan_guest_reserve(c, p->nlines);
	}
}

static char *
guest_name(struct parser *p)
{
	size_t n = strlen(p->f[0]) + 1;
	char *name;

	if (p->part != NULL)
		name = p->part->down ? p->part->names - p->nameoff - n :
		    p->part->names + p->nameoff;
	else {
		names_init(p);
		name = p->c->names + p->nameoff;
	}
	memcpy(name, p->f[0], n);
	p->nameoff += n;
	return name;
}

/* A new guest: the cluster's next, or the part's. */
static struct plan_guest *
new_guest(struct parser *p)
{
	struct part *pt = p->part;
	struct plan_guest *g;

	if (pt == NULL)
		return plan_guest_append_named(p->c, guest_name(p));
	g = &pt->g[pt->ng++];
	plan_guest_init(g, guest_name(p));
	return g;
}

#define MAXDUPWARN	10	/* duplicate names told one by one */

/* The current guest has the name of one before it: kept, and told. */
static void
dup_warn(struct parser *p)
{
	struct plan_cluster *c = p->c;
	char q[48], *w;

	if (p->ndup++ >= MAXDUPWARN)
		return;
	w = xasprintf("%s:%zu: field 1 (name): guest \"%s\" is named as one "
	    "before it: both kept, but hangar's own fleet needs unique "
	    "guest names and the plan names them alike", p->fname,
	    p->lineno, quote(p->f[0], q, sizeof(q)));
	c->warnings = xreallocarray(c->warnings, c->nwarnings + 1,
	    sizeof(char *));
	c->warnings[c->nwarnings++] = w;
}

static int
parse_instance(struct parser *p)
{
	struct plan_cluster *c = p->c;
	struct plan_guest *g;
	struct gtags gt;
	int64_t mem = 0, dsk = 0, vcpus = 0, v = 0;
	int32_t pn, sn = PLAN_NONE;
	int status, tpl, ab = 0, yn = 0;
	uint64_t hh, oh = 0;
	char q[48];

	if (require(p, 10, "instance") == -1)
		return -1;
	/* the slots of the host and owner maps on their way while the
	 * other fields are read (the tags are not quoted in errors) */
	hh = strmap_hash(p->f[6]);
	strmap_prefetch(p->hosts, hh);
	guest_tags(p->f[9], &gt);
	if (gt.owner != NULL) {
		oh = strmap_hash(gt.owner);
		strmap_prefetch(p->owners, oh);
	}
	if (p->f[0][0] == '\0')
		return perr(p, 1, inst_fields, "empty guest name");
	if (!guest_is_new(p, p->f[0])) {
		/* on two threads: names out of order end the try */
		if (p->part != NULL)
			return perr(p, 1, inst_fields, "duplicate guest");
		dup_warn(p);
	}
	if (field_int(p, 2, inst_fields, 0, &mem) == -1 ||
	    field_int(p, 3, inst_fields, 0, &dsk) == -1 ||
	    field_int(p, 4, inst_fields, 0, &vcpus) == -1)
		return -1;
	if (vcpus > MAXCPU)
		return perr(p, 4, inst_fields, "more than %d vCPUs", MAXCPU);
	if ((status = field_oneof(p, 5, inst_fields, statuses)) == -1)
		return -1;
	if (field_yn(p, 6, inst_fields, &ab) == -1)
		return -1;
	if ((pn = strmap_get_hashed(p->hosts, p->f[6], hh)) == PLAN_NONE)
		return perr(p, 7, inst_fields, "no host \"%s\"",
		    quote(p->f[6], q, sizeof(q)));
	if ((tpl = field_oneof(p, 9, inst_fields, templates)) == -1)
		return -1;
	if (p->f[7][0] != '\0' && tpl == TPL_DRBD) {
		if ((sn = strmap_get(p->hosts, p->f[7])) == PLAN_NONE)
			return perr(p, 8, inst_fields, "no host \"%s\"",
			    quote(p->f[7], q, sizeof(q)));
		if (sn == pn)
			return perr(p, 8, inst_fields, "secondary is the "
			    "primary host");
	} else if (tpl == TPL_DRBD)
		return perr(p, 8, inst_fields, "drbd guest without a "
		    "secondary host");
	if (p->nf >= 11 && field_int(p, 11, inst_fields, 0, &v) == -1)
		return -1;
	if (p->nf >= 12 && !(p->f[11][0] == '-' && p->f[11][1] == '\0') &&
	    field_int(p, 12, inst_fields, 0, &v) == -1)
		return -1;
	if (p->nf >= 13 && field_yn(p, 13, inst_fields, &yn) == -1)
		return -1;
	g = new_guest(p);
	if (p->guests != NULL)
		strmap_put(p->guests, g->name, (int32_t)c->nguests - 1);
	g->owner = owner_of(p, gt.owner, oh);
	g->ram_mib = mem;
	g->disk_mib = dsk;
	g->vcpus = (int32_t)vcpus;
	g->host = pn;
	g->secondary = sn;
	g->live_migrate = ab && !gt.no_migrate;
	/* RAM the hypervisor sees in use: htools' x_mem accounting */
	if (status == 0 || status >= 5)
		p->fmem[g->host] += mem;
	/* disk it explains of t_dsk - f_dsk (see finish()) */
	p->dused[pn] -= dsk;
	if (sn != PLAN_NONE)
		p->dused[sn] -= dsk;
	return 0;
}

static int
parse_policy(struct parser *p)
{
	double r;
	size_t i;

	if (p->nf < 5)
		return 0;	/* no vcpu_ratio: nothing we use */
	if (field_num(p, 5, policy_fields, &r) == -1)
		return -1;
	if (r <= 0 || r > 1000)
		return perr(p, 5, policy_fields, "vcpu_ratio must be in "
		    "(0, 1000]");
	if (p->f[0][0] == '\0')
		p->cluster_ratio = r;	/* groups without a line of their own */
	for (i = 0; i < p->ngroups; i++)
		if (strcmp(group_name(p, i), p->f[0]) == 0)
			p->group_ratio[i] = r;
	return 0;
}



static void
finish(struct parser *p)
{
	struct plan_cluster *c = p->c;
	double ratio = 0;
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		struct plan_host *h = &c->hosts[i];
		/* fmem now holds f_mem + running RAM */
		int64_t x = p->offline[i] ? 0 : h->ram_mib - p->fmem[i];

		h->reserved_mib = x > 0 ? x : 0;
		/* free disk: the lower of f_dsk and what the guests leave */
		x = p->offline[i] ? 0 : p->dused[i];
		h->reserved_disk_mib = x > 0 ? x : 0;
	}
	if (p->ndup > MAXDUPWARN) {
		c->warnings = xreallocarray(c->warnings, c->nwarnings + 1,
		    sizeof(char *));
		c->warnings[c->nwarnings++] = xasprintf("%s: %zu more guests "
		    "named as one before them", p->fname,
		    p->ndup - MAXDUPWARN);
	}
	/* one ratio for the cluster: the smallest of the groups' */
	for (i = 0; i < p->ngroups; i++)
		if (ratio == 0 || (p->group_ratio[i] > 0 ?
		    p->group_ratio[i] : p->cluster_ratio) < ratio)
			ratio = p->group_ratio[i] > 0 ? p->group_ratio[i] :
			    p->cluster_ratio;
	c->vcpu_ratio = ratio > 0 ? ratio : PLAN_DEFAULT_VCPU_RATIO;
}

static int
parse_fields(struct parser *p, int section)
{
	switch (section) {
	case 0:
		return parse_group(p);
	case 1:
		return parse_node(p);
	case 2:
		return parse_instance(p);
	case 3:
		return 0;	/* cluster tags: nothing we use */
	case 4:
		return parse_policy(p);
	default:
		return 0;	/* ignored, as htools does */
	}
}

static void
parser_release(struct parser *p)
{
	size_t i;

	strmap_free(p->groups);
	strmap_free(p->hosts);
	strmap_free(p->guests);
	strmap_free(p->owners);
	for (i = 0; i < p->ngroups; i++)
		free(p->gnames[i]);
	free(p->gnames);
	free(p->group_ratio);
	free(p->fmem);
	free(p->dused);
	free(p->offline);
}


/* A writable copy of the current line; grows, freed by its owner. */
struct linebuf {
	char	*s;
	size_t	 cap;
};

static void
linebuf_room(struct linebuf *lb, size_t n)
{
	if (n <= lb->cap)
		return;
	lb->cap = lb->cap < 256 ? 256 : lb->cap;
	while (lb->cap < n)
		lb->cap *= 2;
	lb->s = xreallocarray(lb->s, lb->cap, 1);
}

enum scan { SCAN_LINE, SCAN_BLANK, SCAN_NUL, SCAN_FIELDS };

/*
 * Reads the line at buf[start] up to its '\n' (or the end) in one pass:
 * copied into lb, a '\r' at its end dropped, split on '|' into p->f.
 * Four passes (find the '\n', look for a NUL, copy, split) took a third
 * of the parse; SSE2 compares 16 bytes at a time for all three bytes.
 * *endp: where the line ends.  A NUL or too many fields is only told
 * (SCAN_NUL, SCAN_FIELDS), so that the caller numbers the line first.
 */
static enum scan
scan_line(struct parser *p, const char *buf, size_t len, size_t start,
    struct linebuf *lb, size_t *endp)
{
	size_t off[MAXFIELDS], i = start, o = 0, nbar = 0, k;
	int over = 0, nul = 0;

#define BAR(pos) do {							\
	if (nbar < MAXFIELDS - 1)					\
		off[++nbar] = (pos) + 1;				\
	else								\
		over = 1;						\
} while (0)
	off[0] = 0;
#ifdef __SSE2__
	for (; i + 16 <= len; i += 16, o += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (buf + i));
		unsigned mnl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('\n')));
		unsigned mbar = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('|')));
		unsigned mnul = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_setzero_si128()));
		unsigned n = mnl != 0 ? (unsigned)__builtin_ctz(mnl) : 16;

		if (n < 16) {
			mbar &= (1u << n) - 1;
			mnul &= (1u << n) - 1;
		}
		linebuf_room(lb, o + 16);
		_mm_storeu_si128((__m128i *)(void *)(lb->s + o), v);
		nul |= mnul != 0;
		for (; mbar != 0; mbar &= mbar - 1)
			BAR(o + (size_t)__builtin_ctz(mbar));
		if (n < 16) {
			i += n;
			o += n;
			goto done;
		}
	}
#endif
	for (; i < len && buf[i] != '\n'; i++, o++) {
		linebuf_room(lb, o + 1);
		lb->s[o] = buf[i];
		if (buf[i] == '|')
			BAR(o);
		else if (buf[i] == '\0')
			nul = 1;
	}
#ifdef __SSE2__
done:
#endif
#undef BAR
	*endp = i;
	linebuf_room(lb, o + 1);
	lb->s[o] = '\0';
	if (o > 0 && lb->s[o - 1] == '\r')
		lb->s[--o] = '\0';
	if (o == 0)
		return SCAN_BLANK;	/* "" or "\r" */
	if (nul)
		return SCAN_NUL;
	if (over)
		return SCAN_FIELDS;
	p->nf = (int)nbar + 1;
	p->f[0] = lb->s;
	for (k = 1; k <= nbar; k++) {
		lb->s[off[k] - 1] = '\0';
		p->f[k] = lb->s + off[k];
	}
	return SCAN_LINE;
}

/* Parses the line scan_line() read (r: what it found), as section's. */
static int
take_line(struct parser *p, int section, enum scan r)
{
	if (r == SCAN_NUL)
		return perr(p, 0, NULL, "NUL byte in line");
	if (r == SCAN_FIELDS)
		return perr(p, 0, NULL, "more than %d fields", MAXFIELDS);
	return parse_fields(p, section);
}

/* A line start and its number, noted while counting the lines. */
struct ckpt {
	size_t	off;
	size_t	line;
};

/*
 * The lines of buf, as the parser counts them (one more than its '\n');
 * ck[k] is the first line start at or past (k + 1) / (NCKPT + 1) of the
 * text, or len if there is none.
 */
static size_t
count_lines(const char *buf, size_t len, struct ckpt *ck)
{
	const char *nl;
	size_t n = 1, k = 0, i;

	for (i = 0; (nl = memchr(buf + i, '\n', len - i)) != NULL;) {
		i = (size_t)(nl - buf) + 1;
		n++;
		for (; k < NCKPT && i >= len / (NCKPT + 1) * (k + 1); k++) {
			ck[k].off = i;
			ck[k].line = n;
		}
	}
	for (; k < NCKPT; k++) {
		ck[k].off = len;
		ck[k].line = n;
	}
	return n;
}

/* Is the instance section (about the lines left) worth two threads? */
static int
want_two(const struct parser *p)
{
	if (plan_parse_par_lines == 0)
		return 1;
	if (p->nlines - p->lineno < plan_parse_par_lines)
		return 0;
	return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

/*
 * Parses instance lines from buf[from] on, up to the line start stop or
 * to an empty line (which ends the section: *blankp is where it starts).
 * -1 on an error, 0 at stop, 1 at an empty line.
 */
static int
instances_run(struct parser *p, const char *buf, size_t len, size_t from,
    size_t stop, struct linebuf *lb, size_t *blankp)
{
	enum scan r;
	size_t start, end;

	for (start = from; start < stop; start = end + 1) {
		if ((r = scan_line(p, buf, len, start, lb, &end)) ==
		    SCAN_BLANK) {
			*blankp = start;
			return 1;
		}
		p->lineno++;
		if (take_line(p, 2, r) == -1)
			return -1;
	}
	return 0;
}

/*
 * The instance section on two threads.  It is cut at the line starts
 * noted while counting lines into chunks, which the threads take in
 * turn (one that starts late takes fewer).  A chunk's guests go to their
 * own slots (a guest a line from the section's first), their names into
 * c->names (see struct part), their customers into the thread's own
 * numbering until the merge numbers them in file order.
 */
struct chunk {
	size_t			 off;		/* first line's start */
	size_t			 end;		/* the next chunk's, or len */
	size_t			 line;		/* first line's number */
	struct plan_guest	*g;		/* its guests' slots */
	size_t			 ng;
	size_t			 lastline;	/* number of the last line read */
	int			 worker;	/* which thread read it */
	size_t			 own0;		/* the thread's customers first */
	size_t			 own1;		/* seen here: [own0, own1) */
	int			 rc;		/* -1: not read, or failed; 0:
						   every line a guest; 1: the
						   section ends at blank */
	size_t			 blank;
};

struct pool;

/*
 * A thread's parser: p's maps of groups and hosts (read only), its own
 * of customers, its own f_mem sums and errors.  On cache lines of its own
 * (a line's fields are written to it).
 */
struct worker {
	_Alignas(64) struct parser p;
	struct part		 pt;
	struct herr		 e;
	struct linebuf		 lb;
	struct pool		*pool;
	int			 id;
	int32_t			*gid;		/* cluster's customer index of
						   each of pt.owners (merge) */
	int32_t			*cross;		/* the other's index of each */
};

struct pool {
	const char		*buf;
	size_t			 len;
	struct chunk		 ck[NCKPT + 1];
	size_t			 nck;
	_Atomic size_t		 next;		/* the next chunk to take */
	_Atomic size_t		 stop;		/* none from here on needed */
	int			 alternate;	/* thread i takes chunks i, i +
						   2, ... (forced: both read) */
	size_t			 nhosts;
	struct worker		 w[2];
};

/* The chunks of the section from start: at the noted line starts. */
static void
pool_init(struct pool *pl, struct parser *p, const char *buf, size_t len,
    size_t start, const struct ckpt *ckp)
{
	struct plan_cluster *c = p->c;
	struct chunk *ck;
	size_t k, off = start, line = p->lineno + 1, next;

	memset(pl, 0, sizeof(*pl));
	pl->buf = buf;
	pl->len = len;
	for (k = 0; k <= NCKPT; k++) {
		next = k < NCKPT ? ckp[k].off : len;
		if (k < NCKPT && (next <= off || next >= len))
			continue;
		ck = &pl->ck[pl->nck++];
		ck->off = off;
		ck->end = next;
		ck->line = line;
		ck->g = c->guests + c->nguests + (line - p->lineno - 1);
		ck->rc = -1;
		if (k < NCKPT) {
			off = next;
			line = ckp[k].line;
		}
	}
	pl->stop = pl->nck;
	pl->alternate = plan_parse_par_lines == 0;
	pl->nhosts = c->nhosts;
}

static void
worker_init(struct worker *w, int id, struct parser *p, struct pool *pl)
{
	memset(w, 0, sizeof(*w));
	w->p = *p;
	w->p.c = NULL;
	w->p.e = &w->e;
	w->p.part = &w->pt;
	w->p.guests = NULL;
	w->p.owners = NULL;	/* worker_main() makes them */
	w->p.fmem = NULL;
	w->p.dused = NULL;
	w->p.nameoff = 0;
	w->pt.names = p->c->names + (id == 0 ? p->nameoff : p->len + 1);
	w->pt.down = id;
	w->pool = pl;
	w->id = id;
}

static void
worker_release(struct worker *w)
{
	size_t i;

	strmap_free(w->p.owners);
	free(w->p.fmem);
	free(w->p.dused);
	for (i = 0; i < w->pt.nowners; i++)
		free(w->pt.owners[i]);
	free(w->pt.owners);
	free(w->pt.ohash);
	free(w->gid);
	free(w->cross);
	free(w->lb.s);
}

/* No chunk from k on is needed. */
static void
pool_stop(struct pool *pl, size_t k)
{
	size_t s = atomic_load(&pl->stop);

	while (k < s && !atomic_compare_exchange_weak(&pl->stop, &s, k))
		;
}

static void
chunk_run(struct worker *w, struct chunk *ck)
{
	struct pool *pl = w->pool;

	w->p.lineno = ck->line - 1;
	w->pt.g = ck->g;
	w->pt.ng = 0;
	ck->worker = w->id;
	ck->own0 = w->pt.nowners;
	ck->rc = instances_run(&w->p, pl->buf, pl->len, ck->off, ck->end,
	    &w->lb, &ck->blank);
	ck->ng = w->pt.ng;
	ck->lastline = w->p.lineno;
	ck->own1 = w->pt.nowners;
}

/*
 * Takes the chunks in turn; after one where the section ends, or that
 * fails, no later one is needed.  Its map and sums are made here, their
 * pages written on this thread's CPU while the other makes its own.
 */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *pl = w->pool;
	size_t k = (size_t)w->id, nhosts = pl->nhosts;

	if (w->p.owners == NULL) {
		w->p.owners = strmap_new(w->p.nlines / 8);
		w->p.fmem = xreallocarray(NULL, nhosts, sizeof(int64_t));
		memset(w->p.fmem, 0, nhosts * sizeof(int64_t));
		w->p.dused = xreallocarray(NULL, nhosts, sizeof(int64_t));
		memset(w->p.dused, 0, nhosts * sizeof(int64_t));
	}
	for (;; k += 2) {
		if (!pl->alternate)
			k = atomic_fetch_add(&pl->next, 1);
		if (k >= pl->nck || k >= atomic_load(&pl->stop))
			break;
		chunk_run(w, &pl->ck[k]);
		if (pl->ck[k].rc != 0)
			pool_stop(pl, k + 1);
	}
	return NULL;
}

/* Where each of a's customers is among b's (or PLAN_NONE); b's slots
 * asked for some names ahead (b's map is out of a's cache). */
static void
cross_init(struct worker *a, const struct worker *b)
{
	size_t i, n = a->pt.nowners;

	a->cross = xreallocarray(NULL, n, sizeof(int32_t));
	a->gid = xreallocarray(NULL, n, sizeof(int32_t));
	for (i = 0; i < n; i++) {
		a->gid[i] = PLAN_NONE;
		if (b->pt.nowners == 0) {
			a->cross[i] = PLAN_NONE;
			continue;
		}
		if (i + 8 < n)
			strmap_prefetch(b->p.owners, a->pt.ohash[i + 8]);
		a->cross[i] = strmap_get_hashed(b->p.owners, a->pt.owners[i],
		    a->pt.ohash[i]);
	}
}

/*
 * Numbers the customers first seen by chunk ck's thread in it, unless
 * the other thread saw them in an earlier chunk: chunk by chunk, this
 * is their order of first appearance in the file.
 */
static void
owners_merge(struct plan_cluster *c, struct worker *w, const struct chunk *ck)
{
	struct worker *a = &w[ck->worker], *b = &w[!ck->worker];
	int32_t j;
	size_t i;

	for (i = ck->own0; i < ck->own1; i++) {
		if (a->gid[i] != PLAN_NONE)
			continue;	/* the other saw it first */
		a->gid[i] = plan_customer_adopt(c, a->pt.owners[i]);
		a->pt.owners[i] = NULL;
		if ((j = a->cross[i]) != PLAN_NONE)
			b->gid[j] = a->gid[i];
	}
}

/*
 * The chunks up to the one where the section ends, as guests of the
 * cluster.  -1 if one of them failed or was not read, if a chunk past the
 * section counted a guest (its f_mem is in its thread's sums), or if the
 * names are not sorted across chunks (the threads check them within).
 * The cluster's map of customers is left out: it is not asked after the
 * section.
 */
static int
pool_merge(struct parser *p, struct pool *pl, struct worker *w,
    size_t *startp)
{
	struct plan_cluster *c = p->c;
	const char *last = NULL;
	struct chunk *ck;
	size_t e, k, i, ng = 0;

	for (e = 0; e < pl->nck && pl->ck[e].rc == 0; e++)
		;
	if (e == pl->nck || pl->ck[e].rc == -1)
		return -1;
	for (k = e + 1; k < pl->nck; k++)
		if (pl->ck[k].ng > 0)
			return -1;
	for (k = 0; k <= e; k++) {
		ck = &pl->ck[k];
		if (ck->g != c->guests + c->nguests + ng)
			abort();	/* a line of a chunk not a guest */
		if (ck->ng > 0 && last != NULL &&
		    strcmp(last, ck->g[0].name) >= 0)
			return -1;
		if (ck->ng > 0)
			last = ck->g[ck->ng - 1].name;
		ng += ck->ng;
	}
	cross_init(&w[0], &w[1]);
	cross_init(&w[1], &w[0]);
	for (k = 0; k <= e; k++)
		owners_merge(c, w, &pl->ck[k]);
	for (k = 0; k <= e; k++) {
		ck = &pl->ck[k];
		for (i = 0; i < ck->ng; i++)
			if (ck->g[i].owner != PLAN_NONE)
				ck->g[i].owner = w[ck->worker].gid[
				    ck->g[i].owner];
	}
	for (i = 0; i < c->nhosts; i++) {
		p->fmem[i] += w[0].p.fmem[i] + w[1].p.fmem[i];
		p->dused[i] += w[0].p.dused[i] + w[1].p.dused[i];
	}
	plan_guest_adopt_named(c, ng);
	ck = &pl->ck[e];
	/* the first thread's names, then room up to the second's (no guest
	 * follows: the section is over) */
	p->nameoff = w[0].p.nameoff;
	p->lineno = ck->lastline;
	*startp = ck->blank;
	return 0;
}

/*
 * The instance section from *startp on, on two threads.  Only the happy
 * path: -1 (with a message that is not the one-thread parse's) on any
 * error, or names out of order, for the one-thread parse to report the
 * first.  On success *startp is at the empty line after the section,
 * p->lineno at the line before it.
 */
static int
instances_two(struct parser *p, const char *buf, size_t len,
    const struct ckpt *ckp, size_t *startp)
{
	struct pool *pl;
	struct worker *w;
	pthread_t t;
	int started, rc;

	if ((pl = aligned_alloc(_Alignof(struct pool), sizeof(*pl))) == NULL)
		return -1;
	w = pl->w;

	names_init(p);
	pool_init(pl, p, buf, len, *startp, ckp);
	worker_init(&w[0], 0, p, pl);
	worker_init(&w[1], 1, p, pl);
	started = plan_thread_start(&t, worker_main, &w[1]) == 0;
	worker_main(&w[0]);
	if (started)
		pthread_join(t, NULL);
	else
		worker_main(&w[1]);	/* what is left, if any */
	rc = pool_merge(p, pl, w, startp);
	if (rc == 0)
		plan_parse_par_count++;
	worker_release(&w[0]);
	worker_release(&w[1]);
	free(pl);
	return rc;
}

/* plan_parse_text() on one thread, or two if two; *again if two failed. */
static int
parse_text(const char *buf, size_t len, const char *fname, int two,
    struct plan_cluster **out, struct herr *e, int *again)
{
	struct parser p;
	struct ckpt ck[NCKPT];
	struct linebuf lb = { NULL, 0 };
	enum scan r;
	size_t start, end;
	int section = 0, begun = 0, rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.fname = fname != NULL ? fname : "-";
	p.e = e;
	p.c = plan_cluster_new();
	p.nlines = count_lines(buf, len, ck);
	p.groups = strmap_new(16);
	p.hosts = strmap_new(p.nlines / 16);
	p.len = len;
	p.cluster_ratio = PLAN_DEFAULT_VCPU_RATIO;
	start = 0;
	while (start < len && section < 5) {
		if (section == 2 && !begun) {
			begun = 1;
			if (two && want_two(&p)) {
				if (instances_two(&p, buf, len, ck, &start) ==
				    -1) {
					*again = 1;
					goto out;
				}
				continue;	/* at the empty line */
			}
			/* one thread: the map of customers */
			p.owners = strmap_new(p.nlines / 8);
		}
		p.lineno++;
		if ((r = scan_line(&p, buf, len, start, &lb, &end)) ==
		    SCAN_BLANK)
			section++;
		else if (take_line(&p, section, r) == -1)
			goto out;
		start = end + 1;
	}
	if (section < 3) {
		herr_set(e, HERR_USAGE, "%s:%zu: file ends in section %d (%s); "
		    "needs node groups, nodes, instances and cluster tags, "
		    "each ended by an empty line", p.fname, p.lineno,
		    section + 1, section == 0 ? "node groups" :
		    section == 1 ? "nodes" : "instances");
		goto out;
	}
	finish(&p);
	*out = p.c;
	p.c = NULL;
	rc = 0;
out:
	free(lb.s);
	parser_release(&p);
	plan_cluster_free(p.c);
	return rc;
}

int
plan_parse_text(const char *buf, size_t len, const char *fname,
    struct plan_cluster **out, struct herr *e)
{
	int again = 0;

	if (parse_text(buf, len, fname, 1, out, e, &again) == 0)
		return 0;
	if (!again)
		return -1;
	return parse_text(buf, len, fname, 0, out, e, &again);
}
