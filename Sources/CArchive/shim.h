#include <archive.h>
#include <archive_entry.h>

static inline unsigned int goose_ae_ifreg(void) { return AE_IFREG; }
static inline unsigned int goose_ae_iflnk(void) { return AE_IFLNK; }
static inline unsigned int goose_ae_ifdir(void) { return AE_IFDIR; }
