/* org.h - the organization: the department tree (users live in core/auth). */
#ifndef RAPPORT_ORG_H
#define RAPPORT_ORG_H

#include "../../core/entity.h"

extern const entity_def departments_entity;
void org_register(void);

#endif
