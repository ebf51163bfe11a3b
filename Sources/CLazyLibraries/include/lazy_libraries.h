#ifndef GOOSE_LAZY_LIBRARIES_H
#define GOOSE_LAZY_LIBRARIES_H

/* A variable of one of the libraries goose loads on first use (lazy_symbols.def, by soname): a trampoline can
 * only stand in for functions. NULL when absent. */
const void *goose_lazy_variable(const char *library_soname, const char *name);

/* Loads one of those libraries now (by soname), so that a thread can take the dynamic linking off another's path;
 * 1 when it is loaded, 0 when it cannot be (the first call of one of its functions then reports why). */
int goose_lazy_preload(const char *library_soname);

#endif
