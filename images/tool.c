/*
 * hangar-image-tool: runs the catalog library by hand, before hangard
 * wires it into `hangar image`.  Not installed.
 *   hangar-image-tool add NAME --images-dir DIR --os OS --version V
 *       (--iso F | --kernel F --initrd F)
 *       (--sha256 HEX[,HEX] | --sums F [--signify-key K] [--signify-sig S])
 *   hangar-image-tool remove NAME --images-dir DIR
 * add prints the record as JSON on stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/herr.h"
#include "lib/xmalloc.h"
#include "images/images.h"
#include "images/images_json.h"

enum { O_DIR = 256, O_OS, O_VERSION, O_ISO, O_KERNEL, O_INITRD, O_SHA256,
    O_SUMS, O_KEY, O_SIG };

static const struct option longopts[] = {
	{ "images-dir",	 required_argument, NULL, O_DIR },
	{ "os",		 required_argument, NULL, O_OS },
	{ "version",	 required_argument, NULL, O_VERSION },
	{ "iso",	 required_argument, NULL, O_ISO },
	{ "kernel",	 required_argument, NULL, O_KERNEL },
	{ "initrd",	 required_argument, NULL, O_INITRD },
	{ "sha256",	 required_argument, NULL, O_SHA256 },
	{ "sums",	 required_argument, NULL, O_SUMS },
	{ "signify-key", required_argument, NULL, O_KEY },
	{ "signify-sig", required_argument, NULL, O_SIG },
	{ NULL, 0, NULL, 0 }
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: hangar-image-tool add NAME --images-dir DIR "
	    "--os OS --version V\n"
	    "\t(--iso FILE | --kernel FILE --initrd FILE)\n"
	    "\t(--sha256 HEX[,HEX] | --sums FILE [--signify-key KEY] "
	    "[--signify-sig SIG])\n"
	    "       hangar-image-tool remove NAME --images-dir DIR\n");
	exit(2);
}

static int
fail(const struct herr *e)
{
	fprintf(stderr, "hangar-image-tool: %s\n", e->msg);
	return herr_exit_status(e->code);
}

static int
add(struct image_req *req, const char *dir)
{
	struct json_object *o;
	struct image_rec *rec = xcalloc(1, sizeof(*rec));
	struct herr e;
	int rc = 0;

	if (images_import(req, dir, rec, &e) == -1) {
		rc = fail(&e);
		goto out;
	}
	o = images_rec_to_json(rec);
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("hangar-image-tool: stdout");
		rc = 1;
	}
out:
	free(rec);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct image_req req;
	struct herr e;
	const char *cmd, *dir = NULL;
	char *sha = NULL, *comma;
	int ch, rc;

	memset(&req, 0, sizeof(req));
	if (argc < 3)
		usage();
	cmd = argv[1];
	req.name = argv[2];
	optind = 3;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_DIR: dir = optarg; break;
		case O_OS: req.os = optarg; break;
		case O_VERSION: req.version = optarg; break;
		case O_ISO: req.iso = optarg; break;
		case O_KERNEL: req.kernel = optarg; break;
		case O_INITRD: req.initrd = optarg; break;
		case O_SHA256: free(sha); sha = xstrdup(optarg); break;
		case O_SUMS: req.sums = optarg; break;
		case O_KEY: req.signify_key = optarg; break;
		case O_SIG: req.signify_sig = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || dir == NULL)
		usage();
	if (sha != NULL) {
		/* "KERNEL,INITRD" for kernel images. */
		if ((comma = strchr(sha, ',')) != NULL) {
			*comma = '\0';
			req.initrd_sha256 = comma + 1;
		}
		req.sha256 = sha;
	}
	if (strcmp(cmd, "add") == 0)
		rc = add(&req, dir);
	else if (strcmp(cmd, "remove") == 0)
		rc = images_remove(dir, req.name, &e) == -1 ? fail(&e) : 0;
	else
		usage();
	free(sha);
	return rc;
}
