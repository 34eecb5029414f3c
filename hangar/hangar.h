/* hangar(8): the operator's command; a thin client of hangard. */
#ifndef HANGAR_HANGAR_H
#define HANGAR_HANGAR_H

#include <sys/types.h>

#include <stddef.h>

#include <json-c/json.h>
#include <stdio.h>

#include "lib/herr.h"
#include "rpc/client.h"

struct cli {
	const char	*sockpath;
	const char	*state;		/* -s, for messages */
	int		 json;
	const char	*argv0;
	const char	*out_file;	/* an O_OUT option's file, or NULL */
};

/*
 * rows.c: guest.list's compact rows (text, decoded in place) as the
 * table render_guests prints: 0 done, 1 a write error, -1 not in the
 * simple form (nothing printed: give it to render_guests).
 */
int	rows_render_guests(char *text, size_t len, FILE *out);

/* import.c: advisory import from xsa.json; returns an exit status */
int	advisory_import(struct cli *cli, json_object *params);

/* render.c: aligned tables and key/value views of replies. */
#define MAXCOLS 12

/* A table of sanitized cells, printed with aligned columns. */
struct table {
	int	 ncols;
	char	**cells;	/* rows * ncols, owned */
	size_t	 rows, cap;
};
/* Adds a row of ncols values (copied, sanitized). */
void	render_row(struct table *t, const char **vals);
/* Prints the rows aligned and frees them. */
void	render_table(struct table *t);

void	render_hosts(json_object *arr);
void	render_guests(json_object *arr);
void	render_customers(json_object *arr);
void	render_plans(json_object *arr);
void	render_keys(json_object *arr);
void	render_images(json_object *arr);
void	render_advisories(json_object *arr);
void	render_impact(json_object *o);
void	render_posts(json_object *arr);
void	render_maint(json_object *o);
void	render_maint_report(json_object *o);
void	render_services(json_object *arr);
void	render_object(json_object *o);
/* render_incident.c: incidents */
void	render_incidents(json_object *arr);
void	render_incident(json_object *o);
void	render_incident_report(json_object *o);
void	render_json(json_object *o);
/* A console log's text (hangard sends it with controls mapped out). */
void	render_log(json_object *o);

/*
 * page.c: `maint report --html FILE`: the status page's view of one
 * cycle (the report of maint.report), written to path.
 */
int	report_html(const char *path, json_object *report, struct herr *e);

/* live.c: the live fleet for the planners (plan/plan.h) */
struct plan_cluster;
struct plan_cluster	*live_cluster(struct cli *cli, struct herr *e);

/* demo.c */
#define DEMO_MARK	".hangar-demo"	/* in a demo's state folder */
int	demo_main(struct cli *cli, int argc, char **argv);
/*
 * labguest.c: starts the demo's guest consoles (a daemon of its own,
 * pid in STATE/guests.pid) for the hangard on sock, ptys and console
 * logs in dir; returns its pid or -1.
 */
pid_t	labguest_start(const char *state, const char *sock, const char *dir);

/* Connects to hangard or prints why not; NULL with e set. */
struct rpc_client	*cli_connect(struct cli *cli, struct herr *e);
/* Calls a method and prints the result; returns the exit status. */
int	cli_call_print(struct cli *cli, struct rpc_client *rc,
	    const char *method, json_object *params,
	    void (*render)(json_object *));

#endif
