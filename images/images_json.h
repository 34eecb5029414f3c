/* images_json: a struct image_rec as JSON (json-c), for the tool and RPC. */
#ifndef HANGAR_IMAGES_JSON_H
#define HANGAR_IMAGES_JSON_H

#include <json-c/json.h>

#include "images/images.h"

/* A new object the caller puts (json_object_put). */
struct json_object	*images_rec_to_json(const struct image_rec *rec);

#endif
