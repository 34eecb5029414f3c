/* names: device, array and controller names taken from kernel text or
 * files are cut down to the characters such names have, so nothing else
 * reaches incidents, metrics labels or mail headers. */
#ifndef HANGAR_HEALTH_NAMES_H
#define HANGAR_HEALTH_NAMES_H

static inline void
name_clean(char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.' || *s == ':'))
			*s = '_';
}

#endif
