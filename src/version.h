/* version.h - the release this binary is. */
#ifndef RAPPORT_VERSION_H
#define RAPPORT_VERSION_H
#define RAPPORT_VERSION "0.1.0"
#endif
