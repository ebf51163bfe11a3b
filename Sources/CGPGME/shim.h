#include <gpgme.h>

/* gpgme_check_version is a function-like macro that also initialises the library. */
static inline const char *goose_gpgme_check_version(const char *required) { return gpgme_check_version(required); }
