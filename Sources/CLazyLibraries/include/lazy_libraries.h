#ifndef GOOSE_LAZY_LIBRARIES_H
#define GOOSE_LAZY_LIBRARIES_H

/* A variable of one of the libraries goose loads on first use (lazy_symbols.def, by soname): a trampoline can
 * only stand in for functions. NULL when absent. */
const void *goose_lazy_variable(const char *library_soname, const char *name);

#endif
