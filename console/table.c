/*
 * table: every console action, once.  The menu numbers the CMD_MENU rows
 * in this order; help and hangar-console(8) list them in this order too.
 */
#include <stddef.h>

#include "console/console.h"

const struct cmd console_cmds[] = {
	{ "list", act_list, CMD_CLI | CMD_WORD | CMD_JSON, "[--json]",
	  "list your VPSes" },
	{ "status", act_status, CMD_CLI | CMD_MENU | CMD_VPS | CMD_JSON,
	  "VPS [--json]", "state, uptime, plan and host" },
	{ "start", act_start, CMD_CLI | CMD_MENU | CMD_VPS, "VPS",
	  "power on" },
	{ "shutdown", act_shutdown, CMD_CLI | CMD_MENU | CMD_VPS | CMD_FORCE,
	  "VPS [--force-after SECONDS]",
	  "ACPI shut down; force off if still running after SECONDS" },
	{ "destroy", act_destroy, CMD_CLI | CMD_MENU | CMD_VPS, "VPS",
	  "force off now, like pulling the plug" },
	{ "reboot", act_reboot, CMD_CLI | CMD_MENU | CMD_VPS, "VPS",
	  "reboot (ACPI)" },
	{ "console", act_console, CMD_CLI | CMD_MENU | CMD_VPS | CMD_TAKE,
	  "VPS [--force]",
	  "serial console (leave with ~. or Ctrl-]); --force takes it over" },
	{ "logview", act_logview, CMD_CLI | CMD_MENU | CMD_VPS, "VPS",
	  "console log: the serial output kept by the host" },
	{ "install", act_install, CMD_CLI | CMD_MENU | CMD_VPS | CMD_IMAGE,
	  "VPS IMAGE", "install an OS: boot an installer from the catalog "
	  "(overwrites the disk)" },
	{ "rescue", act_rescue, CMD_CLI | CMD_MENU | CMD_VPS | CMD_IMAGE,
	  "VPS [IMAGE]", "boot the rescue system with the disk attached" },
	{ "maintenance", act_maintenance,
	  CMD_CLI | CMD_MENU | CMD_VPS | CMD_JSON | CMD_CHOICE,
	  "VPS [live-migrate|reboot|window-N] [--json]",
	  "the maintenance scheduled for it; choose live migration or "
	  "a reboot" },
	{ "images", act_images, CMD_CLI | CMD_WORD | CMD_JSON, "[--json]",
	  "the installers you can boot" },
	{ "pick", act_pick, CMD_MENU, "", "choose another VPS" },
	{ "help", act_help, CMD_CLI | CMD_WORD, "", "this help" },
	{ "exit", act_exit, CMD_MENU, "", "leave (also quit or q)" },
	{ "quit", act_exit, CMD_WORD | CMD_ALIAS, "", "leave" },
	{ "q", act_exit, CMD_WORD | CMD_ALIAS, "", "leave" },
	{ NULL, NULL, 0, NULL, NULL },
};
