/* modules.h - registers every module's entities with the engine; called once at start. */
#ifndef RAPPORT_MODULES_H
#define RAPPORT_MODULES_H

/* Registers all entities and checks the declarations; -1 (printed) when one is wrong. */
int modules_register_all(void);

#endif
