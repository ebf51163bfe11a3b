#ifndef GOOSE_LAZY_LIBRARIES_H
#define GOOSE_LAZY_LIBRARIES_H

/* The sonames of the libraries goose loads on first use, by index from 0; NULL past the last. */
const char *goose_lazy_library_name(unsigned index);

/* A variable of one of those libraries (a trampoline can only stand in for functions); NULL when absent. */
const void *goose_lazy_variable(const char *library_soname, const char *name);

#endif
