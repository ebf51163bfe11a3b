/*
 * Loads the lazily linked C libraries (lazy_symbols.def) when goose first calls one of their functions.
 *
 * Starting goose with all of its C libraries linked cost ~18 ms of CPU before main (the dynamic linker maps
 * and relocates 77 libraries); most subcommands use few of them. The trampolines (trampolines.S) call
 * goose_lazy_resolve on the first call of each function: it opens the library once, looks the function up and
 * stores it in the function's slot. A library that cannot be loaded ends goose with one line naming it and the
 * cause, and exit status 127, as the dynamic linker does for a missing library at start-up.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lazy_libraries.h"

#define LAZY_LIBRARY(index, soname)
#define LAZY_SYMBOL(index, library, name)
#include "lazy_symbols.def"
#undef LAZY_LIBRARY
#undef LAZY_SYMBOL

extern void *goose_lazy_slots[LAZY_SYMBOL_COUNT];
void *goose_lazy_resolve(unsigned long index);

static const char *const library_names[LAZY_LIBRARY_COUNT] = {
#define LAZY_LIBRARY(index, soname) [index] = soname,
#define LAZY_SYMBOL(index, library, name)
#include "lazy_symbols.def"
#undef LAZY_LIBRARY
#undef LAZY_SYMBOL
};

static const struct { unsigned short library; const char *name; } symbols[LAZY_SYMBOL_COUNT] = {
#define LAZY_LIBRARY(index, soname)
#define LAZY_SYMBOL(index, library, name) [index] = { library, #name },
#include "lazy_symbols.def"
#undef LAZY_LIBRARY
#undef LAZY_SYMBOL
};

static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;
static void *handles[LAZY_LIBRARY_COUNT];

static void fail(const char *what, const char *name, const char *cause) {
    fprintf(stderr, "goose: cannot %s %s: %s\n", what, name, cause ? cause : "unknown error");
    fflush(stderr);
    _exit(127);
}

/* The library's handle, loaded on first use; NULL (dlerror() says why) when it cannot be loaded. */
static void *loaded_handle(unsigned library) {
    void *handle = __atomic_load_n(&handles[library], __ATOMIC_ACQUIRE);
    if (handle) return handle;
    pthread_mutex_lock(&loading);
    handle = handles[library];
    if (!handle) {
        handle = dlopen(library_names[library], RTLD_NOW | RTLD_LOCAL);
        if (handle) __atomic_store_n(&handles[library], handle, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&loading);
    return handle;
}

/* The library's handle; a library that cannot be loaded ends goose. */
static void *library_handle(unsigned library) {
    void *handle = loaded_handle(library);
    if (!handle) fail("load", library_names[library], dlerror());
    return handle;
}

/* The index of a lazily loaded library by soname; LAZY_LIBRARY_COUNT when it is not one of them. */
static unsigned library_index(const char *library_soname) {
    unsigned library = 0;
    while (library < LAZY_LIBRARY_COUNT && strcmp(library_names[library], library_soname) != 0) library++;
    return library;
}

void *goose_lazy_resolve(unsigned long index) {
    void *function = dlsym(library_handle(symbols[index].library), symbols[index].name);
    if (!function) fail("find", symbols[index].name, dlerror());
    __atomic_store_n(&goose_lazy_slots[index], function, __ATOMIC_RELEASE);
    return function;
}

int goose_lazy_preload(const char *library_soname) {
    unsigned library = library_index(library_soname);
    /* Not fatal here: a library that cannot be loaded is reported by the first call that needs it. */
    return library < LAZY_LIBRARY_COUNT && loaded_handle(library) != NULL;
}

const void *goose_lazy_variable(const char *library_soname, const char *name) {
    unsigned library = library_index(library_soname);
    return library < LAZY_LIBRARY_COUNT ? dlsym(library_handle(library), name) : NULL;
}
