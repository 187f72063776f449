/* schema_int.h - private to core/: how field types map to columns. */
#ifndef RAPPORT_SCHEMA_INT_H
#define RAPPORT_SCHEMA_INT_H

#include "entity.h"

const char *schema_col_type(enum field_type t);

#endif
